"""The HTTP responses handlers build, with their status, body and the conditions that lead to them.

Recognises `NextResponse.json(body, { status })`, `new Response`, `res.status(n).json()`,
`reply.code(n).send()`, `c.json(body, n)`, Koa `ctx.body = …` (status from an earlier `ctx.status = n`,
200 otherwise), plain Node `res.writeHead(n); res.end(…)` / `res.statusCode = n`, thrown HTTP errors
(`ctx.throw(404)` too), and calls to local helpers that wrap one of those with the status (and possibly the
body) as parameters; `guard_context` classifies a response by its enclosing conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from agent_eval.graders.http.routes import HTTP_METHODS, Handler, handlers
from agent_eval.graders.http.syntax import (
    FUNCTION_TYPES,
    call_arguments,
    callee_parts,
    enclosing,
    function_name,
    parameter_names,
)
from agent_eval.graders.parsing import ParsedResponse, TsUnit

_RESPONSE_OBJECTS = frozenset({"res", "response", "reply", "resp"})


_CONTEXT_OBJECTS = frozenset({"c", "ctx", "context"})


_KOA_CONTEXTS = frozenset({"ctx", "context", "ctx.response", "context.response"})


_STATUS_PROPERTIES = frozenset({"status", "statusCode"})


_EXCEPTION_STATUSES = {
    "BadRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,
    "NotFoundException": 404,
    "ConflictException": 409,
    "UnprocessableEntityException": 422,
    "InternalServerErrorException": 500,
}


_STATUS_NAMES = {
    "OK": 200,
    "CREATED": 201,
    "ACCEPTED": 202,
    "NO_CONTENT": 204,
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "UNPROCESSABLE_ENTITY": 422,
    "TOO_MANY_REQUESTS": 429,
    "INTERNAL_SERVER_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}


@dataclass(frozen=True)
class ResponseSite:
    """A place that builds an HTTP response. `status` None means not a literal; `explicit` False means 200."""

    unit: TsUnit
    node: Node
    status: int | None
    explicit: bool
    body: Node | None
    body_unit: TsUnit
    in_catch: bool
    guards: tuple[str, ...]
    handler: Handler | None
    thrown: bool = False  # an exception the framework turns into a response: its body is not ours to judge

    @property
    def effective_status(self) -> int | None:
        return self.status if self.explicit else 200


def response_sites(response: ParsedResponse) -> list[ResponseSite]:
    return response.memo(_find_response_sites)


def _status_literal(unit: TsUnit, node: Node | None) -> int | None:
    if node is None:
        return None
    if node.type == "number":
        try:
            return int(unit.text(node))
        except ValueError:
            return None
    if node.type == "member_expression":
        return _STATUS_NAMES.get(unit.text(node.child_by_field_name("property")))
    return None


def _status_from_init(unit: TsUnit, init: Node | None) -> tuple[int | None, bool, Node | None]:
    """Status from a `{ status: n }` init object: (value, explicit?, the value node)."""
    if init is None or init.type != "object":
        return None, init is not None, None
    for pair in init.named_children:
        if pair.type == "pair" and unit.text(pair.child_by_field_name("key")) == "status":
            value = pair.child_by_field_name("value")
            return _status_literal(unit, value), True, value
        if pair.type == "shorthand_property_identifier" and unit.text(pair) == "status":
            return None, True, pair
    return None, False, None


@dataclass(frozen=True)
class _RawSite:
    node: Node
    status: int | None
    explicit: bool
    status_node: Node | None
    body: Node | None
    thrown: bool = False


def _raw_sites(unit: TsUnit) -> list[_RawSite]:
    sites = []
    for node in unit.of_type("call_expression", "new_expression"):
        site = _raw_site(unit, node)
        if site is not None:
            sites.append(site)
    for assignment in unit.of_type("assignment_expression"):
        site = _koa_site(unit, assignment)
        if site is not None:
            sites.append(site)
    for statement in unit.of_type("throw_statement"):
        site = _thrown_site(unit, statement)
        if site is not None:
            sites.append(site)
    return sites


def _koa_site(unit: TsUnit, assignment: Node) -> _RawSite | None:
    """Koa: `ctx.body = x` answers with the status set before it (`ctx.status = n`), else 200; a
    `ctx.status = n` that no `ctx.body =` follows in its block answers with an empty body."""
    left = assignment.child_by_field_name("left")
    if left is None or left.type != "member_expression":
        return None
    target = unit.text(left.child_by_field_name("object"))
    field = unit.text(left.child_by_field_name("property"))
    if target not in _KOA_CONTEXTS:
        return None
    if field == "body":
        setter = preceding_status(unit, assignment, target)
        if setter is None:
            return _RawSite(assignment, None, False, None, assignment.child_by_field_name("right"))
        return _RawSite(
            assignment, _status_literal(unit, setter), True, setter, assignment.child_by_field_name("right")
        )
    if field == "status" and not _followed_by_body(unit, assignment, target):
        value = assignment.child_by_field_name("right")
        return _RawSite(assignment, _status_literal(unit, value), True, value, None)
    return None


def _statement_of(node: Node) -> Node | None:
    current: Node | None = node
    while current is not None and current.type not in {"expression_statement", "return_statement"}:
        if current.type in FUNCTION_TYPES:
            return None
        current = current.parent
    return current


def _status_set_by(unit: TsUnit, statement: Node, target: str) -> Node | None:
    """The status value a statement sets on `target`: `target.status = n`, `target.statusCode = n`,
    `target.writeHead(n, …)` or a bare `target.status(n);`."""
    expression = statement.named_children[0] if statement.named_children else None
    if expression is None:
        return None
    if expression.type == "assignment_expression":
        left = expression.child_by_field_name("left")
        if (
            left is not None
            and left.type == "member_expression"
            and unit.text(left.child_by_field_name("object")) == target
            and unit.text(left.child_by_field_name("property")) in _STATUS_PROPERTIES
        ):
            return expression.child_by_field_name("right")
        return None
    if expression.type == "call_expression":
        receiver, name = callee_parts(unit, expression)
        arguments = call_arguments(expression)
        if receiver == target and name in {"writeHead", "status", "code"} and arguments:
            return arguments[0]
    return None


def preceding_status(unit: TsUnit, node: Node, target: str) -> Node | None:
    """The status value set on `target` by the nearest earlier statement of the same or an enclosing
    block (statements nested in other branches do not count), stopping at the enclosing function."""
    current = _statement_of(node)
    while current is not None and current.parent is not None and current.type not in FUNCTION_TYPES:
        sibling = current.prev_named_sibling
        while sibling is not None:
            if sibling.type == "expression_statement":
                value = _status_set_by(unit, sibling, target)
                if value is not None:
                    return value
            sibling = sibling.prev_named_sibling
        current = current.parent
    return None


def _followed_by_body(unit: TsUnit, assignment: Node, target: str) -> bool:
    statement = _statement_of(assignment)
    sibling = statement.next_named_sibling if statement is not None else None
    while sibling is not None:
        if sibling.type == "expression_statement" and unit.text(sibling).startswith(f"{target}.body"):
            return True
        sibling = sibling.next_named_sibling
    return False


def _thrown_site(unit: TsUnit, statement: Node) -> _RawSite | None:
    """`throw new HTTPException(401, …)`, `throw createError(404)`, `throw new NotFoundException()`: a
    response whose body the framework's error handler writes (so it is not judged here)."""
    thrown = statement.named_children[0] if statement.named_children else None
    if thrown is None or thrown.type not in {"new_expression", "call_expression"}:
        return None
    _, name = callee_parts(unit, thrown)
    named_status = _EXCEPTION_STATUSES.get(name)
    if named_status is not None:
        return _RawSite(statement, named_status, True, None, None, thrown=True)
    if not re.search(r"error|exception", name, re.IGNORECASE):
        return None
    arguments = call_arguments(thrown)
    status = _status_literal(unit, arguments[0]) if arguments else None
    if status is None and arguments and arguments[0].type == "object":
        status = _status_from_init(unit, arguments[0])[0]
    if status is None or not 100 <= status < 600:
        return None
    return _RawSite(statement, status, True, arguments[0], None, thrown=True)


