#!/usr/bin/env python3
"""walship vs Litestream benchmark orchestrator (stdlib only). Started by bench/run.sh.

Every tool run gets a fresh copy of the same seeded database, in its own directory; tool runs are
interleaved (walship, Litestream, walship, ... with the order flipped on every repetition). The
replicator's peak RSS and CPU time come from /proc/PID/status (VmHWM) and /proc/PID/stat while it
runs, and from wait4()'s rusage when it exits. Everything binds nothing (file replicas only); every
loop and wait is bounded.
"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

import s9

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WRITER = os.path.join(HERE, "writer.py")
CLK = os.sysconf("SC_CLK_TCK")
JAVA = os.environ.get("JAVA") or "java"


def log(*a):
    print("[bench %s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# processes

LIVE = []  # every Proc started; reap_all() kills (by PID) whatever a failed scenario left running


def reap_all():
    for pr in LIVE:
        if pr.status is None:
            try:
                os.kill(pr.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pr.reap(10)
    LIVE.clear()


class Proc:
    """A child process whose output is scanned for a readiness line (timestamped on arrival)."""

    def __init__(self, cmd, logpath, ready_pat=None, env=None):
        self.cmd = cmd
        self.ready_pat = ready_pat
        self.ready_at = None
        self.ready_evt = threading.Event()
        self.logf = open(logpath, "wb")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env)
        self.pid = self.p.pid
        LIVE.append(self)
        self.rusage = None
        self.status = None
        self.hwm_kb = 0
        self.th = threading.Thread(target=self._pump, daemon=True)
        self.th.start()

    def _pump(self):
        for line in self.p.stdout:
            self.logf.write(line)
            if self.ready_at is None and self.ready_pat and self.ready_pat.encode() in line:
                self.ready_at = time.monotonic()
                self.ready_evt.set()
        self.logf.flush()

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.ready_evt.wait(0.02):
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.th.join(2)
                raise RuntimeError("not ready (exit %s) after %.1fs: %s" % (
                    self.p.poll(), time.monotonic() - self.t0, " ".join(self.cmd)))
        return self.ready_at - self.t0

    def sample(self):
        """Read VmHWM (kB) and CPU seconds from /proc while the process lives."""
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.hwm_kb = max(self.hwm_kb, int(line.split()[1]))
            with open("/proc/%d/stat" % self.pid) as f:
                parts = f.read().rsplit(")", 1)[1].split()
            return (int(parts[11]) + int(parts[12])) / CLK
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return None

    def reap(self, timeout):
        """wait4 with a deadline; returns (exit status, seconds waited). Kills after the deadline."""
        t = time.monotonic()
        deadline = t + timeout
        while True:
            pid, st, ru = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                break
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                pid, st, ru = os.wait4(self.pid, 0)
                break
            time.sleep(0.002)
        waited = time.monotonic() - t
        self.rusage = ru
        self.status = os.waitstatus_to_exitcode(st)
        self.p.returncode = self.status
        self.th.join(5)
        self.logf.close()
        return self.status, waited

    def cpu_total(self):
        return self.rusage.ru_utime + self.rusage.ru_stime if self.rusage else None

    def maxrss_mb(self):
        return self.rusage.ru_maxrss / 1024 if self.rusage else None

    def stop(self, timeout=30):
        if self.status is not None:
            return self.status, 0
        self.sample()
        os.kill(self.pid, signal.SIGTERM)
        return self.reap(timeout)


def run_cmd(cmd, timeout, logpath=None, env=None):
    """Run to completion; returns (exit code, seconds, maxrss MB, cpu s, output)."""
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env)
    out = []
    th = threading.Thread(target=lambda: out.append(p.stdout.read()), daemon=True)
    th.start()
    deadline = t + timeout
    while True:
        pid, st, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            break
        if time.monotonic() > deadline:
            os.kill(p.pid, signal.SIGKILL)
            pid, st, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.002)
    secs = time.monotonic() - t
    th.join(5)
    p.returncode = os.waitstatus_to_exitcode(st)
    text = out[0].decode(errors="replace") if out else ""
    if logpath:
        with open(logpath, "w") as f:
            f.write(" ".join(cmd) + "\n" + text)
    return p.returncode, secs, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime, text


# ---------------------------------------------------------------------------------------------
# tools

def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Walship:
    name = "walship"

    def __init__(self, jar, cp, java_opts):
        self.java_opts = java_opts
        self.base = [JAVA] + java_opts + (["-cp", cp, "dev.walship.cli.Main"] if cp else ["-jar", jar])

    def start(self, db, rep, d, sync_on_commit=False, fast=False):
        cmd = self.base + ["replicate", "--db", db, "--replica", "file://" + rep]
        if sync_on_commit:
            cmd.append("--sync-on-commit")
        return Proc(cmd, os.path.join(d, "walship.log"), "replicating db=")

    def start_s3(self, db, endpoint, bucket, prefix, d, identity, credential):
        url = "s3://%s/%s?endpoint=%s&region=us-east-1&path-style=true" % (bucket, prefix, endpoint)
        cmd = self.base + ["replicate", "--db", db, "--replica", url, "--sync-interval", "1s",
                           "--admin-listen", "off"]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=identity, AWS_SECRET_ACCESS_KEY=credential)
        return Proc(cmd, os.path.join(d, "walship.log"), "replicating db=", env=env)

    def restore(self, db, rep, out, d, to=None, extra=()):
        cmd = self.base + ["restore", "--replica", "file://" + rep, "-o", out, "-q"] + list(extra)
        if to is not None:
            cmd += ["--to", rfc3339(to)]
        return run_cmd(cmd, 600, os.path.join(d, "walship-restore-%d.log" % int(time.time() * 1000)))


class Litestream:
    name = "litestream"

    def __init__(self, binary):
        self.bin = binary

    def config(self, db, rep, d, fast):
        cfg = os.path.join(d, "litestream.yml")
        extra_db = "    monitor-interval: 100ms\n" if fast else ""
        extra_rep = "        sync-interval: 100ms\n" if fast else ""
        with open(cfg, "w") as f:
            f.write("dbs:\n  - path: %s\n%s    replicas:\n      - type: file\n        path: %s\n%s"
                    % (db, extra_db, rep, extra_rep))
        return cfg

    def start(self, db, rep, d, sync_on_commit=False, fast=False):
        cfg = self.config(db, rep, d, fast or sync_on_commit)
        return Proc([self.bin, "replicate", "-config", cfg], os.path.join(d, "litestream.log"),
                    "wal segment written")

    def start_s3(self, db, endpoint, bucket, prefix, d, identity, credential):
        cfg = os.path.join(d, "litestream.yml")
        with open(cfg, "w") as f:
            f.write("dbs:\n  - path: %s\n    replicas:\n      - type: s3\n        bucket: %s\n"
                    "        path: %s\n        endpoint: %s\n        region: us-east-1\n"
                    "        force-path-style: true\n        access-key-id: %s\n"
                    "        secret-access-key: %s\n        sync-interval: 1s\n"
                    % (db, bucket, prefix, endpoint, identity, credential))
        return Proc([self.bin, "replicate", "-config", cfg], os.path.join(d, "litestream.log"),
                    "wal segment written")

    def restore(self, db, rep, out, d, to=None, extra=()):
        rd = os.path.join(d, "restore-cfg-%d" % int(time.time() * 1e6))
        os.makedirs(rd)
        cfg = self.config(db, rep, rd, False)
        cmd = [self.bin, "restore", "-config", cfg, "-o", out]
        if to is not None:
            cmd += ["-timestamp", rfc3339(to)]
        cmd.append(db)
        return run_cmd(cmd, 600, os.path.join(d, "litestream-restore-%d.log" % int(time.time() * 1000)))


# ---------------------------------------------------------------------------------------------
# helpers

def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    s = sorted(xs)
    p99 = s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]
    return {"median": statistics.median(s), "min": s[0], "max": s[-1], "p99": p99, "n": len(s),
            "values": [round(x, 6) for x in xs]}


def med(st):
    return st["median"] if st else None


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def writer_cmd(db, seconds, rate=0, logp=None, unbuffered=False, rows=4, updates=4, payload=200,
               seed=1):
    cmd = [sys.executable, WRITER, "run", "--db", db, "--seconds", str(seconds), "--rate", str(rate),
           "--rows", str(rows), "--updates", str(updates), "--payload", str(payload),
           "--seed", str(seed)]
    if logp:
        cmd += ["--log", logp]
        if unbuffered:
            cmd.append("--log-unbuffered")
    return cmd


def start_writer(db, seconds, d, **kw):
    return subprocess.Popen(writer_cmd(db, seconds, **kw), stdout=subprocess.PIPE,
                            stderr=open(os.path.join(d, "writer.err"), "wb"),
                            stdin=subprocess.DEVNULL)


def finish_writer(w, timeout):
    try:
        out, _ = w.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        w.kill()
        out, _ = w.communicate()
    if w.returncode != 0:
        raise RuntimeError("writer failed: exit %s" % w.returncode)
    return json.loads(out.decode().strip().splitlines()[-1])


def read_log(path):
    times = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                times[int(parts[0])] = float(parts[1])
    return times


def max_seq(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute("SELECT coalesce(max(seq), 0) FROM t").fetchone()[0]
    finally:
        c.close()


def fresh_dir(base, name):
    d = os.path.join(base, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def task_cpu_ns(pid):
    """Nanoseconds on CPU of each live thread of pid, from /proc/PID/task/TID/schedstat (first field)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                out[tid] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass  # the thread exited between the listing and the read: it ran nothing we can still count
    return out


