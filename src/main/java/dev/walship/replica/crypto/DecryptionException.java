package dev.walship.replica.crypto;

import java.io.IOException;

/**
 * An encrypted object could not be decrypted: the key is wrong, or the object was changed, truncated,
 * reordered or stored under another name. No byte of such an object is ever handed out.
 */
public final class DecryptionException extends IOException {
    private final String object;

    DecryptionException(String object, String message) {
        super(message);
        this.object = object;
    }

    /** The replica-relative name of the object that failed. */
    public String object() {
        return object;
    }
}