def _raw_site(unit: TsUnit, node: Node) -> _RawSite | None:
    receiver, name = callee_parts(unit, node)
    arguments = call_arguments(node)
    if node.type == "new_expression":
        if name in {"Response", "NextResponse"}:
            status, explicit, status_node = _status_from_init(
                unit, arguments[1] if len(arguments) > 1 else None
            )
            return _RawSite(node, status, explicit, status_node, arguments[0] if arguments else None)
        return None
    if (receiver in {"NextResponse", "Response"} and name == "json") or (receiver == "" and name == "json"):
        if not arguments:
            return None
        status, explicit, status_node = _status_from_init(unit, arguments[1] if len(arguments) > 1 else None)
        return _RawSite(node, status, explicit, status_node, arguments[0])
    if receiver in _CONTEXT_OBJECTS and name in {"json", "text", "body"} and arguments:
        status_arg = arguments[1] if len(arguments) > 1 else None
        if status_arg is not None and status_arg.type == "object":
            status, explicit, status_node = _status_from_init(unit, status_arg)
        else:
            status, explicit, status_node = (
                _status_literal(unit, status_arg),
                status_arg is not None,
                status_arg,
            )
        return _RawSite(node, status, explicit, status_node, arguments[0])
    if name == "throw" and receiver in _KOA_CONTEXTS and arguments:  # Koa `ctx.throw(404, 'msg')`
        status = _status_literal(unit, arguments[0])
        return _RawSite(node, status, True, arguments[0], None, thrown=True) if status else None
    if name == "sendStatus" and arguments:
        return _RawSite(node, _status_literal(unit, arguments[0]), True, arguments[0], None)
    if name in {"json", "send", "end"}:
        function = node.child_by_field_name("function")
        target = function.child_by_field_name("object") if function is not None else None
        if target is not None and target.type == "call_expression":
            _, chained = callee_parts(unit, target)
            chained_args = call_arguments(target)
            if chained in {"status", "code"} and chained_args:
                return _RawSite(
                    node,
                    _status_literal(unit, chained_args[0]),
                    True,
                    chained_args[0],
                    arguments[0] if arguments else None,
                )
            return None
        if receiver in _RESPONSE_OBJECTS and (arguments or name == "end"):
            body = arguments[0] if arguments else None
            setter = preceding_status(unit, node, receiver)
            if setter is not None:  # `res.writeHead(404, …); res.end(…)`, `res.statusCode = 400; res.send(…)`
                return _RawSite(node, _status_literal(unit, setter), True, setter, body)
            return _RawSite(node, None, False, None, body)
    return None


