"""The Anthropic provider over real HTTP against the mock: the SDK's retries honour retry-after, retry
529/500/dropped connections, stop at the bound, and every pushback reaches the runner's listener."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import anthropic
import httpx2
import pytest

from agent_eval.providers.anthropic import AnthropicProvider, CallBudgetExceeded, is_transient
from agent_eval.providers.backpressure import overload_listener
from agent_eval.providers.model import ModelResponse
from mock_api import Fault, FaultRule, Json, MockAnthropic
from runner_fixtures import make_request


def first_attempt_fails(fault: Fault) -> FaultRule:
    def rule(path: str, body: Json, attempt: int) -> Fault | None:
        return fault if path == "/v1/messages" and attempt == 1 else None

    return rule


def complete_once(api: MockAnthropic, call_timeout: float = 600.0, **client_options: Any) -> ModelResponse:
    async def go() -> ModelResponse:
        provider = AnthropicProvider("sonnet", client=api.client(**client_options), call_timeout=call_timeout)
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


def test_a_permanently_failing_call_ends_as_its_last_error_when_the_budget_is_spent() -> None:
    always = Fault(500, 0.3)
    # It ends as the 500 itself when the next wait would pass the budget, or as CallBudgetExceeded naming
    # the 500 when a slow attempt is still running at the deadline: either way the cause is given.
    with MockAnthropic(fault_rule=lambda path, body, attempt: always) as api, pytest.raises(
        (anthropic.InternalServerError, CallBudgetExceeded), match="mock fault 500"
    ):
        complete_once(api, call_timeout=1.0, max_retries=0)
    assert 2 <= api.count() <= 4  # one attempt per 0.3 s retry-after within the 1 s budget, then it gives up


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
    with MockAnthropic() as api:
        provider = AnthropicProvider("sonnet", client=api.client(max_retries=4), max_retries=1)
        kept = AnthropicProvider("sonnet", client=api.client(max_retries=4))
    assert (provider.client.max_retries, kept.client.max_retries) == (1, 4)


def flaky_for(failures: int, fault: Fault) -> FaultRule:
    def rule(path: str, body: Json, attempt: int) -> Fault | None:
        return fault if path == "/v1/messages" and attempt <= failures else None

    return rule


def test_transient_failures_beyond_the_sdks_retries_are_retried_within_the_call_budget() -> None:
    heard: list[int] = []

    async def go(api: MockAnthropic) -> ModelResponse:
        provider = AnthropicProvider("sonnet", client=api.client(max_retries=2))
        overload_listener.set(heard.append)
        try:
            return await provider.complete(make_request("hello"))
        finally:
            await provider.aclose()

    with MockAnthropic(fault_rule=flaky_for(7, Fault(529, 0.01))) as api:
        response = asyncio.run(go(api))
    assert response.text == "mock answer"
    assert api.count() == 8  # two rounds of three attempts fail, the third round succeeds at its second
    assert heard == [529] * 7  # every round's pushback still reaches the runner's adaptive limit


def test_a_dropped_connection_beyond_the_sdks_retries_is_retried_too() -> None:
    with MockAnthropic(fault_rule=flaky_for(3, Fault(None))) as api:
        response = complete_once(api, max_retries=1)
    assert response.text == "mock answer"
    assert api.count() == 4


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, anthropic.BadRequestError),
        (401, anthropic.AuthenticationError),
        (403, anthropic.PermissionDeniedError),
        (404, anthropic.NotFoundError),
    ],
)
def test_permanent_errors_fail_at_once_with_the_apis_message(status: int, error: type[Exception]) -> None:
    refused = Fault(status)
    with MockAnthropic(fault_rule=lambda path, body, attempt: refused) as api, pytest.raises(
        error, match=f"mock fault {status}"
    ):
        complete_once(api)
    assert api.count() == 1


def test_a_budget_spent_mid_round_says_so_and_names_the_last_error() -> None:
    slow = Fault(529, 0.4)  # the SDK waits out each retry-after: its round outlasts the budget
    with MockAnthropic(fault_rule=lambda path, body, attempt: slow) as api, pytest.raises(
        CallBudgetExceeded, match=r"call budget of 0\.6 s"
    ):
        complete_once(api, call_timeout=0.6, max_retries=4)
    assert api.count() <= 2  # the SDK alone would have gone on to its fifth attempt


def production_provider(monkeypatch: pytest.MonkeyPatch, base_url: str, **options: Any) -> AnthropicProvider:
    """The provider as `agent-eval run` makes it: its own client, on the SDK's aiohttp transport."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return AnthropicProvider("sonnet", **options)


def test_the_production_transport_retries_a_dropped_connection_beyond_the_sdks_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def go(api: MockAnthropic) -> ModelResponse:
        provider = production_provider(monkeypatch, api.base_url, max_retries=1)
        try:
            return await provider.complete(make_request("hello"))
        finally:
            await provider.aclose()

    with MockAnthropic(fault_rule=flaky_for(3, Fault(None))) as api:
        response = asyncio.run(go(api))
    assert response.text == "mock answer"
    assert api.count() == 4  # aiohttp calls a dropped connection a ConnectError too: still transient


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_only_a_connection_nobody_accepts_is_final(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def first_error(base_url: str, client: anthropic.AsyncAnthropic | None) -> BaseException:
        provider = (
            production_provider(monkeypatch, base_url, max_retries=0)
            if client is None
            else AnthropicProvider("sonnet", client=client, max_retries=0)
        )
        try:
            await provider.client.messages.create(**make_request("hello").api_params())
        except anthropic.APIConnectionError as err:
            return err
        finally:
            await provider.aclose()
        raise AssertionError("the call succeeded")

    def client_for(base_url: str) -> anthropic.AsyncAnthropic | None:
        return None if transport == "aiohttp" else anthropic.AsyncAnthropic(base_url=base_url, api_key="k")

    refused_url = closed_port_url()
    refused = asyncio.run(first_error(refused_url, client_for(refused_url)))
    with MockAnthropic(fault_rule=lambda path, body, attempt: Fault(None)) as api:
        dropped = asyncio.run(first_error(api.base_url, client_for(api.base_url)))
    assert not is_transient(refused)  # nothing listens: minutes of retries would only delay the answer
    assert is_transient(dropped)


def test_a_cause_chain_that_loops_back_ends() -> None:
    outer = anthropic.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1/v1/messages"))
    inner = OSError("reset")
    outer.__cause__, inner.__cause__ = inner, outer
    assert is_transient(outer)  # no refusal anywhere in the loop: transient, and the walk stops
