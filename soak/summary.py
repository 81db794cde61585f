"""The soak's verdict: counts on stdout, summary.json in the run directory, the exit code."""
import json
import os
import shutil


def report(s, a, seconds, failure):
    c = dict(s.counts)
    side = s.sidecar
    unexpected = side.unexpected if side else []
    errors = side.error_lines() if side else []
    validations = side.validations() if side else {"mismatch": [], "not_compared": []}
    c["validation_mismatches"] = len(validations["mismatch"])
    c["validation_not_compared"] = len(validations["not_compared"])
    problems = []
    if failure:
        problems.append(failure)
    for key in ("mismatches", "integrity_failures", "future_restores", "lost_restores", "data_lost",
                "validation_mismatches"):
        if c.get(key):
            problems.append("%s=%d" % (key, c[key]))
    if unexpected:
        problems.append("walship exited unexpectedly %d time(s), first with code %s" % (len(unexpected), unexpected[0][1]))
    if not failure and c.get("final_exit_code") != 0:
        problems.append("walship exited %s on SIGTERM (want 0)" % c.get("final_exit_code"))
    if not failure and c.get("restores_verified", 0) < 2:
        problems.append("fewer than 2 restores verified")
    problems.extend(s.notes)
    summary = dict(
        backend=a.backend, seed=a.seed, minutes=a.minutes, duration_s=round(seconds, 1),
        sync_interval_s=a.sync_interval, slack_s=a.slack, out=a.out,
        counts=c, walship_starts=side.starts if side else 0,
        refused_starts=side.refused if side else {},
        unexpected_exits=[{"ms": ms, "code": code, "log_tail": t} for ms, code, t in unexpected],
        walship_error_lines=errors[:20], walship_error_line_count=len(errors),
        validation_failures={k: v[:10] for k, v in validations.items()},
        max_restore_lag_ms=s.restorer.max_lag_ms if hasattr(s, "restorer") else None,
        app_checkpoints=[{"ms": k[0], "mode": k[1], "busy": k[2], "frames": k[3], "checkpointed": k[4]}
                         for k in s.wlog.checkpoints],
        load_avg_1m={"min": min(s.loads), "max": max(s.loads), "mean": round(sum(s.loads) / len(s.loads), 2)}
        if s.loads else None,
        passed=not problems, problems=problems)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    order = ["cycles", "kills", "checkpoints", "outages", "spool_fills", "restores_verified", "restores_loss_checked", "restores_skipped",
             "mismatches", "integrity_failures", "future_restores", "lost_restores", "data_lost", "validation_mismatches", "validation_not_compared", "commits",
             "final_exit_code", "catch_up_s", "verify_outcome"]
    print("soak: backend=%s seed=%d duration=%.0fs out=%s" % (a.backend, a.seed, seconds, a.out))
    for k in order:
        if k in c:
            print("soak:   %-20s %s" % (k, c[k]))
    print("soak:   %-20s %s" % ("walship_starts", summary["walship_starts"]))
    print("soak:   %-20s %s" % ("unexpected_exits", len(unexpected)))
    print("soak:   %-20s %s" % ("refused_starts", summary["refused_starts"]))
    print("soak:   %-20s %s" % ("error_log_lines", len(errors)))
    print("soak:   %-20s %s" % ("max_restore_lag_ms", summary["max_restore_lag_ms"]))
    print("soak:   %-20s %s" % ("load_avg_1m", summary["load_avg_1m"]))
    if problems:
        print("soak: FAILED: " + "; ".join(problems))
        print("soak: evidence kept in " + a.out)
        return 1
    print("soak: PASSED")
    if not a.keep:  # the logs, restores.log and summary.json stay; the bulky data goes
        for d in ("replica", "s3data", "restores"):
            shutil.rmtree(os.path.join(a.out, d), ignore_errors=True)
        for f in ("app.db", "app.db-wal", "app.db-shm"):
            if os.path.exists(os.path.join(a.out, f)):
                os.remove(os.path.join(a.out, f))
    return 0
