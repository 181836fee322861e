"""How far one routing harness is from another: two stored runs over the same scenarios, their decisions
paired by (scenario, epoch); agreement, Cohen's κ with its interval, and the scenarios that disagree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_eval.stats.agreement import kappa_interval
from agent_eval.store.db import Store
from agent_eval.store.model import RunInfo


class FidelityError(ValueError):
    """Unknown runs, or runs without routing decisions in common."""


@dataclass(frozen=True)
class Fidelity:
    run_a: str
    run_b: str
    decisions: tuple[tuple[str, int, str, str], ...]  # (scenario id, epoch, decision under A, under B)
    kappa: float
    ci95: tuple[float, float]

    @property
    def agree(self) -> int:
        return sum(1 for _, _, a, b in self.decisions if a == b)

    def as_dict(self) -> dict[str, Any]:
        n = len(self.decisions)
        return {
            "n": n, "agree": self.agree, "agreement": self.agree / n, "kappa": self.kappa,
            "ci95": list(self.ci95), "runs": [self.run_a, self.run_b],
            "disagreements": [{"scenario_id": s, "a": a, "b": b} for s, _, a, b in self.decisions if a != b],
        }


REAL_CLI = "claude-code"


def measured_against_the_cli(store: Store, info: RunInfo) -> Fidelity | None:
    """For a routing run made without the real CLI: its agreement with the newest run of the same agent,
    model and dataset made with it (`agent-eval fidelity` makes such a pair); None when there is none."""
    if info.config.get("harness", "builtin") == REAL_CLI or "routing" not in info.suites:
        return None
    for other in store.list_runs(info.agent):
        same = other.model == info.model and other.dataset_hash == info.dataset_hash
        if same and other.config.get("harness") == REAL_CLI:
            try:
                return fidelity(store, other.run_id, info.run_id)
            except FidelityError:
                continue
    return None


def fidelity(store: Store, run_a: str, run_b: str) -> Fidelity:
    """Pair the routing decisions both runs made (errors left out) and measure their agreement."""
    decisions: list[dict[tuple[str, int], str]] = []
    for run_id in (run_a, run_b):
        if store.get_run(run_id) is None:
            raise FidelityError(f"no stored run {run_id!r} (see `agent-eval runs`)")
        decisions.append({
            (r.scenario_id, r.epoch): r.chosen for r in store.results(run_id)
            if r.suite == "routing" and r.error is None and r.chosen is not None
        })
    shared = sorted(decisions[0].keys() & decisions[1].keys())
    if not shared:
        raise FidelityError(f"runs {run_a} and {run_b} share no routing decision")
    pairs = tuple((s, e, decisions[0][(s, e)], decisions[1][(s, e)]) for s, e in shared)
    interval = kappa_interval([p[2] for p in pairs], [p[3] for p in pairs])
    return Fidelity(run_a, run_b, pairs, interval.estimate, (interval.low, interval.high))
