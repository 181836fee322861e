"""Migrations to apply: a project's `supabase/migrations/*.sql` or the SQL of a markdown answer, applied
statement by statement; what the changed SQL creates or alters in the exposed schema is recorded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_eval.graders.model import Evidence
from agent_eval.graders.parsing import CodeBlock, ParsedResponse, SqlStatement, parse_sql_block

EXPOSED_SCHEMA = "public"
_MAX_RETRIES = 12
_STUB_KEY = "id uuid primary key default gen_random_uuid()"
_ID_COLUMN = re.compile(r"\b([a-z]\w*_id)\b")
_MISSING_RELATION = re.compile(r'relation "(?P<name>[\w.]+)" does not exist')
_MISSING_COLUMN = re.compile(r'column (?:\w+\.)?"?(?P<column>\w+)"? does not exist')
_MISSING_TYPE = re.compile(r'type "(?P<name>\w+)" does not exist')
MIGRATIONS_DIR = Path("supabase") / "migrations"
# Statements of a markdown answer that are not applied: queries, transaction control, and drops (answers
# show the rollback beside the migration; applying it would leave nothing to probe).
_ANSWER_SKIPPED = frozenset(
    {"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "TransactionStmt", "DropStmt"}
)
_TARGET_NODES = {
    "CreateStmt": "relation",
    "AlterTableStmt": "relation",
    "CreatePolicyStmt": "table",
    "AlterPolicyStmt": "table",
    "ViewStmt": "view",
}


@dataclass(frozen=True)
class Migration:
    """SQL to apply. `changed`: written by the agent (its tables are probed). `answer`: a fragment of a
    markdown answer (queries skipped; a statement that fails is skipped and noted, since answers lean on
    tables the conversation set up) rather than a migration file (any error is fatal).
    `start_line`: where the SQL starts in its file or answer, for evidence."""

    name: str
    sql: str
    changed: bool = True
    answer: bool = False
    start_line: int = 1

    def statements(self) -> list[SqlStatement]:
        block = CodeBlock(index=0, language="sql", tag="sql", text=self.sql, start_line=self.start_line)
        return parse_sql_block(block)


@dataclass(frozen=True)
class Target:
    """A relation of the exposed schema that changed SQL creates or alters, and the statement that does."""

    name: str
    evidence: Evidence
    source: str = ""  # the migration file that creates or alters it ("" for an answer's SQL)


@dataclass(frozen=True)
class Applied:
    """What changed SQL created or altered; `incomplete`: targets that a statement of an answer touched
    but that did not apply (a policy calling a function the answer does not show): not probed."""

    targets: tuple[Target, ...]
    skipped: tuple[str, ...] = field(default=())
    incomplete: frozenset[str] = frozenset()


class MigrationError(Exception):
    """A migration file that does not apply; the message is Postgres's own error."""

    def __init__(self, message: str, evidence: Evidence) -> None:
        super().__init__(message)
        self.evidence = evidence


def project_migrations(project_dir: Path, changed: Sequence[str]) -> list[Migration]:
    """The project's migration files in name order (as Supabase applies them); those in `changed`
    (paths relative to the project) are marked as the change."""
    changed_set = {Path(path).as_posix() for path in changed}
    folder = project_dir / MIGRATIONS_DIR
    return [
        Migration(
            name=(MIGRATIONS_DIR / path.name).as_posix(),
            sql=path.read_text(encoding="utf-8"),
            changed=(MIGRATIONS_DIR / path.name).as_posix() in changed_set,
        )
        for path in sorted(folder.glob("*.sql"))
    ]


def answer_migrations(response: ParsedResponse) -> list[Migration]:
    """The SQL blocks of a markdown answer (counter-examples left out), in answer order."""
    return [
        Migration(name=f"block {block.index + 1}", sql=block.text, answer=True, start_line=block.start_line)
        for block in response.code_blocks
        if block.language == "sql"
    ]


def apply_migrations(connection: Any, migrations: Sequence[Migration]) -> Applied:
    """Apply in order, each statement in its own transaction; raises MigrationError for a migration file
    that does not apply. `create extension` of an extension this server lacks is skipped (Supabase
    preinstalls uuid-ossp and pgcrypto; the shim provides what they are used for)."""
    targets: dict[str, Target] = {}
    skipped: list[str] = []
    stubs: set[str] = set()
    incomplete: set[str] = set()
    for migration in migrations:
        for statement in migration.statements():
            node: Any = statement.node
            kind = type(node).__name__ if node is not None else ""
            if migration.answer and (node is None or kind in _ANSWER_SKIPPED):
                continue
            if kind == "CreateExtensionStmt" and not _available(connection, node.extname):
                skipped.append(f"extension {node.extname} (Supabase preinstalls it; not on this server)")
                continue
            error = _execute(connection, statement.text, stubs if migration.answer else None)
            if error is not None:
                if not migration.answer:
                    evidence = statement.evidence(f"{migration.name}: {error}")
                    raise MigrationError(f"{migration.name} does not apply: {error}", evidence)
                skipped.append(f"line {statement.line}: {error}")
                incomplete.update(_relations_named(statement))
                continue
            if migration.changed:
                for name in _relations_named(statement):
                    if name in stubs and not _sets_access(statement):
                        continue  # a stand-in's access rules are the conversation's, not the answer's
                    source = "" if migration.answer else migration.name
                    targets.setdefault(name, Target(name, statement.evidence(name), source))
    if stubs:
        skipped.append(f"stand-ins created for tables the answer assumes: {', '.join(sorted(stubs))}")
    return Applied(targets=tuple(targets.values()), skipped=tuple(skipped), incomplete=frozenset(incomplete))


