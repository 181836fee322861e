"""One Claude Code session against a local capture server: the CLI's first request, as it sent it.

No API is called: the capture server answers the CLI with a short canned text turn, which ends the session.
The scratch project holds one probe agent so the caller can find where the roster and the user's words sit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent_eval.sandbox.project import scratch_project
from agent_eval.sandbox.proxy import ApiProxy, Json
from agent_eval.sandbox.session import CliSettings, SessionRunner, cli_version

PROBE_AGENT = "agent-eval-probe"
PROBE_DESCRIPTION = "Probe agent that agent-eval places in the roster to find where agents are listed."
PROBE_WORDS = "agent-eval capture probe: which agent fits this request?"
CANNED_REPLY = "Captured."


@dataclass(frozen=True)
class Capture:
    cli_version: str
    model: str
    body: Json  # the CLI's first request body
    project: Path  # the working directory the CLI was started in (gone by now; masked in templates)
    home: Path


async def _canned(body: Json, headers: Mapping[str, str]) -> Json:
    return {
        "id": "msg_capture", "type": "message", "role": "assistant", "model": body.get("model"),
        "content": [{"type": "text", "text": CANNED_REPLY}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 1},
    }


async def capture_first_request(settings: CliSettings, model: str | None, scratch: Path) -> Capture:
    """Start the CLI once on the probe words with the probe agent; return its first request."""
    version = cli_version(settings)
    probe = scratch / f"{PROBE_AGENT}.md"
    probe.write_text(f"---\nname: {PROBE_AGENT}\ndescription: {PROBE_DESCRIPTION}\n---\n\nA probe.\n",
                     encoding="utf-8")
    with scratch_project([probe]) as project:
        async with ApiProxy(_canned) as server:
            home = project.new_home()
            session_id, base_url = server.open_session()
            outcome = await SessionRunner(settings, live_limit=1).run(
                PROBE_WORDS, cwd=project.root, base_url=base_url, home=home, model=model,
                stop_at_first_tool=True,
            )
            session = server.close_session(session_id)
    if not session.exchanges:
        raise RuntimeError(f"Claude Code {version} sent no request to the capture server: {outcome.why()}")
    body = session.exchanges[0].request
    return Capture(version, str(body.get("model", model)), body, project.root, home)
