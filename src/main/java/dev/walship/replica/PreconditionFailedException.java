package dev.walship.replica;

import java.io.IOException;

/** A conditional write lost: someone else wrote the object since it was read. Every backend reports it so. */
public final class PreconditionFailedException extends IOException {
    public PreconditionFailedException(String message) {
        super(message);
    }
}
