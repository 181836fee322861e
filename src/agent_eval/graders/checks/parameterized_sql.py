"""Check `parameterized-sql`: raw SQL executed from code passes values as bind parameters."""

from __future__ import annotations

import ast
import re
from typing import Literal

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import CodeBlock, ParsedResponse, TsUnit

SqlUse = Literal["bound", "spliced", "static", "unknown"]

_EXECUTORS = frozenset(
    {
        "query",
        "execute",
        "raw",
        "unsafe",
        "$queryRawUnsafe",
        "$executeRawUnsafe",
        "queryRawUnsafe",
        "executeRawUnsafe",
        "$queryRaw",
        "$executeRaw",
        "prepare",
        "none",
        "one",
        "oneOrNone",
        "many",
        "manyOrNone",
        "any",
    }
)
_UNSAFE_EXECUTORS = frozenset(
    {"unsafe", "raw", "$queryRawUnsafe", "$executeRawUnsafe", "queryRawUnsafe", "executeRawUnsafe"}
)
_BY_SEVERITY: tuple[SqlUse, ...] = ("spliced", "bound", "static")
_BARE_EXECUTORS = frozenset({"query", "execute"})
_BUILT_TEXT = frozenset({"identifier", "template_string", "binary_expression", "member_expression"})
_SQL_TAGS = re.compile(r"^(?:\w+\.)*(?:sql|SQL|\$queryRaw|\$executeRaw|queryRaw|executeRaw)$")
_FORMATTERS = frozenset({"format", "sprintf", "util.format", "pgFormat"})
_SQL_TEXT = re.compile(
    r"\b(select|insert\s+into|update|delete\s+from|with|create|alter|drop)\b", re.IGNORECASE
)
_PY_EXECUTORS = frozenset(
    {"execute", "executemany", "fetch", "fetchrow", "fetchval", "text", "raw", "exec_driver_sql"}
)
_GO_EXECUTE = re.compile(
    r"\.(?:Query|QueryRow|Exec|QueryContext|ExecContext|QueryRowContext)\((?:ctx,\s*)?(?P<arg>.*)"
)


@check(
    "parameterized-sql",
    task_words=("sql", "query", "queries", "database", "db"),
    section_words=("parameterized",),
    contract=4,
)
def parameterized_sql(response: ParsedResponse) -> Verdict:
    """n/a when no raw SQL is executed from code (query builders such as supabase-js `.from().select()`,
    `.rpc()`, Prisma model calls or SQL files alone).

    Raw SQL execution = a call to `query`/`execute`/`raw`/`unsafe`/`$queryRawUnsafe`/… whose SQL argument
    is SQL text, or a SQL-tagged template (`sql\\`…\\``, `Prisma.sql`, `$queryRaw\\`…\\``) which binds its
    `${}` values. The SQL argument is followed through local variables (and `+=`). Fail when a value is
    spliced into SQL text: `+` concatenation with a non-literal, `format()`/`sprintf`, an untagged template
    literal with `${}` substitutions, or any non-literal passed to an unsafe/raw executor. Python
    (f-strings, `%`, `.format`, `+` passed to `execute`) and Go (`fmt.Sprintf`/`+` passed to `Query`/`Exec`)
    blocks are read too. Pass when every raw execution binds (`$1`, `?`, tagged template) or is constant.
    """
    spliced: list[Evidence] = []
    safe: list[Evidence] = []
    for unit in response.ts_units:
        for node, use in _typescript_uses(unit):
            if use == "spliced":
                spliced.append(unit.evidence(node, "value spliced into SQL text"))
            elif use in {"bound", "static"}:
                safe.append(unit.evidence(node, "values bound" if use == "bound" else "constant SQL"))
    for block in response.code_blocks:
        uses = (
            _python_uses(block)
            if block.language == "python"
            else _go_uses(block)
            if block.language == "go"
            else []
        )
        for row, use in uses:
            evidence = Evidence(line=block.response_line(row), text=block.line_text(row).strip())
            (spliced if use == "spliced" else safe).append(evidence)
    if spliced:
        return verdict("parameterized-sql", "fail", f"{len(spliced)} raw quer(y/ies) splice values", spliced)
    if not safe:
        return verdict("parameterized-sql", "n/a", "no raw SQL executed from code")
    return verdict("parameterized-sql", "pass", f"{len(safe)} raw quer(y/ies) bind their values", safe)


def _typescript_uses(unit: TsUnit) -> list[tuple[Node, SqlUse]]:
    uses: list[tuple[Node, SqlUse]] = []
    for call in unit.of_type("call_expression"):
        receiver, name = http.callee_parts(unit, call)
        arguments = call.child_by_field_name("arguments")
        if arguments is not None and arguments.type == "template_string":
            if _SQL_TAGS.match(f"{receiver}.{name}" if receiver else name) and _SQL_TEXT.search(
                unit.text(arguments)
            ):
                uses.append((call, "bound"))
            continue
        if name not in _EXECUTORS or not (receiver or name in _BARE_EXECUTORS):
            continue
        positional = http.call_arguments(call)
        if not positional:
            continue
        use = _classify(unit, positional[0], depth=0)
        if use == "unknown" and name in _UNSAFE_EXECUTORS and positional[0].type in _BUILT_TEXT:
            use = "spliced"  # an unsafe executor fed text built elsewhere cannot be binding anything
        if use != "unknown":
            uses.append((call, use))
    return uses


