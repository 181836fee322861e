"""One Claude Code session through the Claude Agent SDK: environment, hooks, permission callback, and a
bound on how many CLI processes live at once (each costs ~230 MB and a burst of CPU at start)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SESSION_MEMORY_BYTES = 230 * 1024 * 1024  # CLI + SDK peak per session, measured (ROUTING.md, bench/)
PROCESSES_PER_CPU = 2  # a session mostly waits on the API once started
PROXY_KEY = "agent-eval-local-proxy"  # the CLI wants a key; the proxy holds the real one
# Keep the CLI from calling home: telemetry, error reports, update checks, feedback surveys.
QUIET_ENV = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "CLAUDE_CODE_MAX_RETRIES": "0",  # the proxy's upstream retries; a CLI retry would pay twice
}


class ClaudeCodeUnavailable(RuntimeError):
    """The Claude Agent SDK (extra `agent-eval[claude-code]`) or a Claude Code binary is missing."""


def available_memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def live_process_limit() -> int:
    """How many CLI sessions may run at once on this machine: by CPU count and available memory."""
    by_cpu = (os.cpu_count() or 1) * PROCESSES_PER_CPU
    memory = available_memory_bytes()
    by_memory = by_cpu if memory is None else memory // SESSION_MEMORY_BYTES
    return max(1, min(by_cpu, by_memory))


@dataclass(frozen=True)
class CliSettings:
    """How to start the CLI. `cli_path` None: the binary bundled with the SDK. `with_user_settings`: use
    the real home and the user's settings instead of an isolated home."""

    cli_path: str | None = None
    with_user_settings: bool = False


@dataclass
class ToolCall:
    name: str
    input: dict[str, Any]
    refused: str | None = None  # why the session's policy denied it (it did not run)
    id: str | None = None  # the tool_use block's id


Policy = Callable[[str, dict[str, Any]], str | None]  # (tool, input) → why it is refused, or None


@dataclass
class SessionOutcome:
    tool_calls: list[ToolCall] = field(default_factory=list)  # every call a PreToolUse hook saw, in order
    stderr: list[str] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)  # the SDK's message objects
    process_error: BaseException | None = None  # the SDK's error when the CLI ended abnormally
    session_id: str | None = None  # the CLI's own id for the conversation (to resume it)

    def why(self) -> str:
        """What the CLI said last, for an error message."""
        return " | ".join(self.stderr[-3:]) or str(self.process_error or "no output")


def sdk() -> Any:
    """The claude_agent_sdk module, or ClaudeCodeUnavailable naming the extra to install."""
    try:
        import claude_agent_sdk
    except ImportError as err:
        raise ClaudeCodeUnavailable(
            "the claude-code harness needs the Claude Agent SDK: pip install 'agent-eval[claude-code]'"
        ) from err
    return claude_agent_sdk


def cli_version(settings: CliSettings) -> str:
    """The version of the CLI that will run (`2.1.327`), without starting it when it is the bundled one."""
    if settings.cli_path is None:
        bundled = Path(sdk().__file__).parent / "_bundled" / "claude.version"
        if bundled.is_file():
            return bundled.read_text(encoding="utf-8").split()[0]
    binary = settings.cli_path or str(Path(sdk().__file__).parent / "_bundled" / "claude")
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as err:
        raise ClaudeCodeUnavailable(f"cannot run Claude Code at {binary}: {err}") from err
    return out.stdout.split()[0] if out.stdout.split() else "unknown"