def _controller_returns(handler: Handler) -> list[tuple[Node, _RawSite]]:
    """NestJS: a value returned by a controller method is the response body, sent with `@HttpCode(n)`'s
    status, else 201 for POST and 200 otherwise (not when the method takes over `@Res()`)."""
    unit, method = handler.unit, handler.function
    if "@Res()" in unit.text(method.child_by_field_name("parameters")):
        return []
    status = 201 if handler.method == "POST" else 200
    sibling = method.prev_named_sibling
    while sibling is not None and sibling.type == "decorator":
        found = re.fullmatch(r"@HttpCode\(\s*(?:(\d{3})|HttpStatus\.(\w+))\s*\)", unit.text(sibling))
        if found:
            status = int(found[1]) if found[1] else _STATUS_NAMES.get(found[2], status)
        sibling = sibling.prev_named_sibling
    body = method.child_by_field_name("body")
    returns = []
    for statement in unit.of_type("return_statement", within=body) if body is not None else []:
        value = statement.named_children[0] if statement.named_children else None
        if value is not None and enclosing(statement, *FUNCTION_TYPES) == method:
            returns.append((statement, _RawSite(statement, status, True, None, value)))
    return returns


def _unstringified(unit: TsUnit, body: Node | None) -> Node | None:
    """`JSON.stringify(x)` → `x`; any other body unchanged."""
    if (
        body is not None
        and body.type == "call_expression"
        and callee_parts(unit, body) == ("JSON", "stringify")
    ):
        arguments = call_arguments(body)
        return arguments[0] if arguments else None
    return body


