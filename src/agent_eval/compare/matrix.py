"""Several models over the same scenarios: one column of figures per model, and every pair compared.

Each model's run is summarised as its own report summarises it (rates with intervals, the judge mean, cost
and latency), and each pair of runs goes through the same paired tests as `compare` (McNemar on routing and
standards, Wilcoxon on the judge's mean), over the scenarios both runs hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from agent_eval.compare.runs import BinaryChange, Comparison, ScoreChange, compare_runs
from agent_eval.run.summary import RunSummary, summarize_run
from agent_eval.stats.clustered import Rate
from agent_eval.store.db import Store

HEADLINE_METRICS = ("routing", "standards", "judge")


@dataclass(frozen=True)
class ModelPair:
    a: str  # model of run A
    b: str
    comparison: Comparison

    def change(self, metric: str) -> BinaryChange | ScoreChange | None:
        """The comparison's change for a headline metric: routing and standards pass rates, the judge."""
        if metric == "judge":
            return next((c for c in self.comparison.scores if c.metric == "judge"), None)
        return next((c for c in self.comparison.binary if c.metric == metric), None)


@dataclass(frozen=True)
class ModelMatrix:
    agent: str
    summaries: tuple[RunSummary, ...]  # one per model, in the order asked
    pairs: tuple[ModelPair, ...]
    alpha: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "models": [
                {
                    "model": s.info.model,
                    "run_id": s.info.run_id,
                    "agent_model": s.info.config.get("agent_model", s.info.model),
                    "routing": None if s.routing is None else _rate(s.routing.accuracy),
                    "standards": None if s.standards is None else _rate(s.standards),
                    "judge_mean": None if s.judge_mean is None else s.judge_mean.estimate,
                    "cost_usd": round(s.usage.cost_usd, 6),
                    "latency_p50_s": s.usage.latency.get(50),
                }
                for s in self.summaries
            ],
            "pairs": [
                {"a": p.a, "b": p.b, **{m: _change(p.change(m), self.alpha) for m in HEADLINE_METRICS}}
                for p in self.pairs
            ],
        }


def model_matrix(store: Store, run_ids: list[str], alpha: float = 0.05) -> ModelMatrix:
    """The matrix of stored runs (one per model). Raises LookupError naming an unknown run."""
    summaries = tuple(summarize_run(store, run_id)[0] for run_id in run_ids)
    pairs = tuple(
        ModelPair(a.info.model, b.info.model, compare_runs(store, a.info.run_id, b.info.run_id, alpha=alpha))
        for a, b in combinations(summaries, 2)
    )
    agents = sorted({s.info.agent for s in summaries})
    return ModelMatrix(agent=", ".join(agents), summaries=summaries, pairs=pairs, alpha=alpha)


def _rate(rate: Rate) -> dict[str, Any]:
    return {"rate": rate.rate, "n": rate.n, "scenarios": rate.scenarios, "ci95": list(rate.ci95)}


def _change(change: BinaryChange | ScoreChange | None, alpha: float) -> dict[str, Any] | None:
    return None if change is None else change.as_dict(alpha)
