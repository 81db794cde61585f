package dev.walship.hooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A deploy hook that did not succeed: the HTTP status, one line for the operator, and optional details (per-replica
 * results, the known labels, the restore window) that the JSON answer carries next to {@code "error"}.
 */
final class HookFailure extends Exception {
    static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final ObjectNode detail;

    HookFailure(int status, String message, ObjectNode detail) {
        super(message);
        this.status = status;
        this.detail = detail;
    }

    int status() {
        return status;
    }

    /** {@code {"error": message, ...detail}}. */
    ObjectNode body() {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", getMessage());
        if (detail != null) n.setAll(detail);
        return n;
    }
}
