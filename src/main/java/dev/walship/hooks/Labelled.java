package dev.walship.hooks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * A labelled snapshot and, per replica, whether it is durable and labelled there.
 *
 * @param results in the order of the database's replicas
 */
record Labelled(String label, long txid, long time, List<Result> results) {

    /** One replica's outcome; {@code error} is null when the snapshot and its label are stored there. */
    record Result(String replica, boolean durable, String error) {}

    boolean durableEverywhere() {
        return results.stream().allMatch(Result::durable);
    }

    /** Adds label, txid, time and the per-replica results to {@code out}. */
    void describe(ObjectNode out) {
        out.put("label", label);
        out.put("txid", txid);
        out.put("time", Instant.ofEpochMilli(time).toString());
        ArrayNode arr = out.putArray("replicas");
        for (Result r : results) {
            ObjectNode n = arr.addObject();
            n.put("replica", r.replica());
            n.put("durable", r.durable());
            if (r.error() != null) n.put("error", r.error());
        }
    }
}
