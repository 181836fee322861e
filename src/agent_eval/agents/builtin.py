"""Claude Code's built-in agent types and the tool that starts any agent: the one list the project keeps.

Described in this project's own words (see ../shared/ROUTING.md for what was observed). The routing
harness lists them beside the custom agents, the offline router gives them vocabulary, the linter and
`derive` accept them as delegation targets, and the routing scores count them as labels.
"""

from __future__ import annotations

from dataclasses import dataclass

AGENT_TOOL = "Agent"
LEGACY_AGENT_TOOL = "Task"  # the tool's name in older Claude Code releases, still accepted
GENERAL_PURPOSE = "general-purpose"  # what an Agent call without `subagent_type` starts
FORK = "fork"  # `subagent_type` for a copy of the current conversation; accepted besides the listed types

ALL_TOOLS = "*"


@dataclass(frozen=True)
class BuiltinAgent:
    """A built-in agent type: its roster line's parts, and requests typical of it (for the offline router).

    `tools` is what its roster entry shows after `Tools:`: `*` for every tool, or the tools it lacks.
    """

    name: str
    description: str
    tools: str
    typical_requests: tuple[str, ...] = ()


_READ_ONLY = "All tools except Agent, Edit, Write, NotebookEdit"

BUILTIN_AGENTS: tuple[BuiltinAgent, ...] = (
    BuiltinAgent(
        "claude",
        "Catch-all agent for any task that no more specific agent type covers.",
        ALL_TOOLS,
    ),
    BuiltinAgent(
        "Explore",
        "Fast, read-only exploration of a codebase: finds files by name or pattern, searches code for "
        "symbols, keywords and usages, and answers where or how something is implemented. Use it for broad "
        "searches across many files; it never changes anything.",
        _READ_ONLY,
        (
            "find every place where the config file is loaded",
            "where is the authentication middleware defined?",
            "search the codebase for callers of the deprecated helper",
            "which files import the logger module?",
            "look through the repository and tell me how errors are reported",
        ),
    ),
    BuiltinAgent(
        GENERAL_PURPOSE,
        "Agent for open-ended, multi-step work: researching questions, searching code, and carrying out "
        "tasks that take many steps and do not fit a specialised agent.",
        ALL_TOOLS,
        (
            "research how the other services handle retries and summarise the differences",
            "investigate why the nightly job fails intermittently across several components",
        ),
    ),
    BuiltinAgent(
        "Plan",
        "Software architect: studies the code and designs an implementation plan for a task, naming the "
        "files involved, the steps and the trade-offs, without writing the code itself.",
        _READ_ONLY,
        (
            "plan how we should migrate this project to the new framework before writing any code",
            "design an approach for adding multi-tenancy and list the files it touches",
            "outline the steps to split this module into smaller ones",
        ),
    ),
    BuiltinAgent(
        "statusline-setup",
        "Configures the status line shown by the coding tool in the user's settings.",
        "Read, Edit",
        (
            "set up my status line to show the current git branch",
            "change the status line configuration of the terminal tool",
        ),
    ),
)

BUILTIN_NAMES: tuple[str, ...] = tuple(agent.name for agent in BUILTIN_AGENTS)