@dataclass(frozen=True)
class _Helper:
    """A local function that builds a response whose status (and maybe body) comes from its parameters."""

    unit: TsUnit
    site: _RawSite
    status_index: int | None
    body_index: int | None = None


def _helpers(response: ParsedResponse, raw: dict[int, list[_RawSite]]) -> dict[str, _Helper]:
    found: dict[str, _Helper] = {}
    for unit_index, unit in enumerate(response.ts_units):
        for site in raw[unit_index]:
            function = enclosing(site.node, *FUNCTION_TYPES)
            if function is None:
                continue
            name = function_name(unit, function)
            if not name or name in HTTP_METHODS:
                continue
            parameters = parameter_names(unit, function.child_by_field_name("parameters"))
            status_name = unit.text(site.status_node) if site.status_node is not None else ""
            names = [p.split(":")[0].strip() for p in parameters]
            status_index = names.index(status_name) if status_name in names else None
            body_name = unit.text(_unstringified(unit, site.body))
            body_index = names.index(body_name) if body_name in names else None
            found.setdefault(name, _Helper(unit, site, status_index, body_index))
    return found


def _find_response_sites(response: ParsedResponse) -> list[ResponseSite]:
    units = response.ts_units
    raw = {index: _raw_sites(unit) for index, unit in enumerate(units)}
    helper_functions = _helpers(response, raw)
    all_handlers = handlers(response)
    sites: list[ResponseSite] = []
    for handler in all_handlers:
        if handler.kind == "controller-method":
            sites.extend(
                _located(handler.unit, node, site, handler.unit, all_handlers)
                for node, site in _controller_returns(handler)
            )
    for index, unit in enumerate(units):
        for site in raw[index]:
            sites.append(_located(unit, site.node, site, unit, all_handlers))
        for call in unit.of_type("call_expression"):
            receiver, name = callee_parts(unit, call)
            helper = helper_functions.get(name) if receiver == "" else None
            if helper is None:
                continue
            arguments = call_arguments(call)
            status: int | None = helper.site.status
            explicit = helper.site.explicit
            if helper.status_index is not None:
                status_arg = arguments[helper.status_index] if helper.status_index < len(arguments) else None
                status, explicit = _status_literal(unit, status_arg), True
            if helper.body_index is not None:  # `sendJson(res, 404, { error: … })`: the body is the caller's
                body = arguments[helper.body_index] if helper.body_index < len(arguments) else None
                adopted = _RawSite(call, status, explicit, None, body)
                sites.append(_located(unit, call, adopted, unit, all_handlers))
                continue
            adopted = _RawSite(call, status, explicit, None, helper.site.body)
            sites.append(_located(unit, call, adopted, helper.unit, all_handlers))
    return sites


def _located(
    unit: TsUnit, node: Node, site: _RawSite, body_unit: TsUnit, all_handlers: list[Handler]
) -> ResponseSite:
    handler = next(
        (
            h
            for h in all_handlers
            if h.unit is unit
            and h.function.start_byte <= node.start_byte
            and node.end_byte <= h.function.end_byte
        ),
        None,
    )
    guards: list[str] = []
    in_catch = False
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.type == "catch_clause":
            in_catch = True
        elif parent.type == "if_statement":
            condition = unit.text(parent.child_by_field_name("condition"))
            alternative = parent.child_by_field_name("alternative")
            in_else = alternative is not None and alternative.start_byte <= current.start_byte
            guards.append(("else:" if in_else else "") + condition)
        elif parent.type == "ternary_expression":
            guards.append(unit.text(parent.child_by_field_name("condition")))
        if handler is not None and parent.id == handler.function.id:
            break
        current = parent
    return ResponseSite(
        unit,
        node,
        site.status,
        site.explicit,
        site.body,
        body_unit,
        in_catch,
        tuple(guards),
        handler,
        site.thrown,
    )


SiteContext = Literal[
    "validation", "unauthenticated", "forbidden", "not-found", "conflict", "error", "success"
]


