"""Which roster agents overlap, and the evidence: shared and distinguishing words, examples that go astray.

Offline and deterministic. Each agent gets a lexical profile: the TF-IDF vector of its description (its
`<example>` blocks cut out) weighted like several example requests, plus each example's user request. Two
agents collide as much as their profiles' cosine similarity. The evidence an author can act on is which of
A's own example requests the offline router sends to B (leave-one-out, so an example never votes for
itself), which words the two descriptions share, and which words set each apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from agent_eval.agents.model import Agent, Diagnostic
from agent_eval.agents.parse import AgentSource
from agent_eval.lexical import normalised, surface_forms, tfidf_vectors
from agent_eval.paths import display_path

# A description says what an agent is for on every request; one example request says one way it is asked.
DESCRIPTION_WEIGHT = 3.0
NEAR_DUPLICATE = 0.8  # profile similarity above which the model cannot be expected to tell two agents apart
EVIDENCE_WORDS = 8
_EXAMPLE_BLOCK = re.compile(r"<example>.*?</example>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class StolenExample:
    """One of `owner`'s example requests that the offline router sends to `routed_to` instead."""

    owner: str
    routed_to: str
    text: str


@dataclass(frozen=True)
class Collision:
    a: str
    b: str
    score: float  # cosine similarity of the two profiles, 0 (nothing shared) to 1 (the same words)
    stolen_examples: tuple[StolenExample, ...]
    shared_words: tuple[str, ...]
    only_a: tuple[str, ...]  # words that weigh most in A's profile and least in B's
    only_b: tuple[str, ...]
    identical: bool = False  # the two descriptions are the same text (a copied agent under another name)

    def as_json(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "score": round(self.score, 4),
            "identical": self.identical,
            "stolen_examples": [
                {"owner": s.owner, "routed_to": s.routed_to, "text": s.text} for s in self.stolen_examples
            ],
            "shared_words": list(self.shared_words),
            "only_a": list(self.only_a),
            "only_b": list(self.only_b),
        }


def unique_names(agents: Sequence[Agent]) -> tuple[Agent, ...]:
    """The agents, those sharing a name told apart by their file (a corpus may hold the same name twice)."""
    counts: dict[str, int] = {}
    for agent in agents:
        counts[agent.name] = counts.get(agent.name, 0) + 1
    return tuple(
        agent if counts[agent.name] == 1 else agent.model_copy(update={"name": f"{agent.name}@{agent.path}"})
        for agent in agents
    )


def profiles(agents: Sequence[Agent]) -> list[dict[str, float]]:
    """One L2-normalised lexical profile per agent (see the module docstring)."""
    documents: list[str] = []
    owners: list[tuple[int, float]] = []
    for position, agent in enumerate(agents):
        summary = _EXAMPLE_BLOCK.sub(" ", agent.description)
        contexts = " ".join(e.context for e in agent.examples if e.context)
        documents.append(f"{summary} {contexts}")
        owners.append((position, DESCRIPTION_WEIGHT))
        for example in agent.examples:
            documents.extend(example.user_turns)
            owners.extend((position, 1.0) for _ in example.user_turns)
    sums: list[dict[str, float]] = [{} for _ in agents]
    for (position, weight), vector in zip(owners, tfidf_vectors(documents), strict=True):
        total = sums[position]
        for term, value in vector.items():
            total[term] = total.get(term, 0.0) + weight * value
    return [normalised(total) for total in sums]


def similarity_matrix(vectors: Sequence[dict[str, float]]) -> np.ndarray:
    """Every pair's cosine similarity at once (a sparse product: 356 agents take milliseconds)."""
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, vector in enumerate(vectors):
        for term, value in vector.items():
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(value)
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(len(vectors), max(len(vocabulary), 1)))
    return np.asarray((matrix @ matrix.T).todense())


