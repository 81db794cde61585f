#!/usr/bin/env python3
"""Workload writer for the walship benchmark: a separate process using python3's sqlite3.

WAL mode, synchronous=NORMAL. Each transaction inserts --rows new rows and updates --updates older
rows (random ids), tagging every row it touches with the transaction's sequence number. With --log,
it records "seq commit_time" (wall clock, seconds, taken right after COMMIT returned) for every
transaction; with --log-unbuffered each line is written with one write(2) right after the commit, so
it survives a kill -9 of this process.

  writer.py init --db DB --rows N [--payload B]          create the table and N seed rows
  writer.py run  --db DB --seconds S [--rate TXS] ...    run the workload, print a JSON summary

Every loop is bounded by --seconds (and --max-tx).
"""
import argparse
import json
import os
import random
import sqlite3
import sys
import time


def connect(path):
    c = sqlite3.connect(path, isolation_level=None, timeout=10)
    mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise SystemExit("could not enable WAL mode: " + mode)
    c.execute("PRAGMA synchronous=NORMAL")
    return c


def init(args):
    c = connect(args.db)
    c.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, "
              "ts REAL NOT NULL, payload BLOB NOT NULL)")
    c.execute("CREATE INDEX IF NOT EXISTS t_seq ON t(seq)")
    done = 0
    batch = 2000
    while done < args.rows:
        n = min(batch, args.rows - done)
        c.execute("BEGIN")
        c.executemany("INSERT INTO t(seq, ts, payload) VALUES (0, 0, randomblob(?))",
                      [(args.payload,)] * n)
        c.execute("COMMIT")
        done += n
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()


def run(args):
    c = connect(args.db)
    max_id = c.execute("SELECT coalesce(max(id), 0) FROM t").fetchone()[0]
    seq = c.execute("SELECT coalesce(max(seq), 0) FROM t").fetchone()[0]
    first_seq = seq + 1
    rnd = random.Random(args.seed)
    log_fd = None
    buffered = []
    if args.log:
        log_fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    ins = "INSERT INTO t(seq, ts, payload) VALUES (?, ?, randomblob(?))"
    upd = "UPDATE t SET seq = ?, ts = ?, payload = randomblob(?) WHERE id = ?"
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(str(time.time()))
    start = time.monotonic()
    start_wall = time.time()
    deadline = start + args.seconds
    n = 0
    while n < args.max_tx:
        now = time.monotonic()
        if now >= deadline:
            break
        if args.rate > 0:
            due = start + n / args.rate
            if due > now:
                time.sleep(min(due - now, deadline - now))
                continue
        seq += 1
        ts = time.time()
        c.execute("BEGIN")
        for _ in range(args.rows):
            c.execute(ins, (seq, ts, args.payload))
        if max_id > 0:
            for _ in range(args.updates):
                c.execute(upd, (seq, ts, args.payload, rnd.randint(1, max_id)))
        c.execute("COMMIT")
        t_commit = time.time()
        n += 1
        if log_fd is not None:
            line = "%d %.6f\n" % (seq, t_commit)
            if args.log_unbuffered:
                os.write(log_fd, line.encode())
            else:
                buffered.append(line)
    elapsed = time.monotonic() - start
    if log_fd is not None:
        if buffered:
            os.write(log_fd, "".join(buffered).encode())
        os.close(log_fd)
    c.close()
    print(json.dumps({"tx": n, "seconds": elapsed, "tx_per_s": n / elapsed if elapsed else 0,
                      "first_seq": first_seq, "last_seq": seq, "start_wall": start_wall}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["init", "run"])
    p.add_argument("--db", required=True)
    p.add_argument("--rows", type=int, default=4)
    p.add_argument("--updates", type=int, default=4)
    p.add_argument("--payload", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--rate", type=float, default=0, help="transactions per second, 0 = max")
    p.add_argument("--max-tx", type=int, default=50_000_000)
    p.add_argument("--log")
    p.add_argument("--log-unbuffered", action="store_true")
    p.add_argument("--ready-file")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if args.cmd == "init":
        init(args)
    else:
        run(args)


if __name__ == "__main__":
    sys.exit(main())
