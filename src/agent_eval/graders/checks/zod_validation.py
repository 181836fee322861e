"""Check `zod-validation`: request input reaches handler code only through a Zod schema."""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks._task_words import HTTP_TASK_WORDS
from agent_eval.graders.checks._zod import PARSE_METHODS, is_schema_call, zod_in_response
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse, TsUnit

_BODY_CALLS = frozenset({"json", "formData", "text", "arrayBuffer", "blob"})
_HONO_READS = frozenset({"json", "parseBody", "query", "queries", "param", "formData", "text", "valid"})
_REQUEST_FIELDS = frozenset({"body", "query", "params"})
_ROUTE_SCHEMA = re.compile(r"\bschema\s*:")
_GLOBAL_ZOD_PIPE = re.compile(
    r"(useGlobalPipes|APP_PIPE)[\s\S]{0,200}ZodValidationPipe|ZodValidationPipe[\s\S]{0,200}APP_PIPE"
)
_NEST_INPUTS = frozenset({"Body", "Query", "Param"})
_VALIDATOR_MIDDLEWARE = re.compile(r"\b(zValidator|validator|zodValidator|validate\w*)\s*\(")


@check("zod-validation", task_words=HTTP_TASK_WORDS, section_words=("zod",), contract=1)
def zod_validation(response: ParsedResponse) -> Verdict:
    """n/a when no handler or server action reads request input (body, query string, route params,
    server-action arguments).

    For each input read, the names it flows into (`const body = await req.json()`, destructuring, one more
    hop such as `Object.fromEntries(searchParams)`) are followed; the read is validated when it, or a name
    it flows into, is the argument of a Zod `.parse`/`.safeParse`/`.parseAsync`/`.safeParseAsync` call, or
    when the route registers a validator middleware (`zValidator(...)`; `c.req.valid()` reads are then
    already validated). Reads are `req.body`/`query`/`params`, `await req.json()`, Hono `c.req.*`, Koa
    `ctx.request.body`/`ctx.query`/`ctx.params` (Koa's `ctx.body` is the response, not input), NestJS
    `@Body()`/`@Query()`/`@Param()` parameters, and a plain Node body read through a local helper handed
    the request that consumes its stream (`readJson(req)`); `const { pathname } = new URL(req.url, …)`
    only routes and is not input. Pass when every read is validated; fail when any read is not — in
    particular when Zod is imported (even a schema declared) but never applied to the input. Prose does
    not count.
    """
    zod_present = zod_in_response(response)
    global_pipe = any(_GLOBAL_ZOD_PIPE.search(unit.text(unit.tree.root_node)) for unit in response.ts_units)
    reads: list[tuple[http.Handler, Node]] = []
    unvalidated: list[Evidence] = []
    validated: list[Evidence] = []
    for handler in http.handlers(response):
        handler_reads = _input_reads(response, handler)
        reads.extend((handler, read) for read in handler_reads)
        by_framework = _validated_by_framework(handler, zod_present, global_pipe)
        if by_framework:
            validated.extend(handler.unit.evidence(read, by_framework) for read in handler_reads)
            continue
        parse_arguments = _parse_argument_spans(handler, zod_present)
        for read in handler_reads:
            if http.callee_parts(handler.unit, read)[1] == "valid":  # Hono hands out what a validator checked
                validated.append(handler.unit.evidence(read, "read from the validator"))
            elif _is_validated(handler, read, parse_arguments):
                validated.append(handler.unit.evidence(read, "validated with Zod"))
            else:
                note = "input used without Zod validation" + (" (Zod is imported)" if zod_present else "")
                unvalidated.append(handler.unit.evidence(read, note))
    if not reads:
        return verdict("zod-validation", "n/a", "no handler reads request input")
    if unvalidated:
        return verdict(
            "zod-validation", "fail", f"{len(unvalidated)} input read(s) not validated", unvalidated
        )
    return verdict("zod-validation", "pass", f"{len(validated)} input read(s) validated with Zod", validated)


def _validated_by_framework(handler: http.Handler, zod_present: bool, global_pipe: bool) -> str:
    """Why the framework validates this handler's input before it runs ('' when it does not)."""
    registration = handler.registration
    if registration is not None:
        text = handler.unit.text(registration)
        if _VALIDATOR_MIDDLEWARE.search(text):
            return "validated by middleware"
        if zod_present and _ROUTE_SCHEMA.search(text):
            return "validated by the route's Zod schema"
    if handler.kind == "controller-method" and global_pipe:
        return "validated by the global ZodValidationPipe"
    return ""


