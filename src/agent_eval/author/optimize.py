"""`optimize`: propose description revisions with a model, keep one only when a held-out split confirms it.

The agent's routing scenarios are split once, deterministically and stratified (scenarios that expect the
agent, and the rest), into a train split the proposer learns from and a held-out split it never sees. A
round asks the proposer (a forced tool call: the new description and why) to fix the train misroutes of the
current best description, scores the candidate on train and, when it is better there, on held-out, where
the paired exact McNemar test that `compare` uses decides. The first round whose held-out gain is not
significant ends the session. The score is balanced accuracy for the agent: the share of its own
scenarios it gets, and the share of the others it leaves alone, count the same, so a description that
grabs everything scores 0.5, no better than one that grabs nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_eval.agents.model import Agent
from agent_eval.agents.roster import RosterLike, roster_agents
from agent_eval.author.routing_pass import RoutingPass, route_scenarios
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
from agent_eval.runner import ResponseCache
from agent_eval.scenarios.model import Scenario
from agent_eval.stats.paired import mcnemar_exact

HELDOUT_SHARE = 0.4
PROPOSE_TOOL = "propose_description"
MAX_MISSES_SHOWN = 40
_PROPOSER_INSTRUCTIONS = (
    "You improve the `description` of one agent in a roster of Claude Code agents. The main assistant reads "
    "every agent's description to decide whether to hand a request to that agent, to another one, or to "
    "handle it itself. You see the current description and requests that were routed wrongly with it. "
    "Write a revised description that makes the main assistant pick this agent for the requests that belong "
    "to it and leave alone those that belong to other agents or need no agent: taking too much is as bad as "
    "taking too little. Keep the agent's purpose, keep or improve its <example> blocks, and keep it concise. "
    f"Answer only through the {PROPOSE_TOOL} tool."
)


class OptimizeError(Exception):
    """Bad input for an optimize session (exit code 2)."""


@dataclass(frozen=True)
class Split:
    train: tuple[Scenario, ...]
    heldout: tuple[Scenario, ...]


@dataclass(frozen=True)
class Score:
    """How well the routing decisions serve one agent over a set of scenarios."""

    recall: float  # its own scenarios routed to it
    specificity: float  # the other scenarios not routed to it
    positives: int
    negatives: int
    correct: dict[str, bool] = field(repr=False)  # per scenario: right with respect to this agent

    @property
    def balanced(self) -> float:
        return (self.recall + self.specificity) / 2

    def as_json(self) -> dict[str, Any]:
        return {
            "balanced_accuracy": round(self.balanced, 4),
            "recall": round(self.recall, 4),
            "specificity": round(self.specificity, 4),
            "n": self.positives + self.negatives,
        }


@dataclass(frozen=True)
class Round:
    number: int
    description: str
    rationale: str
    train: Score
    heldout: Score | None  # None when the candidate was no better on train
    p_value: float | None  # held-out, against the best description so far (one-sided: it improves)
    kept: bool
    cost_usd: float

    def as_json(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "train": self.train.as_json(),
            "heldout": self.heldout.as_json() if self.heldout else None,
            "p_value": self.p_value,
            "kept": self.kept,
            "cost_usd": round(self.cost_usd, 6),
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class OptimizeResult:
    agent: str
    baseline_description: str
    baseline_train: Score
    baseline_heldout: Score
    best_description: str
    best_train: Score
    best_heldout: Score
    p_value: float  # held-out, best against baseline (one-sided)
    rounds: tuple[Round, ...]
    stopped: str  # why the session ended
    cost_usd: float

    @property
    def improved(self) -> bool:
        return self.best_description != self.baseline_description

    def diff(self) -> str:
        return description_diff(self.baseline_description, self.best_description)

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "baseline": {
                "train": round(self.baseline_train.balanced, 4),
                "heldout": round(self.baseline_heldout.balanced, 4),
            },
            "best": {
                "train": round(self.best_train.balanced, 4),
                "heldout": round(self.best_heldout.balanced, 4),
                "p_value": self.p_value,
            },
            "rounds": [r.as_json() for r in self.rounds],
            "diff": self.diff(),
            "stopped": self.stopped,
            "cost_usd": round(self.cost_usd, 6),
        }


def split_scenarios(scenarios: Sequence[Scenario], agent: str, heldout_share: float = HELDOUT_SHARE) -> Split:
    """A fixed split: within each stratum the scenarios are ordered by a hash of their id, and the first
    `heldout_share` of them are held out, so the split never depends on file order or on the run."""
    if not 0 < heldout_share < 1:
        raise OptimizeError(f"--heldout-share must be between 0 and 1 (got {heldout_share})")
    train: list[Scenario] = []
    heldout: list[Scenario] = []
    for wanted in (True, False):
        stratum = sorted(
            (s for s in scenarios if (s.expected == agent) is wanted),
            key=lambda s: hashlib.sha256(s.id.encode()).hexdigest(),
        )
        cut = round(len(stratum) * heldout_share)
        heldout += stratum[:cut]
        train += stratum[cut:]
    return Split(tuple(train), tuple(heldout))


def score(scenarios: Sequence[Scenario], chosen: dict[str, str], agent: str) -> Score:
    """Balanced accuracy for `agent`; a scenario whose call failed counts as wrong."""
    correct: dict[str, bool] = {}
    for scenario in scenarios:
        picked = chosen.get(scenario.id)
        wanted = scenario.expected == agent
        correct[scenario.id] = picked is not None and (picked == agent) is wanted
    positives = [s.id for s in scenarios if s.expected == agent]
    negatives = [s.id for s in scenarios if s.expected != agent]
    return Score(
        recall=sum(correct[i] for i in positives) / len(positives) if positives else 1.0,
        specificity=sum(correct[i] for i in negatives) / len(negatives) if negatives else 1.0,
        positives=len(positives),
        negatives=len(negatives),
        correct=correct,
    )


def improvement_p_value(before: Score, after: Score) -> float:
    """One-sided exact McNemar: does `after` get more scenarios right than `before` on the same set?"""
    lost = sum(before.correct[i] and not after.correct[i] for i in before.correct)
    gained = sum(after.correct[i] and not before.correct[i] for i in before.correct)
    return mcnemar_exact(lost, gained, "less")


def with_description(roster: RosterLike, agent: str, description: str) -> tuple[Agent, ...]:
    return tuple(
        a.model_copy(update={"description": description}) if a.name == agent else a
        for a in roster_agents(roster)
    )


def proposal_request(
    agent: Agent,
    roster: RosterLike,
    description: str,
    train: Sequence[Scenario],
    chosen: dict[str, str],
    attempts: Sequence[Round],
    model: str,
) -> ModelRequest:
    """The proposer's request: only train scenarios appear in it, never held-out ones."""
    misses = [s for s in train if (chosen.get(s.id) == agent.name) is not (s.expected == agent.name)]
    lines = [
        f"Agent: {agent.name}",
        "",
        "Current description:",
        description,
        "",
        "Other agents in the roster:",
    ]
    lines += [
        f"- {other.name}: {_first_line(other.description)}"
        for other in roster_agents(roster)
        if other.name != agent.name
    ]
    lines += ["", f"Requests routed wrongly with the current description ({len(misses)} of {len(train)}):"]
    for scenario in misses[:MAX_MISSES_SHOWN]:
        lines.append(
            f"- {json.dumps(scenario.input.message, ensure_ascii=False)}: belongs to {scenario.expected}, "
            f"went to {chosen.get(scenario.id, 'no answer')}"
        )
    if attempts:
        lines += ["", "Earlier revisions and their balanced accuracy on these requests:"]
        lines += [f"- round {r.number}: {r.train.balanced:.3f} ({r.rationale})" for r in attempts]
    tool = {
        "name": PROPOSE_TOOL,
        "description": "Submit the revised description of the agent and the reason for the change.",
        "input_schema": {
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "the full revised description"},
                "rationale": {
                    "type": "string",
                    "description": "what changed and why, in one or two sentences",
                },
            },
            "required": ["description", "rationale"],
        },
    }
    return ModelRequest(
        model=model,
        max_tokens=4096,
        system=({"type": "text", "text": _PROPOSER_INSTRUCTIONS},),
        messages=({"role": "user", "content": [{"type": "text", "text": "\n".join(lines)}]},),
        tools=(tool,),
        tool_choice={"type": "tool", "name": PROPOSE_TOOL},
        purpose="optimize",
        sample=len(attempts) + 1,
    )


