"""Scenario turns → Messages API `messages`: text blocks, roles strictly alternating, cache breakpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from agent_eval.scenarios.model import Scenario

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}

Role = Literal["user", "assistant"]


def text_block(text: str, *, cache: bool = False) -> dict[str, Any]:
    """One text content block; `cache` marks the end of a stable prefix for prompt caching."""
    block: dict[str, Any] = {"type": "text", "text": text}
    if cache:
        block["cache_control"] = dict(EPHEMERAL)
    return block


def scenario_messages(
    scenario: Scenario, leading_user_blocks: Sequence[dict[str, Any]] = ()
) -> tuple[dict[str, Any], ...]:
    """The scenario's context turns then its message, as alternating user/assistant messages.

    `leading_user_blocks` open the first user turn (the routing roster). Consecutive turns of one role are
    merged into a single message, because the Messages API wants roles to alternate and the first message
    to come from the user. Empty turns are dropped: the API rejects an empty text block.
    """
    turns: list[tuple[Role, dict[str, Any]]] = [("user", dict(block)) for block in leading_user_blocks]
    if scenario.input.context and scenario.input.context[0].role == "assistant" and not turns:
        raise ValueError(
            f"scenario {scenario.id}: input.context starts with an assistant turn; "
            "a conversation must start with the user"
        )
    turns += [(t.role, text_block(t.content)) for t in scenario.input.context if t.content.strip()]
    if not scenario.input.message.strip():
        raise ValueError(f"scenario {scenario.id}: input.message is empty")
    turns.append(("user", text_block(scenario.input.message)))

    messages: list[dict[str, Any]] = []
    for role, block in turns:
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].append(block)
        else:
            messages.append({"role": role, "content": [block]})
    return tuple(messages)
