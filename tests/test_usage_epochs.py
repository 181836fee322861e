"""With epochs, identical requests share one call: the store counts the calls and tokens the API received,
and a result's cost includes its judge's calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.run.evaluate import run_eval
from agent_eval.store.db import Store
from eval_mock import EvalResponder, expected_by_message
from mock_api import MockAnthropic, _tokens
from test_pipeline_run import options, point_at, project  # noqa: F401  (project is a fixture)


def test_epochs_count_the_calls_and_tokens_the_api_received(
    project: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        point_at(monkeypatch, api)
        # Every epoch gets the same answer, so the judge is asked the identical question three times.
        result = run_eval(options(project, suites=("standards",), limit=3, epochs=3, report=False))
        received = api.bodies()
    sent_tokens = sum(
        _tokens([body.get("system"), body.get("tools")]) + _tokens(body["messages"]) for body in received
    )
    with Store(project / "home") as store:
        usage = store.usage(result.run.run_id)
        records = store.results(result.run.run_id)
    assert len(records) == 9 and len(received) < 18  # 9 answers + 9 judge verdicts, some merged
    assert usage["calls"] == len(received)
    counted = usage["input_tokens"] + usage["cache_read_input_tokens"] + usage["cache_creation_input_tokens"]
    assert counted == sent_tokens
    assert sum(r.cost_usd for r in records) == pytest.approx(usage["cost_usd"])
    assert all(r.judge is not None for r in records)
