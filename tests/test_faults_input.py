"""Bad input is refused before the first call (issue 10, item 5): exit 2 naming file, scenario and field,
and the mock API receives nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.store.db import Store
from faults_fixtures import AGENT, project_fixture  # noqa: F401 - the `project` fixture
from mock_api import MockAnthropic

FIRST_MESSAGE = "      message: I need to add a login endpoint that handles JWT authentication\n"


def edit_routing(project: Path, old: str, new: str) -> None:
    path = project / "datasets" / AGENT / "routing.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "    expected: backend-developer\n",
            "    expected: nobody-agent\n",
            "field 'expected': 'nobody-agent' is not an agent of the roster",
        ),
        (FIRST_MESSAGE, '      message: ""\n', "field 'input.message': empty"),
        (FIRST_MESSAGE, '      message: "   "\n', "field 'input.message': empty"),
    ],
    ids=["unknown-expected-agent", "empty-message", "blank-message"],
)
def test_bad_scenarios_exit_2_naming_file_scenario_and_field_with_no_call_made(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    field: str,
) -> None:
    edit_routing(project, old, new)
    with MockAnthropic() as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        assert main(["run", "--agent", AGENT, "--no-report"]) == 2
        assert sum(api.counts.values()) == 0
    err = capsys.readouterr().err
    assert "routing.yaml" in err and "scenario 'bd-pos-ex1'" in err and field in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    with Store(project / "home") as store:
        assert store.list_runs() == []


@pytest.mark.parametrize("expected", ["none", "general-purpose", "database-administrator"])
def test_none_built_in_and_roster_agents_are_accepted_as_expected(project: Path, expected: str) -> None:
    from agent_eval.agents.roster import load_roster
    from agent_eval.scenarios.dataset import load_scenarios

    edit_routing(project, "    expected: backend-developer\n", f"    expected: {expected}\n")
    roster = load_roster(project / "agents")
    scenarios = load_scenarios(AGENT, ("routing",), project, agents=roster.names)
    assert scenarios[0].expected == expected
