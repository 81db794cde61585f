package dev.walship.replica.gcs;

import com.google.cloud.BaseServiceException;
import dev.walship.replica.PreconditionFailedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import javax.net.ssl.SSLException;

/**
 * Turns what the GCS client throws into one-line {@link IOException}s that name the step, the replica
 * object and the fix. Messages are built from status codes and our own names only, so no request URL
 * (which could carry a signed token) or credential ever reaches a log.
 */
final class GcsErrors {
    private final String replicaUrl;
    private final String bucket;
    private final String endpoint;

    GcsErrors(String replicaUrl, String bucket, String endpoint) {
        this.replicaUrl = replicaUrl;
        this.bucket = bucket;
        this.endpoint = endpoint;
    }

    /** The HTTP status in a client exception (0 when the request never got an answer). */
    static int status(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BaseServiceException b) return b.getCode();
        }
        return 0;
    }

    /** GCS answers 404 both for a missing object and a missing bucket; only the message tells them apart. */
    static boolean isBucketMissing(Throwable t) {
        if (status(t) != 404) return false;
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && m.toLowerCase(java.util.Locale.ROOT).contains("bucket")
                    && !m.toLowerCase(java.util.Locale.ROOT).contains("no such object")) {
                return true;
            }
        }
        return false;
    }

    static boolean isObjectMissing(Throwable t) {
        return status(t) == 404 && !isBucketMissing(t);
    }

    /** {@code open gs://b/p/L0/x.seg} style subject for a step on one object (or the replica itself). */
    String subject(String step, String name) {
        return step + " " + (name == null ? replicaUrl : replicaUrl + "/" + name);
    }

    NoSuchFileException noSuchFile(String name) {
        return new NoSuchFileException(replicaUrl + "/" + name);
    }

    IOException translate(String step, String name, Throwable e) {
        String what = subject(step, name);
        if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
            return (InterruptedIOException) e;
        }
        int code = status(e);
        IOException out = switch (code) {
            case 0 -> network(what, e);
            case 401 -> new IOException(what + ": 401 Unauthorized (check the replica's credentials: the"
                    + " credentials file, GOOGLE_APPLICATION_CREDENTIALS or workload identity)");
            case 403 -> new IOException(what + ": 403 Forbidden (grant the service account roles/storage.objectAdmin"
                    + " on bucket " + bucket + ", or check the replica's credentials)");
            case 404 -> isBucketMissing(e)
                    ? new IOException(what + ": bucket " + bucket + " does not exist (create it, or fix the bucket"
                            + " name of the replica)")
                    : noSuchFile(name == null ? "" : name);
            case 412 -> new PreconditionFailedException(what + ": the object changed meanwhile (412 Precondition Failed)");
            case 408, 429, 500, 502, 503, 504 -> new IOException(what + ": Cloud Storage answered " + code
                    + " until the retry budget ran out (a service problem; walship retries later)");
            default -> new IOException(what + ": Cloud Storage answered " + code + " " + reason(e));
        };
        if (out.getCause() == null) out.initCause(e);
        return out;
    }

    private IOException network(String what, Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return new IOException(what + ": TLS with " + endpoint + " failed (check the endpoint URL and"
                        + " that the JVM trusts its certificate): " + c.getClass().getSimpleName(), e);
            }
            if (c instanceof UnknownHostException) {
                return new IOException(what + ": endpoint " + endpoint + " does not resolve (check the endpoint"
                        + " and DNS)", e);
            }
            if (c instanceof ConnectException || c instanceof NoRouteToHostException
                    || c instanceof SocketTimeoutException) {
                return new IOException(what + ": endpoint " + endpoint + " does not answer (check the endpoint,"
                        + " the network and proxies; walship retries)", e);
            }
        }
        if (e instanceof IOException io && !(e instanceof java.nio.file.NoSuchFileException)) {
            // a local problem (e.g. reading the file to upload): its own message is the useful part
            return new IOException(what + ": " + io.getMessage(), io);
        }
        return new IOException(what + ": no answer from " + endpoint + " (" + e.getClass().getSimpleName()
                + "; check the endpoint and the network)", e);
    }

    private static String reason(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof BaseServiceException b && b.getReason() != null) return "(" + b.getReason() + ")";
        }
        return "";
    }
}
