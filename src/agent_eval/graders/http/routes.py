"""Routes and handlers in parsed TypeScript/JavaScript.

Covers Next.js route handlers (`export async function GET`, path from the file-path comment), pages API
handlers, server actions ('use server'), Express/Hono/Fastify router calls (`router.get('/x', …)`,
`fastify.route({ url })`), Koa routers (`new Router({ prefix })`, `router.prefix('/v1')`,
`parent.use('/v1', child.routes())`), with mount prefixes (`app.use('/v1', auth, router)`, `app.route`,
`basePath`, `register(plugin, { prefix })`, also across blocks through imports), NestJS controllers, and
plain Node servers (`http.createServer((req, res) => …)`, whose routes are the paths its conditions compare
the URL with: `pathname === '/v1/items'`). Results are memoised on the ParsedResponse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tree_sitter import Node

from agent_eval.graders.http.syntax import (
    FUNCTION_TYPES,
    call_arguments,
    callee_parts,
    enclosing,
    function_name,
    function_named,
    parameter_names,
    string_value,
)
from agent_eval.graders.parsing import ParsedResponse, TsUnit

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


_ROUTER_METHODS = frozenset({"get", "post", "put", "patch", "delete", "all", "options", "head"})


_NEXT_ROUTE = re.compile(r"(?:^|/)app/(?P<path>(?:.*/)?)route\.(?:ts|tsx|js|jsx|mjs)$")


_PAGES_API = re.compile(r"(?:^|/)pages/(?P<path>api(?:/.*?)?)(?:/index)?\.(?:ts|tsx|js|jsx|mjs)$")


HandlerKind = Literal[
    "fetch-handler",
    "route-export",
    "pages-api",
    "router-call",
    "server-action",
    "controller-method",
    "node-server",
]


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


def handlers(response: ParsedResponse) -> list[Handler]:
    return response.memo(_find_handlers)


def routes(response: ParsedResponse) -> list[Route]:
    return response.memo(_find_routes)


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


def _exported_functions(unit: TsUnit) -> list[tuple[str, Node]]:
    found = []
    for export in unit.of_type("export_statement"):
        declaration = export.child_by_field_name("declaration")
        if declaration is None:
            value = export.child_by_field_name("value")
            if value is not None and value.type in FUNCTION_TYPES:
                found.append(("default", value))
            continue
        if declaration.type == "function_declaration":
            name = unit.text(declaration.child_by_field_name("name"))
            found.append(("default" if unit.text(export).startswith("export default") else name, declaration))
        elif declaration.type == "lexical_declaration":
            for declarator in declaration.named_children:
                function = _unwrapped_function(declarator.child_by_field_name("value"))
                if declarator.type == "variable_declarator" and function is not None:
                    found.append((unit.text(declarator.child_by_field_name("name")), function))
    return found


def _unwrapped_function(value: Node | None) -> Node | None:
    """A function value, or the function passed last to a wrapper: `withAuth(async (req) => …)`."""
    if value is None:
        return None
    if value.type in FUNCTION_TYPES:
        return value
    if value.type == "call_expression":
        arguments = call_arguments(value)
        if arguments and arguments[-1].type in FUNCTION_TYPES:
            return arguments[-1]
    return None


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
    for function in unit.of_type(*FUNCTION_TYPES):
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
        for function in _fetch_handlers(unit):
            found.append(Handler("fetch-handler", None, None, unit, function, None))
        for function in _node_servers(unit):
            found.append(Handler("node-server", None, None, unit, function, None))
    for route in routes(response):
        if route.node.type == "method_definition":
            found.append(Handler("controller-method", route.method, route.path, route.unit, route.node, None))
        if route.node.type != "call_expression":
            continue
        callback_found = _route_callback(response, route)
        if callback_found is not None:
            callback_unit, callback = callback_found
            found.append(
                Handler("router-call", route.method, route.path, callback_unit, callback, route.node)
            )
    return found


def _fetch_handlers(unit: TsUnit) -> list[Node]:
    """Functions that answer every request: `Deno.serve(fn)` / `serve(fn)` (Supabase Edge Functions) and a
    Workers-style `export default { fetch(request) {…} }`."""
    found = []
    for call in unit.of_type("call_expression"):
        receiver, name = callee_parts(unit, call)
        arguments = call_arguments(call)
        if name == "serve" and receiver in {"", "Deno", "Bun"} and arguments:
            function = arguments[-1]
            if function.type in FUNCTION_TYPES:
                found.append(function)
    for export in unit.of_type("export_statement"):
        value = export.child_by_field_name("value")
        if value is not None and value.type == "object":
            found.extend(
                member
                for member in value.named_children
                if member.type == "method_definition"
                and unit.text(member.child_by_field_name("name")) == "fetch"
            )
    return found


def _node_servers(unit: TsUnit) -> list[Node]:
    """The request listener of `http.createServer(fn)`, `https.createServer(opts, fn)`, `createServer(fn)`."""
    found = []
    for call in unit.of_type("call_expression"):
        receiver, name = callee_parts(unit, call)
        arguments = call_arguments(call)
        if name == "createServer" and receiver in {"", "http", "https", "http2"} and arguments:
            listener = arguments[-1]
            if listener.type == "identifier":
                named = function_named_in(unit, unit.text(listener))
                listener = named if named is not None else listener
            if listener.type in FUNCTION_TYPES:
                found.append(listener)
    return found


def function_named_in(unit: TsUnit, name: str) -> Node | None:
    for declaration in unit.of_type("function_declaration"):
        if unit.text(declaration.child_by_field_name("name")) == name:
            return declaration
    return None


_URL_COMPARISON = re.compile(r"(?:url|path|pathname|route)\b", re.IGNORECASE)


def _node_server_routes(unit: TsUnit, listener: Node) -> list[Route]:
    """Paths a plain Node listener answers: string literals its conditions compare the URL/pathname with
    (`pathname === '/items'`, `req.url.startsWith('/v1/')`), with the method of `req.method === 'GET'`."""
    found = []
    for condition in unit.of_type("binary_expression", "call_expression", within=listener):
        path_node: Node | None = None
        if condition.type == "binary_expression":
            operator = unit.text(condition.child_by_field_name("operator"))
            left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
            if operator in {"===", "=="} and left is not None and right is not None:
                for subject, literal in ((left, right), (right, left)):
                    if _URL_COMPARISON.search(unit.text(subject)) and string_value(unit, literal):
                        path_node = literal
        else:
            receiver, name = callee_parts(unit, condition)
            arguments = call_arguments(condition)
            if name == "startsWith" and _URL_COMPARISON.search(receiver) and arguments:
                path_node = arguments[0]
        path = string_value(unit, path_node)
        if path is None or not path.startswith("/"):
            continue
        guard = enclosing(condition, "if_statement", stop=listener)
        guard_text = unit.text(guard.child_by_field_name("condition")) if guard is not None else ""
        method = re.search(r"method\s*===?\s*['\"](\w+)['\"]", guard_text)
        found.append(Route(path, method[1].upper() if method else None, unit, condition))
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
        candidates = arguments[-1:]  # the handler comes after the path and any middleware
    for candidate in candidates:
        if candidate.type in FUNCTION_TYPES:
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
        found.extend(_controller_routes(response, unit))
        for listener in _node_servers(unit):
            found.extend(_node_server_routes(unit, listener))
        mounts = _response_mounts(response)
        prefixes = {**mounts.by_name, **_mount_prefixes(unit)}
        module_prefix = _module_prefix(unit, mounts.by_module)
        for call in unit.of_type("call_expression"):
            route = _router_call_route(unit, call, prefixes, module_prefix)
            if route is not None:
                found.append(route)
    return found


_NEST_METHODS = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "All": None,
}


def _controller_routes(response: ParsedResponse, unit: TsUnit) -> list[Route]:
    """NestJS: `@Controller('orders')` classes whose methods carry `@Get(':id')`, `@Post()`…; the global
    prefix (`app.setGlobalPrefix('api')`) and URI versions (`@Version('1')`, `{ version: '1' }`) apply."""
    global_prefix = _nest_global_prefix(response)
    found = []
    for body in unit.of_type("class_body"):
        declaration = body.parent
        if declaration is None:
            continue
        holders = [declaration] + ([declaration.parent] if declaration.parent is not None else [])
        controller = next(
            (
                d
                for holder in holders
                for d in holder.children
                if d.type == "decorator" and _decorator_name(unit, d) == "Controller"
            ),
            None,
        )
        if controller is None:
            continue
        prefix, version = _decorator_path(unit, controller)
        pending: list[Node] = []
        for member in body.named_children:
            if member.type == "decorator":
                pending.append(member)
                continue
            if member.type == "method_definition":
                for decorator in pending:
                    name = _decorator_name(unit, decorator)
                    if name in _NEST_METHODS:
                        path, _ = _decorator_path(unit, decorator)
                        method_version = next(
                            (
                                _decorator_path(unit, d)[0]
                                for d in pending
                                if _decorator_name(unit, d) == "Version"
                            ),
                            version,
                        )
                        segments = [
                            global_prefix,
                            f"v{method_version}" if method_version else "",
                            prefix,
                            path,
                        ]
                        full = "/" + "/".join(s.strip("/") for s in segments if s.strip("/"))
                        found.append(Route(full, _NEST_METHODS[name], unit, member))
            pending = []
    return found


def _decorator_name(unit: TsUnit, decorator: Node) -> str:
    inner = decorator.named_children[0] if decorator.named_children else None
    if inner is not None and inner.type == "call_expression":
        return callee_parts(unit, inner)[1]
    return unit.text(inner)


def _decorator_path(unit: TsUnit, decorator: Node) -> tuple[str, str]:
    """(path, version) from `@X('path')` or `@X({ path: 'p', version: '1' })`."""
    inner = decorator.named_children[0] if decorator.named_children else None
    arguments = call_arguments(inner) if inner is not None and inner.type == "call_expression" else []
    if not arguments:
        return "", ""
    if arguments[0].type == "object":
        values = {
            unit.text(pair.child_by_field_name("key")): string_value(unit, pair.child_by_field_name("value"))
            or ""
            for pair in arguments[0].named_children
            if pair.type == "pair"
        }
        return values.get("path", ""), values.get("version", "")
    return string_value(unit, arguments[0]) or "", ""


def _nest_global_prefix(response: ParsedResponse) -> str:
    for unit in response.ts_units:
        for call in unit.of_type("call_expression"):
            if callee_parts(unit, call)[1] == "setGlobalPrefix":
                arguments = call_arguments(call)
                return string_value(unit, arguments[0]) or "" if arguments else ""
    return ""


def _router_call_route(
    unit: TsUnit, call: Node, prefixes: dict[str, str], module_prefix: str = ""
) -> Route | None:
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
            _join(_prefix_for(unit, call, receiver, prefixes, module_prefix), url),
            (method_name or "").upper() or None,
            unit,
            call,
        )
    if method not in _ROUTER_METHODS or arguments[-1].type not in (*FUNCTION_TYPES, "identifier"):
        return None
    path = string_value(unit, arguments[0])
    if path is None:
        path = _chained_route_path(unit, call)
    elif len(arguments) < 2:
        return None
    if path is None or not path.startswith("/"):
        return None
    return Route(
        _join(_prefix_for(unit, call, receiver, prefixes, module_prefix), path), method.upper(), unit, call
    )


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


def _prefix_for(unit: TsUnit, call: Node, receiver: str, prefixes: dict[str, str], module_prefix: str) -> str:
    root = receiver.split(".", 1)[0].split("(", 1)[0]
    if root in prefixes:
        return prefixes[root]
    function = enclosing(call, *FUNCTION_TYPES)
    while function is not None:
        name = function_name(unit, function)
        if f"function:{name}" in prefixes:
            return prefixes[f"function:{name}"]
        function = enclosing(function, *FUNCTION_TYPES)
    return module_prefix


@dataclass(frozen=True)
class _Mounts:
    """Mount prefixes across all blocks: by router/plugin name, and by the module the mounted name is
    imported from (`app.use('/v1/products', products)` + `import products from './routes/products'`)."""

    by_name: dict[str, str]
    by_module: dict[str, str]


def _response_mounts(response: ParsedResponse) -> _Mounts:
    return response.memo(_find_mounts)


def _find_mounts(response: ParsedResponse) -> _Mounts:
    by_name: dict[str, str] = {}
    by_module: dict[str, str] = {}
    for unit in response.ts_units:
        imports = _imports(unit)
        for name, prefix in _mount_prefixes(unit).items():
            by_name.setdefault(name, prefix)
            module = imports.get(name.removeprefix("function:"))
            if module is not None:
                by_module.setdefault(_module_key(module), prefix)
    return _Mounts(by_name, by_module)


def _imports(unit: TsUnit) -> dict[str, str]:
    """Local name → module specifier, from `import x from 'm'`, `import { x } from 'm'`, `require('m')`."""
    found: dict[str, str] = {}
    for statement in unit.of_type("import_statement"):
        module = string_value(unit, statement.child_by_field_name("source"))
        if module is None:
            continue
        for node in unit.of_type("identifier", within=statement):
            found[unit.text(node)] = module
    for call in unit.of_type("call_expression"):
        arguments = call_arguments(call)
        declarator = call.parent
        if callee_parts(unit, call) == ("", "require") and arguments and declarator is not None:
            module = string_value(unit, arguments[0])
            if module is not None and declarator.type == "variable_declarator":
                for name in re.findall(r"\w+", unit.text(declarator.child_by_field_name("name"))):
                    found[name] = module
    return found


def _module_key(path: str) -> str:
    """`./routes/products.js`, `@/routes/products`, `src/routes/products/index.ts` → `routes/products`."""
    key = re.sub(r"\.(?:ts|tsx|js|jsx|mjs|cjs)$", "", path.strip())
    key = re.sub(r"^(?:\.{1,2}/|@/|~/)+", "", key)
    key = re.sub(r"^src/", "", key)
    return key.removesuffix("/index")


def _module_prefix(unit: TsUnit, by_module: dict[str, str]) -> str:
    hint = unit.block.path_hint
    if not hint or not by_module:
        return ""
    key = _module_key(hint)
    for module, prefix in by_module.items():
        if key == module or key.endswith("/" + module) or module.endswith("/" + key):
            return prefix
    return ""


def _mounted_router(unit: TsUnit, argument: Node) -> str | None:
    """The router a mount call hands over: `router`, or Koa's `router.routes()`."""
    if argument.type == "identifier":
        return unit.text(argument)
    if argument.type == "call_expression":
        receiver, name = callee_parts(unit, argument)
        if name == "routes" and receiver.isidentifier():
            return receiver
    return None


