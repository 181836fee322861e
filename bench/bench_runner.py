"""Bench: the runner and the Anthropic provider alone, on the real routing requests, against the mock API.

Builds the builtin harness's request for each routing scenario of backend-developer (about 39 KB of JSON
each: the system prompt, eight tools, the roster), sends N of them at the given concurrency to the mock
(latency 500 ms, in a subprocess so its CPU is not counted) and prints the wall time, its ratio to the ideal
(N / concurrency × latency; target ≤ 1.15×) and this process's CPU time per call (the SDK included, start-up
and imports not; target ≤ 3 ms). `--transport` picks the SDK's HTTP transport: `aiohttp` (what `agent-eval
run` uses) or `httpx` (the SDK's default), so the two can be compared; `--rounds` repeats the measurement.

Usage: .venv/bin/python bench/bench_runner.py [--requests N] [--concurrency N] [--transport httpx]
       [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from anthropic import AsyncAnthropic

from agent_eval.agents.roster import load_roster
from agent_eval.harness.routing import routing_request_builder
from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.providers.model import ModelRequest, ModelResponse
from agent_eval.runner import RunOutcome, WorkItem, run_all
from agent_eval.scenarios.dataset import load_dataset

REPO = Path(__file__).resolve().parent.parent
MODEL = "claude-sonnet-5-5"


def routing_requests(count: int) -> list[ModelRequest]:
    build = routing_request_builder(load_roster(REPO / "agents"), MODEL)
    scenarios = load_dataset(REPO / "datasets" / "backend-developer" / "routing.yaml")
    return [
        build(scenarios[i % len(scenarios)]).model_copy(update={"sample": i + 1}) for i in range(count)
    ]


def start_mock(latency: float) -> tuple[subprocess.Popen[str], str]:
    mock = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "mock_api.py"), "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True,
    )
    assert mock.stdout is not None
    return mock, mock.stdout.readline().strip()


def provider_for(transport: str, base_url: str) -> AnthropicProvider:
    if transport == "httpx":
        return AnthropicProvider(MODEL, client=AsyncAnthropic(base_url=base_url, api_key="bench"))
    os.environ.update(ANTHROPIC_BASE_URL=base_url, ANTHROPIC_API_KEY="bench")
    os.environ.pop("ANTHROPIC_AUTH_TOKEN", None)
    return AnthropicProvider(MODEL)  # as a run makes it


async def bench(
    provider: AnthropicProvider, requests: list[ModelRequest], concurrency: int, progress: bool
) -> tuple[RunOutcome, float, float]:
    items = [WorkItem(f"scenario-{i}", request) for i, request in enumerate(requests)]
    answered: list[ModelResponse] = []
    await provider.complete(requests[0])  # warm up lazy imports and a connection, as a real run has
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    outcome = await run_all(items, provider, concurrency=concurrency, progress=progress,
                            on_response=lambda item, response: answered.append(response),
                            on_error=lambda item, error: print(f"error: {error}", file=sys.stderr))
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    await provider.aclose()
    assert len(answered) == len(requests), f"only {len(answered)} of {len(requests)} answered"
    return outcome, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--transport", choices=("aiohttp", "httpx"), default="aiohttp")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    requests = routing_requests(args.requests)
    mock, base_url = start_mock(args.latency)
    ideal = args.requests / args.concurrency * args.latency
    ratios, per_call = [], []
    try:
        for _ in range(args.rounds):
            provider = provider_for(args.transport, base_url)
            outcome, wall, cpu = asyncio.run(
                bench(provider, requests, args.concurrency, not args.no_progress)
            )
            ratios.append(wall / ideal)
            per_call.append(cpu / outcome.calls * 1000)
            print(f"wall {wall:.2f} s (ideal {ideal:.2f} s, ratio {wall / ideal:.3f}); "
                  f"CPU {per_call[-1]:.2f} ms per call; {outcome.calls} calls, {outcome.status}")
    finally:
        mock.terminate()
        mock.wait()
    print(f"{args.transport}: {args.requests} routing requests at concurrency {args.concurrency}, "
          f"mock latency {args.latency} s, median of {args.rounds}: ratio {statistics.median(ratios):.3f} "
          f"(target <= 1.15), CPU {statistics.median(per_call):.2f} ms per call (target <= 3 ms)")


if __name__ == "__main__":
    main()
