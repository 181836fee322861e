"""Route a set of scenarios against a roster through a model: the one scoring pass the author tools share.

It runs through the project's runner (response cache, budget, adaptive concurrency) and returns, per
scenario, the agent the model chose; nothing is stored as a run: an author's trial of a description is not
an evaluation of the agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent_eval.agents.roster import RosterLike
from agent_eval.harness.routing import decide, routing_request_builder
from agent_eval.providers.model import ModelResponse, Provider
from agent_eval.runner import ResponseCache, WorkItem, run_all
from agent_eval.scenarios.model import Scenario


@dataclass(frozen=True)
class RoutingPass:
    chosen: dict[str, str]  # scenario id → the agent chosen, or "none"
    failed: tuple[str, ...]  # scenario ids whose call failed after retries
    cost_usd: float
    calls: int
    stopped: str | None  # "budget" or "interrupted" when the pass did not finish


async def route_scenarios(
    scenarios: Sequence[Scenario],
    roster: RosterLike,
    provider: Provider,
    model: str,
    *,
    cache: ResponseCache | None = None,
    concurrency: int = 8,
    max_cost: float | None = None,
    spent_usd: float = 0.0,
    progress: bool | str = False,
) -> RoutingPass:
    """Each scenario's routing decision with `roster` offered, as the run's routing suite would ask it."""
    build = routing_request_builder(roster, model)
    items = [WorkItem(s.id, build(s)) for s in scenarios]
    chosen: dict[str, str] = {}
    failed: list[str] = []

    def on_response(item: WorkItem, response: ModelResponse) -> None:
        chosen[item.key] = decide(response).label

    def on_error(item: WorkItem, error: BaseException) -> None:
        failed.append(item.key)

    outcome = await run_all(
        items,
        provider,
        on_response=on_response,
        on_error=on_error,
        concurrency=concurrency,
        cache=cache,
        max_cost=max_cost,
        spent_usd=spent_usd,
        progress=progress,
    )
    return RoutingPass(
        chosen=chosen,
        failed=tuple(failed),
        cost_usd=outcome.cost_usd,
        calls=outcome.calls,
        stopped=None if outcome.status == "finished" else outcome.status,
    )
