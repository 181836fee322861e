"""Routing scenarios for one agent, derived from the roster: positives, hard negatives, no-delegation cases,
requests for Claude Code's built-in agents, and surface variants of them.

Hard negatives are ordered by how close their agent is to the agent under test: the TF-IDF cosine
similarity of the two descriptions (examples included), idf taken over the whole roster.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_eval.agents.builtin import BUILTIN_NAMES
from agent_eval.agents.examples import without_examples
from agent_eval.agents.model import Agent, Example
from agent_eval.scenarios.examples import example_input, example_note, id_prefix, source_path
from agent_eval.scenarios.generic import RosterFreeCases
from agent_eval.scenarios.model import NO_DELEGATION, Provenance, Scenario, ScenarioInput
from agent_eval.scenarios.similarity import closeness_to
from agent_eval.scenarios.sources import ContextSnippet
from agent_eval.scenarios.variants import VARIANT_KINDS, VariantKind, introduced_frameworks, rewrite

POSITIVE_VARIANTS: tuple[VariantKind, ...] = VARIANT_KINDS
NEGATIVE_VARIANTS: tuple[VariantKind, ...] = ("terse", "paraphrase")
# Only the negatives of the agents closest to the one under test get variants: that is where a surface
# change is most likely to flip the decision.
CLOSEST_AGENTS_WITH_VARIANTS = 3


@dataclass(frozen=True)
class RoutingDerivation:
    scenarios: tuple[Scenario, ...]
    closeness: tuple[tuple[str, float], ...]  # other agents, closest first
    skipped: tuple[str, ...]  # why some examples or variants gave no scenario
    warnings: tuple[str, ...] = ()  # what the user should fix for a fair dataset


def claimants(framework: str, agents: Sequence[Agent]) -> list[str]:
    """The agents whose name or description (examples left out) names `framework`."""
    key = re.sub(r"[^a-z0-9]", "", framework.lower())
    mention = re.compile(rf"(?<![\w.-]){re.escape(framework)}(?![\w-])")
    found = []
    for agent in agents:
        name_parts = [re.sub(r"[^a-z0-9]", "", part) for part in agent.name.lower().split("-")]
        named = any(part == key or (len(part) >= 4 and key.startswith(part)) for part in name_parts)
        if named or mention.search(without_examples(agent.description)):
            found.append(agent.name)
    return found


def variants_of(
    base: Scenario,
    kinds: Sequence[VariantKind],
    rivals: Sequence[Agent] = (),
    skipped: list[str] | None = None,
) -> list[Scenario]:
    """The base scenario reworded once per kind; context, expectation and provenance carried over.

    An `other-framework` variant that brings in a framework one of the `rivals` (the other roster agents)
    claims is left out, noted in `skipped`: its right answer may well be that agent, not the expected one.
    """
    variants: list[Scenario] = []
    for kind in kinds:
        message = rewrite(kind, base.input.message, base.id)
        if message == base.input.message:
            continue
        if kind == "other-framework":
            claimed = {f: claimants(f, rivals) for f in introduced_frameworks(base.input.message, message)}
            claimed = {f: names for f, names in claimed.items() if names}
            if claimed:
                if skipped is not None:
                    skipped += [
                        f"{base.id}-{kind}: {framework} is claimed by {', '.join(names)}"
                        for framework, names in sorted(claimed.items())
                    ]
                continue
        extra = ("paraphrase",) if kind == "paraphrase" else ("paraphrase", kind)
        variants.append(
            base.model_copy(
                update={
                    "id": f"{base.id}-{kind}",
                    "input": ScenarioInput(context=base.input.context, message=message),
                    "tags": (*base.tags, *extra),
                    "provenance": base.provenance.model_copy(update={"variant_of": base.id}),
                    "note": None,
                }
            )
        )
    return variants


def _example_scenario(
    scenario_id: str,
    agent: Agent,
    example: Example,
    expected: str,
    tags: tuple[str, ...],
    note: str,
    snippets: Sequence[ContextSnippet],
    root: Path,
) -> Scenario:
    return Scenario(
        id=scenario_id,
        suite="routing",
        input=example_input(example, snippets),
        expected=expected,
        tags=(*tags, "proactive") if example.proactive else tags,
        provenance=Provenance(source=source_path(agent, root), example=example.index),
        note=note,
    )


def derive_routing(
    agent: Agent,
    roster: Sequence[Agent],
    cases: RosterFreeCases,
    snippets: Sequence[ContextSnippet],
    root: Path,
) -> RoutingDerivation:
    prefix = id_prefix(agent.name)
    others = [a for a in roster if a.name != agent.name]
    scores = closeness_to(agent.description, [a.description for a in others])
    ranked = sorted(zip(others, scores, strict=True), key=lambda pair: (-round(pair[1], 6), pair[0].name))
    known_targets = {a.name for a in roster} | set(BUILTIN_NAMES)
    scenarios: list[Scenario] = []
    skipped: list[str] = []
    warnings: list[str] = []
    if not agent.examples:
        warnings.append(
            f"{agent.name} has no <example> blocks in its description: no positive scenarios; "
            "add examples of requests it should take"
        )

    def usable(owner: Agent, example: Example) -> bool:
        if not example.user_turns:
            skipped.append(f"{owner.name} example {example.index}: no user turn")
            return False
        if example.target not in known_targets:
            skipped.append(
                f"{owner.name} example {example.index}: target '{example.target}' is not in the roster"
            )
            return False
        return True

    for example in agent.examples:
        if usable(agent, example) and example.target == agent.name:
            base = _example_scenario(
                f"{prefix}-pos-ex{example.index}",
                agent,
                example,
                agent.name,
                ("positive",),
                example_note(agent, example),
                snippets,
                root,
            )
            scenarios += [base, *variants_of(base, POSITIVE_VARIANTS, others, skipped)]
    for rank, (other, score) in enumerate(ranked):
        for example in other.examples:
            if not usable(other, example):
                continue
            own = example.target == agent.name  # another agent's file showing a hand-off to this one
            kind = "pos" if own else "neg"
            note = f"{example_note(other, example)} Closeness of {other.name} to {agent.name}: {score:.2f}."
            base = _example_scenario(
                f"{prefix}-{kind}-{other.name}-ex{example.index}",
                other,
                example,
                example.target,
                ("positive",) if own else ("hard-negative",),
                note,
                snippets,
                root,
            )
            kinds = NEGATIVE_VARIANTS if rank < CLOSEST_AGENTS_WITH_VARIANTS else ()
            scenarios += [base, *variants_of(base, kinds)]
    if agent.examples and not any("positive" in s.tags for s in scenarios):
        warnings.append(f"{agent.name}: none of its examples gave a positive scenario (see `skipped`)")
    taken = {a.name for a in roster}
    for builtin in cases.builtin:
        if builtin.expected in taken:
            skipped.append(f"{builtin.id}: the roster's own {builtin.expected} shadows the built-in agent")
            continue
        scenarios.append(
            Scenario(
                id=builtin.id,
                suite="routing",
                input=ScenarioInput(context=builtin.context, message=builtin.message_for(cases.stack)),
                expected=builtin.expected,
                tags=("built-in", builtin.expected),
                provenance=Provenance(source=cases.builtin_source),
                note=builtin.note,
            )
        )
    for case in cases.no_delegation:
        scenarios.append(
            Scenario(
                id=case.id,
                suite="routing",
                input=ScenarioInput(context=case.context, message=case.message_for(cases.stack)),
                expected=NO_DELEGATION,
                tags=("no-delegation", case.kind),
                provenance=Provenance(source=cases.no_delegation_source),
                note=case.note,
            )
        )
    return RoutingDerivation(
        scenarios=tuple(scenarios),
        closeness=tuple((a.name, round(s, 4)) for a, s in ranked),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )
