"""Check `pagination`: endpoints that return lists take limit/offset or a cursor and cap the page size."""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse, TsUnit

_SIZE_NAMES = r"(?:limit|pageSize|page_size|perPage|per_page|size|take|first)"
_SQL_LIST = re.compile(r"\bselect\s[\s\S]*?\bfrom\s", re.IGNORECASE)
_SQL_ONE_ROW = re.compile(
    r"\bwhere\s+(?:\w+\.)?id\s*=|\blimit\s+1\b|^\W*select\s+(?:count|exists|sum|avg|min|max)\s*\(",
    re.IGNORECASE,
)
_CHAIN_LIST = re.compile(
    r"\.from\([^)]*\)\s*\.select\(|findMany\(|\.findAll\(|\.find\([^)]*\)\s*\.toArray\(|"
    r"\.select\([^)]*\)\s*\.from\(|\.selectFrom\(|"
    r"\b\w+\(\s*['\"][\w.]+['\"]\s*\)\s*\.(?:select|where|whereIn|orderBy|leftJoin|innerJoin|limit)\("
)
_CHAIN_ONE_ROW = re.compile(
    r"\.single\(|\.maybeSingle\(|\.eq\(\s*['\"]id['\"]|head:\s*true|\.limit\(\s*1\s*\)|"
    r"eq\(\s*\w+\.id\b|\.first\(|\.executeTakeFirst(?:OrThrow)?\(|\.count\(|\.del\("
)
_ONE_ROW_USE = re.compile(
    r"(?:const|let)\s+\[\s*\w+\s*\]\s*=|\[0\]|rowCount|\.insert\(|\.update\(|\.delete\(|"
    r"\.upsert\("
)
# mysql2 resolves to [rows, fields]: `const [rows] = await pool.query(…)` destructures the list, not a row.
_RESULT_TUPLE = re.compile(
    r"(?:const|let)\s+\[\s*\w+\s*(?:,\s*\w+\s*)?\]\s*=\s*await\s+[\w.]+\.(?:query|execute)\s*(?:<[^>]*>)?\("
)
_FUNCTIONS = ("arrow_function", "function_declaration", "function_expression", "method_definition")
_STATEMENTS = ("lexical_declaration", "expression_statement", "return_statement", "variable_declaration")
_PAGE_INPUT = re.compile(
    rf"\b(?:{_SIZE_NAMES}|offset|cursor|page|skip|after|before|starting_after)\b", re.IGNORECASE
)
_APPLIES_BOUND = re.compile(
    r"\.range\(|\.limit\(|\blimit\s+[\$\w?:]|\btake\s*:|\bfirst\s*:|\.lt\(|\.gt\(|\boffset\s+[\$\w?:]|\.offset\(|"
    r"\bskip\s*:|\bLIMIT\b|[{,]\s*(?:take|skip)\s*[,}]",
    re.IGNORECASE,
)
_SIZE_FROM_INPUT = re.compile(
    rf"searchParams\.get\(\s*['\"]{_SIZE_NAMES}['\"]|query\.{_SIZE_NAMES}\b|"
    rf"[qQ]uery\(\s*['\"]{_SIZE_NAMES}['\"]|"
    rf"\b{_SIZE_NAMES}\s*:\s*z\.|\{{[^}}]*\b{_SIZE_NAMES}\b[^}}]*\}}\s*=\s*(?:await\s+)?[\w.]*"
    rf"(?:query|data|params|parse|body)\b",
)
_CAP = re.compile(
    rf"Math\.min\(|\bclamp\(|\b{_SIZE_NAMES}\s*:\s*z\.[^,\n]*?\.max\(|\b{_SIZE_NAMES}\w*\s*>=?\s*\w+|"
    rf"\b{_SIZE_NAMES}\b[^\n]*\.lte\(|maximum\s*:",
)


@check(
    "pagination",
    task_words=("list", "lists", "listing", r"paginat\w*", "search", "feed"),
    section_words=("pagination",),
    contract=6,
)
def pagination(response: ParsedResponse) -> Verdict:
    """n/a when no endpoint returns a list: a GET handler (or one serving every method) whose path, mount
    prefix included, does not end in a dynamic segment (`[id]`, `:id`) and which fetches many rows —
    supabase `.from().select()` without `.single()`, Prisma `findMany`, Kysely `selectFrom(…)` without
    `executeTakeFirst`, Knex `db('table').where(…)` without `.first()`, drizzle `select().from()`,
    `SELECT … FROM` without an id filter (also built by `+` concatenation) — in its own code, in a
    function or method of the response it calls (a service's `findMany`), or in a module-level statement
    it uses (`const listAll = db.prepare('SELECT …')`).

    Pass when each list endpoint reads limit/offset/page or a cursor and applies it to the query
    (`.range()`, `.limit()`, `LIMIT $n`, `take:`), and a page size taken from the request (also NestJS
    `@Query('limit')`) is capped
    (`Math.min`, `z.number().max(n)`, a comparison against a maximum). Fail when a list endpoint returns
    all rows (no pagination input) or takes a limit with no cap.
    """
    problems: list[Evidence] = []
    good: list[Evidence] = []
    list_endpoints = 0
    all_code = "\n".join(unit.code_text(unit.tree.root_node) for unit in response.ts_units)
    for handler in http.handlers(response):
        if (
            handler.method not in {"GET", None}
            or handler.kind == "server-action"
            or _is_single_resource(handler)
        ):
            continue
        reachable = _reachable(response, handler)
        if not any(_fetches_many(unit, node) for unit, node in reachable):
            continue
        code = "\n".join(unit.code_text(node) for unit, node in reachable)
        list_endpoints += 1
        module_code = "\n".join(
            {id(unit): unit.code_text(unit.tree.root_node) for unit, _ in reachable}.values()
        )
        where = handler.unit.evidence(
            handler.function, f"{handler.method or 'handler'} {handler.path or ''}".strip()
        )
        if not (_PAGE_INPUT.search(code) and _APPLIES_BOUND.search(code)):
            problems.append(where.model_copy(update={"note": "list endpoint returns all rows"}))
        elif _SIZE_FROM_INPUT.search(module_code) and not _CAP.search(all_code):
            problems.append(
                where.model_copy(update={"note": "page size taken from the request without a cap"})
            )
        else:
            good.append(where.model_copy(update={"note": "paginated with a capped page size"}))
    if not list_endpoints:
        return verdict("pagination", "n/a", "no endpoint returns a list")
    if problems:
        return verdict(
            "pagination", "fail", f"{len(problems)} list endpoint(s) not paginated safely", problems
        )
    return verdict("pagination", "pass", f"{len(good)} list endpoint(s) paginated and capped", good)


