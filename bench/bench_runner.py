"""Bench: the runner against the mock API with 500 ms latency: 200 requests at concurrency 20.

Prints the wall time, its ratio to the ideal (200 / 20 × 0.5 s = 5 s; target ≤ 1.15×) and the harness's own
CPU time per call (this process's CPU time / calls, SDK included; target ≤ 3 ms). The mock runs in a
subprocess so its CPU is not counted.
Usage: .venv/bin/python bench/bench_runner.py [--requests N] [--concurrency N]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.providers.model import ModelRequest, ModelResponse
from agent_eval.runner import RunOutcome, WorkItem, run_all

REPO = Path(__file__).resolve().parent.parent
ROSTER = "\n".join(
    f"- agent-{i}: Use this agent when the user needs help with area {i}. <example>Context: area {i}. "
    f"user: 'please do task {i}' assistant: 'I will use agent-{i}'</example> (Tools: All tools)"
    for i in range(24)
)  # about the size of a real routing prompt's roster (~6 KB)


def routing_request(i: int) -> ModelRequest:
    return ModelRequest(
        model="claude-sonnet-5-5",
        max_tokens=1024,
        system=({"type": "text", "text": "You are a coding assistant.",
                 "cache_control": {"type": "ephemeral"}},),
        messages=({"role": "user", "content": [
            {"type": "text", "text": f"Available agent types for the Agent tool:\n{ROSTER}"},
            {"type": "text", "text": f"Scenario {i}: add a paginated endpoint for invoices"},
        ]},),
        tools=({"name": "Agent", "description": "Launch a sub-agent.", "input_schema": {
            "type": "object", "properties": {"description": {"type": "string"}, "prompt": {"type": "string"},
                                             "subagent_type": {"type": "string"}},
            "required": ["description", "prompt"]}},),
        purpose="routing",
    )


def start_mock(latency: float) -> tuple[subprocess.Popen[str], str]:
    mock = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "mock_api.py"), "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True,
    )
    assert mock.stdout is not None
    return mock, mock.stdout.readline().strip()


async def bench(
    base_url: str, requests: int, concurrency: int, progress: bool
) -> tuple[RunOutcome, float, float]:
    from anthropic import AsyncAnthropic

    provider = AnthropicProvider("sonnet", client=AsyncAnthropic(base_url=base_url, api_key="bench"))
    items = [WorkItem(f"scenario-{i}", routing_request(i)) for i in range(requests)]
    answered: list[ModelResponse] = []
    await provider.complete(routing_request(-1))  # warm up lazy imports and a connection, as a real run has
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    outcome = await run_all(items, provider, concurrency=concurrency, progress=progress,
                            on_response=lambda item, response: answered.append(response),
                            on_error=lambda item, error: print(f"error: {error}", file=sys.stderr))
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    await provider.aclose()
    assert len(answered) == requests, f"only {len(answered)} of {requests} answered"
    return outcome, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    mock, base_url = start_mock(args.latency)
    try:
        outcome, wall, cpu = asyncio.run(
            bench(base_url, args.requests, args.concurrency, not args.no_progress)
        )
    finally:
        mock.terminate()
        mock.wait()
    ideal = args.requests / args.concurrency * args.latency
    print(f"requests {args.requests}, concurrency {args.concurrency}, mock latency {args.latency} s "
          f"(mock in a subprocess)")
    print(f"wall {wall:.2f} s; ideal {ideal:.2f} s; ratio {wall / ideal:.3f} (target <= 1.15)")
    print(f"harness CPU {cpu:.3f} s; per call {cpu / outcome.calls * 1000:.2f} ms (target <= 3 ms)")
    print(f"calls {outcome.calls}, status {outcome.status}, cost ${outcome.cost_usd:.4f}")


if __name__ == "__main__":
    main()
