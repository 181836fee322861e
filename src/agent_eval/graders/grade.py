"""Grade a response with the rule-based checks: parse it once, run every requested check on that parse."""

from __future__ import annotations

from collections.abc import Sequence

from agent_eval.graders.checks.registry import CHECKS
from agent_eval.graders.model import Verdict
from agent_eval.graders.parsing import ParsedResponse, parse_response


def grade_response(text: str, check_ids: Sequence[str] | None = None) -> dict[str, Verdict]:
    """Verdicts of the given checks (default: every registered check), keyed by check id, in given order.

    Unknown ids raise KeyError naming them; a check that hits malformed code degrades to n/a, never raises.
    """
    return grade_parsed(parse_response(text), check_ids)


def grade_parsed(response: ParsedResponse, check_ids: Sequence[str] | None = None) -> dict[str, Verdict]:
    ids = list(check_ids) if check_ids is not None else sorted(CHECKS)
    unknown = [check_id for check_id in ids if check_id not in CHECKS]
    if unknown:
        raise KeyError(f"unknown check id(s): {', '.join(unknown)}; known: {', '.join(sorted(CHECKS))}")
    verdicts = {}
    for check_id in ids:
        try:
            verdicts[check_id] = CHECKS[check_id](response)
        except Exception as exc:  # a grader bug on odd code must not sink a whole run
            verdicts[check_id] = Verdict(
                check=check_id, status="n/a", reason=f"check failed on this code: {exc!r}"
            )
    return verdicts
