"""Message Batches through the real SDK against the mock: submit, poll, map results back by custom_id, retry
errored and expired items in a new batch, chunk past the limits, price at the batch discount."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

import pytest

from agent_eval.providers import pricing
from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.runner import RunOutcome, WorkItem
from agent_eval.runner.batch import BatchItemError, chunk, run_batch
from agent_eval.store.db import Store
from mock_api import Json, MockAnthropic, last_user_text
from runner_fixtures import Recorder, drive, make_items, make_request


def echo(request: Json) -> str:
    return f"answer to {last_user_text(request)}"


def batch_run(api: MockAnthropic, items: list[WorkItem], recorder: Recorder, **options: Any) -> RunOutcome:
    return drive(run_batch, api, items, recorder, poll_interval=0.01, **options)


def test_results_are_mapped_back_by_custom_id_at_the_batch_price() -> None:
    items = make_items(6)
    recorder = Recorder()
    with MockAnthropic(responder=echo, batch_polls_until_ended=3) as api:
        outcome = batch_run(api, items, recorder)
        (batch_id,) = api.batch_ids()
        polls = api.count(f"/v1/messages/batches/{batch_id}", "GET")
    assert outcome.status == "finished" and outcome.calls == 6 and outcome.errors == 0
    for item in items:
        response = recorder.responses[item.key]
        assert response.text == f"answer to {item.request.messages[0]['content']}"
        assert response.batch
        assert response.cost_usd == pytest.approx(pricing.cost(response.model, response.usage, batch=True))
    assert outcome.cost_usd == pytest.approx(sum(r.cost_usd for r in recorder.responses.values()))
    assert api.count("/v1/messages") == 0  # nothing went through the synchronous endpoint
    assert polls >= 3  # polled until the batch ended
    sent = api.bodies("/v1/messages/batches")[0]["requests"]
    assert {r["custom_id"] for r in sent} == {item.request.key() for item in items}
    assert all(len(r["custom_id"]) == 64 and r["params"]["model"] == "claude-sonnet-5-5" for r in sent)


def test_errored_and_expired_items_are_retried_in_a_new_batch() -> None:
    items = make_items(5)
    troubled = {items[1].request.key(): "errored", items[3].request.key(): "expired"}

    def fault(custom_id: str, attempt: int) -> Literal["errored", "expired"] | None:
        return troubled.get(custom_id) if attempt == 1 else None  # type: ignore[return-value]

    recorder = Recorder()
    with MockAnthropic(responder=echo, batch_item_fault=fault) as api:
        outcome = batch_run(api, items, recorder)
        batches = api.bodies("/v1/messages/batches")
    assert len(batches) == 2
    assert {r["custom_id"] for r in batches[1]["requests"]} == set(troubled)
    assert outcome.status == "finished" and outcome.errors == 0
    assert recorder.answered == {item.key: 1 for item in items}


def test_items_that_keep_failing_end_as_errors_after_the_bound() -> None:
    items = make_items(3)
    doomed = items[0].request.key()
    recorder = Recorder()
    with MockAnthropic(batch_item_fault=lambda cid, attempt: "errored" if cid == doomed else None) as api:
        outcome = batch_run(api, items, recorder, max_attempts=2)
        assert len(api.bodies("/v1/messages/batches")) == 2
    assert outcome.errors == 1
    assert isinstance(recorder.errors[items[0].key], BatchItemError)
    assert recorder.answered == {item.key: 1 for item in items}


def test_large_suites_are_chunked_into_several_batches() -> None:
    items = make_items(7)
    recorder = Recorder()
    with MockAnthropic(responder=echo) as api:
        outcome = batch_run(api, items, recorder, max_requests_per_batch=3)
        sizes = sorted(len(body["requests"]) for body in api.bodies("/v1/messages/batches"))
    assert sizes == [1, 3, 3]
    assert outcome.status == "finished"
    assert recorder.answered == {item.key: 1 for item in items}


def test_chunks_respect_the_byte_limit_and_keep_order() -> None:
    entries: list[dict[str, object]] = [{"custom_id": str(i), "params": {"t": "x" * 100}} for i in range(10)]
    chunks = chunk(entries, max_bytes=400)
    assert [e for c in chunks for e in c] == entries
    assert all(len(c) <= 3 for c in chunks) and len(chunks) >= 4


def test_duplicates_share_a_custom_id_and_the_cache_serves_reruns(tmp_path: Path) -> None:
    same = make_request("same words")
    items = [WorkItem("a", same), WorkItem("b", same), *make_items(2)]
    with Store(tmp_path) as store, MockAnthropic() as api:
        first = batch_run(api, items, Recorder(), cache=store)
        recorder = Recorder()
        second = batch_run(api, items, recorder, cache=store)
        assert len(api.bodies("/v1/messages/batches")) == 1
        assert len(api.bodies("/v1/messages/batches")[0]["requests"]) == 3
    assert first.calls == 3
    assert (second.calls, second.cache_hits) == (0, 4)
    assert recorder.answered == {item.key: 1 for item in items}


def test_max_cost_submits_only_what_fits() -> None:
    items = make_items(10)
    one = pricing.cost_bound(items[0].request) * pricing.BATCH_DISCOUNT
    recorder = Recorder()
    with MockAnthropic() as api:
        outcome = batch_run(api, items, recorder, max_cost=one * 4.5)
    assert outcome.status == "budget"
    assert len(recorder.responses) == 4
    assert outcome.cost_usd <= one * 4.5


def test_cancelling_cancels_the_batches_in_progress() -> None:
    items = make_items(4)
    recorder = Recorder()

    async def go(api: MockAnthropic) -> RunOutcome:
        provider = AnthropicProvider("sonnet", client=api.client())
        task = asyncio.create_task(run_batch(items, provider, on_response=recorder.on_response,
                                             on_error=recorder.on_error, poll_interval=0.01, progress=False))
        while api.count("/v1/messages/batches") == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()
        outcome = await task
        await provider.aclose()
        return outcome

    with MockAnthropic(batch_polls_until_ended=10_000) as api:
        outcome = asyncio.run(go(api))
        cancels = [path for method, path, _ in api.requests if path.endswith("/cancel")]
    assert outcome.status == "interrupted"
    assert len(cancels) == 1
    assert not recorder.answered


def test_a_provider_without_batches_is_refused_clearly() -> None:
    class Offline:
        name, offline = "local", True

        async def complete(self, request: object) -> None: ...

        async def aclose(self) -> None: ...

    with pytest.raises(ValueError, match="local has no Message Batches"):
        asyncio.run(run_batch(make_items(1), Offline(), on_response=print, on_error=print,  # type: ignore[arg-type]
                              progress=False))