def _classify(unit: TsUnit, node: Node, depth: int) -> SqlUse:
    kind = node.type
    if kind == "string":
        return "static" if _SQL_TEXT.search(unit.text(node)) else "unknown"
    if kind == "template_string":
        if not _SQL_TEXT.search(unit.text(node)):
            return "unknown"
        has_values = any(c.type == "template_substitution" for c in node.named_children)
        return "spliced" if has_values else "static"
    if kind == "binary_expression":
        return _classify_concatenation(unit, node, depth)
    if kind == "call_expression":
        receiver, name = http.callee_parts(unit, node)
        arguments = node.child_by_field_name("arguments")
        if (
            arguments is not None
            and arguments.type == "template_string"
            and _SQL_TAGS.match(f"{receiver}.{name}" if receiver else name)
        ):
            return "bound"
        qualified = f"{receiver}.{name}" if receiver else name
        if qualified in _FORMATTERS or name in _FORMATTERS:
            texts = [unit.text(a) for a in http.call_arguments(node)]
            return "spliced" if texts and _SQL_TEXT.search(texts[0]) else "unknown"
        return "unknown"
    if kind == "object":
        for pair in node.named_children:
            if pair.type == "pair" and unit.text(pair.child_by_field_name("key")) in {"text", "sql"}:
                value = pair.child_by_field_name("value")
                return _classify(unit, value, depth + 1) if value is not None else "unknown"
        return "unknown"
    if kind in {"parenthesized_expression", "as_expression", "await_expression"} and node.named_children:
        return _classify(unit, node.named_children[0], depth)
    if kind == "identifier" and depth < 4:
        return _classify_variable(unit, node, depth)
    return "unknown"


def _classify_concatenation(unit: TsUnit, node: Node, depth: int) -> SqlUse:
    operator = node.child_by_field_name("operator")
    if operator is None or unit.text(operator) != "+":
        return "unknown"
    parts = _flatten_plus(node)
    classes = [_classify(unit, part, depth + 1) for part in parts]
    if "spliced" in classes:
        return "spliced"
    if not any(_SQL_TEXT.search(unit.text(p)) for p in parts if p.type in {"string", "template_string"}):
        return "unknown"
    if all(
        p.type in {"string", "template_string"} or c == "static" for p, c in zip(parts, classes, strict=True)
    ):
        return "static"
    return "spliced"


def _flatten_plus(node: Node) -> list[Node]:
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator is not None and operator.type == "+" and left is not None and right is not None:
            return _flatten_plus(left) + _flatten_plus(right)
    if node.type == "parenthesized_expression" and node.named_children:
        return _flatten_plus(node.named_children[0])
    return [node]


def _classify_variable(unit: TsUnit, identifier: Node, depth: int) -> SqlUse:
    name = unit.text(identifier)
    values: list[Node] = []
    for declarator in unit.of_type("variable_declarator"):
        value = declarator.child_by_field_name("value")
        if unit.text(declarator.child_by_field_name("name")) == name and value is not None:
            values.append(value)
    for assignment in unit.of_type("assignment_expression", "augmented_assignment_expression"):
        right = assignment.child_by_field_name("right")
        if unit.text(assignment.child_by_field_name("left")) == name and right is not None:
            if assignment.type != "augmented_assignment_expression":
                values.append(right)
            elif http.string_value(unit, right) is None:  # `q += ` + a value or a template with `${}`
                return "spliced" if values and _SQL_TEXT.search(unit.text(values[0])) else "unknown"
    classes = {_classify(unit, value, depth + 1) for value in values}
    return next((use for use in _BY_SEVERITY if use in classes), "unknown")


def _python_uses(block: CodeBlock) -> list[tuple[int, SqlUse]]:
    try:
        tree = ast.parse(block.text)
    except (SyntaxError, ValueError):
        return []
    uses: list[tuple[int, SqlUse]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in _PY_EXECUTORS:
            continue
        argument = node.args[0]
        if isinstance(argument, ast.JoinedStr):
            has_values = any(isinstance(v, ast.FormattedValue) for v in argument.values)
            uses.append((node.lineno - 1, "spliced" if has_values else "static"))
        elif _python_splices(argument):
            uses.append((node.lineno - 1, "spliced"))
        elif (
            isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and _SQL_TEXT.search(argument.value)
        ):
            uses.append((node.lineno - 1, "bound" if len(node.args) > 1 else "static"))
    return uses


def _python_splices(argument: ast.expr) -> bool:
    """`"…" + x`, `"…" % x` or `"…".format(x)`: text built from values."""
    if isinstance(argument, ast.BinOp):
        return isinstance(argument.op, ast.Add | ast.Mod)
    return isinstance(argument, ast.Call) and getattr(argument.func, "attr", "") == "format"


def _go_uses(block: CodeBlock) -> list[tuple[int, SqlUse]]:
    uses: list[tuple[int, SqlUse]] = []
    for row, line in enumerate(block.text.split("\n")):
        found = _GO_EXECUTE.search(line)
        if found is None:
            continue
        argument = found["arg"]
        if argument.startswith("fmt.Sprintf") or re.match(r'"[^"]*"\s*\+', argument):
            uses.append((row, "spliced"))
        elif argument.startswith(('"', "`")) and _SQL_TEXT.search(argument):
            uses.append((row, "static"))
    return uses
