"""Migrations to apply: a project's `supabase/migrations/*.sql` or the SQL of a markdown answer, applied
statement by statement; what the changed SQL creates or alters in the exposed schema is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_eval.graders.model import Evidence
from agent_eval.graders.parsing import CodeBlock, ParsedResponse, SqlStatement, parse_sql_block

EXPOSED_SCHEMA = "public"
MIGRATIONS_DIR = Path("supabase") / "migrations"
# Statements of a markdown answer that are queries or transaction control, not schema: not applied.
_ANSWER_SKIPPED = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "TransactionStmt"})
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


@dataclass(frozen=True)
class Applied:
    targets: tuple[Target, ...]
    skipped: tuple[str, ...] = field(default=())


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
    import psycopg

    targets: dict[str, Target] = {}
    skipped: list[str] = []
    for migration in migrations:
        for statement in migration.statements():
            node: Any = statement.node
            kind = type(node).__name__ if node is not None else ""
            if migration.answer and (node is None or kind in _ANSWER_SKIPPED):
                continue
            if kind == "CreateExtensionStmt" and not _available(connection, node.extname):
                skipped.append(f"extension {node.extname} (Supabase preinstalls it; not on this server)")
                continue
            try:
                with connection.transaction():
                    connection.execute(statement.text)
            except psycopg.Error as exc:
                message = first_line(exc)
                if not migration.answer:
                    evidence = statement.evidence(f"{migration.name}: {message}")
                    raise MigrationError(f"{migration.name} does not apply: {message}", evidence) from exc
                skipped.append(f"line {statement.line}: {message}")
                continue
            if migration.changed:
                for name in _relations_named(statement):
                    targets.setdefault(name, Target(name, statement.evidence(name)))
    return Applied(targets=tuple(targets.values()), skipped=tuple(skipped))


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
