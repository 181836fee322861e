"""Check `status-codes`: responses use the status their situation calls for."""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks._task_words import HTTP_TASK_WORDS
from agent_eval.graders.checks._zod import THROWING_PARSE_METHODS, is_schema_call, zod_in_response
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse, TsUnit

_CREATES = re.compile(
    r"\.insert\(|insert\s+into|\.create\(|\.createMany\(|\.save\(|\.upsert\(", re.IGNORECASE
)
_TELLS_ERRORS_APART = re.compile(
    r"ZodError|SyntaxError|instanceof|\.issues\b|\.name\s*===|\.code\s*===|flatten\("
)
_VERIFIES_DELIVERY = re.compile(
    r"constructEvent(?:Async)?\(|webhooks?\.verify|verifyWebhook\w*\(|['\"][\w-]*-signature['\"]",
    re.IGNORECASE,
)
_METHOD_GUARD = re.compile(r"\bmethod\s*===?\s*['\"](\w+)['\"]")
_EXPECTED: dict[http.SiteContext, frozenset[int]] = {
    "validation": frozenset({400, 422}),
    "unauthenticated": frozenset({401}),
    "forbidden": frozenset({403, 404}),
    "not-found": frozenset({404, 410}),
}


@check("status-codes", task_words=HTTP_TASK_WORDS, section_words=("status codes",), contract=3)
def status_codes(response: ParsedResponse) -> Verdict:
    """n/a without an HTTP handler (or when its responses cannot be found).

    Each response built inside a handler (directly, or through a local helper that takes the status as an
    argument) is classified by the conditions that lead to it: invalid input must answer 400/422,
    missing authentication 401, a forbidden action 403 (404 accepted: hiding existence), a missing resource
    404/410; an error path (catch block, error guard, `error` body) must never answer 2xx — including a
    response with no status, which is 200. A POST handler that inserts/creates must answer its success with
    201. Pass when every classified response meets this; fail when any does not (each listed as evidence).
    A Zod `.parse()` — or a JSON parse of the request body (`JSON.parse`, `req.json()`, a helper handed
    the request) — that throws inside a `try` whose `catch` does not tell validation errors apart (no
    `ZodError`/`SyntaxError`/`instanceof` test) makes that catch's responses answer invalid input, so they
    must be 400/422 too. Creation means the handler (or, for one function serving several methods, its
    `req.method === 'POST'` branch) inserts/creates a resource for the caller; a webhook receiver
    (verifies a delivery signature) acknowledging an event is not creation. An emptiness test on the
    result of an insert (`ON CONFLICT DO NOTHING … RETURNING`) is a conflict, not a missing resource; a
    failed membership lookup is a forbidden action. Koa `ctx.body` without `ctx.status` and Node
    `res.end()` without `writeHead`/`statusCode` are 200; a NestJS handler's returned value is 201 for
    POST and 200 otherwise unless `@HttpCode(n)` says otherwise. Statuses that are not literals
    (variables) are not judged.
    """
    if not http.handlers(response):
        return verdict("status-codes", "n/a", "no HTTP handler")
    sites = [site for site in http.response_sites(response) if site.handler is not None]
    if not sites:
        return verdict("status-codes", "n/a", "handlers build no recognisable response")
    problems: list[Evidence] = []
    judged: list[Evidence] = []
    catching_parse_errors = _catches_parse_errors_blindly(response)
    for site in sites:
        status = site.effective_status
        if status is None:
            continue
        shown = f"status {status}" + ("" if site.explicit else " (default)")
        context = http.guard_context(site)
        if context == "error" and any(http.contains(catch, site.node) for catch in catching_parse_errors):
            context = "validation"
        expected = _EXPECTED.get(context)
        if expected is not None and status not in expected:
            wanted = "/".join(str(s) for s in sorted(expected))
            problems.append(site.unit.evidence(site.node, f"{context} answered {shown}, expected {wanted}"))
        elif http.is_error_site(site) and 200 <= status < 300:
            problems.append(site.unit.evidence(site.node, f"error path answered {shown}"))
        elif context == "success" and status == 200 and _creates(site):
            problems.append(site.unit.evidence(site.node, f"creation answered {shown}, expected 201"))
        else:
            label = "error" if context == "success" and http.is_error_site(site) else context
            judged.append(site.unit.evidence(site.node, f"{label}: {shown}"))
    if problems:
        return verdict("status-codes", "fail", f"{len(problems)} response(s) with the wrong status", problems)
    if not judged:
        return verdict("status-codes", "n/a", "no response with a literal status")
    return verdict("status-codes", "pass", f"{len(judged)} response(s) use fitting statuses", judged)