def _is_single_resource(handler: http.Handler) -> bool:
    path = (handler.path or "").rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return last.startswith((":", "[")) or (last.startswith("{") and last.endswith("}"))


def _reachable(response: ParsedResponse, handler: http.Handler) -> list[tuple[TsUnit, Node]]:
    """The handler, the functions/methods defined in the response that it calls (one hop: a service's
    `listProjects()`), and the module-level values it uses (`const listAll = db.prepare('SELECT …')`)."""
    unit, function = handler.unit, handler.function
    found: list[tuple[TsUnit, Node]] = [(unit, function)]
    seen = {function.id}
    for call in unit.of_type("call_expression", within=function):
        _, name = http.callee_parts(unit, call)
        callee = _defined_function(response, name) if name.isidentifier() else None
        if callee is not None and callee[1].id not in seen:
            seen.add(callee[1].id)
            found.append(callee)
    used = {unit.text(identifier) for identifier in unit.of_type("identifier", within=function)}
    for statement in unit.tree.root_node.named_children:
        declaration = statement.child_by_field_name("declaration") or statement
        if declaration.type not in {"lexical_declaration", "variable_declaration"}:
            continue
        for declarator in declaration.named_children:
            value = declarator.child_by_field_name("value")
            name = unit.text(declarator.child_by_field_name("name"))
            if (
                value is not None
                and value.type == "call_expression"
                and name in used
                and value.id not in seen
            ):
                found.append((unit, value))
    return found


def _defined_function(response: ParsedResponse, name: str) -> tuple[TsUnit, Node] | None:
    found = http.function_named(response, name)
    if found is not None:
        return found
    for unit in response.ts_units:
        for method in unit.of_type("method_definition"):
            if unit.text(method.child_by_field_name("name")) == name:
                return unit, method
    return None


def _fetches_many(unit: TsUnit, scope: Node) -> bool:
    """Whether code runs a query that returns many rows (not one row by id, a count or a write)."""
    literals = unit.of_type("string", "template_string", within=scope) + [
        node for node in unit.of_type("binary_expression", within=scope) if _outermost_concatenation(node)
    ]
    for literal in literals:
        text = unit.text(literal)
        if _SQL_LIST.search(text) and not _SQL_ONE_ROW.search(text) and not _one_row_use(unit, literal):
            return True
    for call in unit.of_type("call_expression", within=scope):
        parent = call.parent
        if parent is not None and parent.type == "member_expression":
            continue  # only the outermost call of a method chain
        text = unit.text(call)
        if _CHAIN_LIST.search(text) and not _CHAIN_ONE_ROW.search(text) and not _one_row_use(unit, call):
            return True
    return False


def _outermost_concatenation(node: Node) -> bool:
    """A `'SELECT …' + x + ' FROM …'` chain as a whole (its inner `+` nodes are parts of it)."""
    operator = node.child_by_field_name("operator")
    parent = node.parent
    return (
        operator is not None
        and operator.type == "+"
        and (parent is None or parent.type != "binary_expression")
    )


def _one_row_use(unit: TsUnit, node: Node) -> bool:
    statement = http.enclosing(node, *_STATEMENTS)
    used_as_row = _ONE_ROW_USE.search(_RESULT_TUPLE.sub("", unit.text(statement or node)))
    return bool(used_as_row) or _only_first_row_used(unit, node)


def _only_first_row_used(unit: TsUnit, node: Node) -> bool:
    """`const result = await pool.query(…)` whose rows the function only ever reads as `result.rows[0]`."""
    declarator = http.enclosing(node, "variable_declarator")
    name = unit.text(declarator.child_by_field_name("name")) if declarator is not None else ""
    scope = http.enclosing(node, *_FUNCTIONS)
    if not name.isidentifier() or scope is None:
        return False
    uses = re.findall(rf"\b{re.escape(name)}\.rows\b(\[0\])?", unit.code_text(scope))
    return bool(uses) and all(uses)
