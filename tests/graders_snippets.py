"""Helpers for the graders tests: build markdown responses from code blocks and grade one check."""

from __future__ import annotations

from agent_eval.graders.grade import grade_response
from agent_eval.graders.model import Verdict


def md(*blocks: tuple[str, str], prose: str = "Here is the change.") -> str:
    """A markdown response: a line of prose, then each (tag, code) as a fenced block."""
    parts = [prose]
    for tag, code in blocks:
        parts.append(f"```{tag}\n{code.strip(chr(10))}\n```")
    return "\n\n".join(parts) + "\n"


def verdict_of(check_id: str, *blocks: tuple[str, str], prose: str = "Here is the change.") -> Verdict:
    return grade_response(md(*blocks, prose=prose), [check_id])[check_id]


def status_of(check_id: str, *blocks: tuple[str, str], prose: str = "Here is the change.") -> str:
    return verdict_of(check_id, *blocks, prose=prose).status
