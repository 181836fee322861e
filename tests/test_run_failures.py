"""A run that meets a failure mid-way never stays "running": what finished is kept and `--resume` ends it.

Offline runs (the local router, no key): the failures are planted in the grader and in the store.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import agent_eval.suites.routing as routing_suite
from agent_eval.providers.model import ModelResponse
from agent_eval.run.evaluate import run_eval
from agent_eval.scenarios.dataset import load_scenarios
from agent_eval.store.db import Store
from eval_mock import offline_project, quiet_options

AGENT = "backend-developer"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_project(tmp_path, monkeypatch)


def test_a_grader_raising_on_one_answer_keeps_it_as_an_error_and_resume_grades_it_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = load_scenarios(AGENT, ("routing",), project)
    victim = scenarios[3].input.message
    real_decide = routing_suite.decide

    def buggy_decide(response: ModelResponse) -> str:
        if victim in response.text or any(victim in str(c) for c in response.tool_calls):
            raise IndexError("grader bug")
        return real_decide(response)

    def by_message(records: list[Any]) -> dict[str, Any]:
        return {r.input: r for r in records}

    monkeypatch.setattr(routing_suite, "decide", buggy_decide)
    first = run_eval(quiet_options(project))
    with Store(project / "home") as store:
        records = by_message(store.results(first.run.run_id))
    assert first.run.status == "incomplete" and first.errored >= 1
    assert len(records) == len(scenarios), "every answer is stored, the unreadable one with its error"
    assert records[victim].error == "grading failed: IndexError: grader bug"
    assert records[victim].passed is None
    assert sum(r.error is not None for r in records.values()) == first.errored

    monkeypatch.setattr(routing_suite, "decide", real_decide)
    resumed = run_eval(quiet_options(project, resume=first.run.run_id))
    with Store(project / "home") as store:
        after = store.results(first.run.run_id)
    assert resumed.run.status == "finished" and resumed.errored == 0
    assert all(r.error is None and r.passed is not None for r in after)
    assert len(after) == len(scenarios)


def test_a_crash_mid_run_leaves_it_failed_with_its_results_and_resume_completes_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = load_scenarios(AGENT, ("routing",), project)
    real_record_call = Store.record_call
    calls = Counter[str]()

    def failing_disk(self: Store, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise sqlite3.OperationalError("disk I/O error")
        real_record_call(self, *args, **kwargs)

    monkeypatch.setattr(Store, "record_call", failing_disk)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O") as crash:
        run_eval(quiet_options(project, concurrency=1))
    monkeypatch.setattr(Store, "record_call", real_record_call)
    with Store(project / "home") as store:
        (run,) = store.list_runs()
        kept = len(store.results(run.run_id))
    assert run.status == "failed" and run.finished_at is not None
    assert f"--resume {run.run_id}" in "".join(getattr(crash.value, "__notes__", []))
    assert 0 < kept < len(scenarios), "what finished before the crash is kept"

    resumed = run_eval(quiet_options(project, resume=run.run_id))
    with Store(project / "home") as store:
        keys = [(r.scenario_id, r.epoch) for r in store.results(run.run_id)]
    assert resumed.run.status == "finished"
    assert len(keys) == len(set(keys)) == len(scenarios)
