"""One agentic task as one Claude Code session: the agent under test works on a scratch copy of the fixture
with its own tools, and the session comes back as a ModelResponse that carries everything graders need.

The runner sees an ordinary Provider: `request(task)` describes a task's session (CLI version, agent file,
fixture, the task's prompt, setup and limits) so the response cache, the store and resume key on it, and
`complete` runs the session. The CLI runs as the agent (`--agent`, as Claude Code runs a sub-agent: its body
the system prompt, its `tools`), confined by `sandbox/confine.py`; its calls go through a local ApiProxy
of its own to the run's provider (cached by their stable form, so a resumed task replays the calls it made
before) under the task's cost limit; its turns and wall time are bounded too.

The response's content: the session's steps in order (`text` blocks, `tool_use` blocks with `refused` and a
shortened `result`), one `file` block per file the agent added or changed (path, content), and a `session`
block (why it stopped, set-up and agent seconds, calls made). Scratch paths read `<project>`-relative.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_eval.executors import ExecutorUnavailable
from agent_eval.executors.fixture import changed_files, file_hashes, fixture_source, prepare_fixture
from agent_eval.harness.conversation import text_block
from agent_eval.providers.anthropic import to_model_response
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider, Usage
from agent_eval.runner.pool import ResponseCache
from agent_eval.sandbox.confine import WITHHELD_TOOLS, agentic_policy, confined_env
from agent_eval.sandbox.proxy import ApiProxy, Json, Session, Upstream
from agent_eval.sandbox.session import CliSettings, SessionOutcome, SessionRunner, cli_version
from agent_eval.sandbox.upstream import anthropic_upstream
from agent_eval.scenarios.agentic import AgenticTask

SESSION_HEADER = "agent-eval agentic session"
CLI_MAX_TOKENS = 128_000  # what the CLI asks for on its main loop; the descriptor's nominal max_tokens
RESULT_CHARS = 2_000  # of each tool result kept in the transcript
IGNORED_PREFIXES = (".claude/",)  # the agent file we put there, and the CLI's own project state


class TaskLimitReached(RuntimeError):
    """The task's cost limit is spent: the proxy refuses the CLI's next call, which ends the session."""


@dataclass(frozen=True)
class AgentUnderTest:
    name: str
    file: Path
    tools: tuple[str, ...] | None  # the frontmatter's (None: every tool the CLI offers but the withheld)
    model: str  # the id its sessions run on


def scratch_fixture(dest: Path, fixture: str, setup: Mapping[str, str], home: Path | None) -> str | None:
    """A scratch copy of `fixture` at `dest` with the task's `setup` written over it and the npm
    dependencies linked; when npm cannot provide them, a copy without them and the reason (returned)."""
    try:
        prepare_fixture(dest, fixture, home, setup)
    except ExecutorUnavailable as exc:
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(fixture_source(fixture), dest,
                        ignore=shutil.ignore_patterns("node_modules", "__pycache__", "__init__.py"))
        for relative, content in setup.items():
            (dest / relative).parent.mkdir(parents=True, exist_ok=True)
            (dest / relative).write_text(content, encoding="utf-8")
        return str(exc)
    return None


def fixture_digest(fixture: str) -> str:
    digest = hashlib.sha256()
    source = fixture_source(fixture)
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class SpendingLimit:
    """Forwards the CLI's calls until what they cost reaches `limit_usd`."""

    def __init__(self, forward: Upstream, limit_usd: float) -> None:
        self.forward, self.limit_usd, self.spent_usd = forward, limit_usd, 0.0

    async def send(self, body: Json, headers: Mapping[str, str]) -> Json:
        if self.spent_usd >= self.limit_usd:
            raise TaskLimitReached(f"the task's cost limit (${self.limit_usd:.2f}) is spent")
        message = await self.forward(body, headers)
        self.spent_usd += to_model_response(message).cost_usd
        return message


