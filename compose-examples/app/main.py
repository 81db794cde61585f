"""A small FastAPI + SQLite app, the kind of app walship's compose examples back up.

What matters for walship is in connect(): WAL mode (walship follows the write-ahead log) and a busy
timeout (walship holds the write lock for a few milliseconds when it checkpoints).
"""
import os
import sqlite3
from contextlib import contextmanager

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

DB_PATH = os.environ.get("DATABASE_PATH", "/data/app.db")
VERSION = os.environ.get("APP_VERSION", "dev")

app = FastAPI(title="notes")


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH, timeout=5, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")   # required: walship ships the WAL
    conn.execute("PRAGMA busy_timeout=5000")  # wait out walship's short checkpoint lock instead of failing
    conn.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; walship ships every committed transaction
    return conn


@contextmanager
def db():
    conn = connect()
    try:
        yield conn
    finally:
        conn.close()


class Note(BaseModel):
    title: str
    body: str = ""


@app.get("/health")
def health():
    # Touch the database, so a broken volume or a schema the code does not understand fails the check.
    try:
        with db() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM notes").fetchone()
    except sqlite3.Error as e:
        raise HTTPException(status_code=503, detail=f"database: {e}")
    return {"status": "ok", "version": VERSION, "schema": version}


@app.get("/notes")
def list_notes():
    with db() as conn:
        return [dict(r) for r in conn.execute("SELECT id, title, body FROM notes ORDER BY id")]


@app.post("/notes", status_code=201)
def add_note(note: Note):
    with db() as conn:
        cur = conn.execute("INSERT INTO notes (title, body) VALUES (?, ?)", (note.title, note.body))
        return {"id": cur.lastrowid}
