"""Bench: a whole `agent-eval run` (routing, standards, judge) against the mock API, 30% of attempts faulted.

Faults are 429 with retry-after, 529, 500 and dropped connections, up to 8 per request: more than the SDK's
own 5 attempts, so only the per-call time budget carries some calls through. Prints the calls answered, the
faults served, how many calls needed more attempts than the SDK alone makes, the failed calls (target 0),
the run's status (target "finished") and the wall time. The run uses a copy of this project's agents,
datasets and eval config in a temporary folder.
Usage: .venv/bin/python bench/bench_faults.py [--fault-rate 0.3] [--seed 1] [--epochs 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from agent_eval.providers.anthropic import DEFAULT_MAX_RETRIES  # noqa: E402
from agent_eval.run.evaluate import run_eval  # noqa: E402
from agent_eval.run.options import RunOptions  # noqa: E402
from agent_eval.store.db import Store  # noqa: E402
from eval_mock import EvalResponder, expected_by_message  # noqa: E402
from mock_api import MockAnthropic  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--max-faults", type=int, default=8, help="most faulted attempts per request")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in ("agents", "datasets", "evals"):
            shutil.copytree(REPO / name, root / name)
        api = MockAnthropic(
            responder=EvalResponder(expected_by_message(root)),
            fault_rate=args.fault_rate,
            max_faults_per_request=args.max_faults,
            seed=args.seed,
        )
        with api:
            os.environ.update(ANTHROPIC_API_KEY="bench-key", ANTHROPIC_BASE_URL=api.base_url)
            os.environ.pop("ANTHROPIC_AUTH_TOKEN", None)
            started = time.perf_counter()
            result = run_eval(
                RunOptions(
                    agent="backend-developer", root=root, home=root / "home", epochs=args.epochs,
                    concurrency=args.concurrency, progress=False, report=False,
                )
            )
            elapsed = time.perf_counter() - started
            attempts = Counter(digest for _, digest in api.arrivals)
            faults = dict(api.faults_served)
        with Store(root / "home") as store:
            answered = int(store.usage(result.run.run_id)["calls"])
        beyond_sdk = sum(1 for n in attempts.values() if n > DEFAULT_MAX_RETRIES + 1)
        limit = f"up to {args.max_faults} per request body"
        print(f"fault rate {args.fault_rate:.0%} ({limit}, seed {args.seed})")
        print(f"calls answered: {answered}   HTTP attempts: {sum(attempts.values())}")
        print(f"faults served: {sum(faults.values())} {dict(sorted(faults.items()))}")
        print(f"request bodies needing more than the SDK's {DEFAULT_MAX_RETRIES + 1} attempts: {beyond_sdk}")
        print(f"failed calls: {result.failed_calls}   status: {result.run.status}")
        print(f"wall time: {elapsed:.1f} s")


if __name__ == "__main__":
    main()
