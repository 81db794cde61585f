#!/usr/bin/env python3
"""The soak's application: a separate process writing to SQLite (python3's own build) in WAL mode.

  writer.py --db DB --log LOG --stop-file F [--seed S] [--sleep-ms MS]

It commits in a loop, a mix of inserts, updates and deletes, with now and then a bulk insert, a
schema change (add column, create table, drop table) or a VACUUM. Signals ask it, between two
transactions, to checkpoint the way an application would:
  SIGUSR1  PRAGMA wal_checkpoint(TRUNCATE)
  SIGUSR2  PRAGMA wal_checkpoint(RESTART)
It stops when the stop file exists. Every line goes to LOG with one write(2), flushed at once:
  c <seq> <ms before COMMIT> <ms after COMMIT> <sha256 of the content> <kind>
  k <ms> <mode> <busy> <wal frames> <checkpointed frames>     one app checkpoint
  done <seq>
The digest covers sqlite_master and every table's rows in rowid order, so it names a state exactly.
VACUUM leaves the content as it was, so its digest repeats the previous commit's.
"""
import argparse
import hashlib
import os
import random
import signal
import sqlite3
import time


def content_digest(conn):
    h = hashlib.sha256()
    for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"):
        h.update(repr(r).encode())
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for t in tables:
        h.update(("table " + t + "\n").encode())
        for row in conn.execute('SELECT * FROM "%s" ORDER BY rowid' % t):
            h.update(repr(row).encode())
            h.update(b"\n")
    return h.hexdigest()


def now_ms():
    return int(time.time() * 1000)


