"""The Anthropic provider over real HTTP against the mock: the SDK's retries honour retry-after, retry
529/500/dropped connections, stop at the bound, and every pushback reaches the runner's listener."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import pytest

from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.providers.backpressure import overload_listener
from agent_eval.providers.model import ModelResponse
from mock_api import Fault, FaultRule, Json, MockAnthropic
from runner_fixtures import make_request


def first_attempt_fails(fault: Fault) -> FaultRule:
    def rule(path: str, body: Json, attempt: int) -> Fault | None:
        return fault if path == "/v1/messages" and attempt == 1 else None

    return rule


def complete_once(api: MockAnthropic, **client_options: Any) -> ModelResponse:
    async def go() -> ModelResponse:
        provider = AnthropicProvider("sonnet", client=api.client(**client_options))
        try:
            return await provider.complete(make_request("hello"))
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_429_waits_for_retry_after_then_succeeds() -> None:
    with MockAnthropic(fault_rule=first_attempt_fails(Fault(429, retry_after_s=0.4))) as api:
        response = complete_once(api)
        (first, _), (second, _) = api.arrivals
    assert api.count() == 2
    assert response.text == "mock answer"
    assert second - first >= 0.4  # the SDK waited as long as the server asked


@pytest.mark.parametrize(
    "fault", [Fault(529, 0.01), Fault(500, 0.01), Fault(None)], ids=["529", "500", "drop"]
)
def test_overload_server_error_and_dropped_connection_are_retried(fault: Fault) -> None:
    with MockAnthropic(fault_rule=first_attempt_fails(fault)) as api:
        response = complete_once(api)
    assert api.count() == 2
    assert response.text == "mock answer"


def test_a_permanently_failing_call_ends_as_an_error_after_the_bound() -> None:
    always = Fault(500, 0.01)
    with MockAnthropic(fault_rule=lambda path, body, attempt: always) as api, pytest.raises(
        anthropic.InternalServerError
    ):
        complete_once(api, max_retries=3)
    assert api.count() == 4  # the first attempt and three retries, then it gives up


def test_client_errors_are_not_retried() -> None:
    bad_request = Fault(400)
    with MockAnthropic(fault_rule=lambda path, body, attempt: bad_request) as api, pytest.raises(
        anthropic.BadRequestError
    ):
        complete_once(api)
    assert api.count() == 1


def test_every_pushback_attempt_reaches_the_listener() -> None:
    statuses = iter([Fault(429, 0.01), Fault(529, 0.01), None])
    heard: list[int] = []

    async def go() -> None:
        provider = AnthropicProvider("sonnet", client=api.client())
        overload_listener.set(heard.append)
        await provider.complete(make_request("hello"))
        await provider.aclose()

    with MockAnthropic(fault_rule=lambda path, body, attempt: next(statuses)) as api:
        asyncio.run(go())
    assert heard == [429, 529]


def test_an_explicit_retry_bound_overrides_the_given_clients() -> None:
    always = Fault(529, 0.01)

    async def go(api: MockAnthropic) -> None:
        provider = AnthropicProvider("sonnet", client=api.client(max_retries=4), max_retries=1)
        try:
            await provider.complete(make_request("hello"))
        finally:
            await provider.aclose()

    with MockAnthropic(fault_rule=lambda path, body, attempt: always) as api, pytest.raises(
        anthropic.InternalServerError
    ):
        asyncio.run(go(api))
    assert api.count() == 2
