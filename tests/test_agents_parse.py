"""Parsing agent files: the user's seed, every frontmatter and example format, sections, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.agents.parse import AgentParseError, parse_agent_file, parse_agent_text

REPO = Path(__file__).resolve().parents[1]
FORMATS = Path(__file__).parent / "fixtures" / "agents" / "formats"
SEED = REPO / "agents" / "backend-developer.md"


def test_seed_gives_five_examples_targeting_backend_developer() -> None:
    agent = parse_agent_file(SEED)
    assert agent.name == "backend-developer"
    assert (agent.model, agent.color, agent.tools) == ("sonnet", "yellow", None)
    assert not agent.strict_yaml
    assert [w.code for w in agent.warnings] == ["not-strict-yaml"]
    assert [e.index for e in agent.examples] == [1, 2, 3, 4, 5]
    assert all(e.target == "backend-developer" for e in agent.examples)
    assert [e.proactive for e in agent.examples] == [False, False, False, True, False]
    assert all(e.line == 3 for e in agent.examples)  # one-line description: every tag is on its line
    first = agent.examples[0]
    assert first.context == "User needs to implement a new API endpoint for user authentication."
    assert first.user_turns == ("I need to add a login endpoint that handles JWT authentication",)
    assert first.assistant_turns == (
        "I'll use the backend-developer agent to implement this authentication endpoint with proper "
        "security practices.",
    )
    assert agent.examples[3].user_turns == ("Here's the user service I just built",)
    assert all(len(e.user_turns) == 1 and len(e.assistant_turns) == 1 for e in agent.examples)


def test_seed_description_has_real_newlines_and_body_has_sections() -> None:
    agent = parse_agent_file(SEED)
    assert "\\n" not in agent.description
    assert "\n\n<example>\nContext: User needs" in agent.description
    core = agent.section("Core Responsibilities")
    assert core is not None and core.level == 2 and core.line == 10
    assert core.items[0] == "Designing and implementing RESTful APIs with proper HTTP semantics"
    assert next(s.title for s in agent.sections if s.level == 3) == "1. System Analysis Phase"


def test_plain_one_line_description_with_escapes_is_read_leniently() -> None:
    agent = parse_agent_file(FORMATS / "plain-escaped.md")
    assert not agent.strict_yaml
    assert agent.warnings[0].line == 3
    assert [e.user_turns for e in agent.examples] == [
        ("The March totals differ by 42 euros",),
        ("Imported the April statement",),
    ]
    assert agent.examples[0].commentary == "Reconciliation is this agent's job."
    assert [e.proactive for e in agent.examples] == [False, True]
    assert (agent.model, agent.color) == ("haiku", "green")


def test_double_quoted_with_escaped_backslash_n() -> None:
    agent = parse_agent_file(FORMATS / "double-quoted-backslash.md")
    assert agent.strict_yaml and agent.warnings == ()
    assert agent.description.startswith("Use when planning sprints. Specifically:\n\n<example>\n")
    assert [e.user_turns[0] for e in agent.examples] == [
        "Plan the next sprint from these 12 tickets",
        "Two tickets were added, what do we drop?",
    ]
    assert agent.examples[1].assistant_turns == ("I'll rebalance the sprint.",)
    assert agent.tools == ("Read", "Grep", "Glob")
    assert agent.model == "opus"


def test_double_quoted_with_yaml_newlines_and_tools_list() -> None:
    agent = parse_agent_file(FORMATS / "double-quoted-newline.md")
    assert agent.strict_yaml
    assert agent.tools == ("Read", "Edit")
    assert agent.model == "claude-sonnet-4-5-20250929"
    (example,) = agent.examples
    assert example.context == "A release needs German strings."
    assert example.target == "double-quoted-newline"


def test_block_scalar_list_items_multi_turn_and_lines() -> None:
    agent = parse_agent_file(FORMATS / "block-list.md")
    first, second = agent.examples
    assert (first.line, second.line) == (7, 15)
    assert first.user_turns == ("Here is deploy.sh",)
    assert first.commentary == "New script, review it"
    assert first.proactive  # the user only showed finished work
    assert second.user_turns == ("Will this run on macOS?", "And on Alpine?")
    assert second.assistant_turns == (
        "Let me check the script for GNU-only flags",
        "Busybox differences too, then",
    )
    assert not second.proactive
    assert agent.tools == ("Read", "Bash")
    assert agent.model is None and agent.tools is not None


def test_sections_skip_fenced_code_and_join_wrapped_items() -> None:
    agent = parse_agent_file(FORMATS / "block-list.md")
    assert [(s.title, s.level) for s in agent.sections] == [("Rules", 2), ("Style", 3)]
    rules, style = agent.sections
    assert rules.items == ("Quote every variable", "Use `set -euo pipefail` even in small scripts")
    assert "## not a heading" in rules.text
    assert style.items == ("Two-space indent", "Long options")
    assert rules.line == 27 and style.line == 37


def test_folded_scalar_with_examples_run_together_on_one_line() -> None:
    agent = parse_agent_file(FORMATS / "folded.md")
    first, second = agent.examples
    assert first.context == "A release is tagged."
    assert first.user_turns == ("Write notes for v2.3",)
    assert first.assistant_turns == ("I'll use the folded agent to draft them.",)
    assert first.target == "folded"
    assert second.target == "technical-writer"
    assert first.line == second.line == 6


def test_single_quoted_and_action_line_target() -> None:
    agent = parse_agent_file(FORMATS / "single-quoted.md")
    assert agent.description.startswith("Use for the team's on-call handover.\n<example>")
    (example,) = agent.examples
    assert example.user_turns == ("Summarise tonight's incidents",)
    assert example.assistant_turns == ("I will.",)
    assert example.target == "incident-responder"
    assert agent.model == "inherit"


def test_unindented_continuation_lines_keep_example_turns_inside_the_description() -> None:
    agent = parse_agent_file(FORMATS / "continued-lines.md")
    assert not agent.strict_yaml
    assert (agent.model, agent.color) == ("sonnet", "blue")
    first, second = agent.examples
    assert (first.line, second.line) == (4, 9)
    assert first.assistant_turns == ("I'll use the continued-lines agent: it knows locking.",)
    assert second.user_turns == ()
    assert second.target == "database-administrator"


@pytest.mark.parametrize(
    ("assistant", "target"),
    [
        ('"On it."\n<uses Task tool to invoke code-reviewer agent>', "code-reviewer"),
        ('"I\'ll use the api-architect to design it"', "api-architect"),
        ('"Let me delegate to the test-automator agent"', "test-automator"),
        ('"I\'ll write a step-by-step plan myself"', "me"),
        ('"The right agent for this is me"', "me"),
        ('"Calling it now"\n{"subagent_type": "general-purpose"}', "general-purpose"),
        ('"I\'ll use the dotnet-framework-4.8-expert agent"', "dotnet-framework-4.8-expert"),
        ('"I\'ll use the me agent, then the code-reviewer agent"', "me"),
    ],
)
def test_example_target_detection(assistant: str, target: str) -> None:
    example = f'  <example>\n  user: "x"\n  assistant: {assistant}\n  </example>\n'
    text = f"---\nname: me\ndescription: |\n{example}---\n"
    text = text.replace("\n<uses", "\n  <uses").replace('\n{"sub', '\n  {"sub')
    (example,) = parse_agent_text(text, Path("me.md")).examples
    assert example.target == target


def test_unterminated_example_is_a_warning_with_its_line() -> None:
    text = '---\nname: a\ndescription: |\n  intro\n  <example>\n  user: "hi"\n---\n'
    agent = parse_agent_text(text, Path("a.md"))
    assert len(agent.examples) == 1
    (warning,) = agent.warnings
    assert (warning.code, warning.line, warning.level) == ("example-unterminated", 5, "warning")
    assert warning.render().startswith("a.md:5: warning: example 1: <example> is never closed")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("# Just markdown\n", 1, "no frontmatter"),
        ("---\nname: a\ndescription: b\n", 1, "not closed"),
        ("---\ndescription: b\nmodel: sonnet\n---\nbody\n", 1, "no 'name'"),
        ("---\n---\nbody\n", 1, "no 'name'"),
    ],
)
def test_fatal_problems_raise_with_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(AgentParseError) as caught:
        parse_agent_text(text, Path("bad.md"))
    assert (caught.value.file, caught.value.line) == ("bad.md", line)
    assert fragment in caught.value.message
    assert caught.value.diagnostic.level == "error"


def test_latin1_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes("---\nname: caf\nescription: caf\xe9\n---\n".encode("latin-1"))
    with pytest.raises(AgentParseError) as caught:
        parse_agent_file(path)
    assert caught.value.line == 3
    assert "not UTF-8" in caught.value.message and "0xE9" in caught.value.message


def test_crlf_and_bom_are_tolerated() -> None:
    text = '\ufeff---\r\nname: a\r\ndescription: "x\\n<example>\\nuser: hi\\n</example>"\r\n---\r\nbody\r\n'
    agent = parse_agent_text(text, Path("a.md"))
    assert agent.examples[0].user_turns == ("hi",)
    assert agent.body == "body\n"


def test_lenient_reader_decodes_block_and_quoted_values_and_keeps_capitalised_lines() -> None:
    text = (
        "---\n"
        "name: lenient\n"
        "description: Use it when things break. Examples:\n"
        "Examples:\n"
        "<example>\n"
        "Context: Outage.\n"
        'user: "It is down"\n'
        "</example>\n"
        'color: "re\\x64"\n'
        "tools: >-\n"
        "  Read,\n"
        "  Grep\n"
        "model: sonnet: fast\n"
        "permissionMode: plan\n"
        "---\n"
    )
    agent = parse_agent_text(text, Path("lenient.md"))
    assert not agent.strict_yaml and agent.warnings[0].line == 3
    assert agent.description.startswith("Use it when things break. Examples:\nExamples:\n<example>")
    assert agent.examples[0].user_turns == ("It is down",) and agent.examples[0].line == 5
    assert (agent.color, agent.tools, agent.model) == ("red", ("Read", "Grep"), "sonnet: fast")
