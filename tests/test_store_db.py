"""The results store: migrations applied once, a result committed with its call, cache, run listing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent_eval.providers.model import ModelResponse, Usage
from agent_eval.store.db import Store
from agent_eval.store.migrations import MIGRATIONS
from agent_eval.store.model import ResultRecord, RunInfo


def run_info(run_id: str, started_at: str) -> RunInfo:
    return RunInfo(
        run_id=run_id,
        agent="backend-developer",
        model="claude-sonnet-5-5",
        judge_model=None,
        suites=("routing",),
        epochs=1,
        git_commit=None,
        agent_hash="a",
        dataset_hash="d",
        config={},
        started_at=started_at,
    )


RESPONSE = ModelResponse(
    model="claude-sonnet-5-5",
    content=({"type": "text", "text": "done"},),
    stop_reason="end_turn",
    usage=Usage(input_tokens=10, output_tokens=2, cache_read_input_tokens=5),
    cost_usd=0.01,
)


def result(run_id: str, scenario: str) -> ResultRecord:
    return ResultRecord(
        run_id=run_id,
        scenario_id=scenario,
        suite="routing",
        epoch=1,
        input="hi",
        expected="none",
        chosen="none",
        passed=True,
    )


def test_migrations_are_applied_once_and_recorded(tmp_path: Path) -> None:
    Store(tmp_path).close()
    Store(tmp_path).close()
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        applied = [row[0] for row in db.execute("SELECT name FROM schema_migrations")]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert applied == [name for name, _ in MIGRATIONS]
    assert mode == "wal"


def test_a_result_and_its_call_are_committed_together(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.create_run(run_info("r1", "2026-11-30T00:00:00+00:00"))
        store.record_call("r1", "h1", "routing", "m", RESPONSE, result=result("r1", "s1"))
        with pytest.raises(sqlite3.IntegrityError):  # a failing call insert must take the result with it
            store.record_call("r1", None, "routing", "m", RESPONSE, result=result("r1", "s2"))  # type: ignore[arg-type]
        assert store.done("r1") == {("s1", 1)}
        assert store.usage("r1")["calls"] == 1 and store.usage("r1")["cache_read_input_tokens"] == 5
        assert store.responses_by_hash("r1") == {"h1": RESPONSE}


def test_cache_round_trip_and_runs_newest_first(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.cache_get("k") is None
        store.cache_put("k", RESPONSE)
        assert store.cache_get("k") == RESPONSE
        store.create_run(run_info("old", "2026-11-29T00:00:00+00:00"))
        store.create_run(run_info("new", "2026-11-30T00:00:00+00:00"))
        assert [r.run_id for r in store.list_runs()] == ["new", "old"]
        assert store.get_run("missing") is None