def parse_proposal(response: ModelResponse) -> tuple[str, str]:
    """The proposed description and rationale; OptimizeError when the answer does not hold them."""
    for call in response.tool_calls:
        arguments = call.get("input")
        if call.get("name") == PROPOSE_TOOL and isinstance(arguments, dict):
            description = arguments.get("description")
            if isinstance(description, str) and description.strip():
                return description.strip(), str(arguments.get("rationale", "")).strip()
    raise OptimizeError(f"the proposer did not answer through {PROPOSE_TOOL} with a description")


def description_diff(before: str, after: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            "description (before)",
            "description (after)",
            lineterm="",
        )
    )


@dataclass(frozen=True)
class _Candidate:
    description: str
    train: Score
    heldout: Score
    train_chosen: dict[str, str]  # what the proposer sees of it: its train decisions


@dataclass
class _Session:
    """The bookkeeping of one optimize session: the budget spent so far and the scoring passes."""

    agent: str
    provider: Provider
    model: str
    cache: ResponseCache | None
    concurrency: int
    max_cost: float | None
    progress: bool
    spent: float = 0.0
    stopped: str | None = None

    async def route(self, scenarios: Sequence[Scenario], roster: RosterLike, label: str) -> dict[str, str]:
        routed: RoutingPass = await route_scenarios(
            scenarios,
            roster,
            self.provider,
            self.model,
            cache=self.cache,
            concurrency=self.concurrency,
            max_cost=self.max_cost,
            spent_usd=self.spent,
            progress=label if self.progress else False,
        )
        self.spent += routed.cost_usd
        if routed.stopped:
            self.stopped = f"{routed.stopped} during {label}"
        return routed.chosen


