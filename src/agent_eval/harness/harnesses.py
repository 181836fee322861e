"""Ways of asking for a routing decision, by name: `builtin` (this project's words), `captured` (a template
of the user's own Claude Code request), `claude-code` (the real CLI, one session per scenario).

`open_harness` gives the run one `RoutingHarness`: how to build a scenario's request and the Provider that
answers it. The pipeline uses both in place of `build_routing_request` and the model's provider; the
response is the model's first turn either way, so `routing.decide` grades every harness alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent_eval.harness.routing import RosterLike, build_routing_request
from agent_eval.providers.model import ModelRequest, Provider
from agent_eval.runner.pool import ResponseCache
from agent_eval.sandbox.session import CliSettings
from agent_eval.scenarios.model import Scenario

if TYPE_CHECKING:
    from agent_eval.harness.captured import Template

HARNESSES = ("builtin", "captured", "claude-code")
DEFAULT_HARNESS = "builtin"


class HarnessError(ValueError):
    """The harness cannot be used as asked (unknown name, missing extra or template, wrong model)."""


@dataclass(frozen=True)
class HarnessOptions:
    home: Path  # AGENT_EVAL_HOME: where captured templates live
    project_root: Path  # the user's project: its path appears in captured requests as the CLI's cwd
    cli: CliSettings = field(default_factory=CliSettings)
    skills: Path | None = None  # the project's skills folder (.claude/skills), if any
    cache: ResponseCache | None = None  # the proxy's cache of the CLI's calls (the store)
    live_limit: int | None = None


@dataclass(frozen=True)
class RoutingHarness:
    name: str
    provider: Provider
    request: Callable[[Scenario], ModelRequest]
    notes: tuple[str, ...] = ()  # for the run's notes and report: e.g. which CLI version answered


async def open_harness(
    name: str, upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
) -> RoutingHarness:
    """The harness `name` over `upstream` (the run's model provider); HarnessError when it cannot run."""
    if name == "builtin":
        return RoutingHarness(
            name, upstream, lambda scenario: build_routing_request(scenario, roster, model)
        )
    if name == "captured":
        return await _open_captured(upstream, roster, model, options)
    if name == "claude-code":
        return _open_claude_code(upstream, roster, model, options)
    raise HarnessError(f"--harness {name!r}: unknown (choose from {', '.join(HARNESSES)})")


async def _open_captured(
    upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
) -> RoutingHarness:
    from agent_eval.harness.captured import (
        CapturedProvider,
        CapturedRequests,
        TemplateError,
        load_template,
        save_template,
    )
    from agent_eval.sandbox.upstream import UnsupportedUpstream, anthropic_upstream

    try:
        forward = anthropic_upstream(upstream)  # refused before any capture is made for nothing
    except UnsupportedUpstream as err:
        raise HarnessError(f"--harness captured: {err}") from err
    notes: list[str] = []
    try:
        template = load_template(options.home, model)
    except TemplateError as missing:
        template = await _capture_now(options, model, missing)
        save_template(options.home, template)
        notes.append(f"captured Claude Code {template.cli_version}'s request layout for {model} now")
    provider = CapturedProvider(upstream, template, forward)
    requests = CapturedRequests(template, roster, options.project_root, Path.home())
    notes.append(f"routing requests in the layout of Claude Code {template.cli_version} (captured)")
    return RoutingHarness(
        "captured", provider, lambda scenario: requests.request(scenario, model), tuple(notes)
    )


async def _capture_now(options: HarnessOptions, model: str, missing: Exception) -> Template:
    """A template captured on the spot when Claude Code is at hand; else the missing template's error."""
    import tempfile

    from agent_eval.harness.captured import template_from_capture
    from agent_eval.sandbox.capture import capture_first_request
    from agent_eval.sandbox.session import ClaudeCodeUnavailable

    try:
        with tempfile.TemporaryDirectory(prefix="agent-eval-capture-") as scratch:
            capture = await capture_first_request(options.cli, model, Path(scratch))
    except ClaudeCodeUnavailable as err:
        raise HarnessError(f"--harness captured: {missing}") from err
    return template_from_capture(capture)


def _open_claude_code(
    upstream: Provider, roster: RosterLike, model: str, options: HarnessOptions
) -> RoutingHarness:
    from agent_eval.harness.claude_code import ClaudeCodeOptions, ClaudeCodeProvider
    from agent_eval.sandbox.session import ClaudeCodeUnavailable
    from agent_eval.sandbox.upstream import UnsupportedUpstream

    try:
        provider = ClaudeCodeProvider(
            upstream, roster, ClaudeCodeOptions(options.cli, options.skills, options.live_limit),
            cache=options.cache,
        )
    except (ClaudeCodeUnavailable, UnsupportedUpstream) as err:
        raise HarnessError(f"--harness claude-code: {err}") from err
    notes = (f"routing decided by Claude Code {provider.version} itself (Claude Agent SDK), "
             f"at most {provider.runner.live_limit} CLI processes at once",)
    return RoutingHarness("claude-code", provider, lambda scenario: provider.request(scenario, model), notes)