class Writer:
    def __init__(self, a):
        self.a = a
        self.rnd = random.Random(a.seed)
        self.conn = sqlite3.connect(a.db, isolation_level=None, timeout=60)
        mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise SystemExit("writer: could not put %s in WAL mode (got %s)" % (a.db, mode))
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=60000")
        self.fd = os.open(a.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.seq = 0
        self.pending_checkpoint = None
        signal.signal(signal.SIGUSR1, lambda *_: self.ask("TRUNCATE"))
        signal.signal(signal.SIGUSR2, lambda *_: self.ask("RESTART"))
        self.commit("create", lambda c: c.execute(
            "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER, b BLOB)"))
        self.extra_cols = 0
        self.next_table = 0

    def ask(self, mode):
        self.pending_checkpoint = mode

    def line(self, s):
        os.write(self.fd, (s + "\n").encode())

    def commit(self, kind, body):
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            body(c)
        except BaseException:
            c.execute("ROLLBACK")
            raise
        before = now_ms()
        c.execute("COMMIT")
        after = now_ms()
        self.record(kind, before, after)

    def record(self, kind, before, after):
        self.seq += 1
        self.line("c %d %d %d %s %s" % (self.seq, before, after, content_digest(self.conn), kind))

    def mixed(self, c):
        r = self.rnd
        maxid = c.execute("SELECT coalesce(max(id), 0) FROM t").fetchone()[0]
        # at least one insert, so every ordinary commit changes the content
        for _ in range(r.randint(1, 4)):
            c.execute("INSERT INTO t(v, n, b) VALUES (?, ?, ?)",
                      ("v%d-%d" % (self.seq + 1, r.randrange(1 << 30)), r.randrange(1 << 40),
                       r.randbytes(r.randint(0, self.a.blob))))
        for _ in range(r.randint(0, 3)):
            if maxid:
                c.execute("UPDATE t SET v = ?, n = n + 1, b = ? WHERE id = ?",
                          ("u%d" % r.randrange(1 << 30), r.randbytes(r.randint(0, self.a.blob)),
                           r.randint(1, maxid)))
        if r.random() < 0.3 and maxid:
            lo = r.randint(1, maxid)
            c.execute("DELETE FROM t WHERE id BETWEEN ? AND ?", (lo, lo + r.randint(0, 3)))
        count = c.execute("SELECT count(*) FROM t").fetchone()[0]
        if count > self.a.max_rows:
            c.execute("DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY id LIMIT ?)",
                      (count - self.a.max_rows,))
        tables = self.extra_tables(c)
        if tables and r.random() < 0.2:
            c.execute('INSERT INTO "%s"(x) VALUES (?)' % r.choice(tables), (r.randbytes(64),))

    def bulk(self, c):
        """One larger transaction: many pages in one commit, spread over the file."""
        r = self.rnd
        seed = r.randbytes(32)
        for i in range(r.randint(200, 800)):
            c.execute("INSERT INTO t(v, n, b) VALUES (?, ?, ?)",
                      ("bulk%d-%d" % (self.seq + 1, i), i, seed * r.randint(1, 8)))

    def extra_tables(self, c):
        return [r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'extra%' ORDER BY name")]

    def schema(self, c):
        r = self.rnd
        tables = self.extra_tables(c)
        choice = r.random()
        if choice < 0.4 or (choice < 0.7 and not tables):
            self.next_table += 1
            name = "extra%d_%d" % (self.seq + 1, self.next_table)
            c.execute('CREATE TABLE "%s"(id INTEGER PRIMARY KEY, x BLOB)' % name)
            c.executemany('INSERT INTO "%s"(x) VALUES (?)' % name,
                          [(r.randbytes(r.randint(10, 400)),) for _ in range(r.randint(1, 200))])
        elif choice < 0.7:
            c.execute('DROP TABLE "%s"' % r.choice(tables))
        else:
            cols = [row[1] for row in c.execute("PRAGMA table_info(t)")]
            if len(cols) > 24:  # keep the row shape bounded: start over with a fresh table
                c.execute("DROP TABLE t")
                c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER, b BLOB)")
            else:
                self.extra_cols += 1
                col = "x%d_%d" % (self.seq + 1, self.extra_cols)
                c.execute("ALTER TABLE t ADD COLUMN %s INTEGER DEFAULT %d" % (col, self.extra_cols))
                c.execute("CREATE INDEX IF NOT EXISTS idx_%s ON t(%s)" % (col, col))
        c.execute("INSERT INTO t(v, n) VALUES ('schema', ?)", (self.seq + 1,))

    def vacuum(self):
        before = now_ms()
        self.conn.execute("VACUUM")
        after = now_ms()
        self.record("vacuum", before, after)

    def checkpoint(self, mode):
        self.pending_checkpoint = None
        busy, frames, done = self.conn.execute("PRAGMA wal_checkpoint(%s)" % mode).fetchone()
        self.line("k %d %s %d %d %d" % (now_ms(), mode, busy, frames, done))

    def run(self):
        a = self.a
        r = self.rnd
        while not os.path.exists(a.stop_file):
            if self.pending_checkpoint:
                self.checkpoint(self.pending_checkpoint)
            x = r.random()
            if x < a.vacuum_p:
                self.vacuum()
            elif x < a.vacuum_p + a.schema_p:
                self.commit("schema", self.schema)
            elif x < a.vacuum_p + a.schema_p + a.bulk_p:
                self.commit("bulk", self.bulk)
            else:
                self.commit("mixed", self.mixed)
            if a.sleep_ms:
                time.sleep(a.sleep_ms / 1000.0 * r.uniform(0.2, 1.8))
        self.line("done %d" % self.seq)
        os.close(self.fd)
        self.conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sleep-ms", type=float, default=10)
    p.add_argument("--blob", type=int, default=400)
    p.add_argument("--max-rows", type=int, default=3000)
    p.add_argument("--vacuum-p", type=float, default=0.0005)
    p.add_argument("--schema-p", type=float, default=0.003)
    p.add_argument("--bulk-p", type=float, default=0.005)
    Writer(p.parse_args()).run()


if __name__ == "__main__":
    main()
