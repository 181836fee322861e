"""Check `rls-enabled`: every table created in SQL has row level security enabled and a policy."""

from __future__ import annotations

import re
from typing import Any

from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse, SqlStatement

_CREATE = re.compile(
    r"^\s*create\s+(?:(?:global\s+|local\s+)?(?:temp|temporary|unlogged)\s+)?table\s+(?:if\s+not\s+exists\s+)?"
    r"(?P<name>[\w\".]+)",
    re.IGNORECASE,
)
_ENABLE = re.compile(
    r"^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?(?P<name>[\w\".]+)\s+(?:enable|force)\s+row\s+level\s+security",
    re.IGNORECASE,
)
_POLICY = re.compile(r"^\s*create\s+policy\s+(?:\"[^\"]+\"|\w+)\s+on\s+(?P<name>[\w\".]+)", re.IGNORECASE)
_TEMPORARY = "t"


@check(
    "rls-enabled",
    task_words=("table", "tables", "migration", "migrations", "schema"),
    section_words=("rls policies", "rls policy", "rls"),
    contract=2,
)
def rls_enabled(response: ParsedResponse) -> Verdict:
    """n/a when the SQL creates no table (temporary tables are ignored).

    Table names are folded as PostgreSQL folds them (unquoted to lower case; a quoted name keeps its case,
    so "Invoices" is not invoices), with `public.` as the default schema. Pass when every
    created table has `ALTER TABLE … ENABLE ROW LEVEL SECURITY` (or FORCE) and at least one
    `CREATE POLICY … ON` that table, anywhere in the response's SQL. Fail when any created table lacks
    either (a policy without ENABLE, or ENABLE on only one of two tables, both fail). Statements pglast
    cannot parse are read with a tolerant pattern so partial migrations still count.
    """
    created: dict[str, SqlStatement] = {}
    enabled: dict[str, SqlStatement] = {}
    policies: dict[str, SqlStatement] = {}
    for statement in response.sql_statements:
        kind, table = _classify(statement)
        target = {"create": created, "enable": enabled, "policy": policies}.get(kind)
        if target is not None and table is not None:
            target.setdefault(table, statement)
    if not created:
        return verdict("rls-enabled", "n/a", "no CREATE TABLE in SQL")
    problems: list[Evidence] = []
    good: list[Evidence] = []
    for table, statement in created.items():
        missing = [
            what
            for what, found in (("RLS not enabled", enabled), ("no policy", policies))
            if table not in found
        ]
        if missing:
            problems.append(statement.evidence(f"{table}: " + " and ".join(missing)))
        else:
            good.extend(
                [
                    statement.evidence(table),
                    enabled[table].evidence("RLS enabled"),
                    policies[table].evidence("policy"),
                ]
            )
    if problems:
        return verdict(
            "rls-enabled", "fail", f"{len(problems)} of {len(created)} table(s) lack RLS", problems
        )
    return verdict("rls-enabled", "pass", f"all {len(created)} table(s) have RLS and a policy", good)


def _classify(statement: SqlStatement) -> tuple[str, str | None]:
    node: Any = statement.node
    kind = type(node).__name__ if node is not None else ""
    if kind == "CreateStmt":
        if getattr(node.relation, "relpersistence", "p") == _TEMPORARY:
            return "", None
        return "create", _qualified(node.relation.schemaname, node.relation.relname)
    if kind == "AlterTableStmt":
        subtypes = {getattr(cmd.subtype, "name", "") for cmd in node.cmds or ()}
        if subtypes & {"AT_EnableRowSecurity", "AT_ForceRowSecurity"}:
            return "enable", _qualified(node.relation.schemaname, node.relation.relname)
        return "", None
    if kind == "CreatePolicyStmt":
        return "policy", _qualified(node.table.schemaname, node.table.relname)
    if node is None:
        for label, pattern in (("create", _CREATE), ("enable", _ENABLE), ("policy", _POLICY)):
            found = pattern.match(statement.text)
            if found:
                if label == "create" and re.match(r"^\s*create\s+(?:\w+\s+)*?temp", statement.text, re.I):
                    return "", None
                return label, _normalise(found["name"])
    return "", None


def _qualified(schema: str | None, name: str) -> str:
    """PostgreSQL's own folding, which pglast has applied: unquoted names are lower case already, and a
    quoted one keeps its case ("Invoices" is another table than invoices)."""
    return f"{schema or 'public'}.{name}"


def _normalise(name: str) -> str:
    """A name read by the tolerant pattern, folded as PostgreSQL would: unquoted parts to lower case."""
    parts = [
        part[1:-1] if part.startswith('"') else part.lower() for part in re.findall(r'"[^"]*"|[^."]+', name)
    ]
    return _qualified(parts[-2] if len(parts) > 1 else None, parts[-1])
