"""Versioned schema migrations: an ordered list of small functions, each applied once and recorded.

Each migration and its record run in one transaction (SQLite's DDL is transactional): a migration that
fails leaves nothing of itself behind and is tried again next time. Migrations use `db.execute`, one
statement at a time: `executescript` would commit the open transaction first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def execute_each(db: sqlite3.Connection, script: str) -> None:
    """Run a script of `;`-separated statements inside the caller's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    execute_each(
        db,
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            agent TEXT NOT NULL,
            model TEXT NOT NULL,
            started_at TEXT NOT NULL,
            status TEXT NOT NULL,
            offline INTEGER NOT NULL,
            info TEXT NOT NULL
        );
        CREATE INDEX runs_by_agent ON runs (agent, started_at);
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs (run_id),
            request_hash TEXT NOT NULL,
            purpose TEXT NOT NULL,
            model TEXT NOT NULL,
            response TEXT,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_input_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            latency_s REAL NOT NULL DEFAULT 0,
            cached INTEGER NOT NULL DEFAULT 0,
            batch INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX calls_by_run ON calls (run_id, request_hash);
        CREATE TABLE results (
            run_id TEXT NOT NULL REFERENCES runs (run_id),
            scenario_id TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            suite TEXT NOT NULL,
            passed INTEGER,
            record TEXT NOT NULL,
            PRIMARY KEY (run_id, scenario_id, epoch)
        );
        CREATE TABLE response_cache (
            request_hash TEXT PRIMARY KEY,
            response TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """
    )


@migration
def m002_routing_decision_kind(db: sqlite3.Connection) -> None:
    """Routing results gain `decision` (kind:target). Earlier runs offered the Agent tool alone, so a
    result that chose no agent answered in text, and one that chose an agent delegated to it."""
    db.execute(
        """
        UPDATE results SET record = json_set(
            record,
            '$.decision',
            CASE
                WHEN json_extract(record, '$.chosen') IS NULL THEN NULL
                WHEN json_extract(record, '$.chosen') = 'none' THEN 'answered'
                ELSE 'delegated:' || json_extract(record, '$.chosen')
            END
        )
        WHERE suite = 'routing' AND json_extract(record, '$.decision') IS NULL
        """
    )


def pending_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations not yet applied to `db` (all of them for a new database)."""
    has_table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    applied = {row[0] for row in db.execute("SELECT name FROM schema_migrations")} if has_table else set()
    return [name for name, _ in MIGRATIONS if name not in applied]


def migrate(db: sqlite3.Connection) -> None:
    """Apply every migration not yet recorded, each in its own transaction (`db` is in autocommit mode).
    BEGIN IMMEDIATE takes the write lock first, so two processes never apply the same migration."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    for name, fn in MIGRATIONS:
        db.execute("BEGIN IMMEDIATE")
        try:
            if name not in pending_migrations(db):
                db.execute("ROLLBACK")
                continue
            fn(db)
            db.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
