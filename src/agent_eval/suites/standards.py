"""The standards suite: does the agent's answer to a task keep the standards its prompt promises?

The rule-based checks grade the answer here; the model judge scores it afterwards (`run/judge_pass.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from agent_eval.config import EvalConfig
from agent_eval.graders.model import Verdict
from agent_eval.harness.standards import build_standards_request
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
from agent_eval.scenarios.model import Scenario
from agent_eval.store.model import ResultRecord
from agent_eval.suites.registry import Graded, SuiteContext, suite

if TYPE_CHECKING:
    from agent_eval.run.summary import CheckSummary, RunSummary  # the run's figures, which a suite projects


def standards_checks(scenario: Scenario, config: EvalConfig | None) -> list[str] | None:
    """The eval config's checks plus the scenario's own; None (every registered check) without a config."""
    if config is None or not config.checks:
        return None
    return [*config.checks, *(c for c in scenario.checks if c not in config.checks)]


def standards_passed(scenario: Scenario, checks: dict[str, Verdict]) -> bool:
    """No check fails, and every check the scenario lists applies and passes (an answer that never wrote the
    handler the task asked for does not pass `zod-validation` by being n/a)."""
    if any(v.status == "fail" for v in checks.values()):
        return False
    return all(checks[c].status == "pass" for c in scenario.checks if c in checks)


def check_tallies(checks: Iterable[CheckSummary]) -> dict[str, dict[str, int]]:
    """`run --json`'s per-check counts."""
    return {c.check: {"pass": c.passed, "fail": c.failed, "n/a": c.not_applicable} for c in checks}


@suite
class StandardsSuite:
    name: ClassVar[str] = "standards"
    answerable_offline: ClassVar[bool] = False
    slow_grading: ClassVar[bool] = True
    judged: ClassVar[bool] = True

    def request(self, scenario: Scenario, context: SuiteContext) -> ModelRequest:
        return build_standards_request(scenario, context.agent, context.agent_model or context.model)

    def provider(self, context: SuiteContext, model: Provider) -> Provider:
        return model

    def grade(self, scenario: Scenario, response: ModelResponse, context: SuiteContext) -> Graded:
        # Imported at the first answer, not when the suites are registered: the checks and their parsers
        # (pglast, tree-sitter) load while the first calls are in flight instead of delaying them.
        from agent_eval.graders.grade import grade_response

        checks = grade_response(response.text, standards_checks(scenario, context.config))
        executed = context.execution.execute_answer(response.text) if context.execution else {}
        return Graded(
            passed=standards_passed(scenario, checks) and all(v.status != "fail" for v in executed.values()),
            output=response.text,
            checks=checks,
            executed=executed,
        )

    def summarise(self, summary: RunSummary) -> dict[str, Any] | None:
        if summary.standards is None:
            return None
        return {
            "n": summary.standards.n,
            "scenarios": summary.standards.scenarios,
            "pass_rate": summary.standards.rate,
            "ci95": list(summary.standards.ci95),
            "checks": check_tallies(summary.checks),
        }

    def result_json(self, record: ResultRecord) -> dict[str, Any]:
        return {
            "checks": {c: v.status for c, v in record.checks.items()},
            **({"executed": {g: v.status for g, v in record.executed.items()}} if record.executed else {}),
            "judge": record.judge.model_dump(mode="json") if record.judge else None,
        }
