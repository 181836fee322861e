"""What the main assistant did on its first turn: the routing decision, whatever harness produced it.

A decision has a kind: it `delegated` to an agent type (an `Agent`/`Task` call), `acted` itself with a
tool (Read, Bash, Edit, …), invoked a `skill`, or `answered` in text only. Routing is scored on
`label`: the agent delegated to, or `none` for any of the three ways of not delegating.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from agent_eval.agents.builtin import AGENT_TOOL, GENERAL_PURPOSE, LEGACY_AGENT_TOOL
from agent_eval.scenarios.model import NO_DELEGATION

DecisionKind = Literal["delegated", "acted", "skill", "answered"]
DECISION_KINDS: tuple[DecisionKind, ...] = ("delegated", "acted", "skill", "answered")
SKILL_TOOL = "Skill"


@dataclass(frozen=True)
class Decision:
    """`agent` is set when delegated (`general-purpose` for a call without `subagent_type`, `fork` for a
    fork); `tool` when acted (the tool's name) or skill (the skill's name, `Skill` if none was given)."""

    kind: DecisionKind
    agent: str | None = None
    tool: str | None = None

    @property
    def label(self) -> str:
        """What routing scores compare with a scenario's `expected`."""
        return self.agent if self.kind == "delegated" and self.agent else NO_DELEGATION

    @property
    def detail(self) -> str:
        """`delegated:Explore`, `acted:Read`, `skill:code-review`, `answered`: the kind with its target."""
        target = self.agent if self.kind == "delegated" else self.tool
        return f"{self.kind}:{target}" if target else self.kind


ANSWERED = Decision("answered")


def _text_argument(arguments: object, key: str) -> str | None:
    value = arguments.get(key) if isinstance(arguments, Mapping) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def decision_of_call(name: str, arguments: object) -> Decision:
    """The decision one tool call stands for."""
    if name in (AGENT_TOOL, LEGACY_AGENT_TOOL):
        return Decision("delegated", agent=_text_argument(arguments, "subagent_type") or GENERAL_PURPOSE)
    if name == SKILL_TOOL:
        return Decision("skill", tool=_text_argument(arguments, "skill") or SKILL_TOOL)
    return Decision("acted", tool=name)


def decision_of_blocks(content: Iterable[Mapping[str, Any]]) -> Decision:
    """The decision of one assistant turn's content blocks.

    A turn that starts an agent delegated, even beside other calls (its first `Agent`/`Task` call counts);
    otherwise its first tool call decides (acted, or skill); a turn without tool calls answered.
    """
    decisions = [
        decision_of_call(str(block.get("name", "")), block.get("input"))
        for block in content
        if block.get("type") == "tool_use"
    ]
    delegated = [d for d in decisions if d.kind == "delegated"]
    return (delegated or decisions or [ANSWERED])[0]
