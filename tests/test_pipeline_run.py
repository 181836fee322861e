"""End-to-end `agent-eval run`s: through the real SDK against the mock API, and offline without a key."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.run.evaluate import run_eval
from agent_eval.run.options import RunOptions
from agent_eval.run.run_json import run_json
from agent_eval.scenarios.dataset import load_scenarios
from agent_eval.store.db import Store
from eval_mock import EvalResponder, _misrouted, copy_project, expected_by_message
from mock_api import MockAnthropic

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"
SLOW = ("--concurrency", "2")  # the run to interrupt: slow enough to stop midway
FAST = ("--concurrency", "16")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def point_at(monkeypatch: pytest.MonkeyPatch, api: MockAnthropic) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)


def options(project: Path, **overrides: object) -> RunOptions:
    values: dict[str, object] = {"agent": AGENT, "root": project, "home": project / "home", "progress": False}
    values.update(overrides)
    return RunOptions(**values)  # type: ignore[arg-type]


def test_without_a_key_routing_runs_offline_and_the_run_is_marked_offline(
    project: Path, no_key: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(project / "home"))
    code = main(["run", "--agent", AGENT, "--json"])
    captured = capsys.readouterr()
    assert code == 0
    out = json.loads(captured.out)
    routing = load_scenarios(AGENT, ("routing",), project)
    assert out["offline"] is True
    assert "standards" not in out["summary"]
    assert out["summary"]["routing"]["n"] == len(routing)
    low, high = out["summary"]["routing"]["ci95"]
    assert low <= out["summary"]["routing"]["accuracy"] <= high
    assert "ANTHROPIC_API_KEY" in captured.err
    report = project / out["report"]
    page = report.read_text(encoding="utf-8")
    assert "OFFLINE" in page
    assert "is not measured" in page and "--harness builtin --harness claude-code" in page
    with Store(project / "home") as store:
        assert store.get_run(out["run_id"]).offline  # type: ignore[union-attr]


def test_an_explicit_anthropic_model_without_a_key_is_refused(
    project: Path, no_key: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(project / "home"))
    assert main(["run", "--agent", AGENT, "--model", "sonnet"]) == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_a_full_run_against_the_mock_grades_routing_standards_and_judge(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = expected_by_message(project)
    with MockAnthropic(responder=EvalResponder(expected, misroute_rate=0.1)) as api:
        point_at(monkeypatch, api)
        result = run_eval(options(project))
        calls = api.count()
    assert result.run.status == "finished" and not result.run.offline
    summary = run_json(result, home=project / "home")
    routing = load_scenarios(AGENT, ("routing",), project)
    wrong = sum(1 for s in routing if s.expected != "none" and _misrouted(s.input.message, 0.1))
    assert summary["summary"]["routing"]["n"] == len(routing)
    assert summary["summary"]["routing"]["correct"] == len(routing) - wrong
    standards = [r for r in summary["results"] if r["suite"] == "standards"]
    assert standards and all(r["judge"] and r["judge"]["scores"] for r in standards)
    assert all(score["score"] == 4 for r in standards for score in r["judge"]["scores"])
    assert all(set(r["checks"]) >= {"zod-validation", "rls-enabled"} for r in standards)
    assert summary["usage"]["calls"] == calls
    assert summary["usage"]["cache_read_input_tokens"] > 0  # the stable prefix is marked for caching
    assert Counter((r["scenario_id"], r["epoch"]) for r in summary["results"]).most_common(1)[0][1] == 1
    assert result.report is not None and result.report.is_file()


def test_rerunning_an_unchanged_suite_makes_no_calls(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        point_at(monkeypatch, api)
        first = run_eval(options(project, limit=5, report=False))
        calls_after_first = api.count()
        second = run_eval(options(project, limit=5, report=False))
        assert api.count() == calls_after_first
    assert calls_after_first > 0
    with Store(project / "home") as store:
        assert len(store.results(second.run.run_id)) == len(store.results(first.run.run_id))
        assert store.usage(second.run.run_id)["calls"] == 0


def test_with_30_percent_of_calls_faulted_every_scenario_epoch_is_stored_exactly_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project)), fault_rate=0.3, seed=11) as api:
        point_at(monkeypatch, api)
        result = run_eval(options(project, limit=12, epochs=2, concurrency=6, report=False))
        faults = sum(api.faults_served.values())
    assert faults > 0
    assert result.run.status == "finished"
    with Store(project / "home") as store:
        keys = [(r.scenario_id, r.epoch) for r in store.results(result.run.run_id)]
    scenarios = load_scenarios(AGENT, ("routing", "standards"), project)
    per_suite = Counter(s.suite for s in scenarios)
    wanted = sum(min(12, n) for n in per_suite.values()) * 2
    assert len(keys) == len(set(keys)) == wanted


RUN_ROUTING = [sys.executable, "-m", "agent_eval.cli.main", "run", "--agent", AGENT, "--suite", "routing"]


@contextmanager
def served_mock(project: Path, latency_s: float) -> Iterator[dict[str, str]]:
    """The eval mock in its own process; yields the environment that points `agent-eval` at it."""
    server = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests" / "eval_mock.py"),
            "--root",
            str(project),
            "--latency",
            str(latency_s),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        env = {
            **os.environ,
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": server.stdout.readline().strip(),
        }
        env.pop("ANTHROPIC_AUTH_TOKEN", None)
        yield env
    finally:
        server.kill()
        server.wait()


def wait_for_results(home: Path, at_least: int, timeout_s: float = 60) -> tuple[str | None, int]:
    """Poll a running `agent-eval run`'s database until it holds `at_least` results: (run id, count)."""
    deadline = time.monotonic() + timeout_s
    run_id, stored = None, 0
    while time.monotonic() < deadline and stored < at_least:
        time.sleep(0.1)
        if not (home / "results.sqlite").exists():
            continue
        try:
            with sqlite3.connect(home / "results.sqlite") as db:
                row = db.execute("SELECT run_id, (SELECT COUNT(*) FROM results) FROM runs").fetchone()
        except sqlite3.OperationalError:  # the schema is still being created
            continue
        if row:
            run_id, stored = row
    return run_id, stored


