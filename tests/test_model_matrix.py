"""`run --model A,B,C`: one run per model over the same scenarios, and a matrix report comparing them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from eval_mock import EvalResponder, expected_by_message, keyed_project
from mock_api import Json, MockAnthropic, Reply
from report_runs import CHROMIUM, CHROMIUM_ARGS

AGENT = "backend-developer"
MODELS = ("claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5")
MISROUTES = {"claude-haiku-5-5": 0.5, "claude-sonnet-5-5": 0.1, "claude-opus-5-5": 0.0}


class ModelsDiffer:
    """Routes as the scenarios expect, each model misrouting its own share of them."""

    def __init__(self, project: Path) -> None:
        expected = expected_by_message(project)
        self.by_model = {
            model: EvalResponder(expected, misroute_rate=rate) for model, rate in MISROUTES.items()
        }

    def __call__(self, request: Json) -> Reply:
        return self.by_model[request["model"]](request)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return keyed_project(tmp_path, monkeypatch)


def matrix_run(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Json:
    with MockAnthropic(responder=ModelsDiffer(project)) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code = main(["run", "--agent", AGENT, "--model", ",".join(MODELS), "--limit", "24", "--json"])
    assert code == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_each_model_runs_the_same_scenarios_and_the_matrix_compares_them(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = matrix_run(project, monkeypatch, capsys)
    runs = output["runs"]
    assert [r["model"] for r in runs] == list(MODELS)
    assert len({r["run_id"] for r in runs}) == 3
    scenario_sets = [{(x["suite"], x["scenario_id"]) for x in r["results"]} for r in runs]
    assert scenario_sets[0] == scenario_sets[1] == scenario_sets[2]
    accuracy = {r["model"]: r["summary"]["routing"]["accuracy"] for r in runs}
    # The agent's frontmatter says `model: sonnet`: Claude Code runs its work there whatever routes it.
    assert {m["agent_model"] for m in output["matrix"]["models"]} == {"claude-sonnet-5-5"}
    assert accuracy["claude-haiku-5-5"] < accuracy["claude-sonnet-5-5"] <= accuracy["claude-opus-5-5"] == 1.0

    matrix = output["matrix"]
    assert [m["run_id"] for m in matrix["models"]] == [r["run_id"] for r in runs]
    assert [(p["a"], p["b"]) for p in matrix["pairs"]] == [
        (MODELS[0], MODELS[1]),
        (MODELS[0], MODELS[2]),
        (MODELS[1], MODELS[2]),
    ]
    haiku_opus = matrix["pairs"][1]["routing"]
    assert haiku_opus["scenarios"] == 24 and haiku_opus["better"] > 0 and haiku_opus["worse"] == 0
    assert Path(output["report"]).is_file()


@pytest.mark.parametrize(
    ("models", "message"),
    [("haiku,,opus", "empty model"), ("haiku,haiku", "listed twice")],
)
def test_a_bad_model_list_is_refused_before_any_run(
    project: Path, capsys: pytest.CaptureFixture[str], models: str, message: str
) -> None:
    assert main(["run", "--agent", AGENT, "--model", models]) == 2
    assert message in capsys.readouterr().err
    assert not (project / "home" / "results.sqlite").exists()


def test_resume_takes_one_model(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--agent", AGENT, "--model", "haiku,opus", "--resume", "x"]) == 2
    assert "resume" in capsys.readouterr().err


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed")
def test_the_matrix_report_opens_without_console_errors(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    report = Path(matrix_run(project, monkeypatch, capsys)["report"]).resolve()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        tab.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        tab.on("pageerror", lambda e: problems.append(str(e)))
        tab.goto(report.as_uri())
        text = tab.locator("#matrix").inner_text()
        assert all(model in text for model in MODELS)
        assert tab.locator("#pairs tbody tr").count() == 3
        tab.screenshot(path=str(report.with_suffix(".png")), full_page=True)
        browser.close()
    assert problems == []


@pytest.mark.parametrize(
    ("frontmatter", "expected"), [("sonnet", "claude-sonnet-5-5"), ("inherit", MODELS[0])]
)
def test_standards_run_on_the_agents_frontmatter_model(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    frontmatter: str,
    expected: str,
) -> None:
    agent_file = project / "agents" / f"{AGENT}.md"
    agent_file.write_text(agent_file.read_text().replace("\nmodel: sonnet\n", f"\nmodel: {frontmatter}\n"))
    with MockAnthropic(responder=ModelsDiffer(project)) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code = main(
            [
                "run",
                "--agent",
                AGENT,
                "--model",
                MODELS[0],
                "--suite",
                "standards",
                "--limit",
                "2",
                "--json",
                "--no-report",
            ]
        )
        standards = [b["model"] for b in api.bodies() if not b.get("tool_choice")]  # the judge's is forced
    assert code == 0
    assert standards and set(standards) == {expected}
    assert json.loads(capsys.readouterr().out)["model"] == MODELS[0]
