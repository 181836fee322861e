"""The mock API itself: its answers parse with the real SDK, and seeded faults repeat whatever the order."""

from __future__ import annotations

import asyncio

from agent_eval.providers.anthropic import AnthropicProvider
from mock_api import MockAnthropic, tool_use_responder
from runner_fixtures import make_request


def test_models_count_tokens_and_messages_parse_with_the_sdk() -> None:
    async def go(api: MockAnthropic) -> None:
        client = api.client()
        models = [m.id async for m in client.models.list()]
        assert models[0] == "claude-haiku-5-5"  # newest first, as the API lists them
        counted = await client.messages.count_tokens(model="claude-sonnet-5-5",
                                                     messages=[{"role": "user", "content": "hello there"}])
        assert counted.input_tokens > 0
        message = await client.messages.create(model="claude-sonnet-5-5", max_tokens=50,
                                               messages=[{"role": "user", "content": "route this"}])
        assert message.content[0].type == "tool_use" and message.stop_reason == "tool_use"
        assert message.usage.input_tokens > 0
        await client.close()

    with MockAnthropic(responder=tool_use_responder("Agent", {"subagent_type": "Plan"})) as api:
        asyncio.run(go(api))
        assert api.count("/v1/models", "GET") == 1
        assert api.count("/v1/messages/count_tokens") == 1
        assert api.bodies()[0]["messages"][0]["content"] == "route this"


def test_batches_list_retrieve_cancel_and_results_parse_with_the_sdk() -> None:
    async def go(api: MockAnthropic) -> None:
        client = api.client()
        request = {"custom_id": "a" * 64, "params": make_request("hi").api_params()}
        created = await client.messages.batches.create(requests=[request])  # type: ignore[list-item]
        assert created.processing_status == "in_progress" and created.request_counts.processing == 1
        listed = [b.id async for b in client.messages.batches.list()]
        assert listed == [created.id]
        await client.messages.batches.cancel(created.id)
        ended = await client.messages.batches.retrieve(created.id)
        assert ended.processing_status == "ended" and ended.request_counts.canceled == 1
        results = [r async for r in await client.messages.batches.results(created.id)]
        assert [(r.custom_id, r.result.type) for r in results] == [("a" * 64, "canceled")]
        await client.close()

    with MockAnthropic(batch_polls_until_ended=100) as api:
        asyncio.run(go(api))


def test_seeded_faults_hit_the_same_requests_in_any_order() -> None:
    requests = [make_request(f"question {i}") for i in range(24)]

    def faults(seed: int, concurrently: bool) -> dict[str, int]:
        async def go(api: MockAnthropic) -> None:
            provider = AnthropicProvider("sonnet", client=api.client())
            if concurrently:
                await asyncio.gather(*(provider.complete(r) for r in reversed(requests)))
            else:
                for request in requests:
                    await provider.complete(request)
            await provider.aclose()

        with MockAnthropic(fault_rate=0.3, seed=seed, fault_kinds=("429", "529", "500")) as api:
            asyncio.run(go(api))
        return dict(api.faults_served)

    one_by_one = faults(seed=3, concurrently=False)
    assert sum(one_by_one.values()) > 0
    assert faults(seed=3, concurrently=True) == one_by_one
