package dev.walship.replica.gcs;

import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP requests a {@link GcsReplica} sent to Cloud Storage, by the operation class they are billed as.
 * Counted at the transport, so the client library's own retries and every chunk of a resumable upload
 * are included: these are the requests that reached (or tried to reach) the endpoint.
 */
public final class GcsRequestCounters {
    /** Object and bucket writes: uploads (each resumable chunk), conditional writes, bucket inserts. */
    public final AtomicLong put = new AtomicLong();
    /** Object reads: metadata and media GETs. */
    public final AtomicLong get = new AtomicLong();
    /** Listing pages. */
    public final AtomicLong list = new AtomicLong();
    /** Object deletes (and cancelled upload sessions). */
    public final AtomicLong delete = new AtomicLong();

    /** A consistent-enough copy for logs and metrics. */
    public record Snapshot(long put, long get, long list, long delete) {
        public long total() {
            return put + get + list + delete;
        }
    }

    public Snapshot snapshot() {
        return new Snapshot(put.get(), get.get(), list.get(), delete.get());
    }

    /** Classifies one HTTP request of the GCS JSON API. */
    void count(String method, String path) {
        switch (method) {
            case "GET", "HEAD" -> {
                // objects.list is GET .../b/{bucket}/o ; everything else read-only is a GET of something
                if (path.endsWith("/o") || path.endsWith("/o/")) list.incrementAndGet();
                else get.incrementAndGet();
            }
            case "DELETE" -> delete.incrementAndGet();
            default -> put.incrementAndGet();
        }
    }
}
