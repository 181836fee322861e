"""The collector is kept out of a run's way and handed back as it was: enabled or not, nothing left frozen."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from agent_eval.collector import collector_paused, survivors_frozen
from agent_eval.run.evaluate import run_eval
from agent_eval.run.options import RunOptions
from eval_mock import EvalResponder, expected_by_message
from faults_fixtures import AGENT, project_fixture  # noqa: F401 - the `project` fixture
from mock_api import MockAnthropic


@pytest.mark.parametrize("enabled", [True, False])
def test_a_paused_collector_comes_back_as_it_was(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_a_paused_collector_comes_back_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_survivors_are_frozen_inside_and_handed_back_after() -> None:
    survivor = [object()]
    assert gc.get_freeze_count() == 0
    with survivors_frozen():
        assert gc.get_freeze_count() > 0
        assert survivor not in gc.get_objects(generation=2)  # the collector's passes no longer see it
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_itself_keeps_them_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with survivors_frozen():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_run_leaves_the_collector_as_it_found_it(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        options = RunOptions(agent=AGENT, root=project, home=project / "home", progress=False, limit=3)
        result = run_eval(options)
    assert result.run.status == "finished"
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
