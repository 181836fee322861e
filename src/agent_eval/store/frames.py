"""Stored results as a pandas DataFrame: the notebook and export view of a run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from agent_eval.paths import home_dir
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord

CHECK_PREFIX = "check:"
EXECUTED_PREFIX = "executed:"
CRITERION_PREFIX = "judge:"

BASE_COLUMNS = (
    "run_id",
    "scenario_id",
    "suite",
    "epoch",
    "tags",
    "input",
    "context_turns",
    "expected",
    "chosen",
    "passed",
    "judge_mean",
    "judge_model",
    "judge_error",
    "output",
    "error",
    "cost_usd",
    "latency_s",
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def results_frame(run_id: str, home: str | Path | None = None) -> pd.DataFrame:
    """One row per (scenario, epoch) of `run_id`, read from the store under `home` (default AGENT_EVAL_HOME).

    Columns, in order:
      run_id, scenario_id, suite ("routing"|"standards"), epoch (1-based), tags (comma-joined),
      input (last user message), context_turns (number of prior turns), expected / chosen (routing: agent
      name or "none"; empty for standards), passed (bool, or None when ungraded), judge_mean (1–5, NaN
      without judge scores), judge_model, judge_error, output (response text, or the routing decision as
      JSON), error, cost_usd, latency_s, input_tokens, output_tokens, cache_creation_input_tokens,
      cache_read_input_tokens;
      then one `check:<id>` column per rule-based check seen in the run ("pass"|"fail"|"n/a", None when
      the check was not asked of that scenario: pandas shows it missing), one `executed:<id>` column per
      executed grader seen in the run (rls-probe, typecheck, http-contract; same values), then one
      `judge:<criterion>` column per judge criterion
      (score 1–5, NaN when not scored).
    Raises LookupError for an unknown run.
    """
    with Store(home_dir(home), readonly=True) as store:
        if store.get_run(run_id) is None:
            raise LookupError(f"unknown run {run_id!r} in {store.path}")
        records = store.results(run_id)
    return records_frame(records)


def records_frame(records: Sequence[ResultRecord]) -> pd.DataFrame:
    """The DataFrame of `results_frame` built from records already in memory."""
    checks = sorted({check for r in records for check in r.checks})
    executed = sorted({grader for r in records for grader in r.executed})
    criteria = sorted({s.criterion for r in records if r.judge for s in r.judge.scores})
    rows = [_row(r, checks, executed, criteria) for r in records]
    columns = [
        *BASE_COLUMNS,
        *(CHECK_PREFIX + c for c in checks),
        *(EXECUTED_PREFIX + g for g in executed),
        *(CRITERION_PREFIX + c for c in criteria),
    ]
    return pd.DataFrame(rows, columns=columns)


def _row(
    record: ResultRecord, checks: Sequence[str], executed: Sequence[str], criteria: Sequence[str]
) -> dict[str, Any]:
    judge = record.judge
    scores = {s.criterion: s.score for s in judge.scores} if judge else {}
    row: dict[str, Any] = {
        "run_id": record.run_id,
        "scenario_id": record.scenario_id,
        "suite": record.suite,
        "epoch": record.epoch,
        "tags": ",".join(record.tags),
        "input": record.input,
        "context_turns": len(record.context),
        "expected": record.expected,
        "chosen": record.chosen,
        "passed": record.passed,
        "judge_mean": judge.mean if judge and judge.mean is not None else float("nan"),
        "judge_model": judge.model if judge else None,
        "judge_error": judge.error if judge else None,
        "output": record.output,
        "error": record.error,
        "cost_usd": record.cost_usd,
        "latency_s": record.latency_s,
        "input_tokens": record.usage.input_tokens,
        "output_tokens": record.usage.output_tokens,
        "cache_creation_input_tokens": record.usage.cache_creation_input_tokens,
        "cache_read_input_tokens": record.usage.cache_read_input_tokens,
    }
    for check in checks:
        verdict = record.checks.get(check)
        row[CHECK_PREFIX + check] = verdict.status if verdict else None
    for grader in executed:
        ran = record.executed.get(grader)
        row[EXECUTED_PREFIX + grader] = ran.status if ran else None
    for criterion in criteria:
        row[CRITERION_PREFIX + criterion] = scores.get(criterion, float("nan"))
    return row
