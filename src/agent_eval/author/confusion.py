"""Every agent's own examples routed against the roster through a model: the cross-confusion matrix.

One cheap pass (one call per example request, through the response cache): row = the agent whose example
it is, column = the agent the model chose. Off-diagonal cells are the collisions the model really makes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from agent_eval.agents.roster import Roster
from agent_eval.author.routing_pass import route_scenarios
from agent_eval.scenarios.model import Scenario, ScenarioInput


@dataclass(frozen=True)
class Confusion:
    model: str
    owners: tuple[str, ...]  # rows, roster order
    chosen: tuple[str, ...]  # columns: the owners, then anything else the model chose
    counts: dict[tuple[str, str], int]
    failed: int  # example requests whose call failed
    cost_usd: float

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def correct(self) -> int:
        return sum(n for (owner, chosen), n in self.counts.items() if owner == chosen)

    def as_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "n": self.n,
            "correct": self.correct,
            "failed": self.failed,
            "cost_usd": round(self.cost_usd, 6),
            "matrix": {o: {c: self.counts.get((o, c), 0) for c in self.chosen} for o in self.owners},
        }


def example_scenarios(roster: Roster) -> list[Scenario]:
    """One routing scenario per example user request, expecting the agent whose example it is."""
    return [
        Scenario(
            id=f"{agent.name}-ex{example.index}-{turn}",
            suite="routing",
            input=ScenarioInput(message=text),
            expected=agent.name,
        )
        for agent in roster.agents
        for example in agent.examples
        for turn, text in enumerate(example.user_turns, 1)
        if text.strip()
    ]


def example_confusion(roster: Roster, model_spec: str) -> Confusion:
    return asyncio.run(_example_confusion(roster, model_spec))


async def _example_confusion(roster: Roster, model_spec: str) -> Confusion:
    from agent_eval.paths import home_dir
    from agent_eval.providers.spec import open_model
    from agent_eval.store.db import Store

    scenarios = example_scenarios(roster)
    with Store(home_dir()) as store:
        opened = await open_model(model_spec, roster, store)
        try:
            routed = await route_scenarios(
                scenarios, roster, opened.provider, opened.model, cache=store, progress="examples"
            )
        finally:
            await opened.provider.aclose()
    counts = Counter((s.expected or "", routed.chosen[s.id]) for s in scenarios if s.id in routed.chosen)
    owners = roster.names
    others = sorted({chosen for _, chosen in counts} - set(owners))
    return Confusion(
        model=opened.model,
        owners=owners,
        chosen=(*owners, *others),
        counts=dict(counts),
        failed=len(routed.failed),
        cost_usd=routed.cost_usd,
    )


def render_matrix(confusion: Confusion) -> str:
    """The matrix as aligned text: rows are owners, columns numbered to keep it narrow."""
    width = max(len(name) for name in confusion.owners)
    header = " " * (width + 2) + " ".join(f"{i:>3}" for i in range(1, len(confusion.chosen) + 1))
    lines = [
        f"examples routed by {confusion.model}: {confusion.correct}/{confusion.n} to their own agent",
        header,
    ]
    for owner in confusion.owners:
        cells = " ".join(f"{confusion.counts.get((owner, c), 0) or '.':>3}" for c in confusion.chosen)
        lines.append(f"{owner:<{width}}  {cells}")
    lines += [f"{i:>3} = {name}" for i, name in enumerate(confusion.chosen, 1)]
    return "\n".join(lines)
