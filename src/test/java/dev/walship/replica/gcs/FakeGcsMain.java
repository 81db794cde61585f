package dev.walship.replica.gcs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The GCS JSON-API test server as a standalone process, for the soak harness (soak/run.sh --backend gcs):
 * {@code java -cp target/test-classes:target/walship.jar dev.walship.replica.gcs.FakeGcsMain BUCKET}.
 * It prints {@code endpoint URL} once listening, then reads commands on stdin, one a line:
 * {@code outage on} (every request has its connection closed unanswered, as if the store were down),
 * {@code outage off}. Objects live in memory, so an outage cannot be a restart; end of stdin stops it.
 */
public final class FakeGcsMain {
    private FakeGcsMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: FakeGcsMain BUCKET");
            System.exit(2);
        }
        try (FakeGcsServer gcs = FakeGcsServer.start()) {
            gcs.createBucket(args[0]);
            System.out.println("endpoint " + gcs.endpoint());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                switch (line.trim()) {
                    case "outage on" -> gcs.dropNext(Integer.MAX_VALUE);
                    case "outage off" -> gcs.dropNext(0);
                    case "" -> { }
                    default -> System.err.println("FakeGcsMain: unknown command '" + line + "' (outage on|off)");
                }
                System.out.println("ok " + line.trim() + " requests=" + gcs.requests().size());
                System.out.flush();
            }
        }
    }
}
