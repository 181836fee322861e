"""Runs, calls and results ⇄ SQLite: the only stateful stage (schema, migrations, queries)."""
