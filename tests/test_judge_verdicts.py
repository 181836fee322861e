"""Judge answers are validated, retried once when malformed, combined by median, compared with checks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agent_eval.graders.judge import (
    RETRY_NOTE,
    SCORE_TOOL,
    JudgeResponseError,
    build_rubric,
    check_criteria,
    disagreements,
    judge,
    parse_judge_response,
)
from agent_eval.graders.model import CriterionScore, JudgeVerdict, Verdict
from agent_eval.providers.model import ModelRequest, ModelResponse, Usage
from harness_fixtures import backend_developer

RUBRIC = build_rubric(backend_developer())
IDS = [c.id for c in RUBRIC.criteria]  # api-design-standards, security-implementation, communication-style


def scored(*scores: int) -> dict[str, Any]:
    return {i: {"score": s, "rationale": f"because {s}"} for i, s in zip(IDS, scores, strict=True)}


def answer(arguments: Any, name: str = SCORE_TOOL) -> ModelResponse:
    call = {"type": "tool_use", "id": "toolu_j", "name": name, "input": arguments}
    return ModelResponse(model="judge-model", content=(call,), stop_reason="tool_use", usage=Usage())


class ScriptedJudge:
    """A provider whose answers depend on the request's sample number and whether it is a retry."""

    name = "scripted"
    offline = True

    def __init__(self, answers: dict[tuple[int, bool], ModelResponse]) -> None:
        self.answers = answers
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        retry = RETRY_NOTE in request.messages[0]["content"][0]["text"]
        return self.answers[(request.sample, retry)]

    async def aclose(self) -> None:
        return None


def run_judge(provider: ScriptedJudge, samples: int = 1) -> JudgeVerdict:
    return asyncio.run(judge(provider, RUBRIC, "task", "response", "judge-model", samples=samples))


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


def test_malformed_then_valid_is_retried_once_with_a_different_request() -> None:
    provider = ScriptedJudge({(1, False): answer({"oops": 1}), (1, True): answer(scored(3, 4, 5))})
    verdict = run_judge(provider)
    assert [s.score for s in verdict.scores] == [3, 4, 5]
    first, retry = provider.requests
    assert first.key() != retry.key(), "the retry must not be served from the cache"


def test_malformed_twice_is_a_judge_error_not_a_score() -> None:
    provider = ScriptedJudge({(1, False): answer({}), (1, True): answer("junk")})
    verdict = run_judge(provider)
    assert verdict.scores == () and verdict.mean is None
    assert verdict.error is not None and "twice" in verdict.error
    assert len(provider.requests) == 2


def test_samples_combine_by_per_criterion_median() -> None:
    provider = ScriptedJudge(
        {
            (1, False): answer(scored(2, 5, 4)),
            (2, False): answer(scored(4, 1, 4)),
            (3, False): answer(scored(5, 3, 1)),
        }
    )
    verdict = run_judge(provider, samples=3)
    assert [s.score for s in verdict.scores] == [4, 3, 4]
    assert verdict.scores[0].rationale == "because 4"
    assert verdict.samples == 3
    assert len({r.key() for r in provider.requests}) == 3


def test_a_failed_sample_is_left_out_of_the_median() -> None:
    provider = ScriptedJudge(
        {
            (1, False): answer(scored(2, 2, 2)),
            (2, False): answer({}),
            (2, True): answer({}),
            (3, False): answer(scored(4, 4, 4)),
        }
    )
    verdict = run_judge(provider, samples=3)
    assert verdict.samples == 2
    assert [s.score for s in verdict.scores] == [2, 2, 2], "the lower median of two leans strict"


def test_zero_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_judge(ScriptedJudge({}), samples=0)


def judge_scores(**scores: int) -> JudgeVerdict:
    sections = {c.id: c.section for c in RUBRIC.criteria}
    return JudgeVerdict(
        model="m",
        scores=tuple(
            CriterionScore(criterion=i, section=sections[i], score=s, rationale="r")
            for i, s in scores.items()
        ),
    )


def checks(**statuses: str) -> dict[str, Verdict]:
    return {
        name.replace("_", "-"): Verdict(check=name.replace("_", "-"), status=s)
        for name, s in statuses.items()
    }


def test_failed_security_check_with_a_high_security_score_is_flagged() -> None:
    verdict = judge_scores(**{"security-implementation": 5, "api-design-standards": 4})
    found = disagreements(
        checks(rls_enabled="fail", parameterized_sql="pass", zod_validation="pass", status_codes="n/a"),
        verdict,
        check_criteria(RUBRIC),
    )
    assert [(d.check, d.criterion, d.score, d.kind) for d in found] == [
        ("rls-enabled", "security-implementation", 5, "judge-lenient")
    ]


def test_all_checks_passing_with_a_low_score_is_flagged_strict() -> None:
    verdict = judge_scores(**{"api-design-standards": 1})
    passing = checks(zod_validation="pass", api_versioning="pass", pagination="n/a")
    found = disagreements(passing, verdict, check_criteria(RUBRIC))
    assert {(d.check, d.kind) for d in found} == {
        ("zod-validation", "judge-strict"),
        ("api-versioning", "judge-strict"),
    }


def test_agreement_and_unmapped_checks_are_quiet() -> None:
    verdict = judge_scores(**{"security-implementation": 2, "api-design-standards": 3})
    assert (
        disagreements(
            checks(rls_enabled="fail", zod_validation="pass", typescript_no_any="fail"),
            verdict,
            check_criteria(RUBRIC),
        )
        == []
    )


def test_mapping_may_name_criterion_ids() -> None:
    verdict = judge_scores(**{"communication-style": 5})
    found = disagreements(checks(error_format="fail"), verdict, {"error-format": "communication-style"})
    assert [d.criterion for d in found] == ["communication-style"]