def _creates(site: http.ResponseSite) -> bool:
    """A POST whose handler inserts/creates a resource for the caller. A webhook receiver (it verifies the
    sender's delivery signature) acknowledges an event: what it stores is not a resource the caller asked
    to create. (An API that registers webhooks for its caller does create, and still needs 201.)"""
    handler = site.handler
    if handler is None or _site_method(site) != "POST":
        return False
    code = handler.unit.code_text(handler.function)
    return bool(_CREATES.search(code)) and not _VERIFIES_DELIVERY.search(code)


def _site_method(site: http.ResponseSite) -> str | None:
    """The handler's method, or for one function serving several (`if (req.method === 'POST')`) the
    method its enclosing conditions select."""
    if site.handler is not None and site.handler.method is not None:
        return site.handler.method
    for guard in site.guards:
        found = _METHOD_GUARD.search(guard)
        if found and not guard.startswith("else:"):
            return found[1].upper()
    return None


def _parses_request_json(response: ParsedResponse, handler: http.Handler, call: Node) -> bool:
    """`req.json()`, `JSON.parse` of text taken from the request, or a local helper handed the request
    that runs `JSON.parse`: each throws on a malformed body."""
    unit = handler.unit
    receiver, name = http.callee_parts(unit, call)
    arguments = http.call_arguments(call)
    request = handler.params[0].split(":")[0].strip() if handler.params else ""
    if not request or (not arguments and name != "json"):
        return False
    if receiver == request and name == "json":
        return True
    if (receiver, name) == ("JSON", "parse"):
        return _from_request(unit, handler, arguments[0], request)
    if receiver or unit.text(arguments[0]) != request:
        return False
    helper = http.function_named(response, name)
    return helper is not None and "JSON.parse(" in helper[0].code_text(helper[1])


def _from_request(unit: TsUnit, handler: http.Handler, value: Node, request: str) -> bool:
    """Whether `value` mentions the request, directly or through the variable it names."""
    mentions = re.compile(rf"\b{re.escape(request)}\b")
    if mentions.search(unit.text(value)):
        return True
    name = unit.text(value)
    return any(
        mentions.search(unit.text(declarator.child_by_field_name("value")))
        for declarator in unit.of_type("variable_declarator", within=handler.function)
        if unit.text(declarator.child_by_field_name("name")) == name
    )


def _catches_parse_errors_blindly(response: ParsedResponse) -> list[Node]:
    """Catch clauses that receive a throwing Zod `.parse()` or a request-body JSON parse error without
    telling it apart from others (`ZodError`, `SyntaxError`, `instanceof`…)."""
    catches: list[Node] = []
    zod_present = zod_in_response(response)
    for handler in http.handlers(response):
        unit = handler.unit
        for call in unit.of_type("call_expression", within=handler.function):
            if not (
                is_schema_call(unit, call, THROWING_PARSE_METHODS, zod_present)
                or _parses_request_json(response, handler, call)
            ):
                continue
            statement = http.enclosing(call, "try_statement", stop=handler.function)
            body = statement.child_by_field_name("body") if statement is not None else None
            catch = statement.child_by_field_name("handler") if statement is not None else None
            if body is None or catch is None or not http.contains(body, call):
                continue
            if not _TELLS_ERRORS_APART.search(unit.code_text(catch)):
                catches.append(catch)
    return catches