async def optimize(
    agent_name: str,
    roster: RosterLike,
    scenarios: Sequence[Scenario],
    provider: Provider,
    model: str,
    *,
    proposer: Provider | None = None,
    proposer_model: str | None = None,
    rounds: int = 3,
    alpha: float = 0.05,
    heldout_share: float = HELDOUT_SHARE,
    max_cost: float | None = None,
    cache: ResponseCache | None = None,
    concurrency: int = 8,
    progress: bool = False,
) -> OptimizeResult:
    """Up to `rounds` proposals; see the module docstring for how one is kept."""
    agents = {a.name: a for a in roster_agents(roster)}
    if agent_name not in agents:
        raise OptimizeError(f"no agent named {agent_name!r} in the roster")
    if rounds < 1:
        raise OptimizeError("--rounds must be at least 1")
    split = split_scenarios(scenarios, agent_name, heldout_share)
    if not any(s.expected == agent_name for s in split.heldout) or not split.train:
        raise OptimizeError(
            f"too few routing scenarios for {agent_name} to hold some out: run `agent-eval derive` first"
        )
    agent = agents[agent_name]
    session = _Session(agent_name, provider, model, cache, concurrency, max_cost, progress)
    proposer = proposer or provider
    proposer_model = proposer_model or model

    base_train_chosen = await session.route(split.train, roster, "baseline train")
    base_heldout_chosen = await session.route(split.heldout, roster, "baseline held-out")
    baseline_train = score(split.train, base_train_chosen, agent_name)
    baseline_heldout = score(split.heldout, base_heldout_chosen, agent_name)
    best = _Candidate(agent.description, baseline_train, baseline_heldout, base_train_chosen)
    history: list[Round] = []
    stopped = f"{rounds} rounds done"
    for number in range(1, rounds + 1):
        if session.stopped:
            stopped = session.stopped
            break
        before = session.spent
        request = proposal_request(
            agent, roster, best.description, split.train, best.train_chosen, history, proposer_model
        )
        response = await proposer.complete(request)
        session.spent += response.cost_usd
        description, rationale = parse_proposal(response)
        candidate = with_description(roster, agent_name, description)
        train_chosen = await session.route(split.train, candidate, f"round {number} train")
        train = score(split.train, train_chosen, agent_name)
        heldout: Score | None = None
        p_value: float | None = None
        kept = False
        if train.balanced > best.train.balanced and not session.stopped:
            heldout_chosen = await session.route(split.heldout, candidate, f"round {number} held-out")
            heldout = score(split.heldout, heldout_chosen, agent_name)
            p_value = improvement_p_value(best.heldout, heldout)
            kept = heldout.balanced > best.heldout.balanced and p_value < alpha and not session.stopped
        cost = session.spent - before
        history.append(Round(number, description, rationale, train, heldout, p_value, kept, cost))
        if kept and heldout is not None:
            best = _Candidate(description, train, heldout, train_chosen)
        elif heldout is not None:
            stopped = f"round {number}: the held-out score stopped improving significantly"
            break
    return OptimizeResult(
        agent=agent_name,
        baseline_description=agent.description,
        baseline_train=baseline_train,
        baseline_heldout=baseline_heldout,
        best_description=best.description,
        best_train=best.train,
        best_heldout=best.heldout,
        p_value=improvement_p_value(baseline_heldout, best.heldout),
        rounds=tuple(history),
        stopped=session.stopped or stopped,
        cost_usd=session.spent,
    )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
