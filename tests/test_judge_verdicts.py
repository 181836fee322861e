"""Judge answers are validated into scores or a JudgeResponseError (the judge pass: test_judge_pass.py)."""

from __future__ import annotations

from typing import Any

import pytest

from agent_eval.graders.judge import SCORE_TOOL, JudgeResponseError, build_rubric, parse_judge_response
from agent_eval.providers.model import ModelResponse, Usage
from harness_fixtures import backend_developer

RUBRIC = build_rubric(backend_developer())
IDS = [c.id for c in RUBRIC.criteria]  # api-design-standards, security-implementation, communication-style


def scored(*scores: int) -> dict[str, Any]:
    return {i: {"score": s, "rationale": f"because {s}"} for i, s in zip(IDS, scores, strict=True)}


def answer(arguments: Any, name: str = SCORE_TOOL) -> ModelResponse:
    call = {"type": "tool_use", "id": "toolu_j", "name": name, "input": arguments}
    return ModelResponse(model="judge-model", content=(call,), stop_reason="tool_use", usage=Usage())


def test_valid_answer_gives_one_score_per_criterion_with_its_section() -> None:
    verdict = parse_judge_response(answer(scored(4, 2, 5)), RUBRIC)
    assert [(s.criterion, s.section, s.score) for s in verdict.scores] == [
        ("api-design-standards", "API Design Standards", 4),
        ("security-implementation", "Security Implementation", 2),
        ("communication-style", "Communication Style", 5),
    ]
    assert verdict.error is None and verdict.model == "judge-model"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {k: v for k, v in scored(4, 4, 4).items() if k != "security-implementation"},
            "no entry for criterion",
        ),
        (
            {**scored(4, 4, 4), "communication-style": {"score": 7, "rationale": "x"}},
            "less than or equal to 5",
        ),
        (
            {**scored(4, 4, 4), "api-design-standards": {"score": 0, "rationale": "x"}},
            "greater than or equal",
        ),
        ({**scored(4, 4, 4), "api-design-standards": {"score": "great", "rationale": "x"}}, "score"),
        ({**scored(4, 4, 4), "api-design-standards": {"score": 3, "rationale": ""}}, "rationale"),
        ({**scored(4, 4, 4), "api-design-standards": 5}, "api-design-standards"),
        ("not an object", "not an object"),
    ],
)
def test_malformed_answers_are_errors(arguments: Any, message: str) -> None:
    with pytest.raises(JudgeResponseError, match=message):
        parse_judge_response(answer(arguments), RUBRIC)


def test_a_call_to_another_tool_is_not_a_score() -> None:
    with pytest.raises(JudgeResponseError, match="did not call"):
        parse_judge_response(answer(scored(5, 5, 5), name="Agent"), RUBRIC)
