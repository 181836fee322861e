"""A template captured from the real CLI (offline) rebuilds the CLI's own request for any roster and words."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from agent_eval.cli.main import main
from agent_eval.harness.captured import (
    CapturedProvider,
    CapturedRequests,
    build_body,
    load_template,
    save_template,
    template_from_capture,
    template_summary,
)
from agent_eval.harness.claude_code import ClaudeCodeProvider
from agent_eval.harness.routing import decide
from agent_eval.sandbox.capture import PROBE_AGENT, PROBE_WORDS, capture_first_request
from agent_eval.sandbox.proxy import stable_form
from agent_eval.sandbox.session import CliSettings
from claude_code_fixtures import responder, upstream
from harness_fixtures import project_roster, scenario
from mock_api import MockAnthropic

MODEL = "claude-sonnet-5-5"
WORDS = "Add a POST /orders endpoint with validation"
SCRATCH_HOME = re.compile(r"/tmp/agent-eval-cc-[^/\"\\]+/homes/home-[^/\"\\]+")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Any:
    scratch = tmp_path_factory.mktemp("capture")
    return template_from_capture(asyncio.run(capture_first_request(CliSettings(), MODEL, scratch)))


def comparable(body: dict[str, Any], project: Path) -> dict[str, Any]:
    masked = json.loads(SCRATCH_HOME.sub("<home>", json.dumps(body)))
    return stable_form(masked, {str(project): "<project>", "/nowhere": "<home>"})


EARLIER = (("user", "We are building an orders service."), ("assistant", "Understood: orders service."),
           ("user", "It uses Postgres."), ("assistant", "Noted: Postgres."))


@pytest.mark.parametrize("turns", [(), EARLIER], ids=["one turn", "earlier turns"])
def test_the_template_rebuilds_the_clis_request_for_a_new_roster_and_words(
    template: Any, turns: tuple[tuple[str, str], ...]
) -> None:
    case = scenario(WORDS, *turns)

    async def cli_request() -> tuple[dict[str, Any], Path]:
        with MockAnthropic(responder=responder) as api:
            provider = ClaudeCodeProvider(upstream(api), project_roster())
            try:
                await provider.complete(provider.request(case, MODEL))
                assert provider._started is not None
                return api.bodies()[0], provider._started[0].root
            finally:
                await provider.aclose()

    sent, project = asyncio.run(cli_request())
    rebuilt = build_body(template, case, project_roster(), project, Path("/nowhere"))
    assert comparable(rebuilt, project) == comparable(sent, project)
    assert PROBE_AGENT not in json.dumps(template.body) and PROBE_WORDS not in json.dumps(template.body)


def test_the_roster_sits_after_the_words_sorted_with_the_built_ins(template: Any) -> None:
    body = build_body(template, scenario("Anything"), project_roster(), Path("/p"), Path("/h"))
    text = json.dumps(body["messages"])
    assert text.index("Anything") < text.index("- backend-developer: ")
    names = [n for n, _ in template.builtin_entries] + [a.name for a in project_roster()]
    section = text[text.index("Available agent types"):]
    positions = [section.index(f"\\n- {name}: ") for name in sorted(names, key=str.lower)]
    assert positions == sorted(positions)
    summary = template_summary(template)
    assert {"Agent", "Read", "Bash", "Skill"} <= set(summary["tools"])
    assert "thinking" in summary["beta_fields"]


def test_captured_requests_go_upstream_with_the_beta_fields(template: Any, tmp_path: Path) -> None:
    save_template(tmp_path, template)
    loaded = load_template(tmp_path, MODEL)
    requests = CapturedRequests(loaded, project_roster(), Path("/work/project"), Path("/home/user"))

    async def ask() -> Any:
        with MockAnthropic(responder=responder) as api:
            provider = CapturedProvider(upstream(api), loaded)
            try:
                return await provider.complete(requests.request(scenario(WORDS), MODEL)), api.bodies()
            finally:
                await provider.aclose()

    response, bodies = asyncio.run(ask())
    assert decide(response).label == "backend-developer"
    assert bodies[0]["thinking"]["type"] == "adaptive" and "output_config" in bodies[0]
    assert "metadata" not in bodies[0]


def test_capture_without_claude_code_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capture", "--claude-bin", str(tmp_path / "no-claude"), "--json"]) == 2
    assert capsys.readouterr().out == ""


def test_capture_command_stores_the_template_and_prints_only_its_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AGENT_EVAL_HOME", str(tmp_path))
    assert main(["capture", "--model", MODEL, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["model"] == MODEL and printed["cli_version"]
    assert load_template(tmp_path, MODEL).cli_version == printed["cli_version"]
    assert all(len(json.dumps(value)) < 2000 for value in printed.values())  # a shape, not the captured text
