"""The builtin routing request reproduces ROUTING.md's layout; decide() types the first turn's decision."""

from __future__ import annotations

from typing import Any

import pytest

from agent_eval.agents.builtin import AGENT_TOOL, BUILTIN_AGENTS
from agent_eval.harness.decision import Decision
from agent_eval.harness.routing import (
    REPOSITORY_REMINDER,
    ROSTER_HEADER,
    SKILLS_HEADER,
    RoutingSettings,
    build_routing_request,
    decide,
    roster_text,
)
from agent_eval.harness.skills import Skill
from agent_eval.providers.model import ModelResponse, Usage
from harness_fixtures import backend_developer, frontend_developer, make_agent, project_roster, scenario

BUILTIN_NAMES = ["claude", "Explore", "general-purpose", "Plan", "statusline-setup"]


def test_roster_sorts_custom_and_builtin_agents_together_case_insensitively() -> None:
    text = roster_text([frontend_developer(), backend_developer()])
    assert text.splitlines()[0] == ROSTER_HEADER
    names = [line[2:].split(":", 1)[0] for line in text.splitlines() if line.startswith("- ")]
    assert names == [
        "backend-developer",
        "claude",
        "Explore",
        "frontend-developer",
        "general-purpose",
        "Plan",
        "statusline-setup",
    ]


def test_builtin_entries_show_their_tools_as_claude_code_does() -> None:
    text = roster_text([backend_developer()])
    assert "- general-purpose: " in text and "(Tools: *)" in text
    explore = next(line for line in text.splitlines() if line.startswith("- Explore:"))
    assert explore.endswith("(Tools: All tools except Agent, Edit, Write, NotebookEdit)")


def test_roster_shows_tools_or_all_tools() -> None:
    text = roster_text([frontend_developer(), backend_developer()], builtins=False)
    assert "(Tools: Read, Edit, Write)" in text
    backend_entry = text[text.index("- backend-developer:") : text.index("- frontend-developer:")]
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


def test_request_offers_agent_action_and_skill_tools_with_thinking_and_effort() -> None:
    request = build_routing_request(scenario("Add a login endpoint"), [backend_developer()], "claude-x")
    params = request.api_params()
    assert params["thinking"] == {"type": "adaptive"}
    assert params["output_config"] == {"effort": "medium"}
    assert params["max_tokens"] > 1024, "room to think before the decision"
    assert "tool_choice" not in params and "temperature" not in params
    assert request.purpose == "routing"
    (system,) = params["system"]
    assert system["type"] == "text" and system["cache_control"] == {"type": "ephemeral"}
    assert "delegat" not in system["text"].lower(), "the advice on delegating lives in the Agent tool only"
    names = [tool["name"] for tool in params["tools"]]
    assert names == ["Agent", "Bash", "Edit", "Glob", "Grep", "Read", "Write", "Skill"]
    assert params["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    tool = params["tools"][0]
    assert tool["name"] == AGENT_TOOL
    schema = tool["input_schema"]
    assert schema["required"] == ["description", "prompt"]
    optional = {"subagent_type", "model", "run_in_background"}
    assert set(schema["properties"]) == {"description", "prompt", *optional}
    assert schema["properties"]["model"]["enum"] == ["sonnet", "opus", "haiku", "fable"]
    assert "fork" in schema["properties"]["subagent_type"]["description"]
    assert "do not start a sub-agent" in tool["description"]


def test_flags_change_thinking_and_effort() -> None:
    settings = RoutingSettings(thinking="disabled", effort="high")
    params = build_routing_request(scenario("Add caching"), [backend_developer()], "m", settings).api_params()
    assert "thinking" not in params and params["output_config"] == {"effort": "high"}
    assert params["max_tokens"] == 1024
    no_effort = RoutingSettings(effort=None)
    assert "output_config" not in build_routing_request(scenario("x"), [], "m", no_effort).api_params()


def test_roster_sits_in_a_system_message_after_the_users_words() -> None:
    request = build_routing_request(scenario("Add a login endpoint"), [backend_developer()], "m")
    user, context = request.messages
    assert user["role"] == "user" and context["role"] == "system"
    assert user["content"] == [
        {"type": "text", "text": REPOSITORY_REMINDER},
        {"type": "text", "text": "Add a login endpoint"},
    ]
    (block,) = context["content"]
    assert block["cache_control"] == {"type": "ephemeral"}
    text = block["text"]
    assert text.index("Working directory") < text.index(ROSTER_HEADER) < text.index(SKILLS_HEADER)
    assert "- code-review: " in text and "- backend-developer: " in text


def test_project_skills_are_listed_beside_the_generic_ones() -> None:
    settings = RoutingSettings(skills=(Skill("deploy-preview", "Ship a preview build."),))
    request = build_routing_request(scenario("ship it"), [], "m", settings)
    skills = request.messages[-1]["content"][0]["text"].split(SKILLS_HEADER, 1)[1]
    assert [line.split(":")[0] for line in skills.strip().splitlines()] == [
        "- code-review",
        "- deploy-preview",
        "- init",
        "- security-review",
        "- simplify",
    ]


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
    assert roles(request.messages) == [*expected_roles, "system"]
    assert request.messages[0]["content"][0]["text"] == REPOSITORY_REMINDER
    assert request.messages[-2]["content"][-1] == {"type": "text", "text": "Now the endpoint"}
    assert request.last_user_text() == "Now the endpoint"
    sent_texts = [b["text"] for m in request.messages[:-1] for b in m["content"]][1:]
    assert sent_texts == [content for _, content in context] + ["Now the endpoint"]


def test_empty_context_turns_are_dropped_and_an_empty_message_is_an_error() -> None:
    blank_context = scenario("Go", ("user", "  "), ("assistant", ""))
    request = build_routing_request(blank_context, [backend_developer()], "m")
    assert [b["text"] for b in request.messages[0]["content"]][1:] == ["Go"]
    assert len(request.messages) == 2
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
        (
            (call("Agent", subagent_type="backend-developer"),),
            Decision("delegated", agent="backend-developer"),
        ),
        ((call("Task", subagent_type="Explore"),), Decision("delegated", agent="Explore")),
        ((call("Agent"),), Decision("delegated", agent="general-purpose")),
        ((call("Agent", subagent_type="  "),), Decision("delegated", agent="general-purpose")),
        ((call("Agent", subagent_type="fork"),), Decision("delegated", agent="fork")),
        (({"type": "text", "text": "I'll do it myself."},), Decision("answered")),
        ((call("Bash", command="ls"),), Decision("acted", tool="Bash")),
        ((call("Skill", skill="code-review"),), Decision("skill", tool="code-review")),
        (
            (call("Read"), call("Agent", subagent_type="Plan"), call("Agent", subagent_type="x")),
            Decision("delegated", agent="Plan"),
        ),
        ((call("Read"), call("Grep")), Decision("acted", tool="Read")),
        (
            (
                {"type": "thinking", "thinking": "hm", "signature": "s"},
                call("Agent", subagent_type="api-dev"),
            ),
            Decision("delegated", agent="api-dev"),
        ),
    ],
)
def test_decide(content: tuple[dict[str, Any], ...], decision: Decision) -> None:
    assert decide(response(*content)) == decision


def test_every_way_of_not_delegating_is_labelled_none() -> None:
    assert Decision("acted", tool="Read").label == Decision("skill", tool="init").label == "none"
    assert Decision("answered").label == "none" and Decision("answered").detail == "answered"
    assert Decision("delegated", agent="Explore").label == "Explore"
    assert Decision("acted", tool="Read").detail == "acted:Read"
