"""Routing harness: one scenario → the request Claude Code's main loop would send, and its decision.

Reproduces, in this project's own words, the structure observed in ../shared/ROUTING.md: a main-assistant
system prompt, one `Agent` tool whose description argues against needless delegation, and the roster of
agent types (the project's agents plus Claude Code's built-ins) as a text block opening the conversation,
followed by the scenario's context and its message as the last user text block.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agent_eval.agents.model import Agent
from agent_eval.harness.conversation import EPHEMERAL, scenario_messages, text_block
from agent_eval.providers.model import ModelRequest, ModelResponse
from agent_eval.scenarios.model import NO_DELEGATION, Scenario

AGENT_TOOL = "Agent"
LEGACY_AGENT_TOOL = "Task"  # the tool's name in older Claude Code releases, still accepted
GENERAL_PURPOSE = "general-purpose"
ROSTER_HEADER = "Available agent types for the Agent tool:"
ROUTING_MAX_TOKENS = 1024
AGENT_MODELS = ("sonnet", "opus", "haiku", "fable")

MAIN_SYSTEM_PROMPT = """\
You are the main assistant of a command-line coding tool, working with a developer inside their \
software repository. You can read and edit files, run commands and answer questions yourself.

For any request you may either do the work directly or hand it to a sub-agent with the Agent tool. \
Sub-agents run on their own and report back once; they are worth it for some tasks and a waste for \
others. Judge each request on its merits, then act."""

AGENT_TOOL_DESCRIPTION = """\
Start a sub-agent that carries out a task on its own and returns a single report when it is done.

The agent types you can start are listed in the conversation, each with what it is for and the tools it \
has. Name the one you want in `subagent_type`; leave it out to get a general-purpose agent.

A sub-agent starts with none of this conversation's context, and you wait for its report, so spawning \
one has a real cost:
- Do small, focused work yourself: a quick edit, reading a file or two, answering a question.
- Delegate work that can run in parallel with yours, side quests that would clutter this conversation, \
and tasks that need reading through many files.
- Choose a specialised agent type when the request plainly falls within what its description covers.
- When you are unsure whether delegating helps, do not start a sub-agent.

