"""Cut an agent's body (its system prompt) into `##`/`###` sections with their bullet items."""

from __future__ import annotations

import re

from agent_eval.agents.model import Section

_HEADING = re.compile(r"^(#{2,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(.*)$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


def read_sections(body: str, first_line: int) -> tuple[Section, ...]:
    """Each heading of level 2 or deeper, with its own text up to the next heading of any level.

    `first_line` is the file line of the body's first line. Headings inside fenced code blocks are
    code, not structure. Items are the section's bullet or numbered list entries, with wrapped
    continuation lines joined on; nested bullets are items of their own.
    """
    sections: list[Section] = []
    current: tuple[str, int, int] | None = None  # title, level, file line
    text_lines: list[str] = []
    fence: str | None = None

    def close() -> None:
        if current is not None:
            title, level, line = current
            text = "\n".join(text_lines).strip("\n")
            sections.append(Section(title=title, level=level, line=line, items=_items(text_lines), text=text))

    for offset, line in enumerate(body.split("\n")):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            fence = None if fence == marker else (fence or marker)
        heading = _HEADING.match(line) if fence is None and not fence_match else None
        if heading:
            close()
            current = (heading.group(2).strip(), len(heading.group(1)), first_line + offset)
            text_lines = []
        elif current is not None:
            text_lines.append(line)
    close()
    return tuple(sections)


def _items(lines: list[str]) -> tuple[str, ...]:
    items: list[str] = []
    open_item = False
    fence: str | None = None
    for line in lines:
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            fence = None if fence == marker else (fence or marker)
            open_item = False
            continue
        if fence is not None:
            continue
        bullet = _BULLET.match(line)
        if bullet:
            items.append(bullet.group(1).strip())
            open_item = True
        elif open_item and line.strip() and line[:1] in {" ", "\t"}:
            items[-1] = f"{items[-1]} {line.strip()}"
        else:
            open_item = False
    return tuple(items)


def slug(title: str) -> str:
    """A section title as an id (`API Design Standards` → `api-design-standards`); "" when it has no letters
    or digits, so callers decide what such a title becomes."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
