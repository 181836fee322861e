"""Check `typescript-no-any`: TypeScript code does not fall back to the `any` type."""

from __future__ import annotations

from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Verdict
from agent_eval.graders.parsing import ParsedResponse


@check("typescript-no-any", section_words=("`any`",))
def typescript_no_any(response: ParsedResponse) -> Verdict:
    """n/a without TypeScript code (blocks tagged ts/tsx, or untagged blocks that carry type annotations;
    plain JavaScript is not judged).

    Fail when any type position uses `any`: annotations (`: any`, `any[]`, `Record<string, any>`),
    assertions (`as any`, `<any>x`) and generic arguments — found as the parser's predefined `any` type,
    so the word in a string or comment never counts. Pass otherwise (`unknown` is the accepted escape).
    """
    units = response.typescript_units
    if not units:
        return verdict("typescript-no-any", "n/a", "no TypeScript code")
    uses = [
        unit.evidence(node, "`any` type")
        for unit in units
        for node in unit.of_type("predefined_type")
        if unit.text(node) == "any"
    ]
    if uses:
        return verdict("typescript-no-any", "fail", f"{len(uses)} use(s) of `any`", uses)
    return verdict("typescript-no-any", "pass", f"{len(units)} TypeScript block(s) without `any`")
