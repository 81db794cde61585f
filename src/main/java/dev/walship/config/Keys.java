package dev.walship.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The key names of sidecar.yml (also the CLI flag names), and "did you mean" suggestions for typos. */
final class Keys {
    static final String DBS = "dbs";
    static final String DEFAULTS = "defaults";
    static final String LOG_LEVEL = "log-level";
    static final String LOG_FORMAT = "log-format";
    static final String PATH = "path";
    static final String NAME = "name";
    static final String REPLICAS = "replicas";
    static final String SPOOL_DIR = "spool-dir";
    static final String SYNC_INTERVAL = "sync-interval";
    static final String SYNC_ON_COMMIT = "sync-on-commit";
    static final String SNAPSHOT_INTERVAL = "snapshot-interval";
    static final String RETENTION = "retention";
    static final String L0_RETENTION = "l0-retention";
    static final String L1_INTERVAL = "l1-interval";
    static final String L2_INTERVAL = "l2-interval";
    static final String CHECKPOINT_PAGES = "checkpoint-pages";
    static final String MAX_WAL_SIZE = "max-wal-size";
    static final String BUSY_TIMEOUT = "busy-timeout";
    static final String SPOOL_MAX_SIZE = "spool-max-size";
    static final String ENCRYPTION_KEY = "encryption-key";
    static final String WAIT_FOR_LEASE = "wait-for-lease";
    static final String MAX_LAG = "max-lag";
    static final String VALIDATION_INTERVAL = "validation-interval";
    static final String ADMIN_LISTEN = "admin-listen";
    static final String ADMIN_TOKEN = "admin-token";
    static final String KEEP_LABELS = "keep-labels";
    static final String URL = "url";
    static final String TYPE = "type";
    static final String FILE_SUFFIX = "-file";
    static final String BUCKET = "bucket";
    static final String ENDPOINT = "endpoint";
    static final String REGION = "region";
    static final String PATH_STYLE = "path-style";
    static final String CHECKSUM_MODE = "checksum-mode";
    static final String STORAGE_CLASS = "storage-class";
    static final String ACCESS_KEY_ID = "access-key-id";
    static final String SECRET_ACCESS_KEY = "secret-access-key";
    static final String CREDENTIALS_FILE = "credentials-file";

    /** Per-db settings that may also be given once under {@code defaults:}. */
    static final List<String> TUNABLES = List.of(SYNC_INTERVAL, SYNC_ON_COMMIT, SNAPSHOT_INTERVAL, RETENTION,
            L0_RETENTION, L1_INTERVAL, L2_INTERVAL, CHECKPOINT_PAGES, MAX_WAL_SIZE, BUSY_TIMEOUT, SPOOL_MAX_SIZE,
            ENCRYPTION_KEY, WAIT_FOR_LEASE, MAX_LAG, VALIDATION_INTERVAL);
    /** Settings that identify one database, so sharing them through {@code defaults:} makes no sense. */
    static final List<String> DB_ONLY = List.of(PATH, NAME, REPLICAS, SPOOL_DIR);
    static final List<String> TOP = List.of(LOG_LEVEL, LOG_FORMAT, ADMIN_LISTEN, ADMIN_TOKEN, KEEP_LABELS, DEFAULTS, DBS);
    static final List<String> DB = concat(DB_ONLY, TUNABLES);
    /** Keys of a replica in map form (file: path; s3: bucket, path and the rest; gcs: bucket, path, credentials). */
    static final List<String> REPLICA = List.of(URL, TYPE, PATH, BUCKET, ENDPOINT, REGION, PATH_STYLE, CHECKSUM_MODE,
            STORAGE_CLASS, ACCESS_KEY_ID, SECRET_ACCESS_KEY, CREDENTIALS_FILE);
    /** Replica keys that may accompany url: (the URL cannot carry them). */
    static final List<String> REPLICA_CREDENTIALS = List.of(ACCESS_KEY_ID, SECRET_ACCESS_KEY, CREDENTIALS_FILE);

    private Keys() {
    }

    /** True for keys holding a list or map; every other key holds one value and may be read from X-file. */
    static boolean isStructure(String key) {
        return key.equals(DBS) || key.equals(DEFAULTS) || key.equals(REPLICAS);
    }

    /** The closest known key within edit distance 2 (ignoring case and _ vs -), or null. */
    static String suggest(String key, Collection<String> known) {
        String k = key.toLowerCase(Locale.ROOT).replace('_', '-');
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int d = distance(k, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
