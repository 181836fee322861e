"""A routing run stores what each first turn did (delegated, acted, skill, answered); none by kind."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from agent_eval.run.evaluate import run_eval
from agent_eval.run.options import RunOptions, RunResult
from agent_eval.run.run_json import run_json
from agent_eval.run.summary import summarize_run
from agent_eval.scenarios.dataset import load_scenarios
from agent_eval.store.db import Store
from agent_eval.store.migrations import MIGRATIONS, migrate
from mock_api import Json, MockAnthropic, act, answer, delegate, invoke_skill, routing_responder

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    skill = root / ".claude" / "skills" / "release-notes" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(
        "---\nname: release-notes\ndescription: Draft release notes from merged work.\n---\nBody\n"
    )
    return root


def run(
    project: Path, monkeypatch: pytest.MonkeyPatch, api: MockAnthropic, report: bool = False, **extra: object
) -> RunResult:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    options = RunOptions(
        agent=AGENT,
        suites=("routing",),
        model="claude-sonnet-5-5",
        limit=6,
        root=project,
        home=project / "home",
        progress=False,
        report=report,
        **extra,  # type: ignore[arg-type]
    )
    return run_eval(options)


def test_each_decision_kind_is_stored_and_none_is_broken_down_by_kind(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [s.input.message for s in load_scenarios(AGENT, ("routing",), project)[:6]]
    replies: list[Json] = [
        delegate(AGENT),
        delegate(None),
        act("Read"),
        act("Grep", {"pattern": "x"}),
        invoke_skill("simplify"),
        answer(),
    ]
    with MockAnthropic(responder=routing_responder(dict(zip(messages, replies, strict=True)))) as api:
        result = run(project, monkeypatch, api, report=True)
        bodies = api.bodies()
    assert result.report is not None
    html = result.report.read_text(encoding="utf-8")
    assert "Not delegating, by kind" in html and "skill:simplify 1" in html
    run_id = result.run.run_id
    as_json = {r["input"]: r["decision"] for r in run_json(result, home=project / "home")["results"]}
    assert [as_json[m] for m in messages][2:4] == ["acted:Read", "acted:Grep"], "run --json carries it too"
    with Store(project / "home") as store:
        by_message = {r.input: r for r in store.results(run_id)}
        summary, _ = summarize_run(store, run_id)
    stored = [(by_message[m].decision, by_message[m].chosen) for m in messages]
    assert stored == [
        (f"delegated:{AGENT}", AGENT),
        ("delegated:general-purpose", "general-purpose"),
        ("acted:Read", "none"),
        ("acted:Grep", "none"),
        ("skill:simplify", "none"),
        ("answered", "none"),
    ]
    assert summary.routing is not None
    assert dict(summary.routing.not_delegating) == {
        "acted:Read": 1,
        "acted:Grep": 1,
        "skill:simplify": 1,
        "answered": 1,
    }
    body = bodies[0]
    assert "cache_control" not in body["messages"][-1]["content"][0], "one epoch: no cache write to pay"
    assert body["thinking"] == {"type": "adaptive"} and body["output_config"] == {"effort": "medium"}
    assert body["messages"][-1]["role"] == "system"
    assert (
        "- release-notes: Draft release notes from merged work." in body["messages"][-1]["content"][0]["text"]
    )


def test_run_flags_change_thinking_and_effort(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MockAnthropic(responder=routing_responder({})) as api:
        run(project, monkeypatch, api, thinking="disabled", effort="low", epochs=2)
        bodies = api.bodies()
    assert "thinking" not in bodies[0] and bodies[0]["output_config"] == {"effort": "low"}
    context = [b["messages"][-1]["content"][0] for b in bodies]
    assert all(block["cache_control"] == {"type": "ephemeral"} for block in context), "epoch 2 reads it back"


def test_migration_gives_earlier_routing_results_their_decision(tmp_path: Path) -> None:
    """Runs stored before decisions had kinds offered only the Agent tool: none means answered."""
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);")
    MIGRATIONS[0][1](db)  # the schema as it was before decisions had kinds
    db.execute("INSERT INTO schema_migrations VALUES ('m001_initial', 'then')")
    rows = [
        ("a", "routing", {"chosen": "none"}),
        ("b", "routing", {"chosen": "Plan"}),
        ("c", "standards", {}),
    ]
    db.executemany(
        "INSERT INTO results (run_id, scenario_id, epoch, suite, record) VALUES ('r', ?, 1, ?, ?)",
        [(sid, suite, json.dumps(record)) for sid, suite, record in rows],
    )
    migrate(db)
    found = dict(db.execute("SELECT scenario_id, json_extract(record, '$.decision') FROM results"))
    assert found == {"a": "answered", "b": "delegated:Plan", "c": None}
