#!/usr/bin/env python3
"""walship soak: a writer process, walship replicate, and faults at random intervals, with restores
checked against the writer's record. Run it through soak/run.sh (see there for the options)."""
import argparse
import json
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backends  # noqa: E402
import procs  # noqa: E402
import verify  # noqa: E402
from restores import Restorer  # noqa: E402
from sidecar import Sidecar, now_ms  # noqa: E402
from summary import report  # noqa: E402

# kill -9 and app checkpoints come every 4-15 s (weighted 1:2); outages and spool fills have their own
# clocks (the first within a minute, then 60-150 s after the previous one ended), so the run is not
# mostly outage and most restore instants can be held to the no-loss rule.
FAULTS = {"kill": 2.0, "checkpoint": 4.0}
LONG_FAULT_GAP = (60, 150)


class Abort(Exception):
    pass


def on_signal(signum, _frame):
    raise Abort("signal %d" % signum)


def parse():
    p = argparse.ArgumentParser(prog="soak/run.sh")
    p.add_argument("--minutes", type=float, required=True)
    p.add_argument("--backend", choices=sorted(backends.BACKENDS), default="file")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--out", default=None)
    p.add_argument("--jar", required=True, help="set by run.sh: a private copy of target/walship.jar")
    p.add_argument("--java-opts", default="-XX:+UseSerialGC -Xmx256m")
    p.add_argument("--sync-interval", type=float, default=1.0, help="seconds")
    p.add_argument("--slack", type=float, default=5.0, help="seconds a commit may take to be seen beyond the sync interval")
    p.add_argument("--spool-mb", type=int, default=64)
    p.add_argument("--keep", action="store_true", help="keep the databases and replica after a passing run")
    return p.parse_args()


