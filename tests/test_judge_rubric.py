"""Rubrics come from the agent's own `##` sections; the judge request forces one structured tool call."""

from __future__ import annotations

import pytest

from agent_eval.graders.judge import SCORE_TOOL, build_judge_request, build_rubric
from harness_fixtures import backend_developer, project_roster


def test_one_criterion_per_top_section_each_naming_it() -> None:
    agent = next(a for a in project_roster() if a.name == "backend-developer")
    rubric = build_rubric(agent)
    top_titles = [s.title for s in agent.sections if s.level == 2]
    assert [c.section for c in rubric.criteria] == top_titles
    api = next(c for c in rubric.criteria if c.section == "API Design Standards")
    assert api.id == "api-design-standards"
    assert "Request/response validation using Zod schemas" in api.guidance


def test_a_section_made_of_subsections_gathers_their_items() -> None:
    agent = next(a for a in project_roster() if a.name == "backend-developer")
    workflow = next(c for c in build_rubric(agent).criteria if c.section == "Development Workflow")
    assert "Generate OpenAPI documentation" in workflow.guidance
    assert "Configure monitoring alerts" in workflow.guidance


def test_config_selects_renames_and_rewords_criteria() -> None:
    rubric = build_rubric(
        backend_developer(),
        [
            {"section": "Security Implementation", "id": "security"},
            {"section": "api design standards"},
            {"section": "Tone", "guidance": ["Answers are concise."]},
        ],
    )
    assert [(c.id, c.section) for c in rubric.criteria] == [
        ("security", "Security Implementation"),
        ("api-design-standards", "api design standards"),
        ("tone", "Tone"),
    ]
    assert rubric.criteria[0].guidance == (
        "SQL injection prevention via parameterized queries",
        "Supabase RLS policies on ALL tables",
    )
    assert rubric.criteria[2].guidance == ("Answers are concise.",)


def test_config_naming_a_missing_section_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"'Deployment'.*backend-developer\.md has no such section"):
        build_rubric(backend_developer(), [{"section": "Deployment"}])


def test_malformed_config_entry_names_its_position_and_field() -> None:
    with pytest.raises(ValueError, match=r"entry 2: weight: Extra inputs are not permitted"):
        build_rubric(
            backend_developer(), [{"section": "Security Implementation"}, {"section": "x", "weight": 2}]
        )


def test_select_narrows_in_order_and_rejects_unknown_ids() -> None:
    rubric = build_rubric(backend_developer())
    narrowed = rubric.select(["security-implementation", "api-design-standards"])
    assert [c.id for c in narrowed.criteria] == ["security-implementation", "api-design-standards"]
    with pytest.raises(ValueError, match="unknown criteria"):
        rubric.select(["speed"])


def test_judge_request_forces_the_score_tool_with_one_entry_per_criterion() -> None:
    rubric = build_rubric(backend_developer())
    request = build_judge_request(rubric, "Write a handler", "Here it is.", "claude-x")
    assert request.purpose == "judge"
    assert request.tool_choice == {"type": "tool", "name": SCORE_TOOL}
    (tool,) = request.tools
    schema = tool["input_schema"]
    ids = [c.id for c in rubric.criteria]
    assert schema["required"] == ids == list(schema["properties"])
    for criterion in rubric.criteria:
        entry = schema["properties"][criterion.id]
        assert entry["properties"]["score"] == {"type": "integer", "minimum": 1, "maximum": 5}
        assert entry["required"] == ["score", "rationale"]
        assert criterion.section in entry["description"]
    assert request.system[0]["cache_control"] == {"type": "ephemeral"}


def test_samples_and_retries_are_distinct_cache_entries() -> None:
    rubric = build_rubric(backend_developer())
    keys = {
        build_judge_request(rubric, "t", "answer", "m").key(),
        build_judge_request(rubric, "t", "answer", "m", sample=2).key(),
        build_judge_request(rubric, "t", "answer", "m", retry=True).key(),
    }
    assert len(keys) == 3
    assert (
        build_judge_request(rubric, "t", "answer", "m").key()
        == build_judge_request(rubric, "t", "answer", "m").key()
    )