def _input_reads(response: ParsedResponse, handler: http.Handler) -> list[Node]:
    unit, function = handler.unit, handler.function
    params = [p.split(":")[0].strip() for p in handler.params]
    if handler.kind == "controller-method":
        return _decorated_inputs(handler)
    if handler.kind == "server-action":
        names = {n for p in params for n in re.findall(r"\w+", p)}
        return [
            i
            for i in unit.of_type("identifier", within=function.child_by_field_name("body") or function)
            if unit.text(i) in names
        ]
    request = params[0] if params else ""
    context = params[1] if len(params) > 1 else ""
    # Next.js passes route params as the second argument: `{ params }` or `context` (then `context.params`)
    params_root = "" if "params" in context else rf"{re.escape(context)}\."
    koa = _is_koa_context(handler, request)
    # Koa's `ctx.body` is the response being written; its input is `ctx.request.body`, `ctx.query`…
    fields = _REQUEST_FIELDS - {"body"} if koa else _REQUEST_FIELDS
    request_reads = (
        {f"{request}.{f}" for f in fields}
        | {f"{request}.request.{f}" for f in _REQUEST_FIELDS}
        | {f"{request}.nextUrl.searchParams", f"{request}.url", f"{request}.querystring"}
    )
    reads: list[Node] = []
    for call in unit.of_type("call_expression", within=function):
        receiver, name = http.callee_parts(unit, call)
        reads_body = receiver == request and name in _BODY_CALLS and not http.call_arguments(call)
        if (
            reads_body
            or (receiver == f"{request}.req" and name in _HONO_READS)
            or (request and _reads_stream(response, handler, call, request))
        ):
            reads.append(call)
    for member in unit.of_type("member_expression", within=function):
        text = unit.text(member)
        if any(http.contains(r, member) for r in reads) or _routes_only(unit, member):
            continue
        reads_request = request and text in request_reads
        reads_params = context and re.fullmatch(rf"\(?(await\s+)?{params_root}params\)?(\.\w+)?", text)
        if reads_request or reads_params:
            reads.append(member)
    if "params" in context:  # destructured `{ params }`: the bare name is the input too
        body = function.child_by_field_name("body") or function
        reads.extend(i for i in unit.of_type("identifier", within=body) if unit.text(i) == "params")
    reads = [r for r in reads if not any(o is not r and http.contains(o, r) for o in reads)]
    return sorted(reads, key=lambda n: n.start_byte)


def _is_koa_context(handler: http.Handler, request: str) -> bool:
    """A Koa handler's single `ctx` argument: it writes `ctx.body`/`ctx.status` or reads `ctx.request`."""
    if not request or (len(handler.params) > 1 and not handler.params[1].startswith("next")):
        return False
    code = handler.unit.code_text(handler.function)
    return bool(re.search(rf"\b{re.escape(request)}\.(?:(?:body|status)\s*=[^=]|request\.)", code))


_STREAM_READ = re.compile(r"\.on\(\s*['\"]data['\"]|for\s+await\s*\(|getRawBody\(|\.pipe\(")


def _reads_stream(response: ParsedResponse, handler: http.Handler, call: Node, request: str) -> bool:
    """`readJson(req)`: a local function handed the raw request that consumes its body stream."""
    receiver, name = http.callee_parts(handler.unit, call)
    arguments = http.call_arguments(call)
    if receiver or not arguments or handler.unit.text(arguments[0]) != request:
        return False
    found = http.function_named(response, name)
    return found is not None and bool(_STREAM_READ.search(found[0].code_text(found[1])))


def _routes_only(unit: TsUnit, member: Node) -> bool:
    """`const { pathname } = new URL(req.url, base)`: the URL read only to route, not as input."""
    declarator = http.enclosing(member, "variable_declarator")
    if declarator is None:
        return False
    name = declarator.child_by_field_name("name")
    return name is not None and name.type == "object_pattern" and unit.text(name).strip("{} ") == "pathname"


def _decorated_inputs(handler: http.Handler) -> list[Node]:
    """NestJS parameters decorated `@Body()`, `@Query()`, `@Param()` (a Zod pipe in the decorator
    validates them: those are left out)."""
    unit = handler.unit
    parameters = handler.function.child_by_field_name("parameters")
    reads = []
    for parameter in parameters.named_children if parameters is not None else []:
        decorators = [c for c in parameter.children if c.type == "decorator"]
        names = {unit.text(d).lstrip("@").split("(")[0] for d in decorators}
        if names & _NEST_INPUTS and not any("Zod" in unit.text(d) for d in decorators):
            reads.append(parameter)
    return reads


def _parse_argument_spans(handler: http.Handler, zod_present: bool) -> list[tuple[Node, str]]:
    """(argument node, its text) of every Zod-looking `.parse`-family call in the handler."""
    unit = handler.unit
    spans = []
    for call in unit.of_type("call_expression", within=handler.function):
        if not is_schema_call(unit, call, PARSE_METHODS, zod_present):
            continue
        arguments = call.child_by_field_name("arguments")
        if arguments is not None:
            spans.append((arguments, unit.text(arguments)))
    return spans


def _is_validated(handler: http.Handler, read: Node, parse_arguments: list[tuple[Node, str]]) -> bool:
    if any(http.contains(arguments, read) for arguments, _ in parse_arguments):
        return True
    names = _flows_into(handler, read)
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in names for _, text in parse_arguments)


def _flows_into(handler: http.Handler, read: Node) -> set[str]:
    """Names bound (directly or a few assignments later) to values that contain the read."""
    unit = handler.unit
    bindings = [
        (node.child_by_field_name("name"), node.child_by_field_name("value"))
        for node in unit.of_type("variable_declarator", within=handler.function)
    ] + [
        (node.child_by_field_name("left"), node.child_by_field_name("right"))
        for node in unit.of_type("assignment_expression", within=handler.function)
    ]
    names: set[str] = set()
    if read.type == "identifier":
        names.add(unit.text(read))
    elif read.type in {"required_parameter", "optional_parameter"}:
        names.add(unit.text(read.child_by_field_name("pattern")))
    for _ in range(3):
        grew = False
        for target, value in bindings:
            if target is None or value is None:
                continue
            value_text = unit.text(value)
            if http.contains(value, read) or any(
                re.search(rf"\b{re.escape(n)}\b", value_text) for n in names
            ):
                bound = set(re.findall(r"\w+", unit.text(target)))
                if not bound <= names:
                    names |= bound
                    grew = True
        if not grew:
            break
    return names
