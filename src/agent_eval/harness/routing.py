"""Routing harness `builtin`: one scenario → the request Claude Code's main loop would send, and its decision.

Reproduces, in this project's own words, the layout observed in ../shared/ROUTING.md:
- `system`: a main-assistant prompt that gives no advice about delegating;
- `tools`: `Agent` (its description carries the case against needless delegation), the action tools
  Bash, Edit, Glob, Grep, Read, Write, and `Skill`: not delegating can mean acting or invoking a skill;
- `messages`: the scenario's turns, a repository reminder opening the first user turn and the user's words
  last; then a `system`-role message *after* them holding the environment, the roster of agent types
  (custom and built-in, sorted by name case-insensitively) and the skills list. The Messages API spec
  allows the `system` role inside `messages` (InputMessage.role), which is where Claude Code puts it;
- adaptive thinking and effort `medium`, as Claude Code sets them (`RoutingSettings` changes them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agent_eval.agents.builtin import AGENT_TOOL, BUILTIN_AGENTS, FORK, BuiltinAgent
from agent_eval.agents.model import Agent
from agent_eval.agents.roster import RosterLike, roster_agents
from agent_eval.harness.conversation import EPHEMERAL, scenario_messages, text_block
from agent_eval.harness.decision import SKILL_TOOL, Decision, decision_of_blocks
from agent_eval.harness.skills import Skill, offered_skills, project_skills
from agent_eval.providers.model import ModelRequest, ModelResponse
from agent_eval.scenarios.model import Scenario

ROSTER_HEADER = "Available agent types for the Agent tool:"
SKILLS_HEADER = "Skills available through the Skill tool:"
# The decision is the first tool call; without thinking a short answer suffices. With thinking the
# model reasons first, and `max_tokens` must leave it room (it bounds the budget reservation, not the bill).
ROUTING_MAX_TOKENS = 1024
ROUTING_MAX_TOKENS_THINKING = 8192
AGENT_MODELS = ("sonnet", "opus", "haiku", "fable")

Thinking = Literal["adaptive", "disabled"]
Effort = Literal["low", "medium", "high", "xhigh", "max"]

MAIN_SYSTEM_PROMPT = """\
You are the main assistant of a command-line coding tool, working with a developer inside their \
software repository. You can read and edit files, run commands and answer questions yourself, using the \
tools you are given.

Be concise and direct. Prefer the dedicated file tools to shell commands for reading, searching and \
editing files. Keep to what the developer asked for, follow the conventions of the code around you, and \
never invent file contents you have not read. Details of the environment follow in the conversation."""

AGENT_TOOL_DESCRIPTION = """\
Start a sub-agent that carries out a task on its own and returns a single report when it is done.

The agent types you can start are listed in the conversation, each with what it is for and the tools it \
has. Name the one you want in `subagent_type`; leave it out to get a general-purpose agent, or give \
`fork` to hand a copy of this whole conversation to a sub-agent.

A sub-agent starts with none of this conversation's context (unless forked), and you wait for its report, \
so spawning one has a real cost:
- Do small, focused work yourself: a quick edit, reading a file or two, answering a question.
- Delegate work that can run in parallel with yours, side quests that would clutter this conversation, \
and tasks that need reading through many files.
- Choose a specialised agent type when the request plainly falls within what its description covers.
- When you are unsure whether delegating helps, do not start a sub-agent.

