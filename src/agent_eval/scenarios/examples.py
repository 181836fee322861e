"""An agent's `<example>` → scenario input: the user's last words as the message, earlier turns as context."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from agent_eval.agents.model import Agent, Example
from agent_eval.scenarios.model import ScenarioInput, Turn
from agent_eval.scenarios.sources import ContextSnippet

# A context that says the user has just produced something: the scenario shows that work as a prior turn.
_PRIOR_WORK = re.compile(
    r"\b(?:just|has|have|had|having)\s+(?:\w+\s+)?(?:written|wrote|finished|completed|created|built|"
    r"implemented|added|made|refactored|pushed|opened|committed|updated)\b"
    r"|\bafter (?:writing|implementing)\b",
    re.IGNORECASE,
)


def id_prefix(agent_name: str) -> str:
    """Short scenario-id prefix: the initials of the agent name (backend-developer → bd)."""
    return "".join(part[0] for part in agent_name.split("-") if part) or agent_name


def source_path(agent: Agent, root: Path) -> str:
    """The agent file relative to the project root, with forward slashes, as provenance records it."""
    try:
        return agent.path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return agent.path.as_posix()


def shows_prior_work(example: Example) -> bool:
    """The context carries information a router needs: the user just wrote code (often a proactive case)."""
    return example.proactive or bool(example.context and _PRIOR_WORK.search(example.context))


def choose_snippet(example: Example, snippets: Sequence[ContextSnippet]) -> ContextSnippet | None:
    """The snippet with the most keyword hits in the example's words (first in file order on a tie); None
    when no keyword occurs: an unrelated snippet would mislead more than no context at all."""
    text = f"{example.context or ''}\n{' '.join(example.user_turns)}"
    best = max(snippets, key=lambda s: (s.hits(text), -snippets.index(s)), default=None)
    return best if best is not None and best.hits(text) > 0 else None


def example_input(example: Example, snippets: Sequence[ContextSnippet]) -> ScenarioInput:
    """Earlier user/assistant exchanges of the example become context; its final assistant turn (the
    delegation itself) is the answer under test, so it is never shown. Prior work the context mentions is
    rendered as code the user pasted."""
    users, assistants = example.user_turns, example.assistant_turns
    context: list[Turn] = []
    snippet = choose_snippet(example, snippets) if shows_prior_work(example) else None
    if snippet is not None:
        context.extend(snippet.turns())
    for user, assistant in zip(users[:-1], assistants, strict=False):
        context.extend((Turn(role="user", content=user), Turn(role="assistant", content=assistant)))
    return ScenarioInput(context=tuple(context), message=users[-1])


def example_note(agent: Agent, example: Example) -> str:
    context = f" Context: {example.context.strip()}" if example.context else ""
    return f"{agent.name} example {example.index}.{context}"
