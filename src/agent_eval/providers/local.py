"""The offline `local` routing baseline: a lexical (TF-IDF) router over the roster's descriptions+examples.

It is not a language model and does not imitate one. It measures how separable the agent descriptions are
by their words alone: a request goes to the agent type whose description or example requests share the
most weighted vocabulary with it, or to `none` (the main assistant handles it) when nothing is close
enough. It answers routing requests built by `harness.routing` with the same content blocks a model
would produce (an `Agent` tool call, or plain text), so `decide()` reads both alike.

Every agent type is represented by several documents: its description (with its examples' context
lines), and each example user request on its own. Built-in agents use their description and a few
requests typical of them; `none` is represented by everyday requests a main assistant does itself. A
query scores each class by cosine similarity to the centroid of that class's documents. The thresholds
below which the answer is `none` (one for roster agents, one for built-ins) are calibrated by
leave-one-out over the example requests.

It knows the request only as a provider must: the last user text, and whether the `Agent` tool is offered.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agent_eval.agents.builtin import AGENT_TOOL, BUILTIN_AGENTS, BUILTIN_NAMES
from agent_eval.agents.examples import without_examples
from agent_eval.agents.model import Agent
from agent_eval.agents.roster import RosterLike, roster_agents
from agent_eval.lexical import idf_weights, normalised, tokens, weigh
from agent_eval.providers.model import ModelRequest, ModelResponse, Usage
from agent_eval.providers.spec import LOCAL_MODEL
from agent_eval.scenarios.model import NO_DELEGATION

# Chosen by leave-one-out over the project's 12-agent roster: nearest single document 0.35, class
# centroids with descriptions weighted 1, 2 and 4 times an example: 0.47, 0.62, 0.67.
DESCRIPTION_WEIGHT = 4.0

# Everyday requests a main assistant does itself rather than delegating: the `none` class.
DIRECT_REQUESTS: tuple[str, ...] = (
    "fix the typo in the readme",
    "what does this regular expression match?",
    "rename the variable count to total in utils",
    "run the tests and tell me what fails",
    "commit these changes with a sensible message",
    "explain this error message",
    "add a comment above this function",
    "what is the difference between let and const?",
    "format this file",
    "bump the version number in package.json",
    "delete the unused import on line 3",
    "how do I undo my last git commit?",
    "show me the contents of the env example file",
    "translate this sentence into French",
    "what time zone does the cron schedule use?",
    "thanks, that works",
)



@dataclass(frozen=True)
class Document:
    label: str  # the agent type this document stands for, or "none"
    text: str
    is_request: bool = True  # an example request (held out in calibration), not a description


@dataclass(frozen=True)
class LexicalChoice:
    label: str
    score: float  # similarity of the chosen class
    scores: dict[str, float]  # every class's similarity


class LexicalIndex:
    """TF-IDF (sublinear tf, smoothed idf) with one centroid per class (a Rocchio classifier).

    A class's centroid is the normalised sum of its documents' normalised vectors, the description
    weighted DESCRIPTION_WEIGHT times an example request: the description is what the model reads for
    every agent, the examples add the words users actually type.
    """

    def __init__(self, documents: Sequence[Document]) -> None:
        counts = [Counter(tokens(d.text)) for d in documents]
        self.idf = idf_weights(counts)
        self.documents = tuple(documents)
        self.vectors = [weigh(count, self.idf) for count in counts]
        self.sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for document, vector in zip(documents, self.vectors, strict=True):
            for term, weight in vector.items():
                self.sums[document.label][term] += weight * _document_weight(document)
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for label, total in self.sums.items():
            for term, weight in normalised(total).items():
                self.postings[term].append((label, weight))

    def similarities(self, text: str, *, leave_out: int | None = None) -> dict[str, float]:
        """Cosine similarity of `text` to every class centroid; `leave_out` drops one document from its
        class's centroid first (leave-one-out calibration)."""
        query = weigh(Counter(tokens(text)), self.idf)
        scores: dict[str, float] = dict.fromkeys(self.sums, 0.0)
        for term, weight in query.items():
            for label, centroid_weight in self.postings.get(term, ()):
                scores[label] += weight * centroid_weight
        if leave_out is not None:
            held_out = self.documents[leave_out]
            remaining = dict(self.sums[held_out.label])
            for term, weight in self.vectors[leave_out].items():
                remaining[term] -= weight * _document_weight(held_out)
            centroid = normalised({t: w for t, w in remaining.items() if w > 1e-12})
            scores[held_out.label] = sum(w * centroid.get(t, 0.0) for t, w in query.items())
        return scores


def _document_weight(document: Document) -> float:
    return 1.0 if document.is_request else DESCRIPTION_WEIGHT


def agent_documents(agent: Agent) -> list[Document]:
    """The description (examples cut out, their context lines kept) and each example user turn."""
    contexts = " ".join(e.context for e in agent.examples if e.context)
    summary = without_examples(agent.description)
    documents = [Document(agent.name, f"{summary} {contexts}", is_request=False)]
    documents += [Document(agent.name, turn) for e in agent.examples for turn in e.user_turns if turn.strip()]
    return documents


@dataclass(frozen=True)
class RouterThresholds:
    """Below `agent` a roster agent is not worth delegating to; below `builtin` neither is a built-in.

    Built-ins get their own threshold because their descriptions are generic: words such as `file`,
    `status` or `search` would otherwise pull everyday requests towards them.
    """

    agent: float
    builtin: float


