"""Check `error-format`: every error response shares one body shape that carries a machine-readable code."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks._task_words import HTTP_TASK_WORDS
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Verdict
from agent_eval.graders.parsing import ParsedResponse, TsUnit

_CODE_KEYS = frozenset({"code", "errorCode", "error_code"})


@dataclass(frozen=True)
class _Shape:
    """An error body's shape: top-level keys, the keys nested under `error`, and where a code sits."""

    kind: str  # "object", "string", "empty" or "opaque"
    top: frozenset[str] = frozenset()
    error_is_object: bool = False
    code_path: str | None = None

    @property
    def signature(self) -> tuple[str, frozenset[str], bool, str | None]:
        return self.kind, self.top, self.error_is_object, self.code_path

    def describe(self) -> str:
        if self.kind != "object":
            return {"string": "bare string", "empty": "no body", "opaque": "unknown body"}[self.kind]
        keys = ", ".join(sorted(self.top))
        return f"{{{keys}}}" + (f" code at {self.code_path}" if self.code_path else " without a code")


@check(
    "error-format",
    task_words=HTTP_TASK_WORDS,
    section_words=("error response", "error code", "error"),
    contract=7,
)
def error_format(response: ParsedResponse) -> Verdict:
    """n/a without an HTTP handler, or when the handlers build no error response.

    Error responses are those with a status >= 400, inside a catch block, behind an error/validation/auth/
    not-found guard, or with an `error`/`errors` key; thrown framework exceptions are left out (their body
    is written by an error handler). Koa `ctx.body = …` and Node `res.end(JSON.stringify(…))` bodies count.
    Their bodies (resolved through local variables, helper functions, and the caller's argument when a
    helper takes the body as a parameter) are compared by shape: top-level keys, whether `error` is an
    object, and where the machine-readable `code` sits. Pass when all share one shape that has a code;
    fail on a bare string or empty body, a shape without a code, or two different shapes.
    """
    if not http.handlers(response):
        return verdict("error-format", "n/a", "no HTTP handler")
    sites = [site for site in http.response_sites(response) if http.is_error_site(site) and not site.thrown]
    if not sites:
        return verdict("error-format", "n/a", "handlers build no error response")
    shapes = [(site, _shape(response, site.body_unit, site.body)) for site in sites]
    known = [(site, shape) for site, shape in shapes if shape.kind != "opaque"]
    if not known:
        return verdict("error-format", "n/a", "error bodies could not be resolved")
    bad = [(site, shape) for site, shape in known if shape.kind != "object" or shape.code_path is None]
    if bad:
        evidence = [site.unit.evidence(site.node, shape.describe()) for site, shape in bad]
        return verdict("error-format", "fail", "error body without a machine-readable code", evidence)
    signatures = {shape.signature for _, shape in known}
    evidence = [site.unit.evidence(site.node, shape.describe()) for site, shape in known]
    if len(signatures) > 1:
        return verdict("error-format", "fail", f"{len(signatures)} different error body shapes", evidence)
    return verdict("error-format", "pass", f"{len(known)} error response(s) share one shape", evidence)


def _shape(response: ParsedResponse, unit: TsUnit, body: Node | None, depth: int = 0) -> _Shape:
    if body is None:
        return _Shape("empty")
    if body.type in {"string", "template_string"} or _is_message_text(unit, body):
        return _Shape("string")
    if body.type in {"await_expression", "parenthesized_expression", "as_expression", "satisfies_expression"}:
        inner = body.named_children[0] if body.named_children else None
        return _shape(response, unit, inner, depth)
    if depth < 3 and body.type == "identifier":
        value = _declared_value(unit, body)
        if value is not None:
            return _shape(response, unit, value, depth + 1)
    if depth < 3 and body.type == "call_expression":
        receiver, name = http.callee_parts(unit, body)
        if name == "stringify" and receiver == "JSON":
            arguments = http.call_arguments(body)
            return _shape(response, unit, arguments[0] if arguments else None, depth + 1)
        found = http.function_named(response, name) if receiver == "" else None
        if found is not None:
            returned = _returned_object(*found)
            if returned is not None:
                return _shape(response, found[0], returned, depth + 1)
    if body.type != "object":
        return _Shape("opaque")
    top = http.body_keys(unit, body)
    code_path = "code" if _CODE_KEYS & set(top) else None
    error_is_object = False
    for member in body.named_children:
        if member.type != "pair" or unit.text(member.child_by_field_name("key")).strip("'\"") != "error":
            continue
        value = member.child_by_field_name("value")
        if value is not None and value.type == "object":
            error_is_object = True
            if _CODE_KEYS & set(http.body_keys(unit, value)):
                code_path = code_path or "error.code"
    return _Shape("object", frozenset(top), error_is_object, code_path)


def _is_message_text(unit: TsUnit, body: Node) -> bool:
    """`err.message` or `String(err)`: an error answered with its text alone."""
    if body.type == "member_expression":
        return unit.text(body.child_by_field_name("property")) in {"message", "msg"}
    return body.type == "call_expression" and http.callee_parts(unit, body) == ("", "String")


def _declared_value(unit: TsUnit, identifier: Node) -> Node | None:
    name = unit.text(identifier)
    candidates = [
        declarator.child_by_field_name("value")
        for declarator in unit.of_type("variable_declarator")
        if unit.text(declarator.child_by_field_name("name")) == name
        and declarator.start_byte < identifier.start_byte
    ]
    return candidates[-1] if candidates else None


def _returned_object(unit: TsUnit, function: Node) -> Node | None:
    body = function.child_by_field_name("body")
    if body is None:
        return None
    if body.type == "parenthesized_expression" and body.named_children:
        body = body.named_children[0]
    if body.type == "object":
        return body
    for statement in unit.of_type("return_statement", within=body):
        value = statement.named_children[0] if statement.named_children else None
        if value is not None and value.type == "object":
            return value
    return None
