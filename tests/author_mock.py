"""A lexical stand-in for the model, for the author tools' tests: it routes by shared words and proposes
descriptions that add the words of the requests it was told were missed.

Routing: the roster entries (`- name: description (Tools: …)`) are read from the request itself, so a
revised description really changes what is chosen; a request goes to the agent whose entry shares the most
words with it (at least MIN_SHARED), else no agent. Proposing: the new description is the current one plus
the words of the requests that belonged to the agent and went elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mock_api import Json, Reply, last_user_text, tool_use_block

MIN_SHARED = 2
_WORD = re.compile(r"[a-z]{3,}")
_MISSED = re.compile(r'^- "(?P<message>.*)": belongs to (?P<owner>\S+), went to (?P<chosen>\S+)$', re.M)


_STOPWORDS = frozenset(
    [
        "the",
        "for",
        "and",
        "this",
        "that",
        "use",
        "agent",
        "with",
        "when",
        "should",
        "must",
        "are",
        "its",
        "after",
        "from",
    ]
)


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower())) - _STOPWORDS


def request_text(request: Json) -> str:
    parts = [str(block.get("text", "")) for block in request.get("system") or []]
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        else:
            parts += [
                str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text"
            ]
    return "\n".join(parts)


def roster_entries(text: str, names: Sequence[str]) -> dict[str, str]:
    """Each named agent's roster entry (up to its `(Tools: …)`), read from the request text."""
    pattern = re.compile(r"^- (" + "|".join(re.escape(n) for n in names) + r"): (.*?) \(Tools: ", re.M | re.S)
    return {match.group(1): match.group(2) for match in pattern.finditer(text)}


class LexicalModel:
    def __init__(self, names: Sequence[str], grab_everything: bool = False) -> None:
        self.names = tuple(names)
        self.grab_everything = grab_everything

    def __call__(self, request: Json) -> Reply:
        tools = {t.get("name") for t in request.get("tools") or []}
        if "propose_description" in tools:
            return self.propose(request)
        message = last_user_text(request)
        entries = roster_entries(request_text(request), self.names)
        shared = {name: len(words(message) & words(entry)) for name, entry in entries.items()}
        best = max(shared, key=lambda name: shared[name], default=None)
        if best is None or shared[best] < MIN_SHARED:
            return "I'll do this myself."
        call = {"description": "delegate", "prompt": message, "subagent_type": best}
        return {"content": [tool_use_block("Agent", call)], "stop_reason": "tool_use"}

    def propose(self, request: Json) -> Reply:
        text = last_user_text(request)
        agent = re.search(r"^Agent: (\S+)$", text, re.M)
        current = text.split("Current description:\n", 1)[1].split("\n\nOther agents in the roster:", 1)[0]
        missed = [m for m in _MISSED.finditer(text) if agent and m.group("owner") == agent.group(1)]
        if self.grab_everything:
            added = sorted(words(text))
        else:
            added = sorted(set().union(*(words(m.group("message")) for m in missed)) - words(current))
        description = current + (" Also handles: " + ", ".join(added) + "." if added else "")
        arguments = {
            "description": description,
            "rationale": f"added {len(added)} words from missed requests",
        }
        return {"content": [tool_use_block("propose_description", arguments)], "stop_reason": "tool_use"}
