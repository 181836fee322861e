"""The routing suite: does the model delegate to the expected agent (or to none)?

How the request is made is the harness's business (`suites/harnesses/`); the suite decides which agent the
answer chose and scores it against the scenario's expectation.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from agent_eval.harness.routing import decide
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
from agent_eval.scenarios.model import Scenario
from agent_eval.store.model import ResultRecord
from agent_eval.suites.registry import Graded, SuiteContext, suite

if TYPE_CHECKING:
    from agent_eval.run.summary import RunSummary  # the run stage's figures, which a suite projects


def routing_output(response: ModelResponse) -> str:
    """The decision as the report shows it: the first tool call as JSON, else the answer's text."""
    calls = response.tool_calls
    return json.dumps(calls[0], ensure_ascii=False) if calls else response.text


@suite
class RoutingSuite:
    name: ClassVar[str] = "routing"
    answerable_offline: ClassVar[bool] = True
    slow_grading: ClassVar[bool] = False
    judged: ClassVar[bool] = False

    def request(self, scenario: Scenario, context: SuiteContext) -> ModelRequest:
        if context.harness is None:
            raise ValueError("a routing scenario needs the run's routing harness")
        return context.harness.request(scenario)

    def provider(self, context: SuiteContext, model: Provider) -> Provider:
        return model if context.harness is None else context.harness.provider

    def grade(self, scenario: Scenario, response: ModelResponse, context: SuiteContext) -> Graded:
        decision = decide(response)
        return Graded(
            passed=decision.label == scenario.expected,
            output=routing_output(response),
            expected=scenario.expected,
            chosen=decision.label,
            decision=decision.detail,
        )

    def summarise(self, summary: RunSummary) -> dict[str, Any] | None:
        if summary.routing is None:
            return None
        accuracy = summary.routing.accuracy
        return {
            "n": accuracy.n,
            "scenarios": accuracy.scenarios,
            "correct": accuracy.count,
            "accuracy": accuracy.rate,
            "ci95": list(accuracy.ci95),
        }

    def result_json(self, record: ResultRecord) -> dict[str, Any]:
        return {"expected": record.expected, "chosen": record.chosen, "decision": record.decision}
