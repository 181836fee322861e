"""HTTP facts read from parsed TypeScript/JavaScript: routes, handlers, response sites and input reads.

Covers Next.js route handlers (`export async function GET`, path from the file-path comment), pages API
handlers, server actions ('use server'), Express/Hono/Fastify router calls (`router.get('/x', …)`,
`fastify.route({ url })`) with mount prefixes (`app.use('/v1', router)`, `app.route`, `basePath`,
`register(plugin, { prefix })`), and the responses they build (`NextResponse.json(body, { status })`,
`new Response`, `res.status(n).json()`, `reply.code(n).send()`, `c.json(body, n)`, and calls to local
helpers that wrap one of those). Every function takes a ParsedResponse and is memoised on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from agent_eval.graders.parsing import ParsedResponse, TsUnit

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_ROUTER_METHODS = frozenset({"get", "post", "put", "patch", "delete", "all", "options", "head"})
_FUNCTION_TYPES = ("function_declaration", "function_expression", "arrow_function", "method_definition")
_CALLEE_WRAPPERS = frozenset({"await_expression", "parenthesized_expression", "non_null_expression"})
_RESPONSE_OBJECTS = frozenset({"res", "response", "reply", "resp"})
_CONTEXT_OBJECTS = frozenset({"c", "ctx", "context"})
_NEXT_ROUTE = re.compile(r"(?:^|/)app/(?P<path>(?:.*/)?)route\.(?:ts|tsx|js|jsx|mjs)$")
_PAGES_API = re.compile(r"(?:^|/)pages/(?P<path>api(?:/.*?)?)(?:/index)?\.(?:ts|tsx|js|jsx|mjs)$")
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

HandlerKind = Literal["route-export", "pages-api", "router-call", "server-action"]


@dataclass(frozen=True)
class Route:
    path: str
    method: str | None
    unit: TsUnit
    node: Node


@dataclass(frozen=True)
class Handler:
    """A function that answers HTTP requests (or a server action); `function` is its tree node."""

    kind: HandlerKind
    method: str | None
    path: str | None
    unit: TsUnit
    function: Node
    registration: Node | None  # the router call that registered it, whose middleware args may validate

    @property
    def params(self) -> list[str]:
        parameters = self.function.child_by_field_name("parameters") or self.function.child_by_field_name(
            "parameter"
        )
        return parameter_names(self.unit, parameters)


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

    @property
    def effective_status(self) -> int | None:
        return self.status if self.explicit else 200


def handlers(response: ParsedResponse) -> list[Handler]:
    found: list[Handler] = response.memo("http.handlers", _find_handlers)
    return found


def routes(response: ParsedResponse) -> list[Route]:
    found: list[Route] = response.memo("http.routes", _find_routes)
    return found


def response_sites(response: ParsedResponse) -> list[ResponseSite]:
    found: list[ResponseSite] = response.memo("http.sites", _find_response_sites)
    return found


def parameter_names(unit: TsUnit, parameters: Node | None) -> list[str]:
    if parameters is None:
        return []
    if parameters.type == "identifier":
        return [unit.text(parameters)]
    names = []
    for parameter in parameters.named_children:
        pattern = parameter.child_by_field_name("pattern") or parameter
        names.append(unit.text(pattern))
    return names


def next_route_path(file_path: str | None) -> str | None:
    """`app/api/v1/orders/[id]/route.ts` → `/api/v1/orders/[id]`; route groups `(x)` and `@slots` dropped."""
    if not file_path:
        return None
    found = _NEXT_ROUTE.search(file_path)
    if found:
        segments = [s for s in found["path"].strip("/").split("/") if s and not s.startswith(("(", "@"))]
        return "/" + "/".join(segments)
    pages = _PAGES_API.search(file_path)
    return "/" + pages["path"] if pages else None


def string_value(unit: TsUnit, node: Node | None) -> str | None:
    """The value of a string literal or a template literal without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return unit.text(node)[1:-1]
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return unit.text(node)[1:-1]
    return None


def enclosing(node: Node, *types: str, stop: Node | None = None) -> Node | None:
    current = node.parent
    while current is not None and (stop is None or current.id != stop.id):
        if current.type in types:
            return current
        current = current.parent
    return None