def session_env(base_url: str, home: Path | None, extra: Mapping[str, str] = {}) -> dict[str, str]:
    env = {**extra, **QUIET_ENV, "ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": PROXY_KEY,
           "ANTHROPIC_AUTH_TOKEN": ""}
    if home is not None:
        env |= {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"), "XDG_CONFIG_HOME": str(home)}
    return env


PATH_ARGUMENTS = ("file_path", "path", "notebook_path")


def refusal(tool: str, tool_input: dict[str, Any], root: Path, allowed: Sequence[str]) -> str | None:
    """Why the permission callback refuses a call (None: it may run): a tool not in `allowed`, or a path
    argument outside `root` (resolved, so `..` and symlinks cannot step out)."""
    if tool not in allowed:
        return f"{tool} is not permitted in this evaluation"
    return path_refusal(tool, tool_input, root)


def path_refusal(tool: str, tool_input: dict[str, Any], root: Path) -> str | None:
    """Why a call's path argument is refused: it resolves outside `root`; None when none does."""
    inside = root.resolve()
    for argument in PATH_ARGUMENTS:
        value = tool_input.get(argument)
        if isinstance(value, str) and value:
            target = (root / value).resolve()
            if target != inside and inside not in target.parents:
                return f"{tool}: {value} is outside the project"
    return None


class SessionRunner:
    """Starts sessions, at most `live_limit` CLI processes at a time."""

    def __init__(self, settings: CliSettings, live_limit: int | None = None) -> None:
        self.settings = settings
        self.live_limit = live_limit or live_process_limit()
        self._slots = asyncio.Semaphore(self.live_limit)
        self.live = 0
        self.peak_live = 0

    async def run(
        self, prompt: str, *, cwd: Path, base_url: str, home: Path | None, model: str | None,
        stop_at_first_tool: bool, allowed_tools: Sequence[str] = (), max_turns: int | None = None,
        resume: str | None = None, agent: str | None = None, policy: Policy | None = None,
        disallowed_tools: Sequence[str] = (), extra_env: Mapping[str, str] = {},
        outcome: SessionOutcome | None = None,
    ) -> SessionOutcome:
        """One session on `prompt`, continuing the CLI's conversation `resume` if given.

        `stop_at_first_tool`: a PreToolUse hook records the first tool call, denies it and ends the session
        (no tool runs, no sub-agent starts). Otherwise every call the CLI would ask the user about goes to
        the permission callback, which allows `allowed_tools` on paths inside `cwd` only (see `refusal`).
        `policy` replaces that rule and is also applied by the PreToolUse hook, so a call the CLI would run
        without asking (a Read) is refused too; the refusals are recorded with the calls.

        `agent`: the session runs as that agent of `cwd/.claude/agents/` (its body the system prompt, its
        tools and model), as Claude Code runs an agent; `disallowed_tools` are removed from its tool list;
        `extra_env` is laid under the session's own variables. `outcome` (filled as the session goes) keeps
        what happened when the caller cancels the session."""
        claude = sdk()
        outcome = outcome if outcome is not None else SessionOutcome()
        check: Policy = policy or (lambda tool, tool_input: refusal(tool, tool_input, cwd, allowed_tools))

        async def pre_tool_use(hook_input: Any, tool_use_id: str | None, context: Any) -> Any:
            call = ToolCall(hook_input["tool_name"], dict(hook_input["tool_input"]), id=tool_use_id)
            outcome.tool_calls.append(call)
            if not stop_at_first_tool:
                call.refused = check(call.name, call.input) if policy is not None else None
                if call.refused is None:
                    return {}
                return {"hookSpecificOutput": {
                    "hookEventName": "PreToolUse", "permissionDecision": "deny",
                    "permissionDecisionReason": call.refused,
                }}
            return {
                "continue_": False,  # a deny alone makes the main loop ask the model again
                "stopReason": "agent-eval recorded the first tool call",
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse", "permissionDecision": "deny",
                    "permissionDecisionReason": "agent-eval records the decision without running it",
                },
            }

        async def can_use_tool(name: str, tool_input: dict[str, Any], context: Any) -> Any:
            reason = check(name, tool_input)
            if reason is None:
                return claude.PermissionResultAllow()
            return claude.PermissionResultDeny(message=reason)

        sources = ["user", "project", "local"] if self.settings.with_user_settings else ["project"]
        options = claude.ClaudeAgentOptions(
            cwd=str(cwd), cli_path=self.settings.cli_path, model=model,
            env=session_env(base_url, None if self.settings.with_user_settings else home, extra_env),
            system_prompt=None if agent else {"type": "preset", "preset": "claude_code"},
            setting_sources=sources, max_turns=max_turns, disallowed_tools=list(disallowed_tools),
            extra_args={"agent": agent} if agent else {},
            hooks={"PreToolUse": [claude.HookMatcher(matcher=None, hooks=[pre_tool_use])]},
            can_use_tool=can_use_tool, stderr=outcome.stderr.append, resume=resume,
        )

        async def one_message() -> AsyncIterator[dict[str, Any]]:
            yield {"type": "user", "message": {"role": "user", "content": prompt}, "parent_tool_use_id": None}

        async with self._slots:
            self.live += 1
            self.peak_live = max(self.peak_live, self.live)
            try:
                async for message in claude.query(prompt=one_message(), options=options):
                    outcome.messages.append(message)
                    outcome.session_id = getattr(message, "session_id", None) or outcome.session_id
            except claude.ClaudeSDKError as err:
                outcome.process_error = err
            finally:
                self.live -= 1
        return outcome
