"""Bench: start-up of `agent-eval run` with a key, from launching the command to its first Messages API call.

Serves the eval mock in this process (it notes when the first POST /v1/messages arrives) and launches
`agent-eval run --suite routing --limit 1` as a child, five times, for an explicit model id (no Models API
lookup is needed) and for the default alias (the aliases are checked against the Models API first). Prints
the median time to the first request (target ≤ 1 s) and to the command's exit, and for scale the time a bare
`import anthropic` takes on this machine (the SDK must be loaded before the first call can be sent).

Usage: .venv/bin/python bench/bench_first_request.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from bench_scale import AGENT, build_project, child_env  # noqa: E402

from eval_mock import EvalResponder, expected_by_message  # noqa: E402
from mock_api import MockAnthropic  # noqa: E402


class FirstArrival:
    """The eval responder, noting when the first request since `reset()` reached it."""

    def __init__(self, responder: EvalResponder) -> None:
        self.responder = responder
        self.arrived = threading.Event()
        self.at = 0.0

    def reset(self) -> None:
        self.arrived.clear()

    def __call__(self, request: Any) -> Any:
        if not self.arrived.is_set():
            self.at = time.perf_counter()
            self.arrived.set()
        return self.responder(request)


def measure(command: list[str], env: dict[str, str], cwd: Path, first: FirstArrival) -> tuple[float, float]:
    first.reset()
    started = time.perf_counter()
    run = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    ended = time.perf_counter()
    if run.returncode != 0 or not first.arrived.is_set():
        sys.exit(f"run failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return first.at - started, ended - started


def measure_import(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import anthropic"], env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cli = str(Path(sys.executable).parent / "agent-eval")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        build_project(root, 20)
        first = FirstArrival(EvalResponder(expected_by_message(root, AGENT)))
        with MockAnthropic(responder=first) as api:
            env = child_env(api.base_url, root)
            run = [cli, "run", "--agent", AGENT, "--suite", "routing", "--limit", "1", "--no-cache",
                   "--no-report"]
            sdk_s = statistics.median(measure_import(env) for _ in range(args.repeat))
            print(f"python -c 'import anthropic': {sdk_s * 1000:.0f} ms (median of {args.repeat})")
            for label, model in (("explicit id claude-sonnet-5-5", ["--model", "claude-sonnet-5-5"]),
                                 ("default alias", [])):
                timings = [measure([*run, *model], env, root, first) for _ in range(args.repeat)]
                to_first = statistics.median(t for t, _ in timings)
                to_exit = statistics.median(t for _, t in timings)
                print(f"{label}: first request after {to_first * 1000:.0f} ms (target <= 1000), "
                      f"exit after {to_exit * 1000:.0f} ms (median of {args.repeat})")


if __name__ == "__main__":
    main()
