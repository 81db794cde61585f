#!/usr/bin/env python3
"""End-to-end test writer for walship (python3's own SQLite build, not sqlite-jdbc's).

Usage:
  writer.py write --db DB --log LOG [options]   commit in a loop; one log line per commit
  writer.py check DB                             print "<checksum> <integrity_check result>"

Every commit appends to LOG (flushed) one line:
  <seq> <epoch ms just before COMMIT> <epoch ms just after COMMIT> <content checksum>
seq continues from the last line of an existing LOG, so the writer can be stopped and restarted.
The content checksum covers sqlite_master (schema) and every user table, rows in rowid order, so
every ordinary commit changes it (each one inserts or rewrites at least one row).
"""
import argparse
import hashlib
import os
import random
import sqlite3
import sys
import time


def content_checksum(conn):
    h = hashlib.sha256()
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"):
        h.update(repr(r).encode())
    for t in tables:
        h.update(("table " + t + "\n").encode())
        for row in conn.execute('SELECT * FROM "%s" ORDER BY rowid' % t):
            h.update(repr(row).encode())
            h.update(b"\n")
    return h.hexdigest()


def now_ms():
    return int(time.time() * 1000)


def last_seq(log):
    if not os.path.exists(log):
        return -1
    last = -1
    with open(log) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                last = int(parts[0])
    return last


