package dev.walship.replica.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns the AWS SDK's exceptions for one replica into one-line {@link IOException}s naming the replica, what failed
 * and how to fix it; never credentials.
 */
final class S3Errors {
    private final String url;
    private final String bucket;
    private final String endpointText;

    /**
     * @param url          the replica's URL as shown to users (no credentials)
     * @param endpointText the endpoint as named in messages
     */
    S3Errors(String url, String bucket, String endpointText) {
        this.url = url;
        this.bucket = bucket;
        this.endpointText = endpointText;
    }

    /**
     * One line naming the replica, what failed and how to fix it; never credentials. {@code missingName} is the
     * replica-relative name for which a missing key is a {@link NoSuchFileException}.
     */
    IOException translate(SdkException e, String what, String missingName) {
        String prefix = "replica " + url + ": " + what + " failed: ";
        if (e instanceof S3Exception s) {
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            int status = s.statusCode();
            if ("NoSuchBucket".equals(code)) {
                return new IOException(prefix + "bucket " + bucket + " does not exist: create it or fix the replica"
                        + " URL", e);
            }
            if (missingName != null && (status == 404 || "NoSuchKey".equals(code))) {
                NoSuchFileException n = new NoSuchFileException(url + "/" + missingName);
                n.initCause(e);
                return n;
            }
            if (status == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)
                    || "AccessDenied".equals(code) || "ExpiredToken".equals(code)
                    || "InvalidToken".equals(code)) {
                return new IOException(prefix + "access denied" + (code != null ? " (" + code + ")" : "")
                        + ": check the replica's credentials", e);
            }
            if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)
                    || "IllegalLocationConstraintException".equals(code)) {
                return new IOException(prefix + "bucket " + bucket + " is in another region"
                        + (code != null ? " (" + code + ")" : "") + ": set the replica's region", e);
            }
            if (status == 404 && code == null) {
                return new IOException(prefix + "bucket " + bucket + " does not exist: create it or fix the replica"
                        + " URL", e);
            }
            return new IOException(prefix + "S3 error " + (code != null ? code : "") + " (HTTP " + status + ")"
                    + (s.awsErrorDetails() != null && s.awsErrorDetails().errorMessage() != null
                            ? ": " + s.awsErrorDetails().errorMessage() : ""), e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return new IOException(prefix + "TLS failure talking to " + endpointText + ": check the endpoint's"
                        + " certificate or use http:// for a local store", e);
            }
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.SocketTimeoutException || t instanceof java.net.NoRouteToHostException
                    || t.getClass().getName().endsWith("ConnectTimeoutException")) {
                return new IOException(prefix + "endpoint " + endpointText + " does not answer ("
                        + t.getClass().getSimpleName() + "): check endpoint and network", e);
            }
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                InterruptedIOException i = new InterruptedIOException(prefix + "interrupted");
                i.initCause(e);
                return i;
            }
            if (t instanceof IOException io && t != e && !(t.getClass().getName().startsWith("org.apache"))) {
                // a local problem (the file being uploaded could not be read)
                return new IOException(prefix + io.getClass().getSimpleName() + ": " + io.getMessage(), e);
            }
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                .orElse("");
        return new IOException(prefix + msg, e);
    }

    /** A DeleteObjects per-key error other than NoSuchKey, for the replica-relative {@code name}. */
    IOException deleteFailed(String name, S3Error err) {
        return new IOException("replica " + url + ": deleting " + name + " failed: " + err.code()
                + (err.code() != null && err.code().equals("AccessDenied")
                        ? " (check the replica's credentials allow s3:DeleteObject)"
                        : " (" + err.message() + ")"));
    }
}
