package dev.walship.restore;

import java.time.Instant;
import java.util.Objects;

/** What state a restore should produce: the newest one, the state at a point in time, or after one transaction. */
public sealed interface RestoreTarget {

    /** A short human description, used in plan explanations and error messages. */
    String describe();

    /** The newest state the replica can restore. */
    record Latest() implements RestoreTarget {
        @Override
        public String describe() {
            return "the latest state";
        }
    }

    /** The state after the last transaction whose time is at or before {@code time}. */
    record AtTime(Instant time) implements RestoreTarget {
        public AtTime {
            Objects.requireNonNull(time, "time");
        }

        public long millis() {
            return time.toEpochMilli();
        }

        @Override
        public String describe() {
            return "time " + time;
        }
    }

    /** The state right after transaction {@code txid}. */
    record AtTxid(long txid) implements RestoreTarget {
        public AtTxid {
            if (txid < 1) throw new IllegalArgumentException("txid must be >= 1, got " + txid);
        }

        @Override
        public String describe() {
            return "txid " + Txids.hex(txid);
        }
    }
}
