"""What an agent changed in its scratch copy, in the two forms graders read: a unified diff (the judge and
the report) and a markdown answer whose fenced blocks are the changed files (the rule-based checks)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path

from agent_eval.executors.fixture import DEFAULT_FIXTURE, fixture_source

_FENCE_LANGUAGES = {".ts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".sql": "sql", ".json": "json"}


def _baseline(relative: str, fixture: str, setup: Mapping[str, str]) -> list[str]:
    if relative in setup:
        return setup[relative].splitlines(keepends=True)
    original = fixture_source(fixture) / relative
    return original.read_text(encoding="utf-8").splitlines(keepends=True) if original.is_file() else []


def task_diff(
    project_dir: Path,
    changed: Sequence[str],
    setup: Mapping[str, str] | None = None,
    fixture: str = DEFAULT_FIXTURE,
) -> str:
    """Unified diff of the changed files against the fixture as the task handed it over (its setup
    applied); new files diff against nothing."""
    chunks: list[str] = []
    for relative in changed:
        after_path = project_dir / relative
        after = after_path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        before = _baseline(relative, fixture, setup or {})
        chunks.extend(difflib.unified_diff(before, after, f"a/{relative}", f"b/{relative}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def changes_as_answer(project_dir: Path, changed: Sequence[str]) -> str:
    """The changed code files as a markdown answer, one fenced block per file, tagged with its language and
    path (`ts title=app/…/route.ts`), so `grade_response` reads them as it reads a model's answer."""
    blocks = []
    for relative in changed:
        language = _FENCE_LANGUAGES.get(Path(relative).suffix)
        if language is None:
            continue
        text = (project_dir / relative).read_text(encoding="utf-8", errors="replace").rstrip("\n")
        blocks.append(f"`{relative}`:\n\n```{language} title={relative}\n{text}\n```\n")
    return "\n".join(blocks)
