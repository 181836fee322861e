"""One PostgreSQL for a whole run: the embedded server under AGENT_EVAL_HOME, or `--postgres-url`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent_eval.executors.postgres import PostgresServer, embedded_postgres, existing_postgres
from agent_eval.paths import home_dir

EMBEDDED_DATA_DIR = Path("postgres") / "data"


@contextmanager
def postgres_for_run(postgres_url: str | None = None, home: Path | None = None) -> Iterator[PostgresServer]:
    """The server every task of a run shares: `postgres_url` when given, else the embedded one (its data
    directory is kept under AGENT_EVAL_HOME, so only the first run pays for `initdb`)."""
    if postgres_url:
        yield existing_postgres(postgres_url)
        return
    with embedded_postgres(home_dir(home) / EMBEDDED_DATA_DIR) as server:
        yield server
