"""Restores during and after the soak, each checked by verify's rule; a failing restore keeps its file."""
import datetime
import json
import os
import re
import subprocess
import time

import verify

RESTORED = re.compile(r"restored .* to txid (\d+) \((\S+)\)")


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_instant(s):
    """Java's Instant.toString(): 2026-01-10T14:03:00Z, with 0, 3, 6 or 9 fraction digits."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", s)
    if not m:
        raise ValueError("not an instant: " + s)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    frac = (m.group(2) or "0")[:3].ljust(3, "0")
    return int(base.timestamp()) * 1000 + int(frac)


class Restorer:
    def __init__(self, soak, java_cmd):
        self.s = soak
        self.cmd = java_cmd[:1] + ["-XX:TieredStopAtLevel=1"] + java_cmd[1:]
        self.dir = os.path.join(soak.out, "restores")
        os.makedirs(self.dir, exist_ok=True)
        self.n = 0
        self.results = open(os.path.join(soak.out, "restores.log"), "a")
        self.max_lag_ms = 0

    def cli(self, *args, timeout=180):
        p = subprocess.run(self.cmd + list(args), env=self.s.backend.env, capture_output=True, text=True,
                           timeout=timeout, start_new_session=True)
        return p.returncode, p.stdout, p.stderr

    def window(self):
        code, out, err = self.cli("snapshots", "--replica", self.s.backend.url, "--json", timeout=120)
        if code != 0:
            return None, err.strip()[-300:]
        j = json.loads(out)
        if j.get("latestTxid") is None:
            return None, "empty replica"
        return (parse_instant(j["earliestTime"]), parse_instant(j["latestTime"]), j["latestTxid"]), None

    def time_restore(self):
        s, c = self.s, self.s.counts
        w, why = self.window()
        if w is None:
            c["restores_skipped"] += 1
            s.event("restore skipped: snapshots failed: %s" % why)
            return
        earliest, latest, _ = w
        # the replica holds every transaction stamped up to `latest` (uploads go in txid order), so the
        # no-loss rule applies to any T <= latest; the 20-minute bound keeps T far inside the retention
        lo = max(earliest, latest - 20 * 60_000)
        if latest - lo < 1000:
            c["restores_skipped"] += 1
            return
        s.wlog.poll()
        # Two restores in three look for an instant that the no-loss rule constrains (outside the
        # stretches in which walship was blind); the rest take any instant. Half of the draws fall in
        # the last 30 s of the window, where a lost or late transaction would show first.
        strict = s.rnd.random() < 0.67
        for _ in range(20 if strict else 1):
            r = s.rnd.random()
            t = latest - int(s.rnd.uniform(0, min(30_000, latest - lo))) if r < 0.5 else int(s.rnd.uniform(lo, latest))
            need = verify.required_seq(s.wlog, s.blind, t, s.s_ms)
            if need > 0:
                break
        self.n += 1
        out = os.path.join(self.dir, "r%d.db" % self.n)
        code, so, se = self.cli("restore", "--replica", s.backend.url, "-o", out, "-q", "--to", iso(t))
        if code != 0:
            # a failed restore with the store up is a finding: count it as a mismatch, keep the output
            c["mismatches"] += 1
            self.record(t, "restore-failed", "exit %d: %s" % (code, (so + se).strip()[-500:]))
            return
        m = RESTORED.search(so)
        if not m:
            c["mismatches"] += 1
            self.record(t, "unparsed", so.strip())
            return
        txid, tx_time = int(m.group(1)), parse_instant(m.group(2))
        s.wlog.poll()
        digest, ic = verify.digest_of(out)
        verdict, detail = verify.check_time_restore(s.wlog, s.blind, t, tx_time, digest, ic, s.s_ms)
        key = {"ok": "restores_verified", "integrity": "integrity_failures", "mismatch": "mismatches",
               "future": "future_restores", "lost": "lost_restores"}[verdict]
        c[key] += 1
        if verdict == "ok" and need > 0:
            c["restores_loss_checked"] += 1
        if verdict == "ok":
            lag = int(detail.rsplit("lag ", 1)[1].split()[0])
            self.max_lag_ms = max(self.max_lag_ms, lag)
            os.remove(out)
        self.record(t, verdict, "txid %d at %s: %s" % (txid, iso(tx_time), detail))

    def record(self, t, verdict, detail):
        line = "%s %s %s" % ("--to " + iso(t) if t else "latest", verdict, detail)
        self.results.write(line + "\n")
        self.results.flush()
        self.s.event("restore " + line)

    def newest_restorable(self, err):
        """After a failed latest restore: the writer commit that the newest restorable txid holds (a
        refused txid is named by restore's error), so data_lost counts the commits beyond it."""
        m = re.search(r"restore a target before txid (\d+)", err)
        if not m:
            return 0
        out = os.path.join(self.dir, "before-failure.db")
        code, so, se = self.cli("restore", "--replica", self.s.backend.url, "-o", out, "-q", "--txid",
                                str(int(m.group(1)) - 1))
        if code != 0:
            self.record(None, "fallback-failed", "exit %d: %s" % (code, (so + se).strip()[-300:]))
            return 0
        digest, ic = verify.digest_of(out)
        seqs = self.s.wlog.by_digest.get(digest, [])
        self.record(None, "fallback", "txid %d restores to commit %s (integrity %s)" % (
            int(m.group(1)) - 1, max(seqs) if seqs else "none", ic))
        return max(seqs) if seqs else 0

    def final_restore(self, final):
        """The latest restore must be the writer's final state; anything older is data lost."""
        s, c = self.s, self.s.counts
        out = os.path.join(self.dir, "final.db")
        code, so, se = None, "", ""
        for _ in range(3):  # the store was just restarted: allow it a moment
            code, so, se = self.cli("restore", "--replica", s.backend.url, "-o", out, "-q", "--integrity-check", "full")
            if code == 0:
                break
            time.sleep(5)
        if code != 0:
            c["mismatches"] += 1
            self.record(None, "final-restore-failed", "exit %d: %s" % (code, (so + se).strip()[-500:]))
            c["data_lost"] = final[0] - self.newest_restorable(se)
            return
        digest, ic = verify.digest_of(out)
        if ic != "ok":
            c["integrity_failures"] += 1
        seqs = s.wlog.by_digest.get(digest, [])
        if digest == final[3]:
            c["restores_verified"] += 1
            self.record(None, "final-ok", "latest restore equals commit %d, the writer's last (%s)"
                        % (final[0], so.strip()))
            os.remove(out)
        elif seqs:
            c["data_lost"] = final[0] - max(seqs)
            self.record(None, "final-lost", "latest restore is commit %d of %d: %d commits lost"
                        % (max(seqs), final[0], c["data_lost"]))
        else:
            c["mismatches"] += 1
            self.record(None, "final-mismatch", "latest restore matches no state the writer committed")

    def final_verify(self):
        """`walship verify` after the run: every file of the replica passes its checksums, the latest
        state restores, and the live database equals one of the replica's states."""
        s = self.s
        code, so, se = self.cli("verify", "--replica", s.backend.url, "--db", s.db, "--spool-dir", s.spool,
                                "--json", "-q", timeout=600)
        try:
            outcome = json.loads(so.strip().splitlines()[-1]).get("outcome")
        except (ValueError, IndexError):
            outcome = None
        s.counts["verify_outcome"] = outcome
        self.record(None, "verify-" + str(outcome), "exit %d: %s" % (code, (so + se).strip()[-400:]))
        if code != 0 or outcome != "ok":
            s.notes.append("walship verify exited %d (outcome %s)" % (code, outcome))
