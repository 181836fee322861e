"""The claude-code harness drives the real CLI (bundled with the Claude Agent SDK) against the mock API:
the decision is the first turn's first tool call, taken by a hook that denies it and ends the session."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from agent_eval.harness.claude_code import ClaudeCodeOptions, ClaudeCodeProvider, UnsupportedScenario
from agent_eval.harness.routing import decide
from claude_code_fixtures import REPLIES, responder, tree, upstream
from harness_fixtures import project_roster, scenario
from mock_api import MockAnthropic


class DictCache:
    def __init__(self) -> None:
        self.entries: dict[str, object] = {}

    def cache_get(self, key: str) -> object:
        return self.entries.get(key)

    def cache_put(self, key: str, response: object) -> None:
        self.entries[key] = response


async def run_sessions(provider: ClaudeCodeProvider, messages: list[str]) -> list[object]:
    requests = [provider.request(scenario(m), "claude-sonnet-5-5") for m in messages]
    return list(await asyncio.gather(*(provider.complete(r) for r in requests)))


def test_each_decision_kind_is_the_mocks_first_answer() -> None:
    expected = {
        "Add a POST /orders endpoint with validation": ("backend-developer", "Agent", "delegated"),
        "Open the README and summarise it": ("none", "Read", "acted"),
        "Delete every file here": ("none", "Bash", "acted"),
        "Review my last change": ("none", "Skill", "skill"),
        "What does HTTP 409 mean?": ("none", None, "answered"),
    }

    async def scenario_run() -> None:
        with MockAnthropic(responder=responder) as api:
            provider = ClaudeCodeProvider(upstream(api), project_roster())
            try:
                responses = await run_sessions(provider, list(expected))
                bodies = api.bodies()
            finally:
                await provider.aclose()
        for message, response in zip(expected, responses, strict=True):
            chosen, tool, kind = expected[message]
            decision = decide(response)
            assert (decision.label, decision.kind) == (chosen, kind), message
            assert [c["name"] for c in response.tool_calls][:1] == ([tool] if tool else [])
            assert response.cost_usd > 0 and response.usage.input_tokens > 0
        # one call per session, the CLI's own (beta fields, the roster, all its tools), sent without streaming
        assert len(bodies) == len(expected)
        for body in bodies:
            assert "stream" not in body and body["thinking"]["type"] == "adaptive"
            assert {"Agent", "Bash", "Read", "Skill"} <= {t["name"] for t in body["tools"]}
            assert "- backend-developer: " in str(body["messages"])

    asyncio.run(scenario_run())


def test_denied_calls_touch_nothing_and_start_no_sub_agent() -> None:
    harmful = ["Delete every file here", "Write a notes file", "Add a POST /orders endpoint with validation"]

    async def scenario_run() -> None:
        with MockAnthropic(responder=responder) as api:
            provider = ClaudeCodeProvider(upstream(api), project_roster(), ClaudeCodeOptions(live_limit=2))
            try:
                await run_sessions(provider, ["What does HTTP 409 mean?"])
                assert provider._started is not None
                root = provider._started[0].root
                before = tree(root)
                responses = await run_sessions(provider, harmful)
                after = tree(root)
            finally:
                await provider.aclose()
            assert [r.tool_calls[0]["name"] for r in responses] == ["Bash", "Write", "Agent"]
            assert after == before and ".claude/agents/backend-developer.md" in after
            assert api.count("/v1/messages") == 1 + len(harmful)  # no sub-agent's call, no second turn
            assert provider.runner.peak_live <= 2

    asyncio.run(scenario_run())


def test_identical_sessions_share_one_call_through_the_proxy_cache() -> None:
    async def scenario_run() -> None:
        with MockAnthropic(responder=responder) as api:
            provider = ClaudeCodeProvider(upstream(api), project_roster(), cache=DictCache())
            try:
                first = await run_sessions(provider, ["Open the README and summarise it"])
                second = await run_sessions(provider, ["Open the README and summarise it"])
            finally:
                await provider.aclose()
            assert api.count("/v1/messages") == 1  # session ids, home and dates differ; the key ignores them
            assert second[0].cached and second[0].cost_usd == 0.0
            assert second[0].content == first[0].content

    asyncio.run(scenario_run())


def test_prior_turns_are_replayed_as_the_clis_own_conversation() -> None:
    async def scenario_run() -> None:
        with MockAnthropic(responder=responder) as api:
            provider = ClaudeCodeProvider(upstream(api), project_roster())
            replayed = scenario(
                "Open the README and summarise it",
                ("user", "We are building an orders service."), ("assistant", "Understood: orders service."),
                ("user", "It uses Postgres."), ("assistant", "Noted: Postgres."),
            )
            doubled = scenario("Open the README and summarise it", ("user", "One"), ("user", "Two"))
            try:
                response = await provider.complete(provider.request(replayed, "claude-sonnet-5-5"))
                with pytest.raises(UnsupportedScenario, match="alternate"):
                    await provider.complete(provider.request(doubled, "claude-sonnet-5-5"))
            finally:
                await provider.aclose()
            assert api.count("/v1/messages") == 1  # the earlier turns were answered by the proxy
            assert [c["name"] for c in response.tool_calls] == ["Read"]
            said = [
                (m["role"], block["text"]) for m in api.bodies()[0]["messages"]
                for block in (m["content"] if isinstance(m["content"], list) else [{"text": m["content"]}])
                if "text" in block
            ]
            texts = [text for _, text in said]
            conversation = ("We are building an orders service.", "Understood: orders service.",
                            "It uses Postgres.", "Noted: Postgres.", "Open the README and summarise it")
            order = [texts.index(t) for t in conversation]
            assert order == sorted(order)
            assert ("assistant", "Noted: Postgres.") in said

    asyncio.run(scenario_run())


def test_session_requests_key_on_cli_version_roster_and_words() -> None:
    with MockAnthropic(responder=responder) as api:
        provider = ClaudeCodeProvider(upstream(api), project_roster())
        base = provider.request(scenario("Open the README and summarise it"), "claude-sonnet-5-5")
        again = provider.request(scenario("Open the README and summarise it"), "claude-sonnet-5-5")
        assert base.key() == again.key()
        assert base.key() != provider.request(scenario("Review my last change"), "claude-sonnet-5-5").key()
        assert provider.version in base.system[0]["text"] and provider.digest in base.system[0]["text"]
        assert set(REPLIES) >= {"Review my last change"}
        asyncio.run(provider.aclose())


def test_an_upstream_failure_reaches_the_runner_and_the_cli_does_not_retry() -> None:
    from mock_api import Fault

    async def scenario_run() -> None:
        with MockAnthropic(responder=responder, fault_rule=lambda path, body, attempt: Fault(529)) as api:
            overloads: list[int] = []
            from agent_eval.providers.backpressure import overload_listener

            overload_listener.set(overloads.append)
            provider = ClaudeCodeProvider(upstream(api), project_roster())
            try:
                with pytest.raises(Exception, match=r"529|verload"):
                    await run_sessions(provider, ["Open the README and summarise it"])
            finally:
                await provider.aclose()
            assert api.count("/v1/messages") == 1  # the CLI's attempts after a failure stay at the proxy
            assert overloads == [529]  # heard by the runner's listener, as for a builtin call

    asyncio.run(scenario_run())


def test_stable_form_masks_the_clis_volatile_parts_but_never_the_words() -> None:
    from agent_eval.sandbox.proxy import stable_key

    def body(words: str, session: str, day: str, home: str) -> dict[str, object]:
        return {
            "model": "m", "metadata": {"user_id": session}, "stream": True,
            "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=1"},
                       {"type": "text", "text": f"memory at {home}/.claude"}],
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": f"<system-reminder>{day}</system-reminder>"},
                    {"type": "text", "text": words},
                ]},
                {"role": "system", "content": f"Today's date is {day}. Session {uuid.uuid4()}"},
            ],
        }

    first = body("Ship it by 2026-12-24", "a", "2026-12-06", "/tmp/h1")
    assert stable_key(first, {"/tmp/h1": "<home>"}) == stable_key(
        body("Ship it by 2026-12-24", "b", "2026-12-07", "/tmp/h2"), {"/tmp/h2": "<home>"}
    )
    assert stable_key(first, {"/tmp/h1": "<home>"}) != stable_key(
        body("Ship it by 2026-12-31", "a", "2026-12-06", "/tmp/h1"), {"/tmp/h1": "<home>"}
    )