def stored_decisions(home: Path, run_id: str) -> set[tuple[str, int, str | None]]:
    with Store(home) as store:
        return {(r.scenario_id, r.epoch, r.chosen) for r in store.results(run_id)}


def test_a_run_killed_midway_and_resumed_ends_like_an_uninterrupted_run(
    project: Path, tmp_path: Path
) -> None:
    with served_mock(project, latency_s=0.05) as env:
        command = [*RUN_ROUTING, "--no-report", "--no-cache"]
        killed_home = tmp_path / "killed"
        victim = subprocess.Popen(
            [*command, *SLOW],
            cwd=project,
            env={**env, "AGENT_EVAL_HOME": str(killed_home)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        run_id, stored = wait_for_results(killed_home, at_least=10)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert run_id is not None and stored >= 10
        partial = stored_decisions(killed_home, run_id)
        total = len(load_scenarios(AGENT, ("routing",), project))
        assert len(partial) < total, "the run finished before it could be killed; slow the mock down"

        resumed = subprocess.run(
            [*command, *FAST, "--resume", run_id],
            cwd=project,
            env={**env, "AGENT_EVAL_HOME": str(killed_home)},
            capture_output=True,
            text=True,
        )
        assert resumed.returncode == 0, resumed.stderr
        whole_home = tmp_path / "whole"
        whole = subprocess.run(
            [*command, *FAST],
            cwd=project,
            env={**env, "AGENT_EVAL_HOME": str(whole_home)},
            capture_output=True,
            text=True,
        )
        assert whole.returncode == 0, whole.stderr
        with Store(whole_home) as store:
            whole_id = store.list_runs()[0].run_id
        after_resume = stored_decisions(killed_home, run_id)
        assert partial <= after_resume
        assert after_resume == stored_decisions(whole_home, whole_id)
        assert len(after_resume) == total


def test_replay_regrades_a_stored_run_without_calling_any_model(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project), misroute_rate=0.3)) as api:
        point_at(monkeypatch, api)
        source = run_eval(options(project, limit=4, report=False))
        calls = api.count()
        replayed = run_eval(options(project, limit=4, report=False, model=f"replay:{source.run.run_id}"))
        assert api.count() == calls
    assert replayed.run.status == "finished" and not replayed.run.offline
    assert replayed.run.model == source.run.model
    with Store(project / "home") as store:
        before = {(r.scenario_id, r.chosen, r.passed, r.judge) for r in store.results(source.run.run_id)}
        after = {(r.scenario_id, r.chosen, r.passed, r.judge) for r in store.results(replayed.run.run_id)}
    assert after == before and len(after) == 8


