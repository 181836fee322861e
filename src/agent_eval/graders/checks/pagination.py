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
    r"\.select\([^)]*\)\s*\.from\("
)
_CHAIN_ONE_ROW = re.compile(
    r"\.single\(|\.maybeSingle\(|\.eq\(\s*['\"]id['\"]|head:\s*true|\.limit\(\s*1\s*\)|"
    r"eq\(\s*\w+\.id\b"
)
_ONE_ROW_USE = re.compile(
    r"(?:const|let)\s+\[\s*\w+\s*\]\s*=|\[0\]|rowCount|\.insert\(|\.update\(|\.delete\(|"
    r"\.upsert\("
)
_STATEMENTS = ("lexical_declaration", "expression_statement", "return_statement", "variable_declaration")
_PAGE_INPUT = re.compile(
    rf"\b(?:{_SIZE_NAMES}|offset|cursor|page|skip|after|before|starting_after)\b", re.IGNORECASE
)
_APPLIES_BOUND = re.compile(
    r"\.range\(|\.limit\(|\blimit\s+[\$\w?:]|\btake\s*:|\bfirst\s*:|\.lt\(|\.gt\(|\boffset\s+[\$\w?:]|\.offset\(|"
    r"\bskip\s*:|\bLIMIT\b",
    re.IGNORECASE,
)
_SIZE_FROM_INPUT = re.compile(
    rf"searchParams\.get\(\s*['\"]{_SIZE_NAMES}['\"]|query\.{_SIZE_NAMES}\b|query\(\s*['\"]{_SIZE_NAMES}['\"]|"
    rf"\b{_SIZE_NAMES}\s*:\s*z\.|\{{[^}}]*\b{_SIZE_NAMES}\b[^}}]*\}}\s*=\s*(?:await\s+)?[\w.]*"
    rf"(?:query|data|params|parse|body)\b",
)
_CAP = re.compile(
    rf"Math\.min\(|\bclamp\(|\b{_SIZE_NAMES}\s*:\s*z\.[^,\n]*?\.max\(|\b{_SIZE_NAMES}\w*\s*>=?\s*\w+|"
    rf"\b{_SIZE_NAMES}\b[^\n]*\.lte\(|maximum\s*:",
)


@check("pagination")
def pagination(response: ParsedResponse) -> Verdict:
    """n/a when no endpoint returns a list: a GET handler whose path does not end in a dynamic segment
    (`[id]`, `:id`) and which fetches many rows (supabase `.from().select()` without `.single()`, Prisma
    `findMany`, `SELECT … FROM` without an id filter, …).

    Pass when each list endpoint reads limit/offset/page or a cursor and applies it to the query
    (`.range()`, `.limit()`, `LIMIT $n`, `take:`), and a page size taken from the request is capped
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
        if not _fetches_many(handler):
            continue
        code = handler.unit.code_text(handler.function)
        list_endpoints += 1
        module_code = handler.unit.code_text(handler.unit.tree.root_node)
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


def _fetches_many(handler: http.Handler) -> bool:
    """Whether the handler runs a query that returns many rows (not one row by id, a count or a write)."""
    unit = handler.unit
    for literal in unit.of_type("string", "template_string", within=handler.function):
        text = unit.text(literal)
        if _SQL_LIST.search(text) and not _SQL_ONE_ROW.search(text) and not _one_row_use(unit, literal):
            return True
    for call in unit.of_type("call_expression", within=handler.function):
        parent = call.parent
        if parent is not None and parent.type == "member_expression":
            continue  # only the outermost call of a method chain
        text = unit.text(call)
        if _CHAIN_LIST.search(text) and not _CHAIN_ONE_ROW.search(text) and not _one_row_use(unit, call):
            return True
    return False


def _one_row_use(unit: TsUnit, node: Node) -> bool:
    statement = http.enclosing(node, *_STATEMENTS)
    return bool(_ONE_ROW_USE.search(unit.text(statement or node)))
