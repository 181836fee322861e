"""The claude-code routing harness: each scenario is one real Claude Code session, stopped at its first tool
call, its first assistant turn returned as the scenario's ModelResponse.

The runner sees an ordinary Provider: `session_request` describes a scenario's session (CLI version, roster
digest, the scenario's words) so the response cache, the store and resume key on it, and
`ClaudeCodeProvider.complete` runs the session. The CLI's own call goes through the local proxy to the run's
Anthropic provider, so usage, cost and backpressure are those of a normal call. A scenario with prior turns
is replayed: the CLI runs its earlier user turns one session each, the proxy answering with the scenario's
own assistant turns (no API call), each session resuming the last, so the CLI builds its transcript itself;
only the last message's call goes upstream. Shapes that cannot be replayed so (a conversation that does not
alternate user and assistant turns) are refused with `UnsupportedScenario`, never flattened.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_eval.agents.roster import RosterLike, roster_agents
from agent_eval.harness.conversation import scenario_messages, text_block
from agent_eval.harness.routing import ROUTING_MAX_TOKENS
from agent_eval.providers import pricing
from agent_eval.providers.anthropic import to_model_response
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider, Usage
from agent_eval.runner.pool import ResponseCache
from agent_eval.sandbox.project import ScratchProject, scratch_project
from agent_eval.sandbox.proxy import ApiProxy
from agent_eval.sandbox.session import CliSettings, SessionOutcome, SessionRunner, cli_version
from agent_eval.sandbox.upstream import anthropic_upstream
from agent_eval.scenarios.model import Scenario

HARNESS = "claude-code"
SESSION_HEADER = "agent-eval claude-code session"
CLI_MAX_TOKENS = 128_000  # what the CLI asks for on its main loop (ROUTING.md); bounds a call's cost
CLI_REQUEST_CHARS = 60_000  # a first request with a dozen agents, before one has been seen


class UnsupportedScenario(ValueError):
    """A scenario this harness cannot run faithfully (prior turns); reported, never flattened."""


class ClaudeCodeError(RuntimeError):
    """A session ended without the call it was run for."""


def roster_digest(agent_files: Sequence[Path], skills: Path | None) -> str:
    """What the CLI reads from the scratch project: the agent files as bytes, and the skills folder."""
    digest = hashlib.sha256()
    files = [*sorted(agent_files)]
    if skills is not None and skills.is_dir():
        files += sorted(p for p in skills.rglob("*") if p.is_file())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def session_request(scenario: Scenario, model: str, *, version: str, digest: str,
                    user_settings: bool = False) -> ModelRequest:
    """The runner's view of a scenario's session: its key changes with the CLI version, the project's
    agents and skills, the settings used, the model and the scenario's turns, and nothing else."""
    header = f"{SESSION_HEADER}\ncli {version}\nroster {digest}\nuser settings {user_settings}"
    return ModelRequest(
        model=model, max_tokens=ROUTING_MAX_TOKENS, system=(text_block(header),),
        messages=scenario_messages(scenario), purpose="routing",
    )


@dataclass(frozen=True)
class ClaudeCodeOptions:
    settings: CliSettings = field(default_factory=CliSettings)
    skills: Path | None = None  # the project's skills folder, copied to .claude/skills/
    live_limit: int | None = None  # CLI processes alive at once; default by CPU and memory


