"""The skills offered through the routing request's Skill tool: the project's own and a few generic ones.

A project's skills are `.claude/skills/<name>/SKILL.md`, their frontmatter `name` and `description`.
The generic ones stand for the skills Claude Code ships, described in this project's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml


@dataclass(frozen=True)
class Skill:
    name: str
    description: str


GENERIC_SKILLS: tuple[Skill, ...] = (
    Skill("code-review", "Look over the pending changes of the current branch and point out problems."),
    Skill("security-review", "Examine the pending changes for security weaknesses and explain each one."),
    Skill("simplify", "Tidy recently changed code: remove repetition and needless complexity."),
    Skill("init", "Write a CLAUDE.md file that explains this codebase to future sessions."),
)


def _frontmatter(text: str) -> dict[str, object]:
    """A skill file's metadata. Skill files are plain strict-YAML frontmatter (unlike agent files, which need
    the lenient, line-tracking reader of agents/frontmatter.py), so python-frontmatter reads them."""
    try:
        return dict(frontmatter.loads(text).metadata)
    except yaml.YAMLError:
        return {}


def project_skills(root: Path) -> tuple[Skill, ...]:
    """Skills of `root/.claude/skills/*/SKILL.md` with a name (the folder's when absent) and a description."""
    found: list[Skill] = []
    for path in sorted((root / ".claude" / "skills").glob("*/SKILL.md")):
        meta = _frontmatter(path.read_text(encoding="utf-8", errors="replace"))
        name, description = meta.get("name") or path.parent.name, meta.get("description")
        if isinstance(name, str) and isinstance(description, str) and description.strip():
            found.append(Skill(name.strip(), " ".join(description.split())))
    return tuple(found)


def offered_skills(project: tuple[Skill, ...]) -> tuple[Skill, ...]:
    """The project's skills, then the generic ones they do not shadow, sorted by name."""
    taken = {skill.name for skill in project}
    return tuple(
        sorted(
            (*project, *(s for s in GENERIC_SKILLS if s.name not in taken)), key=lambda s: s.name.casefold()
        )
    )