class Writer:
    def __init__(self, a):
        self.a = a
        self.rnd = random.Random(a.seed)
        fresh = not os.path.exists(a.db)
        self.conn = sqlite3.connect(a.db, isolation_level=None, timeout=30)
        if fresh and a.page_size:
            self.conn.execute("PRAGMA page_size=%d" % a.page_size)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.log = open(a.log, "a")
        self.seq = last_seq(a.log)
        self.extra_cols = 0
        exists = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE name='t'").fetchone()[0]
        if not exists:
            self.commit_with(lambda c: c.execute(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER, b BLOB)"))
        cols = [r[1] for r in self.conn.execute("PRAGMA table_info(t)")]
        self.extra_cols = len([c for c in cols if c.startswith("x")])

    def record(self, before, after):
        self.seq += 1
        ck = content_checksum(self.conn)
        self.log.write("%d %d %d %s\n" % (self.seq, before, after, ck))
        self.log.flush()

    def commit_with(self, body):
        """Runs body inside BEGIN IMMEDIATE .. COMMIT and records the commit."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            body(c)
        except Exception:
            c.execute("ROLLBACK")
            raise
        before = now_ms()
        c.execute("COMMIT")
        after = now_ms()
        self.record(before, after)

    def random_txn(self, c):
        r = self.rnd
        blob = self.a.blob
        maxid = c.execute("SELECT coalesce(max(id), 0) FROM t").fetchone()[0]
        # at least one insert, so the content always changes
        for _ in range(r.randint(1, 4)):
            c.execute("INSERT INTO t(v, n, b) VALUES (?, ?, ?)",
                      ("v%d-%d" % (self.seq + 1, r.randrange(1 << 30)), r.randrange(1 << 40),
                       r.randbytes(r.randint(0, blob))))
        for _ in range(r.randint(0, 3)):
            if maxid:
                c.execute("UPDATE t SET v = ?, n = n + 1, b = ? WHERE id = ?",
                          ("u%d" % r.randrange(1 << 30), r.randbytes(r.randint(0, blob)), r.randint(1, maxid)))
        if r.random() < 0.3 and maxid:
            lo = r.randint(1, maxid)
            c.execute("DELETE FROM t WHERE id BETWEEN ? AND ?", (lo, lo + r.randint(0, 3)))
        count = c.execute("SELECT count(*) FROM t").fetchone()[0]
        if count > self.a.max_rows:
            c.execute("DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY id LIMIT ?)", (count - self.a.max_rows,))

    def huge_txn(self, c):
        c.execute("CREATE TABLE IF NOT EXISTS big(id INTEGER PRIMARY KEY, b BLOB)")
        seed = self.rnd.randbytes(64)
        for i in range(self.a.huge_rows):
            # compressible but distinct pages: the WAL is big, the replica stays sane
            c.execute("INSERT INTO big(b) VALUES (?)", (i.to_bytes(8, "big") + seed * 54,))

    def shrink(self):
        """Delete most rows, then VACUUM (shrinks the file; VACUUM is a commit of its own)."""
        def body(c):
            c.execute("DELETE FROM t WHERE id % 10 != 0")
            c.execute("DROP TABLE IF EXISTS big")
        self.commit_with(body)
        self.vacuum()

    def vacuum(self):
        before = now_ms()
        self.conn.execute("VACUUM")
        after = now_ms()
        self.record(before, after)

    def schema_change(self, c):
        self.extra_cols += 1
        c.execute("ALTER TABLE t ADD COLUMN x%d INTEGER DEFAULT %d" % (self.extra_cols, self.extra_cols))
        c.execute("CREATE INDEX IF NOT EXISTS t_n%d ON t(n)" % self.extra_cols)
        c.execute("INSERT INTO t(v, n) VALUES ('schema', %d)" % self.extra_cols)

    def run(self):
        a = self.a
        if a.huge_rows:
            self.commit_with(self.huge_txn)
        if a.shrink:
            self.shrink()
        deadline = time.time() + a.duration if a.duration else None
        done = 0
        while True:
            if a.count and done >= a.count:
                break
            if deadline and time.time() >= deadline:
                break
            if a.stop_file and os.path.exists(a.stop_file):
                break
            if not a.count and not deadline and not a.stop_file:
                break
            self.commit_with(self.random_txn)
            done += 1
            if a.checkpoint_every and done % a.checkpoint_every == 0:
                modes = a.checkpoint_mode.split(",")
                mode = modes[(done // a.checkpoint_every) % len(modes)]
                self.conn.execute("PRAGMA wal_checkpoint(%s)" % mode).fetchall()
            if a.vacuum_every and done % a.vacuum_every == 0:
                self.vacuum()
            if a.schema_every and done % a.schema_every == 0:
                self.commit_with(self.schema_change)
            if a.sleep_ms:
                time.sleep(a.sleep_ms / 1000.0 * self.rnd.uniform(0.5, 1.5))
        if a.final_checkpoint:
            self.conn.execute("PRAGMA wal_checkpoint(%s)" % a.final_checkpoint).fetchall()
        self.log.close()
        self.conn.close()
        print("done %d" % self.seq, flush=True)


def check(db):
    if not os.path.exists(db):
        print("missing missing")
        return
    conn = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    ic = ";".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    ck = content_checksum(conn)
    conn.close()
    print(ck, ic.replace(" ", "_"))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("--db", required=True)
    w.add_argument("--log", required=True)
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--page-size", type=int, default=0)
    w.add_argument("--duration", type=float, default=0)
    w.add_argument("--count", type=int, default=0)
    w.add_argument("--stop-file", default=None)
    w.add_argument("--sleep-ms", type=float, default=5)
    w.add_argument("--blob", type=int, default=300)
    w.add_argument("--max-rows", type=int, default=1500)
    w.add_argument("--checkpoint-every", type=int, default=0)
    w.add_argument("--checkpoint-mode", default="TRUNCATE")
    w.add_argument("--final-checkpoint", default=None)
    w.add_argument("--vacuum-every", type=int, default=0)
    w.add_argument("--schema-every", type=int, default=0)
    w.add_argument("--huge-rows", type=int, default=0)
    w.add_argument("--shrink", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("db", nargs="+")
    a = p.parse_args()
    if a.cmd == "check":
        for db in a.db:
            check(db)
    else:
        Writer(a).run()


if __name__ == "__main__":
    main()