class ClaudeCodeProvider:
    """Provider whose `complete` runs a scenario's session; `upstream` answers the CLI's calls."""

    offline = False

    def __init__(self, upstream: Provider, roster: RosterLike, options: ClaudeCodeOptions | None = None,
                 *, cache: ResponseCache | None = None) -> None:
        options = options or ClaudeCodeOptions()
        self.upstream = upstream
        self.options = options
        self.agent_files = tuple(agent.path for agent in roster_agents(roster))
        self.version = cli_version(options.settings)
        self.digest = roster_digest(self.agent_files, options.skills)
        self.runner = SessionRunner(options.settings, options.live_limit)
        self._forward = anthropic_upstream(upstream)
        self._cache = cache
        self._stack = AsyncExitStack()
        self._started: tuple[ScratchProject, ApiProxy] | None = None
        self._start_lock = asyncio.Lock()
        self._request_chars = CLI_REQUEST_CHARS

    @property
    def name(self) -> str:
        return f"{HARNESS}:{self.version}:{self.upstream.name}"

    def request(self, scenario: Scenario, model: str) -> ModelRequest:
        return session_request(scenario, model, version=self.version, digest=self.digest,
                               user_settings=self.options.settings.with_user_settings)

    def cost_bound(self, request: ModelRequest) -> float:
        """The CLI's call, not the session descriptor: its size as last seen, its full `max_tokens`."""
        price = pricing.price_of(request.model)
        input_tokens = self._request_chars / pricing.CHARS_PER_TOKEN_LOWER_BOUND
        worst = input_tokens * max(price.input, price.cache_write) + CLI_MAX_TOKENS * price.output
        return worst / pricing.MTOK

    async def _start(self) -> tuple[ScratchProject, ApiProxy]:
        async with self._start_lock:
            if self._started is None:
                project = self._stack.enter_context(scratch_project(self.agent_files, self.options.skills))
                proxy = await self._stack.enter_async_context(
                    ApiProxy(self._forward, cache=self._cache, to_response=to_model_response)
                )
                self._started = (project, proxy)
            return self._started

    async def complete(self, request: ModelRequest) -> ModelResponse:
        earlier, prompt = conversation_turns(request.messages)
        project, proxy = await self._start()
        home = project.new_home()
        session_id, base_url = proxy.open_session(
            {str(project.root): "<project>", str(home): "<home>"}, [answer for _, answer in earlier]
        )
        started = time.perf_counter()
        outcome: SessionOutcome | None = None
        try:
            for said in [*(user for user, _ in earlier), prompt]:
                if outcome is not None and outcome.session_id is None:  # a fresh start would drop turns
                    raise ClaudeCodeError(f"Claude Code {self.version} gave no session to resume: "
                                          f"{outcome.why()}")
                outcome = await self.runner.run(
                    said, cwd=project.root, base_url=base_url, home=home, model=request.model,
                    stop_at_first_tool=True, resume=outcome.session_id if outcome else None,
                )
        finally:
            session = proxy.close_session(session_id)
            shutil.rmtree(home, ignore_errors=True)  # its transcripts: thousands of sessions would fill /tmp
        if session.error is not None:
            raise session.error
        if not session.exchanges:
            reason = outcome.why() if outcome else "no session"
            raise ClaudeCodeError(f"Claude Code {self.version} made no API call: {reason}")
        first = session.exchanges[0]
        self._request_chars = max(self._request_chars, len(json.dumps(first.request)))
        latency = time.perf_counter() - started
        if first.cached:  # answered by the proxy's cache: no call made, nothing spent
            response = to_model_response(first.message, latency_s=latency)
            return response.model_copy(update={"usage": Usage(), "cost_usd": 0.0, "cached": True})
        return to_model_response(first.message, latency_s=latency)

    async def aclose(self) -> None:
        await self._stack.aclose()
        await self.upstream.aclose()


def conversation_turns(messages: Sequence[dict[str, Any]]) -> tuple[list[tuple[str, str]], str]:
    """The (user, assistant) exchanges before the last message, and the last message; UnsupportedScenario
    when the conversation has turns that a CLI session cannot hold one by one (two in a row of one role)."""
    texts: list[str] = []
    for position, message in enumerate(messages):
        blocks = message["content"]
        role = "user" if position % 2 == 0 else "assistant"
        if message["role"] != role or len(blocks) != 1:
            raise UnsupportedScenario(
                "scenario whose earlier turns do not alternate one user and one assistant turn "
                "(input.context): the claude-code harness replays them one turn at a time; "
                "use --harness builtin for it"
            )
        texts.append(str(blocks[0]["text"]))
    earlier = list(zip(texts[:-1:2], texts[1:-1:2], strict=True))
    return earlier, texts[-1]
