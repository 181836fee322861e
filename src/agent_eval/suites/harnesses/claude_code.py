"""`--harness claude-code`: the real Claude Code CLI decides, one session per scenario (Claude Agent SDK),
its calls answered through a local proxy over the run's provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent_eval.suites.harnesses import HarnessError, HarnessOptions, RoutingHarness, harness

if TYPE_CHECKING:
    from agent_eval.agents.roster import RosterLike
    from agent_eval.providers.model import Provider


@harness("claude-code")
async def claude_code(
    upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
) -> RoutingHarness:
    from agent_eval.harness.claude_code import ClaudeCodeOptions, ClaudeCodeProvider
    from agent_eval.sandbox.session import ClaudeCodeUnavailable
    from agent_eval.sandbox.upstream import UnsupportedUpstream

    try:
        provider = ClaudeCodeProvider(
            upstream,
            roster,
            ClaudeCodeOptions(options.cli, options.skills, options.live_limit),
            cache=options.cache,
        )
    except (ClaudeCodeUnavailable, UnsupportedUpstream) as err:
        raise HarnessError(f"--harness claude-code: {err}") from err
    notes = (
        f"routing decided by Claude Code {provider.version} itself (Claude Agent SDK), "
        f"at most {provider.runner.live_limit} CLI processes at once",
    )
    return RoutingHarness(
        "claude-code", provider, lambda scenario: provider.request(scenario, model), notes, batchable=False
    )
