package dev.walship.restore;

import java.time.Instant;

/** Formatting shared by plan explanations and errors, so txids read the same as in object names. */
final class Txids {
    private Txids() {}

    static String hex(long txid) {
        return "0x" + Long.toHexString(txid);
    }

    static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
