"""The judge pass where production runs it: `run_eval` through the real SDK against the mock API.

A malformed judge answer is asked again once with a note (a different request, so never served from the
cache); a second malformed answer is stored as a judge error, not a score; several samples combine by
per-criterion lower median, and a sample that stayed malformed is left out of it.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agent_eval.graders.judge import RETRY_NOTE, SCORE_TOOL
from agent_eval.run.evaluate import run_eval
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord
from eval_mock import EvalResponder, copy_project, expected_by_message, quiet_options
from mock_api import Json, MockAnthropic, Reply, last_user_text, tool_use_block

AGENT = "backend-developer"
MALFORMED: dict[str, Any] = {"oops": 1}


class ScriptedJudge(EvalResponder):
    """Standards answers as EvalResponder gives them; judge answers from a script, in arrival order per
    task: `first[n]` for the n-th first ask, `retry` for every ask after a malformed answer."""

    def __init__(self, project: Path, first: list[int | None], retry: int | None) -> None:
        super().__init__(expected_by_message(project))
        self.first, self.retry = first, retry
        self.asked: Counter[str] = Counter()
        self.judge_texts: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: Json) -> Reply:
        tools = {t.get("name"): t for t in request.get("tools") or []}
        if SCORE_TOOL not in tools:
            return super().__call__(request)
        text = last_user_text(request)
        with self.lock:
            self.judge_texts.append(text)
            if RETRY_NOTE in text:
                score = self.retry
            else:
                score = self.first[self.asked[text] % len(self.first)]  # the text names the task
                self.asked[text] += 1
        criteria = tools[SCORE_TOOL]["input_schema"]["properties"]
        arguments = (
            MALFORMED
            if score is None
            else {c: {"score": score, "rationale": f"because {score}"} for c in criteria}
        )
        return {"content": [tool_use_block(SCORE_TOOL, arguments)], "stop_reason": "tool_use"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def judged_run(
    project: Path, monkeypatch: pytest.MonkeyPatch, responder: ScriptedJudge, samples: int = 1
) -> list[ResultRecord]:
    config = project / "evals" / f"{AGENT}.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("judge_samples: 1", f"judge_samples: {samples}"),
        encoding="utf-8",
    )
    with MockAnthropic(responder=responder) as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        result = run_eval(quiet_options(project, suites=("standards",), limit=2))
    assert result.run.status == "finished"
    with Store(project / "home") as store:
        records = store.results(result.run.run_id)
    assert len(records) == 2
    return records


def test_a_malformed_answer_is_asked_again_once_and_the_second_answer_counts(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    responder = ScriptedJudge(project, first=[None], retry=3)
    records = judged_run(project, monkeypatch, responder)
    for record in records:
        assert record.judge is not None and record.judge.error is None
        assert {s.score for s in record.judge.scores} == {3}
    assert len(responder.judge_texts) == 4, "each answer: one first ask, one retry"
    assert sum(RETRY_NOTE in t for t in responder.judge_texts) == 2


def test_malformed_twice_is_stored_as_a_judge_error_not_a_score(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    responder = ScriptedJudge(project, first=[None], retry=None)
    records = judged_run(project, monkeypatch, responder)
    for record in records:
        assert record.judge is not None and record.judge.scores == () and record.judge.mean is None
        assert record.judge.error is not None and "malformed" in record.judge.error
        assert "; then " in record.judge.error, "both malformed answers are explained"
    assert len(responder.judge_texts) == 4, "no third ask"


def test_samples_combine_by_per_criterion_lower_median(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    responder = ScriptedJudge(project, first=[2, 5, 4], retry=None)
    records = judged_run(project, monkeypatch, responder, samples=3)
    for record in records:
        assert record.judge is not None and record.judge.samples == 3
        assert {s.score for s in record.judge.scores} == {4}
        assert {s.rationale for s in record.judge.scores} == {"because 4"}
    assert len(responder.judge_texts) == 6


def test_a_sample_malformed_twice_is_left_out_of_the_median(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    responder = ScriptedJudge(project, first=[2, None, 4], retry=None)
    records = judged_run(project, monkeypatch, responder, samples=3)
    for record in records:
        assert record.judge is not None and record.judge.samples == 2
        assert {s.score for s in record.judge.scores} == {2}, "the lower median of two leans strict"
    assert len(responder.judge_texts) == 8, "three first asks and one retry per answer"