Write `prompt` as a complete brief the sub-agent can act on without seeing this conversation."""

# Repository state as Claude Code reports it at the start of a session, fixed so requests stay comparable.
REPOSITORY_REMINDER = (
    "<system-reminder>\nState of the repository when this session began: branch main, no uncommitted "
    "changes.\n</system-reminder>"
)
ENVIRONMENT = ("Working directory: /project", "Is a git repository: yes", "Platform: linux")
PARALLEL_NOTE = "To run several agents at the same time, put several Agent calls in a single reply."


@dataclass(frozen=True)
class RoutingSettings:
    """How the builtin harness sets up a routing request (run flags `--thinking`, `--effort`)."""

    thinking: Thinking = "adaptive"
    effort: Effort | None = "medium"  # None: the field is not sent
    skills: tuple[Skill, ...] = ()  # the project's; the Skill tool also offers the generic ones
    builtins: bool = True  # list Claude Code's built-in agent types beside the roster
    # Cache the system-role message as Claude Code does. It follows the user's words, so only later epochs
    # of the same scenario read it back; with one epoch the cache write would cost 25% more for nothing.
    cache_context: bool = True


DEFAULT_SETTINGS = RoutingSettings()


def routing_settings(root: Path, thinking: Thinking, effort: Effort | None, epochs: int) -> RoutingSettings:
    """The settings of a run in project `root` of `epochs` epochs: its skills, the thinking and effort asked
    for, and a cached context only when an epoch after the first can read it."""
    return RoutingSettings(
        thinking=thinking, effort=effort, skills=project_skills(root), cache_context=epochs > 1
    )


def candidates(roster: RosterLike, *, builtins: bool = True) -> tuple[Agent | BuiltinAgent, ...]:
    """The agent types offered to the model, sorted by name case-insensitively as Claude Code sorts them:
    the roster and the built-ins it does not shadow, mixed."""
    custom = roster_agents(roster)
    taken = {agent.name for agent in custom}
    offered: list[Agent | BuiltinAgent] = [
        *custom,
        *(b for b in BUILTIN_AGENTS if builtins and b.name not in taken),
    ]
    return tuple(sorted(offered, key=lambda agent: (agent.name.casefold(), agent.name)))


def roster_entry(agent: Agent | BuiltinAgent) -> str:
    """`- name: description (Tools: …)`, the description shown whole with its examples."""
    if isinstance(agent, BuiltinAgent):
        tools = agent.tools
    else:
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


def _schema(properties: dict[str, dict[str, Any]], required: Sequence[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def agent_tool() -> dict[str, Any]:
    """The `Agent` tool definition, its input schema as in ROUTING.md."""
    properties = {
        "description": _string("A short label for the task, 3 to 5 words."),
        "prompt": _string("The complete task for the sub-agent."),
        "subagent_type": _string(
            f"Which listed agent type to start, or `{FORK}`; omit for a general-purpose agent."
        ),
        "model": {
            "type": "string",
            "enum": list(AGENT_MODELS),
            "description": "Optional model for this sub-agent; by default it uses its own setting.",
        },
        "run_in_background": {
            "type": "boolean",
            "description": "Start the sub-agent in the background and carry on meanwhile.",
        },
    }
    return {
        "name": AGENT_TOOL,
        "description": AGENT_TOOL_DESCRIPTION,
        "input_schema": _schema(properties, ("description", "prompt")),
    }


def action_tools() -> tuple[dict[str, Any], ...]:
    """The tools the main assistant acts with itself, in this project's words (sorted by name)."""
    path = _string("Absolute path of the file.")
    return (
        {
            "name": "Bash",
            "description": "Run a shell command in the working directory and return its output.",
            "input_schema": _schema(
                {"command": _string("The command to run."), "description": _string("What it does, briefly.")},
                ("command",),
            ),
        },
        {
            "name": "Edit",
            "description": "Replace an exact piece of text in a file with new text. Read the file first.",
            "input_schema": _schema(
                {
                    "file_path": path,
                    "old_string": _string("The text to replace; it must occur in the file."),
                    "new_string": _string("The text to put in its place."),
                    "replace_all": {"type": "boolean", "description": "Replace every occurrence."},
                },
                ("file_path", "old_string", "new_string"),
            ),
        },
        {
            "name": "Glob",
            "description": "List the files whose paths match a glob pattern such as `src/**/*.ts`.",
            "input_schema": _schema(
                {
                    "pattern": _string("The glob pattern."),
                    "path": _string("Folder to search; default: here."),
                },
                ("pattern",),
            ),
        },
        {
            "name": "Grep",
            "description": "Search file contents for a regular expression; list matching lines or files.",
            "input_schema": _schema(
                {
                    "pattern": _string("The regular expression."),
                    "path": _string("File or folder to search; default: here."),
                    "glob": _string("Only search files matching this glob."),
                },
                ("pattern",),
            ),
        },
        {
            "name": "Read",
            "description": "Read a file, whole or a range of its lines.",
            "input_schema": _schema(
                {
                    "file_path": path,
                    "offset": {"type": "integer", "description": "First line to read."},
                    "limit": {"type": "integer", "description": "How many lines to read."},
                },
                ("file_path",),
            ),
        },
        {
            "name": "Write",
            "description": "Create a file, or overwrite one you have read, with the given content.",
            "input_schema": _schema(
                {"file_path": path, "content": _string("The whole new content.")}, ("file_path", "content")
            ),
        },
    )


