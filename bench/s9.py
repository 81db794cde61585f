"""Scenario 9: object-store requests per hour under continuous writes, S3 replica (S3Proxy).

Each tool run replicates its own copy of the seed database to its own bucket on one S3Proxy, through
a counting proxy (s3count.py), while the writer commits at a steady rate. Requests are counted only in
a window that starts `warmup` seconds after the writer started (start-up LISTs, the first snapshot
and the lease are left out), and scaled to one hour.
"""
import os
import shutil
import time

import s3count

PREFIX = "bench/app"


def run(b, B, reps, warmup, window, rate=200):
    """b: the Bench; B: the orchestrator module (bench.py runs as __main__), for its helpers."""
    seed = b.seed(20000, 200)
    s3 = s3count.S3Proxy(B.ROOT, b.out, B.JAVA)
    s3.start()
    cols = list(s3count.COLUMNS) + ["total"]
    res = {t.name: {"per_hour": {c: [] for c in cols}, "window_counts": [], "warmup_counts": [],
                    "proxy_errors": 0} for t in b.tools}
    try:
        for rep in range(reps):
            for t in b.order(rep):
                d = B.fresh_dir(b.out, "s9-%s-%d" % (t.name, rep))
                db = B.copy_seed(seed, d)
                bucket = s3.bucket("s9-%s-%d" % (t.name, rep))
                cp = s3count.CountingProxy(s3.port)
                try:
                    p = t.start_s3(db, "http://127.0.0.1:%d" % cp.port, bucket, PREFIX, d,
                                   s3count.IDENTITY, s3count.CREDENTIAL)
                    p.wait_ready(60)
                    w = B.start_writer(db, warmup + window + 3, d, rate=rate, seed=rep)
                    t0 = time.monotonic() + warmup
                    t1 = t0 + window
                    while time.monotonic() < t1:
                        if w.poll() is not None or p.p.poll() is not None:
                            raise RuntimeError("%s run %d: %s exited during the window" % (
                                t.name, rep, "the writer" if w.poll() is not None else t.name))
                        p.sample()
                        time.sleep(0.2)
                    inside = cp.counts(t0, t1)
                    before = cp.counts(0, t0)
                    B.finish_writer(w, 30)
                    p.stop()
                    cp.dump(os.path.join(b.out, "s9-requests-%s-%d.log" % (t.name, rep)))
                finally:
                    cp.close()
                x = res[t.name]
                per_hour = {c: v * 3600.0 / window for c, v in s3count.columns(inside).items()}
                for c in cols:
                    x["per_hour"][c].append(per_hour[c])
                x["window_counts"].append(inside)
                x["warmup_counts"].append(before)
                x["proxy_errors"] += len(cp.errors)
                B.log("s9", t.name, "rep", rep, "per hour:",
                      " ".join("%s %.0f" % (c, per_hour[c]) for c in cols), "window:", inside)
                b.cleanup(d)
                if not b.args.keep:
                    shutil.rmtree(os.path.join(s3.data, bucket), ignore_errors=True)
    finally:
        s3.stop()
    out = {}
    for t in b.tools:
        x = res[t.name]
        out[t.name] = {"per_hour": {c: B.stats(v) for c, v in x["per_hour"].items()},
                       "window_counts": x["window_counts"], "warmup_counts": x["warmup_counts"],
                       "proxy_errors": x["proxy_errors"]}
    out["settings"] = {"rate_tx_per_s": rate, "warmup_s": warmup, "window_s": window,
                       "walship": "sync-interval 1s (default)",
                       "litestream": "sync-interval 1s, monitor-interval 1s (defaults)",
                       "store": "S3Proxy 4.1.0, filesystem-nio2, SigV4, path-style, one bucket per run"}
    b.results["9_requests"] = out
