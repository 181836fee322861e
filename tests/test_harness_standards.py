"""The standards request: the agent's body as the cached system prompt, the scenario as the task."""

from __future__ import annotations

import pytest

from agent_eval.harness.standards import build_standards_request
from harness_fixtures import BACKEND_BODY, backend_developer, make_agent, project_roster, scenario


def test_body_is_the_cached_system_prompt_and_the_task_the_user_turn() -> None:
    task = scenario("Write GET /v1/orders", suite="standards")
    request = build_standards_request(task, backend_developer(), "m")
    params = request.api_params()
    assert params["system"] == [
        {"type": "text", "text": BACKEND_BODY.strip(), "cache_control": {"type": "ephemeral"}}
    ]
    user_turn = {"role": "user", "content": [{"type": "text", "text": "Write GET /v1/orders"}]}
    assert params["messages"] == [user_turn]
    assert params["max_tokens"] >= 8192
    assert "tools" not in params
    assert request.purpose == "standards"


def test_context_comes_before_the_task() -> None:
    task = scenario("Add pagination to it", ("user", "Here is my handler: ..."), ("assistant", "Got it."))
    request = build_standards_request(task, backend_developer(), "m")
    assert [m["role"] for m in request.messages] == ["user", "assistant", "user"]
    assert request.messages[-1]["content"][-1]["text"] == "Add pagination to it"


def test_real_agent_body_has_no_frontmatter() -> None:
    agent = next(a for a in project_roster() if a.name == "backend-developer")
    request = build_standards_request(scenario("Write a handler", suite="standards"), agent, "m")
    system_text = request.system[0]["text"]
    assert system_text.startswith("You are a senior backend developer")
    assert "description:" not in system_text and "## API Design Standards" in system_text


def test_empty_body_is_a_clear_error() -> None:
    hollow = make_agent("hollow", "Does nothing.", body="  \n")
    with pytest.raises(ValueError, match=r"hollow\.md.*empty body"):
        build_standards_request(scenario("Anything", suite="standards"), hollow, "m")


def test_conversation_cannot_start_with_the_assistant() -> None:
    task = scenario("Continue", ("assistant", "Hello."))
    with pytest.raises(ValueError, match="starts with an assistant turn"):
        build_standards_request(task, backend_developer(), "m")
