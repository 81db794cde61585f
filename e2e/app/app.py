#!/usr/bin/env python3
"""Demo app for the compose e2e: python3 stdlib http.server + sqlite3 in WAL mode.

  app.py serve       serve HTTP on 127.0.0.1:$APP_PORT (migrates up to $APP_VERSION first)
  app.py migrate     run $APP_VERSION's migration and exit (the deploy's "migrations" step)
  app.py healthcheck exit 0 if GET /health answers 200 (the image's HEALTHCHECK)
  app.py dump        print $APP_DB's items and columns as JSON, read directly (for restored copies)

v1 schema: items(id, name, email). v2's migration DROPS the email column: the destructive migration the
post-rollback restore has to undo. The server sets SO_REUSEPORT so that two containers on the host network
can share the port during a rollout, as two replicas behind docker-rollout's proxy would.
"""
import json
import os
import signal
import socket
import sqlite3
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DB = os.environ.get("APP_DB", "/data/app.db")
VERSION = os.environ.get("APP_VERSION", "v1")
PORT = int(os.environ.get("APP_PORT", "8000"))
SCHEMA_VERSION = {"v1": 1, "v2": 2}[VERSION]


def connect():
    # One long-lived connection, as a typical app keeps: walship's in-place restore must work under it.
    conn = sqlite3.connect(DB, timeout=10, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def migrate(conn):
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current < 1 <= SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)")
        conn.execute("PRAGMA user_version = 1")
        conn.execute("COMMIT")
    if current < 2 <= SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ALTER TABLE items DROP COLUMN email")  # destroys data: only a restore brings it back
        conn.execute("PRAGMA user_version = 2")
        conn.execute("COMMIT")
    return conn.execute("PRAGMA user_version").fetchone()[0]


class Handler(BaseHTTPRequestHandler):
    conn = None
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # one line per error only; the e2e polls /health ten times a second
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def query(self, sql, args=()):
        with self.lock:
            cur = self.conn.execute(sql, args)
            cols = [d[0] for d in cur.description] if cur.description else []
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def do_GET(self):
        try:
            if self.path == "/health":
                rows = self.query("SELECT count(*) AS n FROM items")[0]["n"]
                self.reply(200, {"status": "ok", "version": VERSION, "rows": rows})
            elif self.path == "/items":
                self.reply(200, self.query("SELECT * FROM items ORDER BY id"))
            elif self.path == "/dump":  # the same document as `app.py dump`, so the two compare as text
                cols = [r["name"] for r in self.query("PRAGMA table_info(items)")]
                self.reply(200, {"columns": cols, "items": self.query("SELECT * FROM items ORDER BY id")})
            elif self.path == "/schema":
                cols = [r["name"] for r in self.query("PRAGMA table_info(items)")]
                uv = self.query("PRAGMA user_version")[0]["user_version"]
                self.reply(200, {"version": VERSION, "user_version": uv, "columns": cols})
            else:
                self.reply(404, {"error": "no such path " + self.path})
        except sqlite3.Error as e:
            sys.stderr.write(f"app {VERSION}: GET {self.path}: {e}\n")
            self.reply(503, {"error": str(e)})

    def do_POST(self):
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if self.path != "/items":
                self.reply(404, {"error": "no such path " + self.path})
                return
            with self.lock:
                if SCHEMA_VERSION >= 2:
                    cur = self.conn.execute("INSERT INTO items (name) VALUES (?)", (body["name"],))
                else:
                    cur = self.conn.execute("INSERT INTO items (name, email) VALUES (?, ?)",
                                            (body["name"], body.get("email")))
            self.reply(201, {"id": cur.lastrowid})
        except (sqlite3.Error, KeyError, ValueError) as e:
            sys.stderr.write(f"app {VERSION}: POST {self.path}: {e}\n")
            self.reply(400 if not isinstance(e, sqlite3.Error) else 503, {"error": str(e)})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def serve():
    conn = connect()
    print(f"app {VERSION}: schema version {migrate(conn)}, db {DB}, port {PORT}", flush=True)
    Handler.conn = conn
    server = Server(("127.0.0.1", PORT), Handler)
    # docker stop sends SIGTERM: finish the requests in flight instead of dying mid-answer.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    conn.close()
    print(f"app {VERSION}: stopped", flush=True)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if cmd == "serve":
        serve()
    elif cmd == "migrate":
        conn = connect()
        print(f"app {VERSION}: migrated to schema version {migrate(conn)}", flush=True)
        conn.close()
    elif cmd == "healthcheck":
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=2) as r:
                sys.exit(0 if r.status == 200 else 1)
        except OSError:
            sys.exit(1)
    elif cmd == "dump":
        conn = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        items = [dict(r) for r in conn.execute("SELECT * FROM items ORDER BY id")]
        cols = [r["name"] for r in conn.execute("PRAGMA table_info(items)")]
        print(json.dumps({"columns": cols, "items": items}, sort_keys=True))
    else:
        sys.exit(f"app.py: unknown command {cmd} (serve, migrate, healthcheck or dump)")


if __name__ == "__main__":
    main()
