"""Check `jwt-practices`: JWTs are signed with an environment key, expire, and are verified, not decoded."""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse, TsUnit

_JWT_RECEIVERS = re.compile(r"^(?:jwt|jsonwebtoken|jose|JWT)$")


@check("jwt-practices", section_words=("jwt",))
def jwt_practices(response: ParsedResponse) -> Verdict:
    """n/a when the code neither signs nor verifies JWTs (jsonwebtoken `jwt.sign/verify/decode`,
    jose `new SignJWT`/`jwtVerify`).

    Fail when: a token is signed without an expiry (`expiresIn`/`exp` for jsonwebtoken,
    `setExpirationTime` for jose); `jwt.verify` is called without pinning `algorithms`; `jwt.decode` is
    used where a token's claims are trusted (any decode counts: it does not check the signature);
    `algorithm(s)` allows `none`; or the signing/verifying key is a string literal. Pass otherwise.
    """
    problems: list[Evidence] = []
    good: list[Evidence] = []
    seen = False
    for unit in response.ts_units:
        code = unit.code_text(unit.tree.root_node)
        for call in unit.of_type("call_expression", "new_expression"):
            receiver, name = http.callee_parts(unit, call)
            arguments = http.call_arguments(call)
            if _JWT_RECEIVERS.match(receiver) and name in {"sign", "verify", "decode"}:
                seen = True
                problems.extend(_jsonwebtoken_problems(unit, call, name, arguments))
                good.append(unit.evidence(call, f"jwt.{name}"))
            elif name == "SignJWT":
                seen = True
                chain = unit.text(
                    http.enclosing(call, "expression_statement", "return_statement", "variable_declarator")
                    or call
                )
                if "setExpirationTime" not in chain and "exp:" not in code:
                    problems.append(unit.evidence(call, "token signed without an expiry"))
                else:
                    good.append(unit.evidence(call, "SignJWT with expiry"))
            elif name == "jwtVerify":
                seen = True
                good.append(unit.evidence(call, "jwtVerify checks the signature"))
                if len(arguments) > 1 and arguments[1].type == "string":
                    problems.append(unit.evidence(call, "literal verification key"))
    if not seen:
        return verdict("jwt-practices", "n/a", "no JWT signing or verification in code")
    if problems:
        return verdict("jwt-practices", "fail", f"{len(problems)} JWT problem(s)", problems)
    return verdict(
        "jwt-practices", "pass", "JWTs signed with expiry and verified with pinned algorithms", good
    )


def _jsonwebtoken_problems(unit: TsUnit, call: Node, name: str, arguments: list[Node]) -> list[Evidence]:
    problems = []
    options = unit.text(arguments[2]) if len(arguments) > 2 else ""
    payload = unit.text(arguments[0]) if arguments else ""
    if name == "decode":
        problems.append(unit.evidence(call, "jwt.decode does not verify the signature"))
    if (
        name in {"sign", "verify"}
        and len(arguments) > 1
        and arguments[1].type in {"string", "template_string"}
    ):
        problems.append(unit.evidence(call, f"literal key passed to jwt.{name}"))
    if name == "sign" and "expiresIn" not in options and not re.search(r"\bexp\b", payload):
        problems.append(unit.evidence(call, "token signed without an expiry"))
    if name == "verify" and "algorithms" not in options:
        problems.append(unit.evidence(call, "jwt.verify without pinned algorithms"))
    if re.search(r"['\"]none['\"]", options):
        problems.append(unit.evidence(call, "algorithm 'none' allowed"))
    return problems
