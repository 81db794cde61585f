"""An app's long-lived reader: one connection, kept open, reading a consistent state every 10 ms.

usage: reader.py DB OUT STOPFILE
Writes one line per read to OUT: "<count>|<columns>" (count of items and its column names, read in one
transaction), or "error|<message>". Stops when STOPFILE exists. Used to prove that an in-place restore
shows the app the old state or the new one, never a mix, and never breaks its connection.
"""
import os
import sqlite3
import sys
import time

db, out_path, stop = sys.argv[1], sys.argv[2], sys.argv[3]
conn = sqlite3.connect(db, isolation_level=None, timeout=5)
with open(out_path, "w", buffering=1) as out:
    while not os.path.exists(stop):
        try:
            conn.execute("BEGIN")
            count = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            cols = ",".join(r[1] for r in conn.execute("PRAGMA table_info(items)"))
            conn.execute("COMMIT")
            out.write(f"{count}|{cols}\n")
        except sqlite3.Error as e:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            out.write(f"error|{e}\n")
        time.sleep(0.01)
conn.close()
