"""The `run --json` object of CONTRACT.md, projected from the same RunSummary the report renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_eval.paths import display_path, home_dir
from agent_eval.run.options import RunResult
from agent_eval.run.summary import RunSummary, summarize_run
from agent_eval.store.db import USAGE_TOTALS, Store
from agent_eval.store.model import ResultRecord
from agent_eval.suites import get_suite, suite_names


def run_json(result: RunResult, home: Path | None = None) -> dict[str, Any]:
    """The run's figures as `run --json` prints them (one object; a suite that did not run is absent)."""
    if result.figures is not None:
        summary, records = result.figures
    else:
        with Store(home_dir(home), readonly=True) as store:
            summary, records = summarize_run(store, result.run.run_id)
    run = result.run
    return {
        "run_id": run.run_id,
        "agent": run.agent,
        "model": run.model,
        "offline": run.offline,
        "status": run.status,
        "report": display_path(result.report) if result.report else None,
        "summary": suites_json(summary),
        "usage": {
            name: round(summary.usage.cost_usd, 6) if name == "cost_usd" else getattr(summary.usage, name)
            for name in USAGE_TOTALS
        },
        "results": [result_json(record) for record in records],
    }


def suites_json(summary: RunSummary) -> dict[str, Any]:
    entries = {name: get_suite(name).summarise(summary) for name in suite_names()}
    return {name: entry for name, entry in entries.items() if entry is not None}


def result_json(record: ResultRecord) -> dict[str, Any]:
    return {
        "scenario_id": record.scenario_id,
        "suite": record.suite,
        "epoch": record.epoch,
        "input": record.input,
        **get_suite(record.suite).result_json(record),
        "passed": bool(record.passed),
    }