Write `prompt` as a complete brief the sub-agent can act on without seeing this conversation."""


class HasAgents(Protocol):
    """A roster object (agents/roster.py's `Roster`) rather than a plain sequence of agents."""

    @property
    def agents(self) -> Sequence[Agent]: ...


RosterLike = Sequence[Agent] | HasAgents


@dataclass(frozen=True)
class BuiltinAgent:
    """A built-in Claude Code agent type, described in this project's own words."""

    name: str
    description: str
    tools: tuple[str, ...] | None


READ_ONLY_TOOLS = ("Glob", "Grep", "Read", "WebFetch", "WebSearch")

BUILTIN_AGENTS: tuple[BuiltinAgent, ...] = (
    BuiltinAgent(
        "claude",
        "Catch-all agent for any task that no more specific agent type covers.",
        None,
    ),
    BuiltinAgent(
        "Explore",
        "Fast, read-only exploration of a codebase: finds files by name or pattern, searches code for "
        "symbols, keywords and usages, and answers where or how something is implemented. Use it for broad "
        "searches across many files; it never changes anything.",
        (*READ_ONLY_TOOLS, "Bash"),
    ),
    BuiltinAgent(
        GENERAL_PURPOSE,
        "Agent for open-ended, multi-step work: researching questions, searching code, and carrying out "
        "tasks that take many steps and do not fit a specialised agent.",
        None,
    ),
    BuiltinAgent(
        "Plan",
        "Software architect: studies the code and designs an implementation plan for a task, naming the "
        "files involved, the steps and the trade-offs, without writing the code itself.",
        READ_ONLY_TOOLS,
    ),
    BuiltinAgent(
        "statusline-setup",
        "Configures the status line shown by the coding tool in the user's settings.",
        ("Read", "Edit"),
    ),
)


def roster_agents(roster: RosterLike) -> tuple[Agent, ...]:
    """The agents of a `Roster` or of a plain sequence."""
    agents: Iterable[Agent] = roster if isinstance(roster, Sequence) else roster.agents
    return tuple(agents)


def candidates(roster: RosterLike, *, builtins: bool = True) -> tuple[Agent | BuiltinAgent, ...]:
    """The agent types offered to the model: the roster, then the built-ins it does not shadow."""
    custom = roster_agents(roster)
    if not builtins:
        return custom
    taken = {agent.name for agent in custom}
    return (*custom, *(b for b in BUILTIN_AGENTS if b.name not in taken))


def roster_entry(agent: Agent | BuiltinAgent) -> str:
    """`- name: description (Tools: …)`, the description shown whole with its examples."""
    tools = "All tools" if agent.tools is None else ", ".join(agent.tools)
    return f"- {agent.name}: {agent.description.strip()} (Tools: {tools})"


def roster_text(roster: RosterLike, *, builtins: bool = True) -> str:
    return _roster_text(roster_agents(roster), builtins)


@functools.lru_cache(maxsize=16)
def _roster_text(agents: tuple[Agent, ...], builtins: bool) -> str:
    """One string per roster, shared by every request of a run: 10,000 copies of a 25 KB roster would
    otherwise hold 250 MB while the runner works through them."""
    entries = "\n".join(roster_entry(agent) for agent in candidates(agents, builtins=builtins))
    return f"{ROSTER_HEADER}\n{entries}"


def agent_tool() -> dict[str, Any]:
    """The `Agent` tool definition, its input schema as in ROUTING.md; cached with the stable prefix."""
    return {
        "name": AGENT_TOOL,
        "description": AGENT_TOOL_DESCRIPTION,
        "input_schema": {
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "A short label for the task, 3 to 5 words."},
                "prompt": {"type": "string", "description": "The complete task for the sub-agent."},
                "subagent_type": {
                    "type": "string",
                    "description": "Which listed agent type to start; omit for a general-purpose agent.",
                },
                "model": {
                    "type": "string",
                    "enum": list(AGENT_MODELS),
                    "description": "Optional model for this sub-agent; by default it uses its own setting.",
                },
                "run_in_background": {
                    "type": "boolean",
                    "description": "Start the sub-agent in the background and carry on meanwhile.",
                },
            },
            "required": ["description", "prompt"],
        },
        "cache_control": dict(EPHEMERAL),
    }


def build_routing_request(
    scenario: Scenario, roster: RosterLike, model: str, *, builtins: bool = True
) -> ModelRequest:
    """The request for one routing decision.

    No extended thinking, a modest `max_tokens`: the decision is the first tool call of the first
    assistant turn, so thinking and long answers would only add cost (and thinking tokens are billed as
    output). Cache breakpoints sit on the tool, the system prompt and the roster block: the stable prefix
    shared by every scenario of a suite, so repeated scenarios pay cache-read prices.
    """
    roster_block = text_block(roster_text(roster, builtins=builtins), cache=True)
    return ModelRequest(
        model=model,
        max_tokens=ROUTING_MAX_TOKENS,
        system=(text_block(MAIN_SYSTEM_PROMPT, cache=True),),
        messages=scenario_messages(scenario, [roster_block]),
        tools=(agent_tool(),),
        purpose="routing",
    )


def decide(response: ModelResponse) -> str:
    """`subagent_type` of the first Agent/Task call; `general-purpose` if it has none; `none` for no call."""
    for call in response.tool_calls:
        if call.get("name") not in (AGENT_TOOL, LEGACY_AGENT_TOOL):
            continue
        arguments = call.get("input")
        chosen = arguments.get("subagent_type") if isinstance(arguments, dict) else None
        return chosen.strip() if isinstance(chosen, str) and chosen.strip() else GENERAL_PURPOSE
    return NO_DELEGATION
