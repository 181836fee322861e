"""Benchmark: the three routing harnesses on the project's routing scenarios, against the mock API.

Run from the project root with the extra installed: `.venv/bin/python bench/bench_claude_code.py [--limit N]`.
Prints (1) the first scenario's request under builtin, captured and claude-code side by side: tools, where
the roster sits, size in tokens (estimated at 4 characters a token); (2) per harness, through the runner
with the store's response cache: wall and CPU time per scenario (this process and its CLI children), peak
memory of the process tree, most CLI processes alive at once; (3) the fidelity plumbing: Cohen's kappa of
each pair of harnesses (the mock answers by the user's words, so agreement is 1 by construction).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from agent_eval.agents.roster import load_roster
from agent_eval.harness.routing import decide
from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.providers.model import ModelResponse
from agent_eval.runner import WorkItem, run_all
from agent_eval.scenarios.dataset import load_scenarios
from agent_eval.stats.agreement import cohen_kappa
from agent_eval.store.db import Store
from agent_eval.suites.harnesses import HarnessOptions, open_harness
from mock_api import MockAnthropic, last_user_text, tool_use_block

MODEL = "claude-sonnet-5-5"
AGENT = "backend-developer"


def reply(request: dict[str, Any]) -> Any:
    """A decision of each kind, chosen by the words (the same under every harness)."""
    words = last_user_text(request)
    kind = sum(words.encode()) % 4
    if kind == 0:
        return [tool_use_block("Agent", {"description": "Do it", "prompt": words, "subagent_type": AGENT})]
    if kind == 1:
        return [tool_use_block("Read", {"file_path": "README.md"})]
    if kind == 2:
        return [tool_use_block("Skill", {"skill": "code-review"})]
    return "Here is the answer."


def tree_rss_mb() -> float:
    """Resident memory of this process and all its descendants, in MB (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields.get("PPid", "0").strip())
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    family = {int(Path("/proc/self").resolve().name)}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    return sum(rss.get(pid, 0) for pid in family) / 1024


class PeakMemory:
    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, tree_rss_mb())

    def __enter__(self) -> PeakMemory:
        self.peak = tree_rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb())


def cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def describe(body: dict[str, Any]) -> dict[str, Any]:
    messages = body["messages"]
    where = "?"
    for index, message in enumerate(messages):
        if "Available agent types for the Agent tool:" in json.dumps(message):
            after = index > 0 and messages[index - 1]["role"] == "user"
            where = f"{message['role']} message #{index + 1}, {'after' if after else 'before'} the words"
    return {
        "tools": [t["name"] for t in body.get("tools", [])],
        "roster": where,
        "system blocks": len(body.get("system", [])),
        "beta fields": sorted(k for k in body if k in ("thinking", "output_config", "context_management")),
        "tokens (est.)": len(json.dumps(body)) // 4,
    }


async def run_harness(name: str, api: MockAnthropic, roster: Any, scenarios: list[Any], home: Path,
                      store: Store) -> dict[str, Any]:
    upstream = AnthropicProvider(MODEL, client=api.client(max_retries=2))
    options = HarnessOptions(home=home, project_root=Path.cwd(), cache=store)
    harness = await open_harness(name, upstream, roster, MODEL, options)
    items = [WorkItem(s.id, harness.request(s)) for s in scenarios]
    decisions: dict[str, str] = {}
    errors: dict[str, str] = {}

    def on_response(item: WorkItem, response: ModelResponse) -> None:
        decisions[item.key] = decide(response).label

    def on_error(item: WorkItem, err: BaseException) -> None:
        errors[item.key] = f"{type(err).__name__}: {err}"

    before_calls = api.count()
    cpu0, wall0 = cpu_s(), time.perf_counter()
    with PeakMemory() as memory:
        outcome = await run_all(items, harness.provider, on_response=on_response, on_error=on_error,
                                concurrency=8, cache=store, progress=False)
    wall, cpu = time.perf_counter() - wall0, cpu_s() - cpu0
    runner = getattr(harness.provider, "runner", None)
    await harness.provider.aclose()
    return {
        "harness": name, "scenarios": len(items), "answered": len(decisions), "errors": errors,
        "api calls": api.count() - before_calls, "cache hits": outcome.cache_hits,
        "wall s/scenario": round(wall / max(1, len(items)), 3),
        "cpu s/scenario": round(cpu / max(1, len(items)), 3),
        "wall s": round(wall, 2), "peak tree MB": round(memory.peak), "notes": list(harness.notes),
        "max live CLI": runner.peak_live if runner else 0, "live limit": runner.live_limit if runner else 0,
        "decisions": decisions,
        "first body": api.bodies()[before_calls] if api.count() > before_calls else None,
    }


async def main_async(limit: int) -> None:
    roster = load_roster(Path("agents"))
    scenarios = [s for s in load_scenarios(AGENT, ("routing",), Path.cwd()) if not s.input.context][:limit]
    with tempfile.TemporaryDirectory() as home, MockAnthropic(responder=reply, latency_s=0.3) as api:
        results = []
        for name in ("builtin", "captured", "claude-code"):
            with Store(Path(home) / name) as store:
                results.append(await run_harness(name, api, roster, scenarios, Path(home), store))
                if name == "claude-code":  # the same run again: every scenario from the response cache
                    again = await run_harness(name, api, roster, scenarios, Path(home), store)
        print("== the first scenario's request, side by side")
        for result in results:
            if result["first body"]:
                print(f"{result['harness']:>12}: {json.dumps(describe(result['first body']))}")
        print("== per harness (mock latency 0.3 s per call)")
        for result in [*results, {**again, "harness": "claude-code (cached)"}]:
            shown = {k: v for k, v in result.items() if k not in ("decisions", "first body")}
            print(json.dumps(shown))
        print("== fidelity plumbing (kappa of decisions over shared scenarios)")
        for i, a in enumerate(results):
            for b in results[i + 1:]:
                shared = sorted(a["decisions"].keys() & b["decisions"].keys())
                first, second = [a["decisions"][k] for k in shared], [b["decisions"][k] for k in shared]
                agree = sum(x == y for x, y in zip(first, second, strict=True))
                kappa = cohen_kappa(first, second) if shared else float("nan")
                print(f"{a['harness']} vs {b['harness']}: n={len(shared)} agree={agree} kappa={kappa:.2f}"
                      f" decisions={sorted(set(first))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main_async(args.limit))


if __name__ == "__main__":
    main()
