package dev.walship.db;

import java.io.IOException;

/** walship lost the thread of the WAL (it says why); the answer is always a fresh snapshot. */
final class ContinuityBreak extends IOException {
    ContinuityBreak(String reason) {
        super(reason);
    }

    ContinuityBreak(String reason, Throwable cause) {
        super(reason, cause);
    }
}
