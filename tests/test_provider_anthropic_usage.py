"""The Anthropic provider's usage, cost, aliases and credentials check, against the mock and the prices."""

from __future__ import annotations

import asyncio
import logging

import pytest
from anthropic import AsyncAnthropic

from agent_eval.providers import pricing
from agent_eval.providers.aliases import ALIASES
from agent_eval.providers.anthropic import AnthropicProvider, has_credentials
from agent_eval.providers.model import ModelResponse, Usage
from mock_api import Fault, MockAnthropic, tool_use_responder
from runner_fixtures import make_request


def complete_twice(api: MockAnthropic) -> list[ModelResponse]:
    async def go() -> list[ModelResponse]:
        provider = AnthropicProvider("sonnet", client=api.client())
        try:
            return [await provider.complete(make_request(text)) for text in ("first", "second")]
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_usage_includes_cache_writes_then_cache_reads_and_is_priced() -> None:
    with MockAnthropic() as api:
        first, second = complete_twice(api)
    assert first.usage.cache_creation_input_tokens > 0 and first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0
    sonnet = pricing.PRICES["claude-sonnet-5-5"]
    u = second.usage
    expected = (u.input_tokens * sonnet.input + u.output_tokens * sonnet.output
                + u.cache_read_input_tokens * sonnet.cache_read) / 1e6
    assert second.cost_usd == pytest.approx(expected)
    assert second.cost_usd < first.cost_usd  # the cached prefix costs less the second time


def test_tool_use_content_comes_back_as_plain_dicts() -> None:
    call = {"description": "Add endpoint", "prompt": "…", "subagent_type": "backend-developer"}
    with MockAnthropic(responder=tool_use_responder("Agent", call)) as api:
        response, _ = complete_twice(api)
    assert response.stop_reason == "tool_use"
    assert response.tool_calls[0]["name"] == "Agent"
    assert response.tool_calls[0]["input"] == call
    assert api.bodies()[0]["model"] == "claude-sonnet-5-5"  # the alias was resolved before sending


def test_aliases_follow_the_models_api_and_fall_back_to_the_table() -> None:
    async def refreshed(api: MockAnthropic) -> tuple[bool, str, str]:
        provider = AnthropicProvider("haiku", client=api.client())
        answered = await provider.refresh_aliases()
        await provider.aclose()
        return answered, provider.model, provider.resolve("opus")

    newer = (("claude-haiku-6", "2027-01-01T00:00:00Z"), ("claude-haiku-5-5", "2026-10-07T00:00:00Z"))
    with MockAnthropic(models=newer) as api:
        assert asyncio.run(refreshed(api)) == (True, "claude-haiku-6", ALIASES["opus"])
    down = Fault(500, 0.01)
    with MockAnthropic(fault_rule=lambda path, body, attempt: down) as api:
        assert asyncio.run(refreshed(api)) == (False, ALIASES["haiku"], ALIASES["opus"])


def test_inherit_means_the_providers_own_model() -> None:
    provider = AnthropicProvider("opus", client=AsyncAnthropic(base_url="http://127.0.0.1:9", api_key="test"))
    assert provider.resolve("inherit") == ALIASES["opus"]
    assert provider.resolve("claude-sonnet-4-6") == "claude-sonnet-4-6"


def test_has_credentials_reads_key_or_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    assert not has_credentials()
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "token")
    assert has_credentials()


def test_batch_discount_halves_every_token_category() -> None:
    usage = Usage(input_tokens=1000, output_tokens=500, cache_creation_input_tokens=200,
                  cache_read_input_tokens=50)
    assert pricing.cost("claude-opus-5-5", usage, batch=True) == pytest.approx(
        pricing.cost("claude-opus-5-5", usage) / 2
    )


def test_dated_ids_match_and_unknown_models_cost_as_their_family(caplog: pytest.LogCaptureFixture) -> None:
    assert pricing.price_of("claude-haiku-4-5-20251001") == pricing.PRICES["claude-haiku-4-5"]
    assert pricing.price_of("claude-sonnet-5-5") != pricing.price_of("claude-sonnet-5")
    with caplog.at_level(logging.WARNING):
        assert pricing.price_of("claude-sonnet-7") == pricing.PRICES["claude-sonnet-5-5"]
    assert "claude-sonnet-7" in caplog.text
    dearest = max(pricing.PRICES.values(), key=lambda p: p.output)
    assert pricing.price_of("some-local-model") == dearest  # no family: the safe side for budgets


def test_cost_bound_covers_the_real_cost() -> None:
    request = make_request("a question", max_tokens=64)
    with MockAnthropic() as api:
        response, _ = complete_twice(api)
    assert pricing.cost_bound(request) >= response.cost_usd
