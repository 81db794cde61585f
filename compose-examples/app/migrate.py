"""Schema migrations, run by the deploy before the new containers start: python migrate.py

Each entry of MIGRATIONS moves the schema from version i to i + 1 (PRAGMA user_version), in one
transaction. A destructive step (DROP COLUMN, a table rewrite) is exactly what the deploy's pre-deploy
snapshot is for: `walship hook post-rollback --label <tag>` brings the data back if the release is rolled back.
"""
import sys

from main import db

MIGRATIONS = [
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL DEFAULT '')",
    # "ALTER TABLE notes DROP COLUMN body",   # e.g. a later release: irreversible without a restore
]


def main() -> int:
    with db() as conn:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for version in range(current, len(MIGRATIONS)):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(MIGRATIONS[version])
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
            print(f"migrate: schema {version} -> {version + 1}")
        print(f"migrate: schema version {max(current, len(MIGRATIONS))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