def _sets_access(statement: SqlStatement) -> bool:
    """A policy, or ALTER TABLE … ENABLE/FORCE ROW LEVEL SECURITY."""
    node: Any = statement.node
    kind = type(node).__name__
    if kind in {"CreatePolicyStmt", "AlterPolicyStmt"}:
        return True
    subtypes = {getattr(cmd.subtype, "name", "") for cmd in getattr(node, "cmds", None) or ()}
    return kind == "AlterTableStmt" and bool(subtypes & {"AT_EnableRowSecurity", "AT_ForceRowSecurity"})


def _execute(connection: Any, sql: str, stubs: set[str] | None) -> str | None:
    """Run one statement in its own transaction; Postgres's error message, or None when it applied.

    With `stubs` (an answer's SQL), a statement that fails only because the answer leans on what the
    conversation already had is retried after supplying it: a missing table gets a stand-in with a uuid
    `id`, a missing column is added to the stand-ins the statement names (`*_id` columns as uuids, `user_id`
    referencing auth.users, `<x>_id` referencing the stand-in `<x>s`), a missing type that is an available
    extension (citext) is installed."""
    import psycopg

    for _ in range(_MAX_RETRIES):
        try:
            with connection.transaction():
                connection.execute(sql)
            return None
        except psycopg.Error as exc:
            message = first_line(exc)
            if stubs is None or not _supply(connection, exc, sql, stubs):
                return message
    return message


def _supply(connection: Any, exc: Any, sql: str, stubs: set[str]) -> bool:
    """Create what the error says is missing (see `_execute`); True when something was created."""
    message = first_line(exc)
    if exc.sqlstate == "42P01" and (found := _MISSING_RELATION.search(message)):
        name = found["name"].split(".")[-1]
        if found["name"].count(".") and not found["name"].startswith(f"{EXPOSED_SCHEMA}."):
            return False
        # The `*_id` columns the statement names go in at once: a policy's subquery on a stand-in must not
        # bind them to the outer table instead (`select tenant_id from memberships` with no such column).
        own_key = name.removesuffix("s") + "_id"
        named = sorted({c for c in _ID_COLUMN.findall(sql) if c != own_key})
        columns = "".join(f', "{c}" {_stub_type(c, stubs)}' for c in named)
        with connection.transaction():
            connection.execute(f'create table if not exists {EXPOSED_SCHEMA}."{name}" ({_STUB_KEY}{columns})')
        stubs.add(name)
        return True
    if exc.sqlstate == "42703" and (found := _MISSING_COLUMN.search(message)):
        column = found["column"]
        named = [stub for stub in stubs if re.search(rf"\b{re.escape(stub)}\b", sql)]
        added = False
        for stub in named:
            with connection.transaction():
                if connection.execute(
                    "select 1 from information_schema.columns where table_schema = %s and table_name = %s "
                    "and column_name = %s",
                    (EXPOSED_SCHEMA, stub, column),
                ).fetchone():
                    continue
                connection.execute(
                    f'alter table {EXPOSED_SCHEMA}."{stub}" add column "{column}" {_stub_type(column, stubs)}'
                )
                added = True
        return added
    if (
        exc.sqlstate == "42704"
        and (found := _MISSING_TYPE.search(message))
        and _available(connection, found["name"])
    ):
        with connection.transaction():
            connection.execute(f'create extension if not exists "{found["name"]}"')
        return True
    return False


def _stub_type(column: str, stubs: set[str]) -> str:
    if column == "user_id":
        return "uuid references auth.users (id)"
    if column.endswith("_id"):
        parent = column.removesuffix("_id") + "s"
        return f'uuid references {EXPOSED_SCHEMA}."{parent}" (id)' if parent in stubs else "uuid"
    return "text"


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _available(connection: Any, extension: str) -> bool:
    row = connection.execute("select 1 from pg_available_extensions where name = %s", (extension,)).fetchone()
    return row is not None


def _relations_named(statement: SqlStatement) -> list[str]:
    node: Any = statement.node
    attribute = _TARGET_NODES.get(type(node).__name__)
    if attribute is None:
        return []
    relation = getattr(node, attribute)
    schema = relation.schemaname or EXPOSED_SCHEMA
    return [relation.relname] if schema == EXPOSED_SCHEMA else []