def near_duplicates(
    agents: Sequence[Agent], threshold: float = NEAR_DUPLICATE
) -> list[tuple[Agent, Agent, float]]:
    """Pairs of agents whose profiles are at least `threshold` similar, most similar first."""
    similar = similarity_matrix(profiles(agents))
    pairs = [
        (agents[i], agents[j], float(similar[i, j]))
        for i in range(len(agents))
        for j in range(i + 1, len(agents))
        if similar[i, j] >= threshold
    ]
    return sorted(pairs, key=lambda pair: -pair[2])


def near_duplicate_warnings(sources: Sequence[AgentSource]) -> list[Diagnostic]:
    """A lint warning on the later file of each near-duplicate pair (a roster check for `lint_paths`)."""
    by_name = {id(source.agent): source for source in sources}
    warnings: list[Diagnostic] = []
    for first, second, similarity in near_duplicates([source.agent for source in sources]):
        later = by_name[id(second)]
        warnings.append(
            Diagnostic(
                file=display_path(second.path),
                line=later.line_of("description"),
                level="warning",
                code="near-duplicate",
                message=f"description overlaps {first.name} ({display_path(first.path)}) "
                f"at {similarity:.2f}: the model cannot tell them apart; see `agent-eval collisions`",
            )
        )
    return warnings


def find_collisions(
    agents: Sequence[Agent], *, top: int | None = 20, min_score: float = 0.15
) -> list[Collision]:
    """Overlapping pairs, most overlapping first, each with its evidence."""
    from agent_eval.providers.local import LocalRouter

    agents = unique_names(agents)
    vectors = profiles(agents)
    similar = similarity_matrix(vectors)
    router = LocalRouter(agents, builtins=False)
    stolen: dict[tuple[str, str], list[StolenExample]] = {}
    for agent in agents:
        for example in agent.examples:
            for text in example.user_turns:
                chosen = router.classify(text).label
                if chosen != agent.name and chosen in {a.name for a in agents}:
                    pair = _pair_key(agent.name, chosen)
                    stolen.setdefault(pair, []).append(StolenExample(agent.name, chosen, text.strip()))
    candidates = {
        (i, j) for i in range(len(agents)) for j in range(i + 1, len(agents)) if similar[i, j] >= min_score
    }
    index_of = {agent.name: i for i, agent in enumerate(agents)}
    candidates |= {tuple(sorted((index_of[a], index_of[b]))) for a, b in stolen}  # type: ignore[misc]
    ranked = sorted(
        candidates, key=lambda ij: (-similar[ij[0], ij[1]], agents[ij[0]].name, agents[ij[1]].name)
    )
    words = surface_forms([a.description for a in agents])
    collisions: list[Collision] = []
    for i, j in ranked[:top] if top is not None else ranked:
        a, b = agents[i], agents[j]
        shared, only_a, only_b = (
            tuple(words.get(term, term) for term in terms) for terms in _words(vectors[i], vectors[j])
        )
        collisions.append(
            Collision(
                a=a.name,
                b=b.name,
                score=float(similar[i, j]),
                stolen_examples=tuple(stolen.get(_pair_key(a.name, b.name), ())),
                shared_words=shared,
                only_a=only_a,
                only_b=only_b,
                identical=a.description.strip() == b.description.strip(),
            )
        )
    return collisions


def _pair_key(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first <= second else (second, first)


def _words(
    a: dict[str, float], b: dict[str, float]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The words both profiles weigh most, and each profile's heaviest words the other lacks."""
    shared = sorted((term for term in a if term in b), key=lambda term: (-min(a[term], b[term]), term))
    only_a = sorted((term for term in a if term not in b), key=lambda term: (-a[term], term))
    only_b = sorted((term for term in b if term not in a), key=lambda term: (-b[term], term))
    return tuple(shared[:EVIDENCE_WORDS]), tuple(only_a[:EVIDENCE_WORDS]), tuple(only_b[:EVIDENCE_WORDS])
