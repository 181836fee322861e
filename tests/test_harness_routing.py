"""The routing request reproduces ROUTING.md's structure; decide() reads the first Agent/Task call."""

from __future__ import annotations

from typing import Any

import pytest

from agent_eval.harness.routing import (
    AGENT_TOOL,
    BUILTIN_AGENTS,
    ROSTER_HEADER,
    build_routing_request,
    decide,
    roster_text,
)
from agent_eval.providers.model import ModelResponse, Usage
from harness_fixtures import backend_developer, frontend_developer, make_agent, project_roster, scenario

BUILTIN_NAMES = ["claude", "Explore", "general-purpose", "Plan", "statusline-setup"]


def test_roster_lists_custom_agents_then_every_builtin() -> None:
    text = roster_text([backend_developer(), frontend_developer()])
    assert text.splitlines()[0] == ROSTER_HEADER
    names = [line[2:].split(":", 1)[0] for line in text.splitlines() if line.startswith("- ")]
    assert names[:2] == ["backend-developer", "frontend-developer"]
    assert [n for n in names if n in BUILTIN_NAMES] == BUILTIN_NAMES


def test_roster_shows_tools_or_all_tools() -> None:
    text = roster_text([frontend_developer(), backend_developer()], builtins=False)
    assert "(Tools: Read, Edit, Write)" in text
    backend_entry = text[text.index("- backend-developer:") :]
    assert backend_entry.rstrip().endswith("(Tools: All tools)")


def test_real_agent_entry_has_real_newlines_and_whole_examples() -> None:
    agent = next(a for a in project_roster() if a.name == "backend-developer")
    text = roster_text([agent])
    assert "\\n" not in text, "literal escapes must already be real newlines"
    assert text.count("<example>") == len(agent.examples) == 5
    for example in agent.examples:
        assert example.raw in text
    assert "<uses Task tool to invoke backend-developer agent>" in text


def test_custom_agent_shadows_a_builtin_of_the_same_name() -> None:
    own_explore = make_agent("Explore", "Our own explorer of data warehouses.")
    text = roster_text([own_explore])
    assert text.count("- Explore:") == 1
    assert "data warehouses" in text


def test_builtins_can_be_left_out() -> None:
    text = roster_text([backend_developer()], builtins=False)
    assert not any(f"- {name}:" in text for name in BUILTIN_NAMES)


def test_request_shape_system_tool_and_cache_breakpoints() -> None:
    request = build_routing_request(scenario("Add a login endpoint"), [backend_developer()], "claude-x")
    params = request.api_params()
    assert params["max_tokens"] == 1024
    assert "thinking" not in params and "tool_choice" not in params
    assert request.purpose == "routing"
    (system,) = params["system"]
    assert system["type"] == "text" and system["cache_control"] == {"type": "ephemeral"}
    (tool,) = params["tools"]
    assert tool["name"] == AGENT_TOOL and tool["cache_control"] == {"type": "ephemeral"}
    schema = tool["input_schema"]
    assert schema["required"] == ["description", "prompt"]
    optional = {"subagent_type", "model", "run_in_background"}
    assert set(schema["properties"]) == {"description", "prompt", *optional}
    assert schema["properties"]["model"]["enum"] == ["sonnet", "opus", "haiku", "fable"]
    assert schema["properties"]["run_in_background"]["type"] == "boolean"
    assert "don" in tool["description"].lower() or "do not" in tool["description"].lower()


def test_roster_opens_the_first_user_turn_and_message_comes_last() -> None:
    request = build_routing_request(scenario("Add a login endpoint"), [backend_developer()], "m")
    (message,) = request.messages
    roster_block, user_block = message["content"]
    assert message["role"] == "user"
    assert roster_block["text"].startswith(ROSTER_HEADER)
    assert roster_block["cache_control"] == {"type": "ephemeral"}
    assert user_block == {"type": "text", "text": "Add a login endpoint"}


def roles(messages: tuple[dict[str, Any], ...]) -> list[str]:
    return [m["role"] for m in messages]


@pytest.mark.parametrize(
    ("context", "expected_roles"),
    [
        ((("user", "We use Supabase."), ("assistant", "Noted.")), ["user", "assistant", "user"]),
        (
            (("user", "We use Supabase."), ("assistant", "Noted."), ("user", "Also Zod.")),
            ["user", "assistant", "user"],
        ),
        ((("assistant", "How can I help?"),), ["user", "assistant", "user"]),
        ((("user", "First."), ("user", "Second.")), ["user"]),
    ],
)
def test_context_turns_alternate_and_the_message_is_the_last_user_block(
    context: tuple[tuple[str, str], ...], expected_roles: list[str]
) -> None:
    request = build_routing_request(scenario("Now the endpoint", *context), [backend_developer()], "m")
    assert roles(request.messages) == expected_roles
    assert request.messages[0]["content"][0]["text"].startswith(ROSTER_HEADER)
    assert request.messages[-1]["content"][-1] == {"type": "text", "text": "Now the endpoint"}
    sent_texts = [b["text"] for m in request.messages for b in m["content"]][1:]
    assert sent_texts == [content for _, content in context] + ["Now the endpoint"]


def test_empty_context_turns_are_dropped_and_an_empty_message_is_an_error() -> None:
    blank_context = scenario("Go", ("user", "  "), ("assistant", ""))
    request = build_routing_request(blank_context, [backend_developer()], "m")
    assert [b["text"] for b in request.messages[0]["content"]][1:] == ["Go"]
    with pytest.raises(ValueError, match=r"input\.message is empty"):
        build_routing_request(scenario("   "), [backend_developer()], "m")


def test_same_scenario_gives_the_same_request_key() -> None:
    first = build_routing_request(scenario("Add caching"), [backend_developer()], "m")
    again = build_routing_request(scenario("Add caching"), [backend_developer()], "m")
    other = build_routing_request(scenario("Add caching!"), [backend_developer()], "m")
    assert first.key() == again.key() != other.key()


def test_builtin_descriptions_are_single_lines() -> None:
    assert all("\n" not in builtin.description for builtin in BUILTIN_AGENTS)


def response(*content: dict[str, Any]) -> ModelResponse:
    return ModelResponse(model="m", content=content, stop_reason="tool_use", usage=Usage())


def call(name: str, **arguments: Any) -> dict[str, Any]:
    arguments = {"description": "d", "prompt": "p", **arguments}
    return {"type": "tool_use", "id": "toolu_1", "name": name, "input": arguments}


@pytest.mark.parametrize(
    ("content", "decision"),
    [
        ((call("Agent", subagent_type="backend-developer"),), "backend-developer"),
        ((call("Task", subagent_type="Explore"),), "Explore"),
        ((call("Agent"),), "general-purpose"),
        ((call("Agent", subagent_type="  "),), "general-purpose"),
        (({"type": "text", "text": "I'll do it myself."},), "none"),
        ((call("Bash", command="ls"),), "none"),
        ((call("Read"), call("Agent", subagent_type="Plan"), call("Agent", subagent_type="x")), "Plan"),
        (({"type": "text", "text": "On it."}, call("Agent", subagent_type="api-dev")), "api-dev"),
    ],
)
def test_decide(content: tuple[dict[str, Any], ...], decision: str) -> None:
    assert decide(response(*content)) == decision