class AgenticSessionProvider:
    """Provider whose `complete` runs one task's session; `upstream` answers the CLI's calls."""

    offline = False

    def __init__(self, upstream: Provider, agent: AgentUnderTest, fixture: str, *,
                 settings: CliSettings | None = None, home: Path | None = None,
                 cache: ResponseCache | None = None, live_limit: int | None = None) -> None:
        settings = settings or CliSettings()
        self.upstream, self.agent, self.fixture, self.home = upstream, agent, fixture, home
        self.version = cli_version(settings)
        self.runner = SessionRunner(settings, live_limit)
        self._cache = cache
        self._tasks: dict[str, AgenticTask] = {}
        self._header = "\n".join((
            SESSION_HEADER, f"cli {self.version}", f"agent {agent.name} {_file_digest(agent.file)}",
            f"fixture {fixture} {fixture_digest(fixture)}",
        ))

    @property
    def name(self) -> str:
        return f"agentic:{self.version}:{self.upstream.name}"

    def request(self, task: AgenticTask) -> ModelRequest:
        """The runner's view of the task's session: its key changes with the CLI, the agent file, the
        fixture, the model and what the task hands the agent (prompt, setup, limits), and nothing else."""
        handed = json.dumps({"setup": task.setup, "limits": task.limits.model_dump()}, sort_keys=True)
        request = ModelRequest(
            model=self.agent.model, max_tokens=CLI_MAX_TOKENS,
            system=(text_block(f"{self._header}\ntask {handed}"),),
            messages=({"role": "user", "content": [text_block(task.prompt)]},), purpose="agentic",
        )
        self._tasks[request.key()] = task
        return request

    def _task(self, request: ModelRequest) -> AgenticTask:
        return self._tasks[request.model_copy(update={"sample": 1}).key()]

    def cost_bound(self, request: ModelRequest) -> float:
        """The task's own cost limit (the session stops there), plus one call's worth of slack."""
        return self._task(request).limits.max_cost_usd * 1.25

    async def complete(self, request: ModelRequest) -> ModelResponse:
        task = self._task(request)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="agent-eval-agentic-") as scratch:
            root, home = Path(scratch) / "project", Path(scratch) / "home"
            await asyncio.to_thread(scratch_fixture, root, self.fixture, task.setup, self.home)
            (root / ".claude" / "agents").mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.agent.file, root / ".claude" / "agents" / self.agent.file.name)
            (home / ".claude").mkdir(parents=True)
            before = file_hashes(root)
            set_up = time.perf_counter()
            session, outcome, stop = await self._session(task, request.model, root, home)
            after = file_hashes(root)
            changed = [p for p in changed_files(before, after) if not p.startswith(IGNORED_PREFIXES)]
            files = [{"type": "file", "path": p,
                      "content": (root / p).read_text(encoding="utf-8", errors="replace")} for p in changed]
            steps = _steps(session, outcome)
            masks = {f"{root}/": "", str(root): ".", str(home): "<home>", str(Path(scratch)): "<scratch>"}
        finished = time.perf_counter()
        made = [e for e in session.exchanges if not e.cached]
        priced = [to_model_response(e.message) for e in made]
        summary = {
            "type": "session", "stop": stop, "turns": len(session.exchanges), "calls": len(made),
            "setup_s": round(set_up - started, 3), "agent_s": round(finished - set_up, 3),
            "cli": self.version,
        }
        return ModelResponse(
            model=request.model, content=(*_masked(steps, masks), *files, summary), stop_reason=stop,
            usage=sum((r.usage for r in priced), Usage()), cost_usd=sum(r.cost_usd for r in priced),
            latency_s=finished - started, cached=bool(session.exchanges) and not made,
        )

    async def _session(self, task: AgenticTask, model: str, root: Path,
                       home: Path) -> tuple[Session, SessionOutcome, str]:
        limit = SpendingLimit(anthropic_upstream(self.upstream), task.limits.max_cost_usd)
        outcome = SessionOutcome()
        stop = "end_turn"
        async with ApiProxy(limit.send, cache=self._cache, to_response=to_model_response) as proxy:
            session_id, base_url = proxy.open_session({str(root): "<project>", str(home): "<home>"})
            try:
                async with asyncio.timeout(task.limits.max_wall_s):
                    await self.runner.run(
                        task.prompt, cwd=root, base_url=base_url, home=home, model=model,
                        stop_at_first_tool=False, max_turns=task.limits.max_turns, agent=self.agent.name,
                        policy=agentic_policy(root, self.agent.tools), disallowed_tools=WITHHELD_TOOLS,
                        extra_env=confined_env(), outcome=outcome,
                    )
            except TimeoutError:
                stop = "max_wall"
            finally:
                session = proxy.close_session(session_id)
        if isinstance(session.error, TaskLimitReached):
            stop = "max_cost"
        elif session.error is not None:
            raise session.error
        elif any(getattr(m, "subtype", "") == "error_max_turns" for m in outcome.messages):
            stop = "max_turns"
        if not session.exchanges and stop == "end_turn":
            raise RuntimeError(f"Claude Code {self.version} made no API call on {task.id}: {outcome.why()}")
        return session, outcome, stop

    async def aclose(self) -> None:
        """Nothing of its own stays open (each task's proxy and scratch copy close with it); the run's
        provider is closed by the run."""


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _steps(session: Session, outcome: SessionOutcome) -> list[dict[str, Any]]:
    """The assistant's turns in order (texts and tool calls), each call with its refusal and result."""
    refused = {call.id: call.refused for call in outcome.tool_calls if call.id}
    results: dict[str, str] = {}
    last = session.exchanges[-1].request if session.exchanges else {}
    for message in last.get("messages", []):
        for block in message.get("content") if isinstance(message.get("content"), list) else ():
            if block.get("type") == "tool_result":
                results[str(block.get("tool_use_id"))] = _result_text(block.get("content"))
    steps: list[dict[str, Any]] = []
    for exchange in session.exchanges:
        for block in exchange.message.get("content") or ():
            if block.get("type") == "text" and block.get("text"):
                steps.append({"type": "text", "text": block["text"]})
            elif block.get("type") == "tool_use":
                call_id = str(block.get("id"))
                steps.append({"type": "tool_use", "id": call_id, "name": block.get("name"),
                              "input": block.get("input") or {}, "refused": refused.get(call_id),
                              "result": results.get(call_id, "")[:RESULT_CHARS]})
    return steps


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(str(b.get("text", "")) for b in content or () if isinstance(b, dict))


def _masked(steps: list[dict[str, Any]], masks: Mapping[str, str]) -> list[dict[str, Any]]:
    text = json.dumps(steps, ensure_ascii=False)
    for path, label in sorted(masks.items(), key=lambda item: -len(item[0])):
        text = text.replace(json.dumps(path)[1:-1], label)
    masked: list[dict[str, Any]] = json.loads(text)
    return masked
