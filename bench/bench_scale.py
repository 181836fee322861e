"""Bench: a whole `agent-eval run` at scale against the mock API, and the command's start-up time.

Builds a throwaway project whose routing dataset holds N scenarios (the real ones, repeated with new ids
and a numbered suffix so every request is distinct), serves the eval mock from its own process, and runs
`agent-eval run --suite routing` as a child process. Prints wall time, the child's CPU time per call, its
peak RSS (target ≤ 300 MB at 10,000 scenarios), and the start-up time of `agent-eval --help`, `agent-eval
agents` and a one-call `run` to its end. The CPU is also split into the fixed cost of a one-call run with its
report (start-up, which is mostly importing the `anthropic` SDK, and the end's statistics and report) and
what each further call adds. With `--latency` the mock answers each call that long after it arrived and the
wall time is also given as a ratio to the ideal (calls / concurrency × latency), whole and less the fixed
wall time of a one-call run. Targets: ≤ 1.15× for 1,040 calls at 500 ms and concurrency 50, with ≤ 3 ms CPU
per call and ≤ 150 MB peak RSS. `bench_first_request.py` measures the start-up to the first request.

Usage: .venv/bin/python bench/bench_scale.py [--scenarios 10000] [--concurrency 50] [--latency 0.5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"


def build_project(root: Path, count: int) -> None:
    for folder in ("agents", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    source = yaml.safe_load((REPO / "datasets" / AGENT / "routing.yaml").read_text(encoding="utf-8"))
    base = source["scenarios"]
    scenarios = []
    for i in range(count):
        entry = dict(base[i % len(base)])
        entry.pop("fingerprint", None)
        entry["id"] = f"{entry['id']}-n{i}"
        entry["input"] = {**entry["input"], "message": f"{entry['input']['message']} (#{i})"}
        scenarios.append(entry)
    target = root / "datasets" / AGENT / "routing.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(
        yaml.safe_dump({"agent": AGENT, "suite": "routing", "scenarios": scenarios}), encoding="utf-8"
    )


def start_mock(root: Path, latency: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    mock = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "eval_mock.py"), "--root", str(root),
         "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert mock.stdout is not None
    return mock, mock.stdout.readline().strip()


def child_env(base_url: str, root: Path) -> dict[str, str]:
    """The environment of a measured `agent-eval`: the mock's URL and a key, and bytecode caching on as on a
    user's machine (this sandbox sets PYTHONDONTWRITEBYTECODE, which would recompile agent-eval's own modules
    on every start)."""
    env = {
        **os.environ,
        "ANTHROPIC_API_KEY": "bench",
        "ANTHROPIC_BASE_URL": base_url,
        "AGENT_EVAL_HOME": str(root / "home"),
    }
    for name in ("ANTHROPIC_AUTH_TOKEN", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def child_usage() -> tuple[float, int]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss  # maxrss in KB on Linux


def timed(command: list[str], env: dict[str, str], cwd: Path, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.0, help="the mock's seconds per call")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    args = parser.parse_args()
    cli = str(Path(sys.executable).parent / "agent-eval")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        build_project(root, args.scenarios)
        mock, base_url = start_mock(root, args.latency)
        try:
            env = child_env(base_url, root)
            routing_run = [cli, "run", "--agent", AGENT, "--suite", "routing", "--no-cache"]
            if not args.no_startup:
                help_s = timed([cli, "--help"], env, root)
                agents_s = timed([cli, "agents"], env, root)
                first_call_s = timed([*routing_run, "--limit", "1", "--no-report"], env, root)
            # Two one-call runs with their report: the first warms the bytecode caches, the second is the
            # fixed cost (start-up, the end's statistics and report), so what the other calls add shows.
            one_call = [*routing_run, "--limit", "1"]
            subprocess.run(one_call, env=env, cwd=root, capture_output=True, check=True)
            cpu_before_fixed, _ = child_usage()
            one_call_started = time.perf_counter()
            subprocess.run(one_call, env=env, cwd=root, capture_output=True, check=True)
            fixed_wall = time.perf_counter() - one_call_started - args.latency
            cpu_before, _ = child_usage()
            fixed_cpu = cpu_before - cpu_before_fixed
            started = time.perf_counter()
            run = subprocess.run(
                [*routing_run, "--concurrency", str(args.concurrency)],
                env=env, cwd=root, capture_output=True, text=True, check=False,
            )
            wall = time.perf_counter() - started
            cpu_after, peak_kb = child_usage()
        finally:
            mock.kill()
            mock.wait()
    if run.returncode != 0:
        sys.exit(f"run failed ({run.returncode}):\n{run.stderr[-2000:]}")
    cpu = cpu_after - cpu_before
    if not args.no_startup:
        print(
            f"start-up: --help {help_s * 1000:.0f} ms, agents {agents_s * 1000:.0f} ms, "
            f"run with one call {first_call_s * 1000:.0f} ms (median of 5)"
        )
    print(
        f"{args.scenarios} routing scenarios at concurrency {args.concurrency}, "
        f"mock latency {args.latency} s: wall {wall:.2f} s, {args.scenarios / wall:.0f} scenarios/s"
    )
    if args.latency:
        ideal = args.scenarios / args.concurrency * args.latency
        print(f"ideal {ideal:.2f} s; wall / ideal {wall / ideal:.3f} (target <= 1.15)")
        print(
            f"  less the fixed {fixed_wall:.2f} s of a one-call run (its call's latency left out): "
            f"{(wall - fixed_wall) / ideal:.3f}"
        )
    print(
        f"agent-eval CPU: {cpu:.1f} s total, {cpu / args.scenarios * 1000:.2f} ms per call "
        "(start-up, grading, store and report included)"
    )
    marginal = (cpu - fixed_cpu) / max(1, args.scenarios - 1)
    print(
        f"  of which fixed (a one-call run: start-up, statistics, report) {fixed_cpu:.2f} s; "
        f"each further call {marginal * 1000:.2f} ms (call, grading, store, its share of the report)"
    )
    print(f"peak RSS of the largest child: {peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
