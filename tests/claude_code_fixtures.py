"""Helpers for the tests that run the real Claude Code CLI offline against the mock API."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from agent_eval.providers.anthropic import AnthropicProvider
from mock_api import MockAnthropic, tool_use_block

claude_agent_sdk = pytest.importorskip(
    "claude_agent_sdk", reason="the Claude Agent SDK is not installed: pip install 'agent-eval[claude-code]'"
)

# The user's words → what the mock answers on the CLI's first call (one per decision kind).
REPLIES: dict[str, Any] = {
    "Add a POST /orders endpoint with validation": [tool_use_block("Agent", {
        "description": "Add orders endpoint", "prompt": "Add it.", "subagent_type": "backend-developer",
    })],
    "Open the README and summarise it": [tool_use_block("Read", {"file_path": "/etc/hostname"})],
    "Delete every file here": [tool_use_block("Bash", {"command": "touch planted && rm -rf ./*"})],
    "Review my last change": [tool_use_block("Skill", {"skill": "code-review"})],
    "What does HTTP 409 mean?": "It means a conflict with the resource's current state.",
    "Write a notes file": [tool_use_block("Write", {"file_path": "notes.md", "content": "planted"})],
}


def responder(request: dict[str, Any]) -> Any:
    from mock_api import last_user_text

    return REPLIES.get(last_user_text(request), "unscripted")


def upstream(api: MockAnthropic) -> AnthropicProvider:
    return AnthropicProvider("claude-sonnet-5-5", client=api.client(max_retries=0))


def tree(root: Path) -> dict[str, str]:
    """Every file under `root` (the CLI's own state files excluded) with a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }
