"""The results store: runs, every model call, every graded result, and the response cache, in SQLite.

WAL mode and a commit per write: a result is durable the moment `save_result` returns, so a killed run
loses nothing that finished and `--resume` runs only what is missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_eval.errors import InputError
from agent_eval.providers.errors import parse_stored_error
from agent_eval.providers.model import ModelResponse, Usage
from agent_eval.store.migrations import migrate, pending_migrations
from agent_eval.store.model import FailureGroup, ResultRecord, RunInfo

USAGE_TOTALS = (  # the keys of Store.usage(), in the order `run --json` prints them
    "calls",
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "cost_usd",
)

DB_FILE = "results.sqlite"


class StoreError(InputError):
    """A results database that cannot be opened, read or written; the message names it and the fix."""


def is_file_error(exc: BaseException) -> bool:
    """What a damaged, foreign or unwritable file raises; a constraint or misuse error is a bug, not this."""
    return type(exc) in (sqlite3.DatabaseError, sqlite3.OperationalError)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """One SQLite database under AGENT_EVAL_HOME. Single-threaded use (the runner is asyncio)."""

    def __init__(self, home: Path, *, readonly: bool = False) -> None:
        """Open (creating and migrating when writable) `home`/results.sqlite. `readonly` opens it without
        writing anything, so `runs`, `report` and `export` work in a read-only home. Raises StoreError,
        naming the file, when it is missing (read-only), not a database, or cannot be written."""
        self.path = home / DB_FILE
        self.readonly = readonly
        try:
            self._db = self._open_readonly() if readonly else self._open_writable(home)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    def _open_writable(self, home: Path) -> sqlite3.Connection:
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{home}: cannot create the results folder ({exc.strerror}); set AGENT_EVAL_HOME to a "
                "writable folder"
            ) from exc
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=5000")
            migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _open_readonly(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise StoreError(f"{self.path}: no results database yet; `agent-eval run` creates it")
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
            return self._checked_readonly(db)
        except sqlite3.OperationalError:
            # A WAL database in a folder we cannot write: SQLite cannot create its shared-memory file, so
            # read it as immutable (nothing can be writing to a home this process may not write either).
            db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            return self._checked_readonly(db)

    def _checked_readonly(self, db: sqlite3.Connection) -> sqlite3.Connection:
        try:
            db.execute("PRAGMA busy_timeout=5000")
            if pending_migrations(db):
                raise StoreError(
                    f"{self.path}: written by an older agent-eval and not yet upgraded; run any writing "
                    "command (e.g. `agent-eval run`) once with write access"
                )
        except BaseException:
            db.close()
            raise
        return db

    def _error(self, exc: BaseException) -> StoreError:
        """The one-line StoreError for an SQLite failure on this database."""
        text = str(exc)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return StoreError(
                f"{self.path}: cannot write the results database ({text}); make its folder writable or set "
                "AGENT_EVAL_HOME to a writable folder"
            )
        return StoreError(
            f"{self.path}: not a usable agent-eval results database ({text}); move it aside (a new one is "
            "created on the next run) or restore it from a backup"
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc
        try:
            yield self._db
        except BaseException as exc:
            self._db.execute("ROLLBACK")
            if is_file_error(exc):
                raise self._error(exc) from exc
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """A query outside any transaction, its SQLite failure turned into a StoreError naming the file."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    # runs
    def create_run(self, info: RunInfo) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, agent, model, started_at, status, offline, info) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    info.run_id,
                    info.agent,
                    info.model,
                    info.started_at,
                    info.status,
                    int(info.offline),
                    info.model_dump_json(),
                ),
            )

    def update_run(self, info: RunInfo) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, offline = ?, info = ? WHERE run_id = ?",
                (info.status, int(info.offline), info.model_dump_json(), info.run_id),
            )

    def get_run(self, run_id: str) -> RunInfo | None:
        row = self._read("SELECT info FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return RunInfo.model_validate_json(row[0]) if row else None

    def list_runs(self, agent: str | None = None) -> list[RunInfo]:
        """Newest first."""
        query = "SELECT info FROM runs"
        params: tuple[Any, ...] = ()
        if agent is not None:
            query += " WHERE agent = ?"
            params = (agent,)
        rows = self._read(query + " ORDER BY started_at DESC, rowid DESC", params).fetchall()
        return [RunInfo.model_validate_json(r[0]) for r in rows]

    # calls
    def record_call(
        self,
        run_id: str,
        request_hash: str,
        purpose: str,
        model: str,
        response: ModelResponse | None,
        error: str | None = None,
        result: ResultRecord | None = None,
    ) -> None:
        """Store one call; with `result`, the result it produced too, in the same transaction (one commit
        per answer on the run's hot path)."""
        usage = response.usage if response else Usage()
        with self._transaction() as db:
            if result is not None:
                _insert_result(db, result)
            db.execute(
                """INSERT INTO calls (run_id, request_hash, purpose, model, response, input_tokens,
                   output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, latency_s,
                   cached, batch, error, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                (
                    run_id,
                    request_hash,
                    purpose,
                    model,
                    response.model_dump_json() if response else None,
                    usage.input_tokens,
                    usage.output_tokens,
                    usage.cache_creation_input_tokens,
                    usage.cache_read_input_tokens,
                    response.cost_usd if response else 0.0,
                    response.latency_s if response else 0.0,
                    int(response.cached) if response else 0,
                    int(response.batch) if response else 0,
                    error,
                    now_iso(),
                ),
            )

    def responses_by_hash(self, run_id: str) -> dict[str, ModelResponse]:
        """Every successful response of a run keyed by request hash (what `replay:RUN_ID` serves)."""
        rows = self._read(
            "SELECT request_hash, response FROM calls WHERE run_id = ? AND response IS NOT NULL ORDER BY id",
            (run_id,),
        )
        return {h: ModelResponse.model_validate_json(r) for h, r in rows}

    def usage(self, run_id: str) -> dict[str, float]:
        """Totals over the calls that reached the API (cache hits cost nothing and are not counted)."""
        row = self._read(
            """SELECT COUNT(*), COALESCE(SUM(input_tokens),0), COALESCE(SUM(output_tokens),0),
                      COALESCE(SUM(cache_creation_input_tokens),0), COALESCE(SUM(cache_read_input_tokens),0),
                      COALESCE(SUM(cost_usd),0)
               FROM calls WHERE run_id = ? AND cached = 0 AND response IS NOT NULL""",
            (run_id,),
        ).fetchone()
        return dict(zip(USAGE_TOTALS, row, strict=True))

    def latencies(self, run_id: str) -> list[float]:
        rows = self._read(
            "SELECT latency_s FROM calls WHERE run_id = ? AND cached = 0 AND response IS NOT NULL", (run_id,)
        )
        return [r[0] for r in rows]

    def call_errors(self, run_id: str) -> int:
        row = self._read("SELECT COUNT(*) FROM calls WHERE run_id = ? AND error IS NOT NULL", (run_id,))
        return int(row.fetchone()[0])

    def call_failures(self, run_id: str) -> list[FailureGroup]:
        """The run's failed calls grouped by (cause, URL), most frequent first, each with its first message.
        A call that failed and later succeeded (a resume) still counts: it is what happened."""
        groups: dict[tuple[str, str | None], FailureGroup] = {}
        rows = self._read(
            "SELECT error FROM calls WHERE run_id = ? AND error IS NOT NULL ORDER BY id", (run_id,)
        )
        for (text,) in rows:
            cause, message, url = parse_stored_error(text)
            group = groups.get((cause, url))
            groups[(cause, url)] = (
                FailureGroup(cause=cause, count=1, example=message, url=url)
                if group is None
                else group.model_copy(update={"count": group.count + 1})
            )
        return sorted(groups.values(), key=lambda g: (-g.count, g.cause))

    # results
    def save_result(self, record: ResultRecord) -> None:
        """Insert or replace the result of (run, scenario, epoch); durable when this returns."""
        with self._transaction() as db:
            _insert_result(db, record)

    def results(self, run_id: str) -> list[ResultRecord]:
        rows = self._read(
            "SELECT record FROM results WHERE run_id = ? ORDER BY suite, scenario_id, epoch", (run_id,)
        )
        return [ResultRecord.model_validate_json(r[0]) for r in rows]

    def done(self, run_id: str) -> set[tuple[str, int]]:
        rows = self._read("SELECT scenario_id, epoch FROM results WHERE run_id = ?", (run_id,))
        return {(s, e) for s, e in rows}

    # response cache
    def cache_get(self, request_hash: str) -> ModelResponse | None:
        row = self._read(
            "SELECT response FROM response_cache WHERE request_hash = ?", (request_hash,)
        ).fetchone()
        return ModelResponse.model_validate_json(row[0]) if row else None

    def cache_put(self, request_hash: str, response: ModelResponse) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO response_cache (request_hash, response, created_at) VALUES (?,?,?)",
                (request_hash, response.model_dump_json(), now_iso()),
            )


def _insert_result(db: sqlite3.Connection, record: ResultRecord) -> None:
    db.execute(
        "INSERT OR REPLACE INTO results (run_id, scenario_id, epoch, suite, passed, record) "
        "VALUES (?,?,?,?,?,?)",
        (
            record.run_id,
            record.scenario_id,
            record.epoch,
            record.suite,
            None if record.passed is None else int(record.passed),
            record.model_dump_json(),
        ),
    )
