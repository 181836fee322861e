"""Pull the `<example>` blocks out of a description: context, turns, commentary, target agent, proactivity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent_eval.agents.builtin import BUILTIN_NAMES
from agent_eval.agents.model import Example

OPEN_TAG, CLOSE_TAG = "<example>", "</example>"

_COMMENTARY = re.compile(r"<commentary>(.*?)(?:</commentary>|$)", re.DOTALL | re.IGNORECASE)
# A turn label inside running text ("...done." user: "next") also starts a turn, not just at a line start.
_INLINE_LABEL = re.compile(r"(?<=[\"”'.!?>])[ \t]+(?=(?:context|user|assistant)[ \t]*:)", re.IGNORECASE)
_LABELLED_LINE = re.compile(r"^(?:[-*][ \t]+)?(context|user|assistant)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
_ACTION_LINE = re.compile(r"^<[^<>]+>$")

_NAME = r"[a-z0-9]+(?:[-.][a-z0-9]+)*"  # dots too: "dotnet-framework-4.8-expert"
_BUILT_IN = "|".join(re.escape(name) for name in BUILTIN_NAMES)
_AGENT_WORD = r"(?:sub-?)?agent\b"
_VERB = (
    r"(?i:invoke|invoking|launch|launching|use|using|call|calling|engage|engaging|delegate to|delegating to"
    r"|hand off to|handing off to|spawn|spawning|dispatch|dispatching|bring in|route to|routing to)"
)
_ARTICLE = r"(?:(?i:the|our|a|an|your)\s+)?"
_QUOTE = r"[`'\"*]*"
# `subagent_type: "x"` in a spelled-out tool call names the target outright.
_SUBAGENT_TYPE = re.compile(rf"subagent_type\W{{1,4}}({_NAME}|{_BUILT_IN})")
# "launch the code-reviewer agent", "use the api-architect to ...", "invoke backend-developer"
_VERB_NAME = re.compile(
    rf"\b{_VERB}\s+{_ARTICLE}{_QUOTE}({_NAME}|{_BUILT_IN}){_QUOTE}(\s+{_AGENT_WORD}|\s+(?:to|for)\b|\.(?!\w)|>|$)?"
)
# "the backend-developer agent" anywhere
_NAME_AGENT = re.compile(rf"(?<![\w-]){_QUOTE}({_NAME}|{_BUILT_IN}){_QUOTE}\s+{_AGENT_WORD}")

# About the invocation ("use proactively", "Proactive review - ..."), not the domain ("proactive security").
_PROACTIVE = re.compile(
    r"\bproactively\b|^\W*proactive\b|\bproactive\s+(?:use|usage|invocation|trigger|case|example|review)",
    re.IGNORECASE,
)
_REPORTS_WORK = re.compile(
    r"\b(?:just|i've|i have|finished|completed|done|here's|here is|wrote|written|built|implemented)\b",
    re.IGNORECASE,
)
_ASKS = re.compile(
    r"\?|\b(?:please|can you|could you|would you|need|want|help|should|let's|how|why|what)\b", re.IGNORECASE
)
_CONTEXT_ASKS = re.compile(r"\b(?:wants?|asks?|asked|requests?|requested|needs?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ExampleProblem:
    """Something wrong with one example, located by file line."""

    line: int
    code: str
    message: str


_EXAMPLE_BLOCK = re.compile(r"<example>.*?</example>", re.DOTALL | re.IGNORECASE)


def without_examples(description: str) -> str:
    """The description with its `<example>` blocks cut out: what it says the agent is for."""
    return _EXAMPLE_BLOCK.sub(" ", description)


def extract_examples(
    description: str, *, agent_name: str, tag_lines: Sequence[int], default_line: int
) -> tuple[tuple[Example, ...], tuple[ExampleProblem, ...]]:
    """Every `<example>` block of `description`, in order.

    `tag_lines[k]` is the file line of the k-th `<example>` tag as written in the file (one-line
    descriptions put every tag on the description's line); `default_line` is used if a tag has none.
    An unterminated block runs to the next `<example>` or the end and is reported as a problem.
    """
    starts = [m.start() for m in re.finditer(re.escape(OPEN_TAG), description)]
    examples: list[Example] = []
    problems: list[ExampleProblem] = []
    for position, start in enumerate(starts):
        line = tag_lines[position] if position < len(tag_lines) else default_line
        limit = starts[position + 1] if position + 1 < len(starts) else len(description)
        close = description.find(CLOSE_TAG, start, limit)
        if close < 0:
            problems.append(
                ExampleProblem(
                    line, "example-unterminated", f"example {position + 1}: <example> is never closed"
                )
            )
            end, raw_end = limit, limit
        else:
            end, raw_end = close, close + len(CLOSE_TAG)
        inner = description[start + len(OPEN_TAG) : end]
        examples.append(
            read_example(
                inner, index=position + 1, line=line, agent_name=agent_name, raw=description[start:raw_end]
            )
        )
    return tuple(examples), tuple(problems)


def read_example(inner: str, *, index: int, line: int, agent_name: str, raw: str) -> Example:
    """One example's parts from the text between its tags."""
    commentary = "\n\n".join(_tidy(m.group(1)) for m in _COMMENTARY.finditer(inner)) or None
    text = _INLINE_LABEL.sub("\n", _COMMENTARY.sub("\n", inner))
    context: list[str] = []
    turns: list[tuple[str, list[str]]] = []  # (role, lines)
    actions: list[str] = []
    in_action = False
    for raw_line in text.split("\n"):
        stripped = raw_line.strip()
        if not stripped:
            continue
        labelled = _LABELLED_LINE.match(stripped)
        if labelled:
            role, rest = labelled.group(1).lower(), labelled.group(2)
            in_action = False
            if role == "context":
                context.append(rest)
            else:
                turns.append((role, [rest]))
        elif _ACTION_LINE.match(stripped) or in_action:
            actions.append(stripped)
            in_action = True
        elif turns:
            turns[-1][1].append(stripped)
        else:
            context.append(stripped)
    user_turns = tuple(_unquote(_tidy("\n".join(lines))) for role, lines in turns if role == "user")
    assistant_turns = tuple(_unquote(_tidy("\n".join(lines))) for role, lines in turns if role == "assistant")
    context_text = _tidy("\n".join(context)) or None
    target = find_target(actions, [*assistant_turns, commentary or ""], agent_name)
    return Example(
        index=index,
        line=line,
        context=context_text,
        user_turns=user_turns,
        assistant_turns=assistant_turns,
        commentary=commentary,
        target=target,
        proactive=is_proactive(context_text, commentary, user_turns),
        raw=raw,
    )


def find_target(actions: Sequence[str], texts: Sequence[str], agent_name: str) -> str:
    """The agent an example demonstrates invoking: the first one named, actions first, then `texts`.

    A name counts when a tool call spells it (`subagent_type`), or when it is followed by "agent" or
    follows a verb such as use/launch/invoke and ends the phrase ("use the api-architect to ...").
    Outside action lines (`<uses Task tool to invoke X agent>`) it must also be hyphenated, built in,
    or the file's own name, so "use a step-by-step plan" or "the right agent" name nobody.
    Default: the file's own agent.
    """
    for text, any_word in [*((action, True) for action in actions), *((text, False) for text in texts)]:
        found = _SUBAGENT_TYPE.search(text)
        if found:
            return found.group(1)
        named = [(m.start(1), m.group(1)) for m in _VERB_NAME.finditer(text) if m.group(2) is not None]
        named += [(m.start(1), m.group(1)) for m in _NAME_AGENT.finditer(text)]
        plausible = [(at, name) for at, name in named if any_word or _could_be_agent(name, agent_name)]
        if any(name == agent_name for _, name in plausible):
            return agent_name  # examples document their own agent; other names nearby are collaborators
        if plausible:
            return min(plausible)[1]
    return agent_name


def _could_be_agent(name: str, agent_name: str) -> bool:
    """Without the roster, only hyphenated, built-in or own names are told apart from plain words."""
    return name == agent_name or "-" in name or re.fullmatch(_BUILT_IN, name) is not None


def is_proactive(context: str | None, commentary: str | None, user_turns: Sequence[str]) -> bool:
    """The context or commentary says proactive, or the user only reported work and asked for nothing."""
    if any(_PROACTIVE.search(text or "") for text in (context, commentary)):
        return True
    if not user_turns or (context and _CONTEXT_ASKS.search(context)):
        return False
    first = user_turns[0]
    return bool(_REPORTS_WORK.search(first)) and not _ASKS.search(first)


def _tidy(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().split("\n")).strip()


def _unquote(text: str) -> str:
    for left, right in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            inner = text[1:-1]
            if left not in inner or left != right:
                return inner.strip()
    return text