class Soak:
    def __init__(self, a, root):
        self.a, self.root = a, root
        self.rnd = random.Random(a.seed)
        self.out = a.out
        self.reg = procs.Registry(self.out)
        self.java = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        self.backend = backends.BACKENDS[a.backend](root, self.out, self.reg, self.java)
        self.db = os.path.join(self.out, "app.db")
        self.spool = os.path.join(self.out, "spool")
        self.wlog_path = os.path.join(self.out, "writer.log")
        self.stop_file = os.path.join(self.out, "stop-writer")
        self.blind = verify.Blind()
        self.wlog = verify.WriterLog(self.wlog_path)
        self.s_ms = int((a.sync_interval + a.slack) * 1000)
        self.counts = dict(cycles=0, kills=0, checkpoints=0, checkpoints_truncate=0, checkpoints_restart=0,
                           outages=0, spool_fills=0, restores_verified=0, restores_loss_checked=0,
                           restores_skipped=0, mismatches=0, integrity_failures=0, future_restores=0,
                           lost_restores=0, data_lost=0)
        self.events = open(os.path.join(self.out, "events.log"), "a")
        self.outage_end = None
        self.fill_end = None
        self.fill_idx = None
        self.outage_ended_at = 0.0
        self.next_outage = self.next_fill = float("inf")
        self.fill_ended_at = 0.0
        self.writer = None
        self.sidecar = None
        self.loads = []
        self.notes = []

    def event(self, what):
        line = "%s %d %s" % (time.strftime("%H:%M:%S"), now_ms(), what)
        self.events.write(line + "\n")
        self.events.flush()
        print("soak: " + line, flush=True)

    def fault_active(self, kind):
        return (self.fill_end if kind == "spool_full" else self.outage_end) is not None

    def refusal(self, lines, started):
        """The fault behind a start refused with exit 1: one that lasted into that run, named by its
        last line (the spool's ENOSPC, or the replica that did not answer)."""
        last = lines[-1] if lines else ""
        if (self.fill_end is not None or self.fill_ended_at >= started) and "No space left on device" in last:
            return "spool_full"
        if ((self.outage_end is not None or self.outage_ended_at >= started) and last.startswith("walship: ")
                and ("does not answer" in last or "no answer from" in last)):  # the S3 and the GCS wording
            return "store_down"
        return None

    # ---- faults -------------------------------------------------------------------------------

    def fault(self, kind):
        r = self.rnd
        self.counts["cycles"] += 1
        if kind == "kill":
            down = r.uniform(0, 3)
            self.event("kill -9 walship pid=%s, restart in %.1f s" % (self.sidecar.proc.pid if self.sidecar.proc else "-", down))
            self.sidecar.kill9(down)
            self.counts["kills"] += 1
        elif kind == "checkpoint":
            mode, sig = r.choice([("TRUNCATE", signal.SIGUSR1), ("RESTART", signal.SIGUSR2)])
            self.event("app checkpoint %s requested" % mode)
            self.writer.send_signal(sig)
            self.counts["checkpoints"] += 1
            self.counts["checkpoints_" + mode.lower()] += 1
        elif kind == "outage":
            secs = r.uniform(10, 60)
            self.event("object store down for %.0f s" % secs)
            self.backend.down()
            self.outage_end = time.time() + secs
            self.counts["outages"] += 1
        elif kind == "fill":
            secs = r.uniform(5, 30)
            self.fill_idx = self.blind.open(now_ms())
            n = procs.fill(self.spool)
            self.event("spool filesystem filled with %d MB ballast for %.0f s" % (n >> 20, secs))
            self.fill_end = time.time() + secs
            self.counts["spool_fills"] += 1

    def end_faults(self, force=False):
        t = time.time()
        if self.outage_end is not None and (force or t >= self.outage_end):
            self.backend.up()
            self.outage_end = None
            self.outage_ended_at = time.time()
            self.next_outage = self.outage_ended_at + self.rnd.uniform(*LONG_FAULT_GAP)
            self.event("object store up")
        if self.fill_end is not None and (force or t >= self.fill_end):
            os.remove(os.path.join(self.spool, "ballast"))
            # the follower retries a failed sync with a backoff of up to 10 s
            self.blind.close(self.fill_idx, now_ms() + 10_000)
            self.fill_end = None
            self.fill_ended_at = time.time()
            self.next_fill = self.fill_ended_at + self.rnd.uniform(*LONG_FAULT_GAP)
            self.event("spool ballast removed")

    def next_fault(self):
        kinds = list(FAULTS) if self.sidecar.proc is not None else ["checkpoint"]
        return self.rnd.choices(kinds, [FAULTS[k] for k in kinds])[0]

    # ---- the run ------------------------------------------------------------------------------

    def start(self):
        procs.mount_tmpfs(self.spool, self.a.spool_mb)
        self.reg.add_mount(self.spool)
        self.backend.start()
        java_cmd = [self.java] + self.a.java_opts.split() + ["-jar", self.a.jar]
        self.restorer = Restorer(self, java_cmd)
        self.sidecar = Sidecar(self.reg, self.blind, java_cmd, self.db, self.backend.url, self.backend.env,
                               self.spool, "%dms" % int(self.a.sync_interval * 1000), self.out,
                               self.refusal, self.fault_active)
        self.sidecar.start()
        self.writer = self.reg.spawn("writer", [sys.executable, os.path.join(self.root, "soak", "writer.py"),
                                                "--db", self.db, "--log", self.wlog_path, "--stop-file", self.stop_file,
                                                "--seed", str(self.a.seed)], os.path.join(self.out, "writer.err"))
        if not self.sidecar.wait_ready(120):
            raise RuntimeError("walship did not start replicating within 120 s:\n" + procs.tail(self.sidecar.log))
        self.event("walship replicating, writer pid=%d" % self.writer.pid)

    def loop(self):
        r = self.rnd
        start = time.time()
        end = start + self.a.minutes * 60
        next_fault = start + r.uniform(5, 10)
        self.next_outage = start + r.uniform(20, 60) if self.backend.can_fail else float("inf")
        self.next_fill = start + r.uniform(20, 60)
        next_restore = start + r.uniform(10, 15)
        next_load = start
        while time.time() < end:
            time.sleep(0.2)
            self.sidecar.poll()
            self.wlog.poll()
            self.end_faults()
            if self.writer.poll() is not None:
                raise RuntimeError("the writer exited with %s:\n%s" % (
                    self.writer.returncode, procs.tail(os.path.join(self.out, "writer.err"))))
            if len(self.sidecar.unexpected) > 3:
                raise RuntimeError("walship exited unexpectedly %d times" % len(self.sidecar.unexpected))
            t = time.time()
            if t >= next_load:
                self.loads.append(os.getloadavg()[0])
                next_load = t + 30
            if t >= next_fault:
                self.fault(self.next_fault())
                next_fault = time.time() + r.uniform(4, 15)
            if self.outage_end is None and t >= self.next_outage:
                self.fault("outage")
            if self.fill_end is None and t >= self.next_fill:
                self.fault("fill")
            if t >= next_restore and self.outage_end is None:
                self.restorer.time_restore()
                next_restore = time.time() + r.uniform(6, 15)

    def finish(self):
        """Writer stops, walship catches up and stops on SIGTERM (exit 0), the latest restore is exact."""
        open(self.stop_file, "w").close()
        try:
            self.writer.wait(120)
        except Exception:
            raise RuntimeError("the writer did not stop within 120 s of its stop file")
        stopped = time.time()
        self.wlog.poll()
        self.end_faults(force=True)
        if self.sidecar.proc is None:
            self.sidecar.start()
        if not self.sidecar.wait_ready(180):
            raise RuntimeError("walship did not replicate again within 180 s:\n" + procs.tail(self.sidecar.log))
        ready = time.time()
        pending = os.path.join(self.spool, "pending")
        deadline = time.time() + 240
        while time.time() < deadline:
            self.sidecar.poll()
            t = time.time()
            left = [f for f in os.listdir(pending) if not f.startswith(".")]
            if not left and t - stopped > self.a.sync_interval + 3 and t - ready > self.a.sync_interval + 3:
                break
            time.sleep(0.5)
        else:
            self.notes.append("spool still had files 240 s after the writer stopped")
        caught_up = time.time() - stopped
        self.event("caught up %.1f s after the writer stopped; SIGTERM" % caught_up)
        code = self.sidecar.term()
        self.counts["final_exit_code"] = code
        self.counts["catch_up_s"] = round(caught_up, 1)
        live_digest, live_ic = verify.digest_of(self.db)
        final = self.wlog.last()
        self.counts["commits"] = final[0]
        if live_digest != final[3] or live_ic != "ok":
            self.notes.append("the writer's log and its database disagree (%s)" % live_ic)
        self.restorer.final_restore(final)
        self.restorer.final_verify()


def main():
    a = parse()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1, 1 << 31)
    if a.out is None:
        a.out = os.path.join(root, "soak", "out", "%s-%s-s%d" % (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                                                                   a.backend, a.seed))
    os.makedirs(a.out, exist_ok=True)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    s = Soak(a, root)
    t0 = time.time()
    failure = None
    s.event("start backend=%s minutes=%s seed=%d out=%s" % (a.backend, a.minutes, a.seed, a.out))
    try:
        s.start()
        s.loop()
        s.finish()
    except Abort as e:
        failure = "aborted by " + str(e)
    except Exception as e:  # reported in the summary and by the exit code, with its message
        failure = "%s: %s" % (type(e).__name__, e)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        s.reg.stop_all()
    return report(s, a, time.time() - t0, failure)


if __name__ == "__main__":
    sys.exit(main())
