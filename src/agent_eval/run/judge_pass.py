"""The judge pass: verdicts for the judged results lacking one, after the scenarios have run.

Every sample is asked once; a malformed answer is asked once more with a note; a sample still malformed
then is stored as a judge error rather than a score. A call that failed leaves its result unjudged, so a
resume judges it again. Several samples combine by per-criterion median.
"""

from __future__ import annotations

from agent_eval.graders.judge import (
    JudgeResponseError,
    Rubric,
    build_judge_request,
    median_verdict,
    parse_judge_response,
)
from agent_eval.graders.model import JudgeVerdict
from agent_eval.providers.model import ModelResponse
from agent_eval.run.dispatch import CallLog, Dispatcher, Pass
from agent_eval.run.plan import Plan
from agent_eval.runner import WorkItem
from agent_eval.scenarios.model import Scenario
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord
from agent_eval.suites import get_suite

MALFORMED = "malformed judge answer"


class JudgePass:
    """Judge verdicts for judged results lacking one: every sample, then one retry of malformed ones."""

    def __init__(self, plan: Plan, store: Store, run_id: str, calls: CallLog, samples: int = 1) -> None:
        if plan.rubric is None or plan.judge is None or plan.judge_model is None:
            raise ValueError("a judge pass needs the plan's judge and rubric")
        if samples < 1:
            raise ValueError(f"judge samples must be at least 1, got {samples}")
        self.store, self.run_id, self.calls = store, run_id, calls
        self.rubric: Rubric = plan.rubric
        self.model: str = plan.judge_model
        self.work = Pass("judge", plan.judge, self.on_response, calls.failed_call)
        self.samples = samples
        self.scenarios = {s.id: s for s in plan.scenarios if get_suite(s.suite).judged}
        self.pending: dict[str, ResultRecord] = {}
        self.verdicts: dict[str, dict[int, JudgeVerdict]] = {}
        self.judge_cost_usd: dict[str, float] = {}  # what judging each result cost, added to its cost_usd

    async def run(self, dispatcher: Dispatcher) -> str:
        """Ask, retry the malformed once, store; returns the runner's status ("finished" when all went)."""
        for retry in (False, True):
            items = self.items(retry)
            if not items:
                break
            outcome = await dispatcher.send(items, self.work)
            self.save(final=retry)
            if outcome.status != "finished":
                return outcome.status
        return "finished"

    def rubric_for(self, scenario: Scenario) -> Rubric:
        return self.rubric.select(scenario.rubric) if scenario.rubric else self.rubric

    def items(self, retry: bool) -> list[WorkItem]:
        items: list[WorkItem] = []
        self.pending = {}
        for record in self.store.results(self.run_id):
            judged = get_suite(record.suite).judged and record.scenario_id in self.scenarios
            if not judged or record.judge is not None or record.error is not None:
                continue
            key = f"judge:{record.scenario_id}#{record.epoch}"
            self.pending[key] = record
            scenario = self.scenarios[record.scenario_id]
            for sample in range(1, self.samples + 1):
                earlier = self.verdicts.get(key, {}).get(sample)
                if retry and (earlier is None or earlier.error is None):
                    continue  # only malformed answers are asked again; failed calls wait for a resume
                request = build_judge_request(
                    self.rubric_for(scenario),
                    scenario.input.message,
                    record.output,
                    self.model,
                    sample=sample,
                    retry=retry,
                )
                items.append(WorkItem(key=f"{key}/{sample}", request=request))
        return items

    def on_response(self, item: WorkItem, response: ModelResponse) -> None:
        self.calls.answered(item, response)
        key, sample = item.key.rsplit("/", 1)
        if not response.cached:
            self.judge_cost_usd[key] = self.judge_cost_usd.get(key, 0.0) + response.cost_usd
        scenario = self.scenarios[self.pending[key].scenario_id]
        earlier = self.verdicts.get(key, {}).get(int(sample))
        try:
            verdict = parse_judge_response(response, self.rubric_for(scenario))
        except JudgeResponseError as exc:
            first = (
                f"{earlier.error.removeprefix(MALFORMED + ': ')}; then " if earlier and earlier.error else ""
            )
            verdict = JudgeVerdict(model=self.model, error=f"{MALFORMED}: {first}{exc}")
        self.verdicts.setdefault(key, {})[int(sample)] = verdict

    def save(self, final: bool) -> None:
        """Store complete verdicts; on the final pass a sample still malformed is stored as a judge error."""
        for key, record in self.pending.items():
            got = self.verdicts.get(key, {})
            if len(got) < self.samples:
                continue  # a call failed: left without a verdict, so a resume judges it again
            samples = [got[s] for s in sorted(got)]
            if not final and any(v.error for v in samples):
                continue
            rubric = self.rubric_for(self.scenarios[record.scenario_id])
            verdict = samples[0] if self.samples == 1 else median_verdict(samples, rubric, self.model)
            cost = record.cost_usd + self.judge_cost_usd.pop(key, 0.0)
            self.store.save_result(record.model_copy(update={"judge": verdict, "cost_usd": cost}))
