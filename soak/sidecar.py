"""walship replicate as the soak runs it: started, killed with -9, restarted, and watched for an
exit nobody asked for. Every stretch in which it cannot see commits is recorded in a Blind."""
import os
import signal
import subprocess
import time

import procs


def now_ms():
    return int(time.time() * 1000)


class Sidecar:
    def __init__(self, reg, blind, java_cmd, db, url, env, spool, sync_interval, out, refusal, fault_active):
        """refusal(log lines, start time) -> the active fault that explains a failed start, or None;
        fault_active(reason) -> whether that fault still lasts."""
        self.reg, self.blind, self.env = reg, blind, env
        self.refusal, self.fault_active = refusal, fault_active
        self.log = os.path.join(out, "walship.log")
        self.cmd = java_cmd + ["replicate", "--db", db, "--replica", url, "--sync-interval", sync_interval,
                               "--spool-dir", spool, "--snapshot-interval", "2m", "--validation-interval", "1m",
                               "--admin-listen", "off"]
        self.proc = None
        self.ready = False
        self.blind_idx = None
        self.starts = 0
        self.unexpected = []  # (ms, exit code, log tail)
        self.refused = {}  # fault -> starts refused during it
        self.wait_for = None
        self.restart_at = None

    def start(self):
        if self.blind_idx is None:
            self.blind_idx = self.blind.open(now_ms())
        self.proc = self.reg.spawn("walship", self.cmd, self.log, env=self.env)
        self.ready = False
        self.starts += 1
        self.started_at = time.time()
        self.restart_at = None
        self.wait_for = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def poll(self):
        """Notices readiness and unexpected exits; restarts when a scheduled restart is due."""
        if self.proc is None:
            if self.restart_at is not None and time.time() >= self.restart_at and not (
                    self.wait_for and self.fault_active(self.wait_for)):
                self.start()
            return
        code = self.proc.poll()
        if code is not None:
            was_ready = self.ready
            self.reg.forget("walship")
            self.proc = None
            self.ready = False
            if self.blind_idx is None:
                self.blind_idx = self.blind.open(now_ms())
            # walship refuses to start (exit 1) without room in its spool or an answering replica.
            # Such a refusal during that very fault is counted apart and it is started again (as a
            # supervisor would) once the fault is over; any other exit is a failure of the run.
            reason = self.refusal(procs.lines_since_marker(self.log), self.started_at) if code == 1 and not was_ready else None
            if reason:
                self.refused[reason] = self.refused.get(reason, 0) + 1
                self.wait_for = reason
            else:
                self.unexpected.append((now_ms(), code, procs.tail(self.log, 40)))
            self.restart_at = time.time() + 2
            return
        if not self.ready and procs.log_lines_since_marker(self.log, "replicating db=") > 0:
            self.ready = True
            self.blind.close(self.blind_idx, now_ms())
            self.blind_idx = None

    def kill9(self, restart_after):
        """SIGKILL; the next poll after restart_after seconds starts it again."""
        if self.proc is not None and self.proc.poll() is None:
            if self.blind_idx is None:
                self.blind_idx = self.blind.open(now_ms())
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self.reg.forget("walship")
        self.proc = None
        self.ready = False
        self.restart_at = time.time() + restart_after

    def wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.poll()
            if self.ready:
                return True
            time.sleep(0.1)
        return False

    def term(self, timeout=90):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            code = None
        self.reg.forget("walship")
        self.proc = None
        return code

    def validations(self):
        """walship's own validation (--validation-interval): failures by kind. A replica that differs
        from the live database is a failure of the run; one that could not be compared (the store was
        down, the spool full) is expected during those faults."""
        out = {"mismatch": [], "not_compared": []}
        try:
            with open(self.log, errors="replace") as f:
                for l in f:
                    if "validation failed" in l:
                        out["mismatch" if "the live database" in l else "not_compared"].append(l.rstrip())
        except FileNotFoundError:
            pass
        return out

    def error_lines(self):
        try:
            with open(self.log, errors="replace") as f:
                return [l.rstrip() for l in f if (" ERROR " in l and "validation failed" not in l)
                        or "Exception in thread" in l]
        except FileNotFoundError:
            return []