def _mount_prefixes(unit: TsUnit) -> dict[str, str]:
    """Router identifier (or `function:name` for Fastify plugins) → the prefix it is mounted under."""
    prefixes: dict[str, str] = {}
    for call in unit.of_type("call_expression", "new_expression"):
        _, method = callee_parts(unit, call)
        arguments = call_arguments(call)
        mounted = _mounted_router(unit, arguments[-1]) if arguments else None
        if method in {"use", "route"} and len(arguments) >= 2 and mounted is not None:
            prefix = string_value(unit, arguments[0])
            if prefix and prefix.startswith("/"):
                prefixes[mounted] = prefix
        elif method == "prefix" and arguments:  # koa-router `router.prefix('/v1')`
            prefix = string_value(unit, arguments[0])
            receiver = callee_parts(unit, call)[0]
            if prefix and receiver.isidentifier():
                prefixes[receiver] = prefix
        elif method == "register" and len(arguments) >= 2 and arguments[1].type == "object":
            for pair in arguments[1].named_children:
                if pair.type == "pair" and unit.text(pair.child_by_field_name("key")) == "prefix":
                    prefix = string_value(unit, pair.child_by_field_name("value"))
                    if prefix:
                        prefixes[f"function:{unit.text(arguments[0])}"] = prefix
        elif method == "Router" and arguments and arguments[0].type == "object":  # `new Router({ prefix })`
            declarator = enclosing(call, "variable_declarator")
            prefix = next(
                (
                    string_value(unit, pair.child_by_field_name("value"))
                    for pair in arguments[0].named_children
                    if pair.type == "pair" and unit.text(pair.child_by_field_name("key")) == "prefix"
                ),
                None,
            )
            if declarator is not None and prefix:
                prefixes[unit.text(declarator.child_by_field_name("name"))] = prefix
        elif method == "basePath" and arguments:
            declarator = enclosing(call, "variable_declarator")
            prefix = string_value(unit, arguments[0])
            if declarator is not None and prefix:
                prefixes[unit.text(declarator.child_by_field_name("name"))] = prefix
    return prefixes
