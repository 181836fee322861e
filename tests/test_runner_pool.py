"""The runner through the real SDK against the mock: faults, cache, dedup, budget, adaptive limit, Ctrl-C."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.runner import AdaptiveLimiter, RunOutcome, WorkItem, run_all
from agent_eval.store.db import Store
from mock_api import Fault, Json, MockAnthropic
from runner_fixtures import Recorder, drive, make_items, make_request


def run(api: MockAnthropic, items: list[WorkItem], recorder: Recorder, **options: object) -> RunOutcome:
    return drive(run_all, api, items, recorder, **options)


def test_with_30_percent_of_calls_faulted_every_item_is_answered_exactly_once() -> None:
    items = make_items(40)
    recorder = Recorder()
    with MockAnthropic(fault_rate=0.3, seed=7) as api:
        outcome = run(api, items, recorder, concurrency=10)
    assert set(api.faults_served) == {"429", "529", "500", "drop"}  # every kind of fault really happened
    assert outcome.status == "finished" and outcome.errors == 0
    assert recorder.answered == {item.key: 1 for item in items}
    assert not recorder.errors
    assert outcome.calls == 40


def test_a_rerun_of_unchanged_inputs_makes_zero_calls(tmp_path: Path) -> None:
    items = make_items(12)
    with Store(tmp_path) as store, MockAnthropic() as api:
        first = run(api, items, Recorder(), cache=store)
        calls_after_first = api.count()
        recorder = Recorder()
        second = run(api, items, recorder, cache=store)
        assert api.count() == calls_after_first == 12
    assert (first.calls, first.cache_hits) == (12, 0)
    assert (second.calls, second.cache_hits, second.cost_usd) == (0, 12, 0.0)
    assert all(r.cached for r in recorder.responses.values())
    assert recorder.answered == {item.key: 1 for item in items}


def test_identical_requests_share_one_call() -> None:
    same = make_request("the same question")
    items = [WorkItem(f"judge-{i}", same) for i in range(5)] + make_items(3)
    recorder = Recorder()
    with MockAnthropic(latency_s=0.05) as api:
        outcome = run(api, items, recorder, concurrency=8)
    assert api.count() == 4
    assert (outcome.calls, outcome.deduplicated) == (4, 4)
    assert recorder.answered == {item.key: 1 for item in items}
    # One item owns the call; the others are marked cached so the store counts what the API received.
    sharers = [recorder.responses[f"judge-{i}"] for i in range(5)]
    assert sum(not response.cached for response in sharers) == 1
    assert sum(not response.cached for response in recorder.responses.values()) == api.count()


def test_other_samples_of_one_request_are_separate_calls() -> None:
    items = [WorkItem(f"epoch-{s}", make_request("same words", sample=s)) for s in (1, 2, 3)]
    with MockAnthropic() as api:
        run(api, items, Recorder())
    assert api.count() == 3


@pytest.mark.parametrize("concurrency", [1, 6])
def test_max_cost_stops_before_the_budget_is_passed(concurrency: int) -> None:
    items = make_items(40)
    recorder = Recorder()
    budget = 0.004
    with MockAnthropic() as api:
        outcome = run(api, items, recorder, concurrency=concurrency, max_cost=budget, spent_usd=0.001)
    assert outcome.status == "budget"
    assert 0 < len(recorder.responses) < len(items)
    assert 0.001 + outcome.cost_usd <= budget
    assert outcome.cost_usd == pytest.approx(sum(r.cost_usd for r in recorder.responses.values()))
    assert api.count() == outcome.calls == len(recorder.responses)


def test_the_limit_halves_under_429s_and_every_item_still_finishes() -> None:
    def rate_limited_twice(path: str, body: Json, attempt: int) -> Fault | None:
        return Fault(429, 0.05) if attempt <= 2 else None

    limiter = AdaptiveLimiter(16)
    items = make_items(24)
    recorder = Recorder()
    with MockAnthropic(fault_rule=rate_limited_twice, latency_s=0.02) as api:
        outcome = run(api, items, recorder, limiter=limiter)
    assert limiter.pushbacks == 48
    assert limiter.history[1] == 8  # halved once for all the calls in flight when the 429s began
    steps = zip(limiter.history, limiter.history[1:], strict=False)
    cuts = sum(1 for before, after in steps if after < before)
    assert cuts >= 2  # and again for calls sent after the first cut
    assert outcome.status == "finished"
    assert recorder.answered == {item.key: 1 for item in items}


def test_the_limit_grows_back_after_a_run_of_successes() -> None:
    limiter = AdaptiveLimiter(4)
    limiter.on_pushback(ticket=0)
    assert limiter.limit == 2
    limiter.on_pushback(ticket=0)  # a call sent before the cut: already accounted for
    assert limiter.limit == 2
    for _ in range(2):
        limiter.on_success()
    assert limiter.limit == 3
    assert limiter.history == [4, 2, 3]


def test_a_call_that_keeps_failing_is_reported_as_an_error() -> None:
    def broken(path: str, body: Json, attempt: int) -> Fault | None:
        return Fault(500, 0.01) if "scenario 1:" in str(body) else None

    items = make_items(3)
    recorder = Recorder()
    with MockAnthropic(fault_rule=broken) as api:
        outcome = run(api, items, recorder, call_timeout=1.0)  # retried until its budget is spent
    assert outcome.errors == 1 and outcome.status == "finished"
    assert set(recorder.errors) == {"scenario-1"}
    assert recorder.answered == {item.key: 1 for item in items}


def test_cancelling_the_run_stops_cleanly_with_status_interrupted() -> None:
    items = make_items(30)
    recorder = Recorder()

    async def go(api: MockAnthropic) -> RunOutcome:
        provider = AnthropicProvider("sonnet", client=api.client())
        task = asyncio.create_task(run_all(items, provider, on_response=recorder.on_response,
                                           on_error=recorder.on_error, concurrency=4, progress=False))
        while len(recorder.responses) < 4:  # some answers in, more calls in flight
            await asyncio.sleep(0.01)
        task.cancel()
        outcome = await task
        await provider.aclose()
        return outcome

    with MockAnthropic(latency_s=0.2) as api:
        outcome = asyncio.run(go(api))
    assert outcome.status == "interrupted"
    assert 4 <= len(recorder.responses) < len(items)
    assert not recorder.errors  # cancelled calls are neither answers nor errors
    assert set(recorder.answered.values()) == {1}
    assert outcome.calls == len(recorder.responses)


def test_a_callback_error_stops_the_run_and_reaches_the_caller() -> None:
    def explode(item: WorkItem, response: object) -> None:
        raise RuntimeError("store is gone")

    async def go(api: MockAnthropic) -> None:
        provider = AnthropicProvider("sonnet", client=api.client())
        try:
            await run_all(make_items(5), provider, on_response=explode, on_error=explode, progress=False)
        finally:
            await provider.aclose()

    with MockAnthropic() as api, pytest.raises(RuntimeError, match="store is gone"):
        asyncio.run(go(api))
