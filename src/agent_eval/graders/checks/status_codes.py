"""Check `status-codes`: responses use the status their situation calls for."""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks._zod import THROWING_PARSE_METHODS, is_schema_call, zod_in_response
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse

_CREATES = re.compile(
    r"\.insert\(|insert\s+into|\.create\(|\.createMany\(|\.save\(|\.upsert\(", re.IGNORECASE
)
_TELLS_ERRORS_APART = re.compile(r"ZodError|instanceof|\.issues\b|\.name\s*===|\.code\s*===|flatten\(")
_EXPECTED: dict[http.SiteContext, frozenset[int]] = {
    "validation": frozenset({400, 422}),
    "unauthenticated": frozenset({401}),
    "forbidden": frozenset({403, 404}),
    "not-found": frozenset({404, 410}),
}


@check("status-codes")
def status_codes(response: ParsedResponse) -> Verdict:
    """n/a without an HTTP handler (or when its responses cannot be found).

    Each response built inside a handler (directly, or through a local helper that takes the status as an
    argument) is classified by the conditions that lead to it: invalid input must answer 400/422,
    missing authentication 401, a forbidden action 403 (404 accepted: hiding existence), a missing resource
    404/410; an error path (catch block, error guard, `error` body) must never answer 2xx — including a
    response with no status, which is 200. A POST handler that inserts/creates must answer its success with
    201. Pass when every classified response meets this; fail when any does not (each listed as evidence).
    A Zod `.parse()` that throws inside a `try` whose `catch` does not tell validation errors apart
    (no `ZodError`/`instanceof` test) makes that catch's responses answer invalid input, so they must be
    400/422 too. Statuses that are not literals (variables) are not judged.
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
    handler = site.handler
    if handler is None or handler.method != "POST":
        return False
    return bool(_CREATES.search(handler.unit.code_text(handler.function)))


def _catches_parse_errors_blindly(response: ParsedResponse) -> list[Node]:
    """Catch clauses that receive a throwing Zod `.parse()` error without telling it apart from others."""
    catches: list[Node] = []
    zod_present = zod_in_response(response)
    for handler in http.handlers(response):
        unit = handler.unit
        for call in unit.of_type("call_expression", within=handler.function):
            if not is_schema_call(unit, call, THROWING_PARSE_METHODS, zod_present):
                continue
            statement = http.enclosing(call, "try_statement", stop=handler.function)
            body = statement.child_by_field_name("body") if statement is not None else None
            catch = statement.child_by_field_name("handler") if statement is not None else None
            if body is None or catch is None or not http.contains(body, call):
                continue
            if not _TELLS_ERRORS_APART.search(unit.code_text(catch)):
                catches.append(catch)
    return catches
