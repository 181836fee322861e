"""Replaying a stored run: each request is answered by the response recorded under its hash."""

from __future__ import annotations

import asyncio

import pytest

from agent_eval.harness.routing import build_routing_request, decide
from agent_eval.providers.model import ModelResponse, Usage
from agent_eval.providers.replay import ReplayMissError, ReplayProvider
from harness_fixtures import backend_developer, scenario

ROSTER = [backend_developer()]


def recorded(subagent: str) -> ModelResponse:
    call = {"type": "tool_use", "id": "t", "name": "Agent", "input": {"subagent_type": subagent}}
    usage = Usage(input_tokens=900, output_tokens=40, cache_read_input_tokens=800)
    return ModelResponse(
        model="claude-x", content=(call,), stop_reason="tool_use", usage=usage, cost_usd=0.01
    )


def test_replay_answers_by_request_hash_without_cost() -> None:
    login = build_routing_request(scenario("Add a login endpoint"), ROSTER, "claude-x")
    typo = build_routing_request(scenario("Fix the typo"), ROSTER, "claude-x")
    provider = ReplayProvider({login.key(): recorded("backend-developer"), typo.key(): recorded("Explore")})

    answer = asyncio.run(provider.complete(login))

    assert provider.offline
    assert decide(answer).label == "backend-developer"
    assert decide(asyncio.run(provider.complete(typo))).label == "Explore"
    assert answer.cached and answer.cost_usd == 0.0
    assert answer.usage.input_tokens == 900, "recorded usage is kept for the report"


def test_a_changed_request_is_a_clear_miss() -> None:
    stored = build_routing_request(scenario("Add a login endpoint"), ROSTER, "claude-x")
    provider = ReplayProvider({stored.key(): recorded("backend-developer")}, name="replay:run-7")
    changed = build_routing_request(scenario("Add a login endpoint"), ROSTER, "claude-y")
    with pytest.raises(ReplayMissError, match=r"replay:run-7: no stored response for this routing request"):
        asyncio.run(provider.complete(changed))