def _decide(scores: dict[str, float], thresholds: RouterThresholds) -> LexicalChoice:
    label, score = max(scores.items(), key=lambda item: item[1])
    threshold = thresholds.builtin if label in BUILTIN_NAMES else thresholds.agent
    if label == NO_DELEGATION or score < threshold:
        return LexicalChoice(NO_DELEGATION, scores.get(NO_DELEGATION, 0.0), scores)
    return LexicalChoice(label, score, scores)


def _right_answers(outcomes: Sequence[tuple[str, str, float]], threshold: float) -> int:
    return sum(
        (truth == best) if score >= threshold else (truth == NO_DELEGATION) for truth, best, score in outcomes
    )


def _best_threshold(outcomes: Sequence[tuple[str, str, float]]) -> tuple[float, int]:
    """The lowest threshold with the most right answers over (truth, best label, best score) outcomes."""
    candidates = sorted({0.0, *(score for _, _, score in outcomes)})
    best = max(candidates, key=lambda threshold: _right_answers(outcomes, threshold))
    return best, _right_answers(outcomes, best)


def calibrate(index: LexicalIndex) -> tuple[RouterThresholds, float]:
    """Both thresholds maximising leave-one-out accuracy over the example requests; and that accuracy.

    Each request is classified by the index without itself. Whether it ends right depends only on its
    best class and score, and the two thresholds act on disjoint sets of requests (best class a roster
    agent, or a built-in), so each is chosen on its own set.
    """
    outcomes: list[tuple[str, str, float]] = []
    for i, document in enumerate(index.documents):
        if document.is_request:
            scores = index.similarities(document.text, leave_out=i)
            best = max(scores.items(), key=lambda item: item[1])
            outcomes.append((document.label, *best))
    if not outcomes:
        return RouterThresholds(0.0, 0.0), 0.0
    agent, agent_right = _best_threshold([o for o in outcomes if o[1] not in (NO_DELEGATION, *BUILTIN_NAMES)])
    builtin, builtin_right = _best_threshold([o for o in outcomes if o[1] in BUILTIN_NAMES])
    none_right = sum(truth == best == NO_DELEGATION for truth, best, _ in outcomes)
    return RouterThresholds(agent, builtin), (agent_right + builtin_right + none_right) / len(outcomes)


class LocalRouter:
    """Provider `local`: the lexical routing baseline, offline, free, deterministic."""

    name = LOCAL_MODEL
    offline = True

    def __init__(
        self, roster: RosterLike, *, builtins: bool = True, thresholds: RouterThresholds | None = None
    ) -> None:
        agents = roster_agents(roster)
        documents: list[Document] = [d for agent in agents for d in agent_documents(agent)]
        if builtins:
            taken = {agent.name for agent in agents}
            for builtin in BUILTIN_AGENTS:
                if builtin.name in taken:
                    continue
                documents.append(Document(builtin.name, builtin.description, is_request=False))
                documents += [Document(builtin.name, text) for text in builtin.typical_requests]
        documents += [Document(NO_DELEGATION, text) for text in DIRECT_REQUESTS]
        self.documents = tuple(documents)
        self.index = LexicalIndex(self.documents)
        self._position_of_request = {d.text.strip(): i for i, d in enumerate(self.documents) if d.is_request}
        calibrated, self.leave_one_out_accuracy = calibrate(self.index)
        self.thresholds = thresholds or calibrated

    def classify(self, text: str) -> LexicalChoice:
        """A request that is verbatim one of the indexed examples is scored with that example held out, so
        the baseline measures how separable the descriptions are, not whether it recalls its own index."""
        held_out = self._position_of_request.get(text.strip())
        return _decide(self.index.similarities(text, leave_out=held_out), self.thresholds)

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if not any(tool.get("name") == AGENT_TOOL for tool in request.tools):
            raise ValueError(
                f"the local router answers routing requests only (got a {request.purpose} request); "
                "use a generative model for standards and judge calls"
            )
        message = request.last_user_text()
        decision = self.classify(message)
        ranked = sorted(decision.scores.items(), key=lambda item: -item[1])[:3]
        note = "lexical baseline; closest: " + ", ".join(f"{n} {s:.2f}" for n, s in ranked)
        if decision.label == NO_DELEGATION:
            return _response([{"type": "text", "text": f"Handling this directly ({note})."}], "end_turn")
        call_id = "toolu_local_" + hashlib.sha256(message.encode()).hexdigest()[:20]
        return _response(
            [
                {"type": "text", "text": f"Delegating to {decision.label} ({note})."},
                {
                    "type": "tool_use",
                    "id": call_id,
                    "name": AGENT_TOOL,
                    "input": {
                        "description": _short_label(message),
                        "prompt": message,
                        "subagent_type": decision.label,
                    },
                },
            ],
            "tool_use",
        )

    async def aclose(self) -> None:
        return None


def _short_label(message: str) -> str:
    return " ".join(message.split()[:5]) or "task"


def _response(content: list[dict[str, object]], stop_reason: str) -> ModelResponse:
    return ModelResponse(model=LOCAL_MODEL, content=tuple(content), stop_reason=stop_reason, usage=Usage())
