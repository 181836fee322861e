"""`agent-eval capture`: run Claude Code once, offline, and keep its request layout as a template."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "capture", help="record Claude Code's request layout (offline) for --harness captured"
    )
    parser.add_argument("--claude-bin", metavar="PATH",
                        help="an installed Claude Code CLI (default: the SDK's)")
    parser.add_argument("--model", default="sonnet", help="model the CLI is started with (default: sonnet)")
    parser.add_argument("--json", action="store_true", help="print the template's shape as JSON on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import tempfile
    from pathlib import Path

    from agent_eval.cli.main import EXIT_BAD_INPUT
    from agent_eval.harness.captured import (
        TemplateError,
        save_template,
        template_from_capture,
        template_summary,
    )
    from agent_eval.paths import display_path, home_dir
    from agent_eval.providers.aliases import ALIASES, resolve
    from agent_eval.sandbox.capture import capture_first_request
    from agent_eval.sandbox.session import ClaudeCodeUnavailable, CliSettings

    if args.claude_bin and not Path(args.claude_bin).is_file():
        print(f"agent-eval capture: error: --claude-bin {args.claude_bin}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    model = resolve(args.model.removeprefix("anthropic:"), default=ALIASES["sonnet"], table=ALIASES)
    try:
        with tempfile.TemporaryDirectory(prefix="agent-eval-capture-") as scratch:
            settings = CliSettings(cli_path=args.claude_bin)
            capture = asyncio.run(capture_first_request(settings, model, Path(scratch)))
        template = template_from_capture(capture)
    except (ClaudeCodeUnavailable, TemplateError, RuntimeError) as err:
        print(f"agent-eval capture: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    path = save_template(home_dir(), template)
    summary = {**template_summary(template), "template": display_path(path)}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"captured Claude Code {template.cli_version} ({template.model}): "
              f"{summary['system_blocks']} system blocks, {len(summary['tools'])} tools, "
              f"{len(summary['builtin_agents'])} built-in agent types "
              f"→ {summary['template']}")
    return 0
