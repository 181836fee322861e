"""Suites and routing harnesses are found by name: a new one is a registration, and unknown names exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_eval.agents.roster import RosterLike
from agent_eval.cli.main import main
from agent_eval.providers.model import ModelRequest, Provider
from agent_eval.run.evaluate import run_eval
from agent_eval.scenarios.model import Scenario
from agent_eval.store.db import Store
from agent_eval.suites import DEFAULT_SUITES, get_suite, suite_names
from agent_eval.suites.harnesses import (
    HARNESSES,
    HarnessOptions,
    RoutingHarness,
    harness,
    harness_names,
    open_harness,
)
from eval_mock import offline_project, quiet_options

AGENT = "backend-developer"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return offline_project(tmp_path, monkeypatch)


@pytest.fixture
def counting_harness() -> Iterator[list[str]]:
    """A harness registered as a new module would register it: builtin's request, with each scenario noted."""
    seen: list[str] = []

    @harness("counting")
    async def counting(
        upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
    ) -> RoutingHarness:
        builtin = await open_harness("builtin", upstream, roster, model, options)

        def request(scenario: Scenario) -> ModelRequest:
            seen.append(scenario.id)
            return builtin.request(scenario)

        return RoutingHarness("counting", upstream, request)

    yield seen
    HARNESSES.remove("counting")


def test_the_registries_hold_the_built_in_suites_and_harness() -> None:
    assert set(suite_names()) == {"routing", "standards", "agentic"}
    assert DEFAULT_SUITES == ("routing", "standards")  # `--suite all`; agentic is opt-in
    assert get_suite("routing").answerable_offline and get_suite("standards").judged
    assert "builtin" in harness_names()


def test_a_registered_harness_makes_the_routing_requests_and_is_kept_for_resume(
    project: Path, counting_harness: list[str]
) -> None:
    result = run_eval(quiet_options(project, harness="counting", limit=4))
    assert result.run.status == "finished" and len(counting_harness) == 4
    assert result.run.config["harness"] == "counting"
    with Store(project / "home") as store:
        assert len(store.results(result.run.run_id)) == 4


@pytest.mark.parametrize(("flag", "value"), [("--harness", "nope"), ("--suite", "nope")])
def test_an_unknown_harness_or_suite_exits_2_naming_the_registered_ones(
    project: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    assert main(["run", "--agent", AGENT, flag, value]) == 2
    err = capsys.readouterr().err
    assert f"{flag} nope" in err and ("builtin" in err if flag == "--harness" else "routing" in err)
    with Store(project / "home") as store:
        assert store.list_runs() == []
