"""Grade a response with the rule-based checks: parse it once, run every requested check on that parse."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent_eval.graders.checks.registry import CHECKS, default_check_ids, unknown_check_message
from agent_eval.graders.model import Verdict
from agent_eval.graders.parsing import ParsedResponse, parse_response


class UnknownCheckError(KeyError):
    """A requested check id is not registered; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def grade_response(text: str, check_ids: Sequence[str] | None = None) -> dict[str, Verdict]:
    """Verdicts of the given checks (default: every registered check), keyed by check id, in given order.

    Unknown ids raise UnknownCheckError; a check that trips over odd code (or a project check that raises
    or returns something other than a Verdict) gives n/a with the reason, it never raises.
    """
    return grade_parsed(parse_response(text), check_ids)


def grade_parsed(response: ParsedResponse, check_ids: Sequence[str] | None = None) -> dict[str, Verdict]:
    ids = list(check_ids) if check_ids is not None else default_check_ids()
    require_known(ids)
    verdicts = {}
    for check_id in ids:
        try:
            result = CHECKS[check_id].function(response)
        except Exception as exc:  # a grader bug on odd code must not sink a whole run
            result = Verdict(check=check_id, status="n/a", reason=f"check failed: {exc!r}")
        if not isinstance(result, Verdict):
            result = Verdict(check=check_id, status="n/a", reason=f"check failed: returned {result!r}")
        verdicts[check_id] = result
    return verdicts


def require_known(check_ids: Sequence[str]) -> None:
    problem = unknown_check_message(check_ids)
    if problem:
        raise UnknownCheckError(problem)


def checks_for_agent(
    agent: str, requested: Sequence[str] | None = None, root: Path | None = None
) -> list[str]:
    """The checks to run for an agent: `requested` if given, else the `checks:` of evals/<agent>.yaml when
    it lists any, else every registered check. Raises UnknownCheckError, or EvalConfigError for a broken
    config file."""
    if requested:
        ids = list(requested)
    else:
        from agent_eval.config import eval_config_path, load_eval_config

        configured: Sequence[str] = ()
        if eval_config_path(agent, root).is_file():
            configured = load_eval_config(agent, root).checks
        ids = list(configured) or default_check_ids()
    require_known(ids)
    return ids
