"""The session layer beyond routing (what an agentic suite builds on): tools run inside the scratch project
only, the permission callback confines them, and the proxy forwards every turn."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from agent_eval.sandbox.project import scratch_project
from agent_eval.sandbox.proxy import ApiProxy
from agent_eval.sandbox.session import CliSettings, SessionRunner, refusal
from agent_eval.sandbox.upstream import anthropic_upstream
from claude_code_fixtures import upstream
from harness_fixtures import REPO_ROOT
from mock_api import MockAnthropic, last_user_text, tool_use_block

OUTSIDE = Path("/tmp/agent-eval-outside-the-project.md")


def responder(request: dict[str, Any]) -> Any:
    """Write where the words say on the first turn; once a tool result is back, finish in text."""
    last = request["messages"][-1]["content"]
    if isinstance(last, list) and any(b.get("type") == "tool_result" for b in last):
        return "Done."
    root = re.search(r"Primary working directory: ([^\s\\]+)", str(request["messages"]))
    assert root is not None
    target = f"{root[1]}/notes.md" if "inside" in last_user_text(request) else str(OUTSIDE)
    return [tool_use_block("Write", {"file_path": target, "content": "written by the agent\n"})]


def test_refusal_confines_tools_to_the_project(tmp_path: Path) -> None:
    assert refusal("Write", {"file_path": str(tmp_path / "a.md")}, tmp_path, ["Write"]) is None
    assert refusal("Write", {"file_path": "sub/a.md"}, tmp_path, ["Write"]) is None
    assert refusal("Write", {"file_path": str(tmp_path / ".." / "a.md")}, tmp_path, ["Write"])
    assert refusal("Bash", {"command": "ls"}, tmp_path, ["Write"])


def test_allowed_tools_run_inside_the_project_and_nowhere_else() -> None:
    OUTSIDE.unlink(missing_ok=True)

    async def scenario_run() -> tuple[bool, int]:
        with MockAnthropic(responder=responder) as api:
            provider = upstream(api)
            async with ApiProxy(anthropic_upstream(provider)) as proxy:
                with scratch_project([REPO_ROOT / "agents" / "backend-developer.md"]) as project:
                    runner = SessionRunner(CliSettings())
                    for words in ("Write the notes inside", "Write the notes elsewhere"):
                        session_id, base_url = proxy.open_session()
                        await runner.run(words, cwd=project.root, base_url=base_url, home=project.new_home(),
                                         model="claude-sonnet-5-5", stop_at_first_tool=False,
                                         allowed_tools=["Write"])
                        assert len(proxy.close_session(session_id).exchanges) == 2  # the call, then "Done."
                    written = (project.root / "notes.md").read_text() == "written by the agent\n"
            await provider.aclose()
            return written, api.count("/v1/messages")

    written, calls = asyncio.run(scenario_run())
    assert written and not OUTSIDE.exists() and calls == 4