def skill_tool() -> dict[str, Any]:
    """The `Skill` tool: runs one of the skills listed in the conversation."""
    return {
        "name": SKILL_TOOL,
        "description": "Run one of the skills listed in the conversation when the request matches what it "
        "is for. Give the skill's name, and optional arguments.",
        "input_schema": _schema(
            {"skill": _string("The skill's name."), "args": _string("Optional arguments for the skill.")},
            ("skill",),
        ),
    }


@functools.lru_cache(maxsize=4)
def routing_tools() -> tuple[dict[str, Any], ...]:
    """Agent, the action tools, Skill; the breakpoint on the last caches them with the system prompt."""
    tools = [agent_tool(), *action_tools(), skill_tool()]
    tools[-1] = {**tools[-1], "cache_control": dict(EPHEMERAL)}
    return tuple(tools)


def session_context(roster: RosterLike, model: str, settings: RoutingSettings) -> str:
    """The system-role message after the user's words: environment, roster, skills."""
    skills = "\n".join(f"- {s.name}: {s.description}" for s in offered_skills(settings.skills))
    parts = [
        "Environment of this session:\n"
        + "\n".join(f"- {line}" for line in (*ENVIRONMENT, f"Model: {model}")),
        roster_text(roster, builtins=settings.builtins),
        PARALLEL_NOTE,
    ]
    if skills:
        parts.append(f"{SKILLS_HEADER}\n{skills}")
    return "\n\n".join(parts)


def routing_request_builder(
    roster: RosterLike, model: str, settings: RoutingSettings = DEFAULT_SETTINGS
) -> Callable[[Scenario], ModelRequest]:
    """`build_routing_request` for the many scenarios of one run: what every request shares (the system
    prompt, the tools, the closing context with the roster) is built once, not once per scenario."""
    context = {
        "role": "system",
        "content": [text_block(session_context(roster, model, settings), cache=settings.cache_context)],
    }
    system = (text_block(MAIN_SYSTEM_PROMPT, cache=True),)
    thinking = settings.thinking == "adaptive"

    def build(scenario: Scenario) -> ModelRequest:
        return ModelRequest(
            model=model,
            max_tokens=ROUTING_MAX_TOKENS_THINKING if thinking else ROUTING_MAX_TOKENS,
            system=system,
            messages=(*scenario_messages(scenario, [text_block(REPOSITORY_REMINDER)]), context),
            tools=routing_tools(),
            thinking={"type": "adaptive"} if thinking else None,
            output_config={"effort": settings.effort} if settings.effort else None,
            purpose="routing",
        )

    return build


def build_routing_request(
    scenario: Scenario, roster: RosterLike, model: str, settings: RoutingSettings = DEFAULT_SETTINGS
) -> ModelRequest:
    """The request for one routing decision (see the module docstring for its layout).

    Cache breakpoints sit on the last tool and the system prompt (the prefix every scenario shares) and,
    unless `settings.cache_context` is off, on the closing system-role message, as Claude Code places them.
    """
    return routing_request_builder(roster, model, settings)(scenario)


def decide(response: ModelResponse) -> Decision:
    """The decision of the first assistant turn: its first tool call, or an answer in text."""
    return decision_of_blocks(response.content)