def call_arguments(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "arguments":
        return []
    return list(arguments.named_children)


def callee_parts(unit: TsUnit, call: Node) -> tuple[str, str]:
    """(object text, property) for `obj.prop(...)`; ("", name) for `name(...)`."""
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    while function is not None and function.type in _CALLEE_WRAPPERS and function.named_children:
        function = function.named_children[-1]  # `await pool.query<T>(…)` parses as a call of an await
    if function is None:
        return "", ""
    if function.type == "member_expression":
        return unit.text(function.child_by_field_name("object")), unit.text(
            function.child_by_field_name("property")
        )
    return "", unit.text(function)


def function_named(response: ParsedResponse, name: str) -> tuple[TsUnit, Node] | None:
    """A function declared in any block as `function name` or `const name = (…) =>`."""
    for unit in response.ts_units:
        for declaration in unit.of_type("function_declaration"):
            if unit.text(declaration.child_by_field_name("name")) == name:
                return unit, declaration
        for declarator in unit.of_type("variable_declarator"):
            value = declarator.child_by_field_name("value")
            if (
                value is not None
                and value.type in _FUNCTION_TYPES
                and unit.text(declarator.child_by_field_name("name")) == name
            ):
                return unit, value
    return None


def _exported_functions(unit: TsUnit) -> list[tuple[str, Node]]:
    found = []
    for export in unit.of_type("export_statement"):
        declaration = export.child_by_field_name("declaration")
        if declaration is None:
            value = export.child_by_field_name("value")
            if value is not None and value.type in _FUNCTION_TYPES:
                found.append(("default", value))
            continue
        if declaration.type == "function_declaration":
            name = unit.text(declaration.child_by_field_name("name"))
            found.append(("default" if unit.text(export).startswith("export default") else name, declaration))
        elif declaration.type == "lexical_declaration":
            for declarator in declaration.named_children:
                value = declarator.child_by_field_name("value")
                if (
                    declarator.type == "variable_declarator"
                    and value is not None
                    and value.type in _FUNCTION_TYPES
                ):
                    found.append((unit.text(declarator.child_by_field_name("name")), value))
    return found


def _is_use_server(unit: TsUnit, statement: Node | None) -> bool:
    if statement is None or statement.type != "expression_statement":
        return False
    return unit.text(statement).strip().rstrip(";") in {"'use server'", '"use server"'}


def _server_actions(unit: TsUnit) -> list[Node]:
    program = unit.tree.root_node
    first = next((c for c in program.named_children if c.type != "comment"), None)
    if _is_use_server(unit, first):
        return [function for _, function in _exported_functions(unit)]
    actions = []
    for function in unit.of_type(*_FUNCTION_TYPES):
        body = function.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            first_statement = next((c for c in body.named_children if c.type != "comment"), None)
            if _is_use_server(unit, first_statement):
                actions.append(function)
    return actions


def _find_handlers(response: ParsedResponse) -> list[Handler]:
    found: list[Handler] = []
    for unit in response.ts_units:
        route_path = next_route_path(unit.block.path_hint)
        is_pages = bool(unit.block.path_hint and _PAGES_API.search(unit.block.path_hint))
        for name, function in _exported_functions(unit):
            if name in HTTP_METHODS:
                found.append(Handler("route-export", name, route_path, unit, function, None))
            elif name == "default" and (is_pages or _looks_like_req_res(unit, function)):
                found.append(Handler("pages-api", None, route_path, unit, function, None))
        for function in _server_actions(unit):
            found.append(Handler("server-action", None, None, unit, function, None))
    for route in routes(response):
        if route.node.type != "call_expression":
            continue
        callback_found = _route_callback(response, route)
        if callback_found is not None:
            callback_unit, callback = callback_found
            found.append(
                Handler("router-call", route.method, route.path, callback_unit, callback, route.node)
            )
    return found


def _looks_like_req_res(unit: TsUnit, function: Node) -> bool:
    parameters = function.child_by_field_name("parameters")
    names = [n.lower() for n in parameter_names(unit, parameters)]
    return len(names) >= 2 and names[0].startswith("req") and names[1].startswith("res")


def _route_callback(response: ParsedResponse, route: Route) -> tuple[TsUnit, Node] | None:
    unit, call = route.unit, route.node
    arguments = call_arguments(call)
    candidates: list[Node] = []
    if arguments and arguments[0].type == "object":
        for pair in arguments[0].named_children:
            if pair.type == "pair" and unit.text(pair.child_by_field_name("key")) == "handler":
                value = pair.child_by_field_name("value")
                if value is not None:
                    candidates.append(value)
    else:
        candidates = arguments[1:][::-1][:1]
    for candidate in candidates:
        if candidate.type in _FUNCTION_TYPES:
            return unit, candidate
        if candidate.type == "identifier":
            return function_named(response, unit.text(candidate))
    return None


def _find_routes(response: ParsedResponse) -> list[Route]:
    found: list[Route] = []
    for unit in response.ts_units:
        route_path = next_route_path(unit.block.path_hint)
        if route_path is not None:
            for name, function in _exported_functions(unit):
                if name in HTTP_METHODS or name == "default":
                    found.append(Route(route_path, None if name == "default" else name, unit, function))
        prefixes = _mount_prefixes(unit)
        for call in unit.of_type("call_expression"):
            route = _router_call_route(unit, call, prefixes)
            if route is not None:
                found.append(route)
    return found


def _router_call_route(unit: TsUnit, call: Node, prefixes: dict[str, str]) -> Route | None:
    receiver, method = callee_parts(unit, call)
    arguments = call_arguments(call)
    if not arguments:
        return None
    if method == "route" and arguments[0].type == "object":
        url = method_name = None
        for pair in arguments[0].named_children:
            if pair.type != "pair":
                continue
            key = unit.text(pair.child_by_field_name("key"))
            if key in {"url", "path"}:
                url = string_value(unit, pair.child_by_field_name("value"))
            elif key == "method":
                method_name = string_value(unit, pair.child_by_field_name("value"))
        if url is None or not url.startswith("/"):
            return None
        return Route(
            _join(_prefix_for(unit, call, receiver, prefixes), url),
            (method_name or "").upper() or None,
            unit,
            call,
        )
    if method not in _ROUTER_METHODS or len(arguments) < 2:
        return None
    path = string_value(unit, arguments[0])
    if path is None:
        chained = _chained_route_path(unit, call)
        if chained is None:
            return None
        path = chained
    elif not path.startswith("/") or arguments[-1].type not in (*_FUNCTION_TYPES, "identifier"):
        return None
    return Route(_join(_prefix_for(unit, call, receiver, prefixes), path), method.upper(), unit, call)


def _chained_route_path(unit: TsUnit, call: Node) -> str | None:
    """Express `router.route('/x').get(fn).post(fn)`: the path of the `.route()` call in the chain."""
    function = call.child_by_field_name("function")
    current = function.child_by_field_name("object") if function is not None else None
    while current is not None and current.type == "call_expression":
        _, name = callee_parts(unit, current)
        arguments = call_arguments(current)
        if name == "route" and arguments:
            path = string_value(unit, arguments[0])
            return path if path and path.startswith("/") else None
        inner = current.child_by_field_name("function")
        current = inner.child_by_field_name("object") if inner is not None else None
    return None


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix.rstrip("/") + ("/" + path.lstrip("/") if path.strip("/") else "")


def _prefix_for(unit: TsUnit, call: Node, receiver: str, prefixes: dict[str, str]) -> str:
    root = receiver.split(".", 1)[0].split("(", 1)[0]
    if root in prefixes:
        return prefixes[root]
    function = enclosing(call, *_FUNCTION_TYPES)
    while function is not None:
        name_node = function.child_by_field_name("name")
        if (
            name_node is None
            and function.parent is not None
            and function.parent.type == "variable_declarator"
        ):
            name_node = function.parent.child_by_field_name("name")
        name = unit.text(name_node)
        if f"function:{name}" in prefixes:
            return prefixes[f"function:{name}"]
        function = enclosing(function, *_FUNCTION_TYPES)
    return ""


def _mount_prefixes(unit: TsUnit) -> dict[str, str]:
    """Router identifier (or `function:name` for Fastify plugins) → the prefix it is mounted under."""
    prefixes: dict[str, str] = {}
    for call in unit.of_type("call_expression"):
        _, method = callee_parts(unit, call)
        arguments = call_arguments(call)
        if method in {"use", "route"} and len(arguments) >= 2 and arguments[-1].type == "identifier":
            prefix = string_value(unit, arguments[0])
            if prefix and prefix.startswith("/"):
                prefixes[unit.text(arguments[-1])] = prefix
        elif method == "register" and len(arguments) >= 2 and arguments[1].type == "object":
            for pair in arguments[1].named_children:
                if pair.type == "pair" and unit.text(pair.child_by_field_name("key")) == "prefix":
                    prefix = string_value(unit, pair.child_by_field_name("value"))
                    if prefix:
                        prefixes[f"function:{unit.text(arguments[0])}"] = prefix
        elif method == "basePath" and arguments:
            declarator = enclosing(call, "variable_declarator")
            prefix = string_value(unit, arguments[0])
            if declarator is not None and prefix:
                prefixes[unit.text(declarator.child_by_field_name("name"))] = prefix
    return prefixes


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


def _raw_sites(unit: TsUnit) -> list[_RawSite]:
    sites = []
    for node in unit.of_type("call_expression", "new_expression"):
        site = _raw_site(unit, node)
        if site is not None:
            sites.append(site)
    return sites


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
            return _RawSite(node, None, False, None, arguments[0] if arguments else None)
    return None


@dataclass(frozen=True)
class _Helper:
    """A local function that builds a response whose status comes from one of its parameters."""

    unit: TsUnit
    site: _RawSite
    status_index: int | None


def _helpers(response: ParsedResponse, raw: dict[int, list[_RawSite]]) -> dict[str, _Helper]:
    found: dict[str, _Helper] = {}
    for unit_index, unit in enumerate(response.ts_units):
        for site in raw[unit_index]:
            function = enclosing(site.node, *_FUNCTION_TYPES)
            if function is None:
                continue
            name_node = function.child_by_field_name("name")
            if (
                name_node is None
                and function.parent is not None
                and function.parent.type == "variable_declarator"
            ):
                name_node = function.parent.child_by_field_name("name")
            name = unit.text(name_node)
            if not name or name in HTTP_METHODS:
                continue
            parameters = parameter_names(unit, function.child_by_field_name("parameters"))
            status_name = unit.text(site.status_node) if site.status_node is not None else ""
            status_index = next(
                (i for i, p in enumerate(parameters) if p.split(":")[0].strip() == status_name), None
            )
            found.setdefault(name, _Helper(unit, site, status_index))
    return found


def _find_response_sites(response: ParsedResponse) -> list[ResponseSite]:
    units = response.ts_units
    raw = {index: _raw_sites(unit) for index, unit in enumerate(units)}
    helper_functions = _helpers(response, raw)
    all_handlers = handlers(response)
    sites: list[ResponseSite] = []
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
        unit, node, site.status, site.explicit, site.body, body_unit, in_catch, tuple(guards), handler
    )


SiteContext = Literal["validation", "unauthenticated", "forbidden", "not-found", "error", "success"]

_VALIDATION_GUARD = re.compile(
    r"!\s*[\w.?]*\.success\b|\btypeof\s|\.success\s*===?\s*false|zoderror|\.issues\b|invalid|validation|isnan|!\s*[\w.?]*valid\b",
    re.IGNORECASE,
)
_AUTH_GUARD = re.compile(
    r"!\s*(?:[\w?]+\.)*(?:user|session|token|auth\w*|claims|apikey|api_key|bearer|authorization|header)\b"
    r"|autherror|unauthori[sz]ed|\bverify\b|password|credential|\bcompare\(|!\s*\w*\.startsWith\(\s*['\"]Bearer",
    re.IGNORECASE,
)
_FORBIDDEN_GUARD = re.compile(
    r"\brole\b|permission|owner|isadmin|forbidden|!==?\s*(?:[\w?]+\.)*(?:user|session)\w*(?:\.\w+)*"
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
        return "not-found"
    if site.in_catch or _ERROR_GUARD.search(conditions):
        return "error"
    return "success"


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
