# Writes a WAL-mode SQLite database with a different SQLite build than sqlite-jdbc, for walship tests.
# usage: writer.py DIR PAGE_SIZE TXNS ROWS_PER_TXN BLOB_BYTES UNCOMMITTED(0|1) WAIT(0|1)
# Prints "counts <page_count after each commit...>" and "rows <committed rows>", then (WAIT=1) waits
# for a line on stdin, and finally exits with os._exit so the WAL is never checkpointed or deleted.
import os, sqlite3, sys

d, page_size, txns, rows, blob, uncommitted, wait = sys.argv[1:8]
page_size, txns, rows, blob = int(page_size), int(txns), int(rows), int(blob)
c = sqlite3.connect(os.path.join(d, 'app.db'), isolation_level=None)
c.execute(f'PRAGMA page_size={page_size}')
assert c.execute('PRAGMA journal_mode=WAL').fetchone()[0] == 'wal'
c.execute('PRAGMA wal_autocheckpoint=0')
counts = []
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)')
counts.append(c.execute('PRAGMA page_count').fetchone()[0])
for i in range(txns):
    c.execute('BEGIN')
    for j in range(rows):
        c.execute('INSERT INTO t(v) VALUES (randomblob(?))', (blob,))
    c.execute('COMMIT')
    counts.append(c.execute('PRAGMA page_count').fetchone()[0])
committed = c.execute('SELECT count(*) FROM t').fetchone()[0]
if uncommitted == '1':
    # A one-page cache makes SQLite spill dirty pages into the WAL before COMMIT.
    c.execute('PRAGMA cache_size=1')
    c.execute('BEGIN')
    for j in range(200):
        c.execute('INSERT INTO t(v) VALUES (randomblob(?))', (page_size,))
print('counts', *counts)
print('rows', committed, flush=True)
if wait == '1':
    sys.stdin.readline()
os._exit(0)
