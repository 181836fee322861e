"""`--harness captured`: the request of the user's own Claude Code, rebuilt from a captured template with
the roster and each scenario's words (the template is captured on the spot when Claude Code is at hand)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agent_eval.suites.harnesses import HarnessError, HarnessOptions, RoutingHarness, harness

if TYPE_CHECKING:
    from agent_eval.agents.roster import RosterLike
    from agent_eval.harness.captured import Template
    from agent_eval.providers.model import Provider


@harness("captured")
async def captured(
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
        "captured",
        provider,
        lambda scenario: requests.request(scenario, model),
        tuple(notes),
        batchable=False,  # a batch item's params would drop the beta fields the template carries
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