def copy_seed(seed, d):
    db = os.path.join(d, "app.db")
    shutil.copyfile(seed, db)
    return db


class Bench:
    def __init__(self, args, tools, out):
        self.args = args
        self.tools = tools
        self.out = out
        self.seeds = {}
        self.results = {}

    def seed(self, rows, payload):
        key = (rows, payload)
        if key not in self.seeds:
            p = os.path.join(self.out, "seed-%d-%d.db" % (rows, payload))
            if os.path.exists(p):
                os.remove(p)
            subprocess.run([sys.executable, WRITER, "init", "--db", p, "--rows", str(rows),
                            "--payload", str(payload)], check=True, timeout=900)
            self.seeds[key] = p
        return self.seeds[key]

    def order(self, rep):
        ts = list(self.tools)
        return ts if rep % 2 == 0 else ts[::-1]

    def cleanup(self, d):
        if not self.args.keep:
            shutil.rmtree(d, ignore_errors=True)

    # ---- scenario 1: writer throughput attached / detached ------------------------------------
    def s1_throughput(self, reps, seconds):
        seed = self.seed(20000, 200)
        res = {"baseline": []}
        walpk = {"baseline": []}
        for t in self.tools:
            res[t.name] = []
            walpk[t.name] = []
        for rep in range(reps):
            variants = [None] + list(self.tools)
            if rep % 2:
                variants = variants[::-1]
            for t in variants:
                name = t.name if t else "baseline"
                d = fresh_dir(self.out, "s1-%s-%d" % (name, rep))
                db = copy_seed(seed, d)
                p = None
                if t:
                    p = t.start(db, os.path.join(d, "replica"), d)
                    p.wait_ready(60)
                w = start_writer(db, seconds, d, seed=rep)
                peak = wal_peak_while(w, db + "-wal", seconds + 60, p)
                r = finish_writer(w, 60)
                if p:
                    p.stop()
                res[name].append(r["tx_per_s"])
                walpk[name].append(peak / 1048576)
                log("s1", name, "rep", rep, "%.0f tx/s, WAL peak %.0f MB" % (r["tx_per_s"], peak / 1048576))
                self.cleanup(d)
        base = med(stats(res["baseline"]))
        out = {"baseline_tx_per_s": stats(res["baseline"]), "baseline_wal_peak_mb": stats(walpk["baseline"])}
        for t in self.tools:
            out[t.name] = {"tx_per_s": stats(res[t.name]), "wal_peak_mb": stats(walpk[t.name]),
                           "attached_over_detached": ratio(med(stats(res[t.name])), base)}
        self.results["1_throughput"] = out

    # ---- scenario 2 (+7 under load): keeping up -------------------------------------------------
    def s2_keepup(self, reps, seconds):
        seed = self.seed(20000, 200)
        res = {t.name: {"shipped_while_writing": [], "shipped_after_stop": [], "wal_peak_mb": [],
                        "flush_s": [], "exit_code": [], "rss_load_mb": [], "cpu_s": [],
                        "tx_per_s": []} for t in self.tools}
        for rep in range(reps):
            for t in self.order(rep):
                d = fresh_dir(self.out, "s2-%s-%d" % (t.name, rep))
                db = copy_seed(seed, d)
                rep_dir = os.path.join(d, "replica")
                p = t.start(db, rep_dir, d)
                p.wait_ready(60)
                w = start_writer(db, seconds, d, seed=rep)
                wal = db + "-wal"
                peak = 0
                deadline = time.monotonic() + seconds + 60
                while w.poll() is None and time.monotonic() < deadline:
                    try:
                        peak = max(peak, os.path.getsize(wal))
                    except FileNotFoundError:
                        pass
                    p.sample()
                    time.sleep(0.02)
                # freeze the replicator the moment the writer is done and copy what it shipped
                os.kill(p.pid, signal.SIGSTOP)
                snap = os.path.join(d, "replica-at-writer-end")
                shutil.copytree(rep_dir, snap) if os.path.isdir(rep_dir) else os.makedirs(snap)
                os.kill(p.pid, signal.SIGCONT)
                r = finish_writer(w, 60)
                total = r["last_seq"]
                cpu_before = p.sample()
                t0 = time.monotonic()
                os.kill(p.pid, signal.SIGTERM)
                code, _ = p.reap(60)
                flush = time.monotonic() - t0
                got_during = self._restored_seq(t, db, snap, d, "during")
                got_after = self._restored_seq(t, db, rep_dir, d, "after")
                x = res[t.name]
                x["shipped_while_writing"].append(got_during / total if got_during is not None else 0.0)
                x["shipped_after_stop"].append(got_after / total if got_after is not None else 0.0)
                x["wal_peak_mb"].append(peak / 1048576)
                x["flush_s"].append(flush)
                x["exit_code"].append(code)
                x["rss_load_mb"].append(p.hwm_kb / 1024)
                x["cpu_s"].append(p.cpu_total())
                x["tx_per_s"].append(r["tx_per_s"])
                log("s2", t.name, "rep", rep, "shipped %.3f/%.3f wal %.1fMB flush %.3fs exit %s rss %.0fMB"
                    % (x["shipped_while_writing"][-1], x["shipped_after_stop"][-1], peak / 1048576,
                       flush, code, p.hwm_kb / 1024))
                self.cleanup(d)
        out = {}
        for t in self.tools:
            x = res[t.name]
            out[t.name] = {k: (stats(v) if k != "exit_code" else v) for k, v in x.items()}
        self.results["2_keepup"] = out
        self.results.setdefault("7_rss", {})["under_load"] = {
            t.name: {"peak_rss_mb": out[t.name]["rss_load_mb"]} for t in self.tools}

    def _restored_seq(self, t, db, rep, d, tag, to=None):
        o = os.path.join(d, "restored-%s-%d.db" % (tag, int(time.time() * 1e6)))
        code, secs, rss, cpu, text = t.restore(db, rep, o, d, to=to)
        if code != 0 or not os.path.exists(o):
            log("restore failed", t.name, tag, code, text[-300:])
            return None
        try:
            return max_seq(o)
        finally:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(o + suffix):
                    os.remove(o + suffix)

    # ---- scenarios 3 and 4: loss window after kill -9 -------------------------------------------
    def loss(self, key, reps, fast):
        seed = self.seed(20000, 200)
        res = {t.name: {"loss_ms": [], "restore_failed": 0} for t in self.tools}
        rnd = random.Random(42 + (1 if fast else 0))
        for rep in range(reps):
            kill_after = rnd.uniform(2.0, 4.0 if self.args.quick else 8.0)
            for t in self.order(rep):
                d = fresh_dir(self.out, "%s-%s-%d" % (key, t.name, rep))
                db = copy_seed(seed, d)
                rep_dir = os.path.join(d, "replica")
                p = t.start(db, rep_dir, d, sync_on_commit=fast, fast=fast)
                p.wait_ready(60)
                wl = os.path.join(d, "commits.log")
                w = start_writer(db, 60, d, rate=200, logp=wl, unbuffered=True, seed=rep)
                time.sleep(kill_after)
                kill_t = time.time()
                os.kill(w.pid, signal.SIGKILL)
                os.kill(p.pid, signal.SIGKILL)
                w.wait(10)
                p.reap(10)
                times = read_log(wl)
                got = self._restored_seq(t, db, rep_dir, d, "loss")
                if got is None:
                    res[t.name]["restore_failed"] += 1
                    self.cleanup(d)
                    continue
                ct = times.get(got)
                loss = (kill_t - ct) * 1000 if ct else (kill_t - min(times.values())) * 1000
                res[t.name]["loss_ms"].append(loss)
                log(key, t.name, "rep", rep, "killed at +%.2fs, loss %.0f ms (seq %s of %s)"
                    % (kill_after, loss, got, max(times) if times else 0))
                self.cleanup(d)
        out = {}
        for t in self.tools:
            out[t.name] = {"loss_ms": stats(res[t.name]["loss_ms"]),
                           "restore_failed": res[t.name]["restore_failed"]}
        if fast:
            out["settings"] = {"walship": "--sync-on-commit",
                               "litestream": "sync-interval 100ms, monitor-interval 100ms"}
        else:
            out["settings"] = {"walship": "defaults (sync-interval 1s)",
                               "litestream": "defaults (sync-interval 1s, monitor-interval 1s)"}
        self.results[key] = out

    # ---- scenario 5 (+7 restoring): full restore -------------------------------------------------
    def s5_restore(self, reps, size_mb, update_s):
        payload = 1000
        rows = int(size_mb * 1048576 / 1040)  # about 1040 bytes a row on disk
        t0 = time.monotonic()
        seed = self.seed(rows, payload)
        log("s5 seed %d MB built in %.1fs" % (os.path.getsize(seed) / 1048576, time.monotonic() - t0))
        res = {t.name: {"restore_s": [], "restore_rss_mb": [], "restore_cpu_s": [],
                        "initial_snapshot_s": [], "replica_mb": []} for t in self.tools}
        if "walship" in [t.name for t in self.tools]:
            res["walship"]["restore_no_check_s"] = []
        cp = []
        for rep in range(reps):
            for t in self.order(rep):
                d = fresh_dir(self.out, "s5-%s-%d" % (t.name, rep))
                db = copy_seed(seed, d)
                rep_dir = os.path.join(d, "replica")
                p = t.start(db, rep_dir, d)
                res[t.name]["initial_snapshot_s"].append(p.wait_ready(600))
                w = start_writer(db, update_s, d, rate=500, rows=1, updates=8, payload=payload,
                                 seed=rep)
                finish_writer(w, update_s + 120)
                p.stop(120)
                res[t.name]["replica_mb"].append(dir_size(rep_dir) / 1048576)
                o = os.path.join(d, "restored.db")
                code, secs, rss, cpu, text = t.restore(db, rep_dir, o, d)
                if code != 0:
                    log("s5 restore failed", t.name, text[-300:])
                    secs = None
                res[t.name]["restore_s"].append(secs)
                res[t.name]["restore_rss_mb"].append(rss)
                res[t.name]["restore_cpu_s"].append(cpu)
                log("s5", t.name, "rep", rep, "restore %s s, rss %.0f MB" % (secs, rss))
                if t.name == "walship":
                    o2 = os.path.join(d, "restored-nocheck.db")
                    code, secs2, _, _, _ = t.restore(db, rep_dir, o2, d,
                                                     extra=["--integrity-check", "none"])
                    res[t.name]["restore_no_check_s"].append(secs2 if code == 0 else None)
                # cp + fsync of the same database file, the floor
                if not cp or len(cp) <= rep:
                    c = os.path.join(d, "cp.db")
                    t1 = time.monotonic()
                    shutil.copyfile(db, c)
                    fd = os.open(c, os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)
                    cp.append(time.monotonic() - t1)
                self.cleanup(d)
        out = {"db_mb": os.path.getsize(seed) / 1048576, "update_seconds": update_s,
               "cp_fsync_s": stats(cp)}
        for t in self.tools:
            out[t.name] = {k: stats(v) for k, v in res[t.name].items()}
            out[t.name]["over_cp_fsync"] = ratio(med(out[t.name]["restore_s"]), med(stats(cp)))
        self.results["5_restore"] = out
        self.results.setdefault("7_rss", {})["restoring"] = {
            t.name: {"peak_rss_mb": out[t.name]["restore_rss_mb"], "db_mb": out["db_mb"]}
            for t in self.tools}

    # ---- scenario 6: point-in-time restore ---------------------------------------------------------
    def s6_pitr(self, reps, seconds, points):
        seed = self.seed(20000, 200)
        res = {t.name: {"before_t_ms": [], "after_t_violations": 0, "failed": 0, "n": 0}
               for t in self.tools}
        rnd = random.Random(6)
        for rep in range(reps):
            for t in self.order(rep):
                d = fresh_dir(self.out, "s6-%s-%d" % (t.name, rep))
                db = copy_seed(seed, d)
                rep_dir = os.path.join(d, "replica")
                p = t.start(db, rep_dir, d)
                p.wait_ready(60)
                wl = os.path.join(d, "commits.log")
                w = start_writer(db, seconds, d, rate=200, logp=wl, seed=rep)
                finish_writer(w, seconds + 60)
                time.sleep(1.5)
                p.stop()
                times = read_log(wl)
                seqs = sorted(times)
                lo, hi = times[seqs[len(seqs) // 5]], times[seqs[len(seqs) * 4 // 5]]
                for _ in range(points):
                    T = rnd.uniform(lo, hi)
                    got = self._restored_seq(t, db, rep_dir, d, "pitr", to=T)
                    res[t.name]["n"] += 1
                    if got is None:
                        res[t.name]["failed"] += 1
                        continue
                    ct = times.get(got)
                    if ct is None:  # landed before the workload started (the snapshot)
                        ct = min(times.values())
                    if ct > T:
                        res[t.name]["after_t_violations"] += 1
                    res[t.name]["before_t_ms"].append((T - ct) * 1000)
                log("s6", t.name, "rep", rep, "before-T ms:",
                    ["%.0f" % x for x in res[t.name]["before_t_ms"][-points:]])
                self.cleanup(d)
        out = {}
        for t in self.tools:
            x = res[t.name]
            out[t.name] = {"before_t_ms": stats(x["before_t_ms"]),
                           "after_t_violations": x["after_t_violations"], "failed": x["failed"],
                           "restores": x["n"]}
        self.results["6_pitr"] = out

    # ---- scenario 8: idle CPU --------------------------------------------------------------------
    def s8_idle(self, seconds, settle):
        seed = self.seed(20000, 200)
        procs = []
        for t in self.tools:  # idle: all tools at once, each on its own copy
            d = fresh_dir(self.out, "s8-%s" % t.name)
            db = copy_seed(seed, d)
            p = t.start(db, os.path.join(d, "replica"), d)
            p.wait_ready(60)
            procs.append((t, p, d))
        time.sleep(settle)
        start = {t.name: (p.sample(), task_cpu_ns(p.pid), time.monotonic()) for t, p, d in procs}
        time.sleep(seconds)
        out = {}
        for t, p, d in procs:
            c1 = p.sample()
            n1 = task_cpu_ns(p.pid)
            c0, n0, m0 = start[t.name]
            wall = time.monotonic() - m0
            ns = sum(v - n0.get(tid, 0) for tid, v in n1.items())
            out[t.name] = {"cpu_s": c1 - c0, "wall_s": wall, "core_percent": 100 * (c1 - c0) / wall,
                           "schedstat_cpu_s": ns / 1e9, "core_percent_schedstat": 100 * ns / 1e9 / wall,
                           "rss_mb": p.hwm_kb / 1024}
            p.stop()
            self.cleanup(d)
        out["note"] = ("both replicators ran at the same time on separate idle databases; core_percent from /proc/PID/stat"
                       " utime+stime at %d clock ticks/s (a thread is charged a whole tick when one fires while it runs),"
                       " core_percent_schedstat from the nanosecond run time of every thread (/proc/PID/task/*/schedstat);"
                       " a thread that exits during the window is not counted" % CLK)
        self.results["8_idle_cpu"] = out

    # ---- scenario 9: object-store requests per hour (s9.py) ---------------------------------------
    def s9_requests(self, **kw):
        s9.run(self, sys.modules[__name__], **kw)

    # ---- scenario 10: start-up --------------------------------------------------------------------
    def s10_startup(self, reps):
        seed = self.seed(20000, 200)
        res = {t.name: [] for t in self.tools}
        for rep in range(reps):
            for t in self.order(rep):
                d = fresh_dir(self.out, "s10-%s-%d" % (t.name, rep))
                db = copy_seed(seed, d)
                p = t.start(db, os.path.join(d, "replica"), d)
                res[t.name].append(p.wait_ready(60))
                p.stop()
                log("s10", t.name, "rep", rep, "%.3fs" % res[t.name][-1])
                self.cleanup(d)
        out = {t.name: {"startup_s": stats(res[t.name])} for t in self.tools}
        out["measures"] = {"walship": "launch to the 'replicating db=' log line (first snapshot done)",
                           "litestream": "launch to the first 'wal segment written' log line"}
        self.results["10_startup"] = out


def wal_peak_while(w, wal, timeout, p=None):
    """Largest size of the -wal file, sampled every 20 ms while the writer runs (bounded)."""
    peak = 0
    deadline = time.monotonic() + timeout
    while w.poll() is None and time.monotonic() < deadline:
        try:
            peak = max(peak, os.path.getsize(wal))
        except FileNotFoundError:
            pass
        if p:
            p.sample()
        time.sleep(0.02)
    return peak


def dir_size(p):
    n = 0
    for r, _, fs in os.walk(p):
        for f in fs:
            try:
                n += os.path.getsize(os.path.join(r, f))
            except FileNotFoundError:
                pass
    return n


# ---------------------------------------------------------------------------------------------
# report

def fmt(x, unit="", nd=2):
    if x is None:
        return "n/a"
    return ("%." + str(nd) + "f%s") % (x, unit)


def fmt_st(st, unit="", nd=2, scale=1.0):
    if not st:
        return "n/a"
    return "%s (%s–%s, n=%d)" % (fmt(st["median"] * scale, unit, nd), fmt(st["min"] * scale, "", nd),
                                 fmt(st["max"] * scale, "", nd), st["n"])


def table(res, tools):
    names = [t.name for t in tools]
    both = "walship" in names and "litestream" in names
    rows = []

    def row(label, w, l, r, target=""):
        rows.append("| %s | %s | %s | %s | %s |" % (label, w, l, r, target))

    def pick(section, tool, *keys):
        x = res.get(section, {}).get(tool)
        for k in keys:
            if x is None:
                return None
            x = x.get(k) if isinstance(x, dict) else None
        return x

    def rr(a, b):
        return fmt(ratio(a, b), "", 2) if both else "n/a"

    s = "1_throughput"
    if s in res:
        w = pick(s, "walship", "attached_over_detached")
        l = pick(s, "litestream", "attached_over_detached")
        row("1. writer tx/s attached ÷ detached (detached %s tx/s)" % fmt(med(res[s]["baseline_tx_per_s"]), "", 0),
            "%s (%s tx/s)" % (fmt(w, "", 3), fmt(med(pick(s, "walship", "tx_per_s")), "", 0)),
            "%s (%s tx/s)" % (fmt(l, "", 3), fmt(med(pick(s, "litestream", "tx_per_s")), "", 0)),
            rr(w, l), "≥ 0.97")
        if "baseline_wal_peak_mb" in res[s]:
            a, b = pick(s, "walship", "wal_peak_mb"), pick(s, "litestream", "wal_peak_mb")
            row("1. writer's WAL peak in those runs (detached: %s)" % fmt(med(res[s]["baseline_wal_peak_mb"]), " MB", 0),
                fmt_st(a, " MB", 0), fmt_st(b, " MB", 0), rr(med(a), med(b)), "")
    s = "2_keepup"
    if s in res:
        for key, label, unit, nd, sc, target in [
                ("shipped_while_writing", "2. share shipped while writing", "%", 1, 100, "≥ 95%"),
                ("shipped_after_stop", "2. share restorable after SIGTERM", "%", 1, 100, "100%"),
                ("wal_peak_mb", "2. writer's WAL peak", " MB", 1, 1, "≤ 64 MB"),
                ("flush_s", "2. SIGTERM flush time", " s", 3, 1, "≤ 1 s"),
                ("cpu_s", "2. replicator CPU time (whole run)", " s", 2, 1, "")]:
            a, b = pick(s, "walship", key), pick(s, "litestream", key)
            row(label, fmt_st(a, unit, nd, sc), fmt_st(b, unit, nd, sc), rr(med(a), med(b)), target)
        row("2. exit code after SIGTERM", str(pick(s, "walship", "exit_code")),
            str(pick(s, "litestream", "exit_code")), "", "0")
    for s, label, target in [("3_loss", "3. loss window after kill -9, 1 s intervals", "≤ Litestream"),
                             ("4_loss_fast", "4. loss window, sync-on-commit vs 100 ms", "p99 ≤ 50 ms")]:
        if s in res:
            a, b = pick(s, "walship", "loss_ms"), pick(s, "litestream", "loss_ms")
            row(label + " (median)", fmt_st(a, " ms", 0), fmt_st(b, " ms", 0), rr(med(a), med(b)), target)
            row(label + " (p99)", fmt(a and a["p99"], " ms", 0), fmt(b and b["p99"], " ms", 0),
                rr(a and a["p99"], b and b["p99"]), "")
    s = "5_restore"
    if s in res:
        a, b = pick(s, "walship", "restore_s"), pick(s, "litestream", "restore_s")
        row("5. full restore, %.0f MB db after %ds of updates (cp+fsync: %s)"
            % (res[s]["db_mb"], res[s]["update_seconds"], fmt(med(res[s]["cp_fsync_s"]), " s", 2)),
            fmt_st(a, " s", 2), fmt_st(b, " s", 2), rr(med(a), med(b)), "≤ 0.5× Litestream")
        row("5. restore ÷ cp+fsync", fmt(pick(s, "walship", "over_cp_fsync")),
            fmt(pick(s, "litestream", "over_cp_fsync")), "", "≤ 2.5")
        nc = pick(s, "walship", "restore_no_check_s")
        if nc:
            row("5. walship restore with --integrity-check none", fmt_st(nc, " s", 2), "", "", "")
        a, b = pick(s, "walship", "initial_snapshot_s"), pick(s, "litestream", "initial_snapshot_s")
        row("5. launch to first snapshot of that db", fmt_st(a, " s", 2), fmt_st(b, " s", 2),
            rr(med(a), med(b)), "")
    s = "6_pitr"
    if s in res:
        a, b = pick(s, "walship", "before_t_ms"), pick(s, "litestream", "before_t_ms")
        row("6. PITR: lands this far before T (median)", fmt_st(a, " ms", 0), fmt_st(b, " ms", 0),
            rr(med(a), med(b)), "")
        row("6. PITR: restores that included a commit after T",
            "%s of %s" % (pick(s, "walship", "after_t_violations"), pick(s, "walship", "restores")),
            "%s of %s" % (pick(s, "litestream", "after_t_violations"), pick(s, "litestream", "restores")),
            "", "0")
    s = "7_rss"
    if s in res:
        for k, label in [("under_load", "7. peak RSS replicating under load (VmHWM)"),
                         ("restoring", "7. peak RSS restoring (ru_maxrss)")]:
            if k in res[s]:
                a = res[s][k].get("walship", {}).get("peak_rss_mb")
                b = res[s][k].get("litestream", {}).get("peak_rss_mb")
                row(label, fmt_st(a, " MB", 0), fmt_st(b, " MB", 0), rr(med(a), med(b)), "≤ 128 MB")
    s = "8_idle_cpu"
    if s in res:
        a, b = pick(s, "walship", "core_percent"), pick(s, "litestream", "core_percent")
        row("8. idle CPU over %.0f s (%% of a core), clock ticks" % res[s][list(res[s])[0]]["wall_s"],
            fmt(a, "%", 3), fmt(b, "%", 3), rr(a, b), "≤ 0.05%")
        a, b = pick(s, "walship", "core_percent_schedstat"), pick(s, "litestream", "core_percent_schedstat")
        if a is not None:
            row("8. idle CPU, the same window, every thread's run time (schedstat)", fmt(a, "%", 3), fmt(b, "%", 3),
                rr(a, b), "≤ 0.05%")
    s = "9_requests"
    if s in res:
        cfg = res[s]["settings"]
        for col, label, target in [("put", "PUT (incl. multipart)", "≤ Litestream"),
                                   ("multipart", "PUT of which multipart (initiate, parts, complete)", ""),
                                   ("get", "GET", ""), ("head", "HEAD", ""), ("list", "LIST", "≤ 12"),
                                   ("delete", "DELETE", ""), ("total", "all requests", "")]:
            a, b = pick(s, "walship", "per_hour", col), pick(s, "litestream", "per_hour", col)
            row("9. S3 %s per hour, steady state (%d tx/s, 1 s sync, %d s window)"
                % (label, cfg["rate_tx_per_s"], cfg["window_s"]),
                fmt_st(a, "", 0), fmt_st(b, "", 0), rr(med(a), med(b)), target)
    s = "10_startup"
    if s in res:
        a, b = pick(s, "walship", "startup_s"), pick(s, "litestream", "startup_s")
        row("10. launch to first completed sync", fmt_st(a, " s", 2), fmt_st(b, " s", 2),
            rr(med(a), med(b)), "≤ 1.5 s")
    head = ["| scenario | walship | Litestream | ratio | target |", "|---|---|---|---|---|"]
    return "\n".join(head + rows) + "\n\nMedian (min–max, n). Ratio = walship ÷ Litestream.\n"


# ---------------------------------------------------------------------------------------------

PLANS = {
    # mode: list of (scenario, kwargs)
    "smoke": [("10", dict(reps=1)), ("2", dict(reps=1, seconds=2))],
    "quick": [("10", dict(reps=2)), ("1", dict(reps=2, seconds=4)), ("2", dict(reps=1, seconds=10)),
              ("3", dict(reps=3)), ("4", dict(reps=3)), ("5", dict(reps=1, size_mb=32, update_s=5)),
              ("6", dict(reps=1, seconds=6, points=4)), ("8", dict(seconds=15, settle=3)),
              ("9", dict(reps=1, warmup=15, window=30))],
    "full": [("10", dict(reps=5)), ("1", dict(reps=4, seconds=10)), ("2", dict(reps=3, seconds=10)),
             ("3", dict(reps=8)), ("4", dict(reps=12)), ("6", dict(reps=2, seconds=10, points=5)),
             ("8", dict(seconds=60, settle=5)), ("9", dict(reps=2, warmup=20, window=60)),
             ("5", dict(reps=1, size_mb=512, update_s=60))],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=list(PLANS), default="full")
    ap.add_argument("--only", help="comma-separated scenario numbers, e.g. 1,2,10")
    ap.add_argument("--out", required=True)
    ap.add_argument("--json")
    ap.add_argument("--jar")
    ap.add_argument("--cp", help="run walship from this classpath instead of the jar")
    ap.add_argument("--litestream")
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.quick = args.mode != "full"
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    java_opts = args.java_opts.split()
    tools = [Walship(args.jar, args.cp, java_opts)]
    if args.litestream:
        tools.append(Litestream(args.litestream))
    b = Bench(args, tools, args.out)
    only = set(args.only.split(",")) if args.only else None
    started = time.time()
    errors = {}
    for sc, kw in PLANS[args.mode]:
        if only and sc not in only:
            continue
        t0 = time.monotonic()
        log("scenario", sc, kw)
        try:
            {"1": b.s1_throughput, "2": b.s2_keepup, "3": lambda **k: b.loss("3_loss", fast=False, **k),
             "4": lambda **k: b.loss("4_loss_fast", fast=True, **k), "5": b.s5_restore,
             "6": b.s6_pitr, "8": b.s8_idle, "9": b.s9_requests, "10": b.s10_startup}[sc](**kw)
        except Exception as e:  # record and go on with the next scenario
            import traceback
            traceback.print_exc()
            errors[sc] = repr(e)
        reap_all()
        log("scenario", sc, "took %.0fs" % (time.monotonic() - t0))
    if not args.keep:
        for seed in b.seeds.values():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(seed + suffix):
                    os.remove(seed + suffix)
    lsv = None
    if args.litestream:
        lsv = subprocess.run([args.litestream, "version"], capture_output=True, text=True).stdout.strip()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": args.mode, "duration_s": round(time.time() - started, 1),
        "nproc": os.cpu_count(), "mem_total_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(), "python_sqlite": sqlite3.sqlite_version,
        "java": subprocess.run([JAVA, "-version"], capture_output=True, text=True).stderr.splitlines()[0],
        "walship_java_opts": java_opts, "walship_launch": "classpath" if args.cp else args.jar,
        "litestream": lsv, "litestream_included": bool(args.litestream),
        "tools": [t.name for t in tools],
    }
    if not args.litestream:
        meta["note"] = "Litestream not installed (run: cd bench && npm install); walship only"
    doc = {"meta": meta, "results": b.results, "errors": errors}
    md = table(b.results, tools)
    jp = args.json or os.path.join(args.out, "results.json")
    with open(jp, "w") as f:
        json.dump(doc, f, indent=2)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("walship benchmark, %s, mode %s, %s cores, %s GB, Litestream %s, walship JVM %s\n\n"
                % (meta["date"], args.mode, meta["nproc"], meta["mem_total_gb"], lsv or "not installed",
                   " ".join(java_opts) or "(defaults)"))
        f.write(md)
    print(md)
    print("json:", jp)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
