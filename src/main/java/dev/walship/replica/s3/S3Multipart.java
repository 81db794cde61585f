package dev.walship.replica.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Multipart upload of one replica's large files ({@link S3Replica#PART_SIZE} parts; a completed upload becomes
 * visible whole, a failed one is aborted and never appears), and the file regions that are the request bodies of
 * parts and of single PutObjects.
 */
final class S3Multipart {
    private final S3Client s3;
    private final String bucket;
    private final String storageClass;
    private final S3Replica.Counters counters;
    private final S3Errors errors;
    private final String url;

    S3Multipart(S3Client s3, String bucket, String storageClass, S3Replica.Counters counters, S3Errors errors,
                String url) {
        this.s3 = s3;
        this.bucket = bucket;
        this.storageClass = storageClass;
        this.counters = counters;
        this.errors = errors;
        this.url = url;
    }

    /** Uploads {@code size} bytes of {@code local} to {@code key} in parts; aborts the upload when it fails. */
    void upload(String key, String name, Path local, long size) throws IOException {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .contentType("application/octet-stream");
        if (storageClass != null) {
            create.storageClass(StorageClass.fromValue(storageClass));
        }
        String uploadId;
        try {
            counters.put.incrementAndGet();
            uploadId = s3.createMultipartUpload(create.build()).uploadId();
        } catch (SdkException e) {
            throw errors.translate(e, "starting the multipart upload of " + name, null);
        }
        boolean done = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int partNumber = 1;
            for (long offset = 0; offset < size; offset += S3Replica.PART_SIZE, partNumber++) {
                long length = Math.min(S3Replica.PART_SIZE, size - offset);
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("replica " + url + ": upload of " + name + " interrupted");
                }
                counters.put.incrementAndGet();
                UploadPartResponse r = s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(key)
                        .uploadId(uploadId).partNumber(partNumber).contentLength(length).build(),
                        RequestBody.fromContentProvider(region(local, offset, length), length,
                                "application/octet-stream"));
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(r.eTag()).build());
            }
            counters.put.incrementAndGet();
            s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder().bucket(bucket).key(key)
                    .uploadId(uploadId).multipartUpload(m -> m.parts(parts)).build());
            done = true;
        } catch (SdkException e) {
            throw errors.translate(e, "uploading " + name + " in parts", null);
        } finally {
            if (!done) {
                try {
                    counters.put.incrementAndGet();
                    s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(key)
                            .uploadId(uploadId).build());
                } catch (RuntimeException abortFailed) {
                    // The upload already failed; an unaborted upload is invisible and a lifecycle rule reaps it.
                }
            }
        }
    }

    /**
     * Re-openable content for {@code length} bytes of {@code file} from {@code offset}: the SDK opens a new stream
     * for each retry. Streams it does not close are closed when the request ends (by the SDK) at the latest.
     */
    static ContentStreamProvider region(Path file, long offset, long length) {
        return () -> {
            try {
                InputStream in = Files.newInputStream(file);
                in.skipNBytes(offset);
                return new BoundedInputStream(in, length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    /** Reads at most {@code remaining} bytes, then reports end of stream. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(buf, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(Math.min(n, remaining));
            remaining -= s;
            return s;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), remaining);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
