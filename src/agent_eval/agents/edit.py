"""Rewrite an agent file's `description` in place, in the style the file already uses.

Everything else in the file stays byte for byte. The value keeps its form: a double-quoted scalar stays
double-quoted, a block scalar stays a block, and a plain one-line value (which Claude Code accepts with
literal `\\n` escapes) stays one line with `\\n` escapes. The new file is read back before it is written: if
it would not give the same description, nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from agent_eval.agents.frontmatter import split_frontmatter
from agent_eval.agents.parse import read_agent_text


class EditError(Exception):
    """The new description cannot be written into this file faithfully."""


def with_description(text: str, description: str, path: Path) -> str:
    """The file's text with its description replaced (see the module docstring)."""
    front = split_frontmatter(text)
    if "description" not in front.spans:
        raise EditError(f"{path}: the frontmatter has no 'description' to replace")
    first, last = front.spans["description"]
    lines = text.split("\n")
    value = lines[first - 1].split(":", 1)[1].strip()
    if value.startswith('"'):
        new_lines = ["description: " + json.dumps(description, ensure_ascii=False)]
    elif value[:1] in {"|", ">"}:
        new_lines = ["description: |-", *(f"  {line}" if line else "" for line in description.split("\n"))]
    else:
        if "\\n" in description:
            raise EditError(f"{path}: a description holding a literal backslash-n cannot be written one-line")
        new_lines = ["description: " + description.replace("\n", "\\n")]
    edited = "\n".join([*lines[: first - 1], *new_lines, *lines[last:]])
    if read_agent_text(edited, path).agent.description.strip() != description.strip():
        raise EditError(f"{path}: the new description would not read back unchanged; file left as it was")
    return edited


def write_description(path: Path, description: str) -> None:
    path.write_text(with_description(path.read_text(encoding="utf-8"), description, path), encoding="utf-8")