def test_a_batch_run_stores_every_result_at_the_batch_price(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        point_at(monkeypatch, api)
        result = run_eval(options(project, limit=3, batch=True, report=False))
        batches = api.count("/v1/messages/batches")
        direct = api.count()
    assert result.run.status == "finished"
    assert batches >= 2 and direct == 0  # scenarios, then judge: each a batch; no direct Messages call
    with Store(project / "home") as store:
        records = store.results(result.run.run_id)
        responses = store.responses_by_hash(result.run.run_id).values()
    assert len(records) == 6 and all(r.judge is not None for r in records if r.suite == "standards")
    assert responses and all(r.batch for r in responses)


def test_ctrl_c_stops_the_run_cleanly_and_resume_finishes_it(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with served_mock(project, latency_s=0.2) as served:
        env = {**served, "AGENT_EVAL_HOME": str(home)}
        command = [*RUN_ROUTING, "--no-report", "--json"]
        victim = subprocess.Popen(
            [*command, *SLOW], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for_results(home, at_least=5)
        victim.send_signal(signal.SIGINT)
        out, err = victim.communicate(timeout=60)
        assert victim.returncode == 3, err
        stopped = json.loads(out)
        total = len(load_scenarios(AGENT, ("routing",), project))
        assert stopped["status"] == "interrupted" and 0 < len(stopped["results"]) < total
        resumed = subprocess.run(
            [*command, *FAST, "--resume", stopped["run_id"]],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert resumed.returncode == 0, resumed.stderr
        finished = json.loads(resumed.stdout)
        keys = [(r["scenario_id"], r["epoch"]) for r in finished["results"]]
        assert len(keys) == len(set(keys)) == total


def test_bad_input_is_one_clear_line_and_exit_2(
    project: Path, no_key: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(project / "home"))
    routing = project / "datasets" / AGENT / "routing.yaml"
    routing.write_text(routing.read_text(encoding="utf-8").replace("expected: none", "expected: [none]", 1))
    assert main(["run", "--agent", AGENT]) == 2
    err = capsys.readouterr().err
    assert "routing.yaml" in err and "scenario '" in err and "'expected'" in err and "Traceback" not in err
    assert main(["run", "--agent", "no-such-agent"]) == 2
    assert "no-such-agent" in capsys.readouterr().err
    assert main(["run", "--agent", AGENT, "--resume", "run-that-never-was"]) == 2
    assert "run-that-never-was" in capsys.readouterr().err
    with Store(project / "home") as store:
        assert store.list_runs() == []  # nothing was started, so nothing half-made is left behind


def test_a_resumed_run_keeps_its_model_even_when_a_key_appears(
    project: Path, no_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    offline = run_eval(options(project, report=False))
    with sqlite3.connect(project / "home" / "results.sqlite") as db:
        db.execute("DELETE FROM results WHERE rowid IN (SELECT rowid FROM results LIMIT 7)")
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        point_at(monkeypatch, api)
        resumed = run_eval(options(project, report=False, resume=offline.run.run_id))
        assert api.count() == 0
    assert resumed.run.model == "local" and resumed.run.offline and resumed.run.status == "finished"
    with Store(project / "home") as store:
        assert len(store.results(offline.run.run_id)) == len(load_scenarios(AGENT, ("routing",), project))
