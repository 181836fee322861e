"""Bench: a full mock run with epochs. Prints what the store counts against what the mock API received, and
the standards headline figures. Asserts nothing.

Every epoch of a standards scenario gets the same answer from the mock, so the judge is asked identical
questions that the runner merges into one call. Usage: .venv/bin/python bench/bench_usage_epochs.py
[--epochs K] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from agent_eval.run.evaluate import run_eval  # noqa: E402
from agent_eval.run.options import RunOptions  # noqa: E402
from agent_eval.run.run_json import run_json  # noqa: E402
from agent_eval.run.summary import no_check_failed  # noqa: E402
from agent_eval.store.db import Store  # noqa: E402
from eval_mock import EvalResponder, expected_by_message  # noqa: E402
from mock_api import MockAnthropic, _tokens  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="scenarios per suite (default: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "project"
        for folder in ("agents", "datasets", "evals"):
            shutil.copytree(REPO / folder, root / folder)
        with MockAnthropic(responder=EvalResponder(expected_by_message(root))) as api:
            os.environ.update(ANTHROPIC_API_KEY="test-key", ANTHROPIC_BASE_URL=api.base_url)
            options = RunOptions(
                agent="backend-developer",
                root=root,
                home=root / "home",
                progress=False,
                report=False,
                epochs=args.epochs,
                limit=args.limit,
            )
            result = run_eval(options)
            bodies = api.bodies()
        sent = sum(_tokens([b.get("system"), b.get("tools")]) + _tokens(b["messages"]) for b in bodies)
        summary = run_json(result, home=root / "home")
        with Store(root / "home") as store:
            records = store.results(result.run.run_id)
    usage = summary["usage"]
    counted = usage["input_tokens"] + usage["cache_read_input_tokens"] + usage["cache_creation_input_tokens"]
    print(f"run {result.run.run_id}: {len(records)} results, {args.epochs} epochs")
    print(f"  calls:        counted {usage['calls']:>9,}   mock received {len(bodies):>9,}")
    print(f"  input tokens: counted {counted:>9,}   mock received {sent:>9,}  (uncached + cache read/write)")
    print(f"  uncached input tokens counted {usage['input_tokens']:,}, output {usage['output_tokens']:,}")
    results_cost = sum(r.cost_usd for r in records)
    print(f"  cost: usage ${usage['cost_usd']:.4f}, sum of results' cost_usd ${results_cost:.4f}")
    standards = [r for r in records if r.suite == "standards"]
    passed = sum(bool(r.passed) for r in standards)
    no_failure = sum(no_check_failed(r) for r in standards)
    print(f"  standards: passed its scenario's checks (required ones applied) {passed}/{len(standards)}")
    print(f"             no applicable check failed                           {no_failure}/{len(standards)}")
    for suite in ("routing", "standards"):
        figures = summary["summary"].get(suite)
        if figures:
            low, high = figures["ci95"]
            print(f"  {suite} ci95 (run --json): {low:.1%}–{high:.1%} over n={figures['n']} results")


if __name__ == "__main__":
    main()