_VALIDATION_GUARD = re.compile(
    r"!\s*[\w.?]*\.success\b|\btypeof\s|\.success\s*===?\s*false|zoderror|\.issues\b|invalid|validation|isnan|!\s*[\w.?]*valid\w*",
    re.IGNORECASE,
)


_AUTH_GUARD = re.compile(
    r"!\s*(?:[\w?]+\.)*(?:user|session|token|auth\w*|claims|apikey|api_key|bearer|authorization|header)\b"
    r"|autherror|unauthori[sz]ed|\bverify\b|\bcompare\(|!\s*\w*\.startsWith\(\s*['\"]Bearer",
    re.IGNORECASE,
)


_FORBIDDEN_GUARD = re.compile(
    r"\brole\b|permission|owner|isadmin|forbidden|\bmember(?:ship)?s?\b|!==?\s*(?:[\w?]+\.)*(?:user|session)\w*(?:\.\w+)*"
    r"|(?:user|session)\w*(?:\.\w+)*\s*!==?",
    re.IGNORECASE,
)


_NOT_FOUND_GUARD = re.compile(
    r"!\s*(?:data|order|item|row|record|existing|resource|product|invoice|comment|post|entity|found|project|"
    r"task|account|customer|document)s?\b|\.length\s*===?\s*0|rowcount\s*===?\s*0|pgrst116|not.?found|===?\s*null",
    re.IGNORECASE,
)


_ERROR_GUARD = re.compile(r"\berr(?:or)?\b|\bfailed\b|!\s*\w*\.ok\b|exception", re.IGNORECASE)


def guard_context(site: ResponseSite) -> SiteContext:
    """What the conditions leading to a response say about it (else branches are ignored)."""
    conditions = " && ".join(g for g in site.guards if not g.startswith("else:"))
    if _VALIDATION_GUARD.search(conditions):
        return "validation"
    if _AUTH_GUARD.search(conditions):
        return "unauthenticated"
    if _FORBIDDEN_GUARD.search(conditions):
        return "forbidden"
    if _NOT_FOUND_GUARD.search(conditions):
        return "conflict" if _tests_insert_result(site, conditions) else "not-found"
    if site.in_catch or _ERROR_GUARD.search(conditions):
        return "error"
    return "success"


_TESTED_RESULT = re.compile(r"!\s*(\w+)\b|\b(\w+)(?:\.\w+)*\.(?:length|rowCount|rowcount)\s*===?\s*0")
_INSERTS = re.compile(r"\binsert\s+into\b|\.insert\(|\.create\(|\.upsert\(", re.IGNORECASE)


def _tests_insert_result(site: ResponseSite, conditions: str) -> bool:
    """`if (rows.length === 0)` where `rows` holds what an insert returned (`ON CONFLICT DO NOTHING
    RETURNING …` gives nothing back when the row already exists): a conflict, not a missing resource."""
    unit = site.unit
    scope = site.handler.function if site.handler is not None else unit.tree.root_node
    earlier = [
        declarator
        for declarator in unit.of_type("variable_declarator", within=scope)
        if declarator.start_byte < site.node.start_byte
    ]
    for tested in _TESTED_RESULT.finditer(conditions):
        name = tested[1] or tested[2]
        values = [
            declarator.child_by_field_name("value")
            for declarator in earlier
            if name in re.findall(r"\w+", unit.text(declarator.child_by_field_name("name")))
        ]
        latest = values[-1] if values else None
        if latest is not None and _INSERTS.search(unit.code_text(latest)):
            return True
    return False


def body_keys(unit: TsUnit, body: Node | None) -> list[str]:
    if body is None or body.type != "object":
        return []
    keys = []
    for member in body.named_children:
        if member.type == "pair":
            keys.append(unit.text(member.child_by_field_name("key")).strip("'\""))
        elif member.type == "shorthand_property_identifier":
            keys.append(unit.text(member))
    return keys


def is_error_site(site: ResponseSite) -> bool:
    """An error response: an error status, a catch block, an error guard or an `error` key in its body."""
    if site.status is not None and site.status >= 400:
        return True
    if guard_context(site) != "success":
        return True
    return any(key in {"error", "errors"} for key in body_keys(site.body_unit, site.body))
