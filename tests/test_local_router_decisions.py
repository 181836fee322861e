"""The offline lexical router: real decisions over the roster, answered as a model would answer."""

from __future__ import annotations

import asyncio

import pytest

from agent_eval.harness.routing import build_routing_request, decide
from agent_eval.harness.standards import build_standards_request
from agent_eval.providers.local import LocalRouter, RouterThresholds, tokens
from agent_eval.providers.model import ModelResponse
from harness_fixtures import backend_developer, frontend_developer, project_roster, scenario

PAIR = [backend_developer(), frontend_developer()]


@pytest.fixture(scope="module")
def pair_router() -> LocalRouter:
    return LocalRouter(PAIR)


def routed(router: LocalRouter, message: str) -> ModelResponse:
    return asyncio.run(router.complete(build_routing_request(scenario(message), PAIR, "local")))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Add a REST endpoint that stores orders in the database", "backend-developer"),
        ("Set up Redis caching for the API to cut database load", "backend-developer"),
        ("Build a React component for the date picker", "frontend-developer"),
        ("The sidebar overlaps the header on small screens", "frontend-developer"),
        ("fix the typo in the readme", "none"),
        ("thanks, that works", "none"),
        ("find every file that imports the logger", "Explore"),
    ],
)
def test_routes_by_shared_vocabulary(pair_router: LocalRouter, message: str, expected: str) -> None:
    assert decide(routed(pair_router, message)).label == expected


def test_a_delegation_is_an_agent_tool_call(pair_router: LocalRouter) -> None:
    response = routed(pair_router, "Add a REST endpoint that stores orders in the database")
    (call,) = response.tool_calls
    assert call["name"] == "Agent"
    assert call["input"]["subagent_type"] == "backend-developer"
    assert call["input"]["prompt"] == "Add a REST endpoint that stores orders in the database"
    assert response.stop_reason == "tool_use"
    assert "lexical baseline" in response.text
    assert response.model == "local" and response.cost_usd == 0.0


def test_no_delegation_is_plain_text(pair_router: LocalRouter) -> None:
    response = routed(pair_router, "fix the typo in the readme")
    assert response.tool_calls == []
    assert response.stop_reason == "end_turn"
    assert "lexical baseline" in response.text


def test_it_reads_the_last_user_message_not_the_context(pair_router: LocalRouter) -> None:
    earlier = ("user", "Build a React component for the date picker")
    task = scenario("thanks, that works", earlier, ("assistant", "Done."))
    response = asyncio.run(pair_router.complete(build_routing_request(task, PAIR, "local")))
    assert decide(response).label == "none"


def test_thresholds_are_calibrated_and_can_be_overridden() -> None:
    router = LocalRouter(PAIR)
    assert 0.0 < router.thresholds.agent < 1.0
    assert 0.0 <= router.thresholds.builtin < 1.0
    assert 0.0 < router.leave_one_out_accuracy <= 1.0
    nothing_passes = LocalRouter(PAIR, thresholds=RouterThresholds(agent=1.01, builtin=1.01))
    assert nothing_passes.classify("Add a REST endpoint that stores orders in the database").label == "none"
    assert nothing_passes.classify("find every file that imports the logger").label == "none"


def test_a_builtin_needs_to_clear_its_own_threshold() -> None:
    strict_builtins = LocalRouter(PAIR, thresholds=RouterThresholds(agent=0.0, builtin=1.01))
    assert strict_builtins.classify("find every file that imports the logger").label == "none"
    assert strict_builtins.classify("Build a React date picker component").label == "frontend-developer"


def test_without_builtins_only_the_roster_and_none_compete() -> None:
    router = LocalRouter(PAIR, builtins=False)
    assert {d.label for d in router.documents} == {"backend-developer", "frontend-developer", "none"}
    assert router.classify("find every file that imports the logger").label != "Explore"


def test_decisions_are_deterministic(pair_router: LocalRouter) -> None:
    again = LocalRouter(PAIR)
    for message in ("Add an endpoint", "Make the header sticky", "hello"):
        assert routed(pair_router, message) == routed(again, message)


def test_it_refuses_requests_that_are_not_routing(pair_router: LocalRouter) -> None:
    task = scenario("Write a handler", suite="standards")
    request = build_standards_request(task, backend_developer(), "m")
    with pytest.raises(ValueError, match="routing requests only"):
        asyncio.run(pair_router.complete(request))


def test_tokens_drop_stopwords_and_fold_plurals() -> None:
    assert tokens("I need the endpoints") == tokens("endpoint")
    assert "the" not in tokens("the caching layer")


def test_a_verbatim_example_is_classified_with_itself_held_out() -> None:
    router = LocalRouter(project_roster())
    turns = [(i, d.text) for i, d in enumerate(router.documents) if d.is_request and d.label != "none"]
    for position, text in turns:
        held_out = router.index.similarities(text, leave_out=position)
        assert router.classify(text).scores == held_out
    right = sum(router.classify(text).label == router.documents[i].label for i, text in turns)
    # held out, its own examples no longer route home by construction: the figure is the leave-one-out one
    assert right / len(turns) == pytest.approx(router.leave_one_out_accuracy, abs=0.15)
