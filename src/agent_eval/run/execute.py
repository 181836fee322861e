"""Execution: the scenario pass (each answer graded by its suite and stored with its call), then the judge
pass, interruptible by Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from typing import Any

from agent_eval.providers.model import ModelResponse
from agent_eval.run.dispatch import CallLog, Dispatcher, Pass
from agent_eval.run.judge_pass import JudgePass
from agent_eval.run.plan import Plan
from agent_eval.runner import WorkItem
from agent_eval.scenarios.model import Scenario
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord
from agent_eval.suites import get_suite


@dataclass(frozen=True)
class Executed:
    status: str  # the runner's (finished, interrupted, budget) or the judge pass's
    failed_calls: int  # calls that failed after retries (their results are missing)


class ScenarioPass:
    """Every (scenario, epoch) the run still lacks → a request from its suite → a graded, stored result."""

    def __init__(self, plan: Plan, store: Store, run_id: str, calls: CallLog) -> None:
        self.plan, self.store, self.run_id, self.calls = plan, store, run_id, calls
        self.context = plan.context
        self.items: dict[str, tuple[Scenario, int]] = {}

    def passes(self) -> list[tuple[list[WorkItem], Pass]]:
        """The work items of what is not stored yet, or stored with a grading error (graded again), one
        pass per provider that answers them (a routing harness may have its own, e.g. the real CLI)."""
        done = self.store.done(self.run_id) - {
            (r.scenario_id, r.epoch) for r in self.store.results(self.run_id) if r.error is not None
        }
        grouped: dict[int, tuple[list[WorkItem], Pass]] = {}
        for epoch in range(1, self.plan.epochs + 1):
            for scenario in self.plan.scenarios:
                if (scenario.id, epoch) in done:
                    continue
                suite = get_suite(scenario.suite)
                request = suite.request(scenario, self.context)
                key = f"{scenario.suite}:{scenario.id}#{epoch}"
                self.items[key] = (scenario, epoch)
                provider = suite.provider(self.context, self.plan.provider)
                # The Batches API takes the run's own requests, and a harness's that are sent as they are;
                # a session provider's (the claude-code harness, agentic tasks) run locally.
                harness = self.plan.harness
                batchable = provider is self.plan.provider or (
                    harness is not None and provider is harness.provider and harness.batchable
                )
                if id(provider) not in grouped:
                    work = Pass("scenarios", provider, self.on_response, self.calls.failed_call, batchable)
                    grouped[id(provider)] = ([], work)
                items = grouped[id(provider)][0]
                items.append(WorkItem(key=key, request=request.model_copy(update={"sample": epoch})))
        return list(grouped.values())

    async def on_response(self, item: WorkItem, response: ModelResponse) -> None:
        """Grade the answer and store it with its call, in one transaction. A grader that raises on this
        answer marks the result as errored (kept with the answer) instead of stopping the run. A suite whose
        grading parses or executes code grades in a worker thread (tsc, PostgreSQL take seconds the other
        calls need); routing decisions grade in microseconds, where a thread hop would cost more."""
        scenario, epoch = self.items[item.key]
        graded: dict[str, Any]
        suite = get_suite(scenario.suite)
        try:
            if suite.slow_grading:
                verdict = await asyncio.to_thread(suite.grade, scenario, response, self.context)
            else:
                verdict = suite.grade(scenario, response, self.context)
        except Exception as exc:  # a grader bug on one answer must not cost the rest of the run
            graded = {"output": response.text, "error": f"grading failed: {type(exc).__name__}: {exc}"}
        else:
            graded = {
                "passed": verdict.passed,
                "output": verdict.output,
                "expected": verdict.expected,
                "chosen": verdict.chosen,
                "decision": verdict.decision,
                "checks": dict(verdict.checks),
                "executed": dict(verdict.executed),
                "transcript": verdict.transcript,
            }
        record = ResultRecord(
            run_id=self.run_id,
            scenario_id=scenario.id,
            suite=scenario.suite,
            epoch=epoch,
            input=scenario.input.message,
            context=scenario.input.context,
            tags=scenario.tags,
            request_hash=item.request.key(),
            usage=response.usage,
            cost_usd=0.0 if response.cached else response.cost_usd,
            latency_s=response.latency_s,
            **graded,
        )
        self.calls.answered(item, response, result=record)


async def execute(plan: Plan, store: Store, run_id: str, dispatcher: Dispatcher) -> Executed:
    """The scenario pass, then (when it finished and the run has a judge) the judge pass."""
    calls = CallLog(store, run_id)
    scenarios = ScenarioPass(plan, store, run_id, calls)
    status: str = "finished"
    for items, work in scenarios.passes():
        status = (await dispatcher.send(items, work)).status
        if status != "finished":
            return Executed(status, calls.failed)
    if status == "finished" and plan.judge is not None:
        samples = plan.config.judge_samples if plan.config else 1
        status = await JudgePass(plan, store, run_id, calls, samples).run(dispatcher)
    return Executed(status, calls.failed)


async def interruptible(plan: Plan, store: Store, run_id: str, dispatcher: Dispatcher) -> Executed:
    """Ctrl-C cancels the run's task; the runner then stops cleanly and reports "interrupted"."""
    task = asyncio.ensure_future(execute(plan, store, run_id, dispatcher))
    loop = asyncio.get_running_loop()
    handled = False
    try:
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        handled = True
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals on this platform
        pass
    try:
        return await task
    except asyncio.CancelledError:
        return Executed("interrupted", 0)
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)
        for provider in plan.providers:
            await provider.aclose()
        plan.execution.close()
