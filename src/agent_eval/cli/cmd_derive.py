"""`agent-eval derive`: write or update an agent's scenario datasets (and eval config) from the roster."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent_eval.providers.model import Provider


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "derive", help="write/update datasets/AGENT/ from the agent files (deterministic, offline)"
    )
    parser.add_argument("--agent", required=True, metavar="NAME", help="the agent to derive scenarios for")
    parser.add_argument("--agents-dir", metavar="DIR", help="folder of agent files (default: agents/)")
    parser.add_argument(
        "--augment",
        action="store_true",
        help="also ask a model for paraphrases of the positives, cached in datasets/AGENT/augment-cache.json",
    )
    parser.add_argument("--model", default="sonnet", help="model for --augment (default: sonnet)")
    parser.set_defaults(handler=run)


def _open_provider(spec: str) -> Provider:
    """The provider behind `--model` for --augment: `openai:…`, else Anthropic (id, alias, `anthropic:…`)."""
    from agent_eval.cli.main import UsageError
    from agent_eval.providers.spec import ModelSpecError, parse_model_spec

    try:
        parsed = parse_model_spec(spec)
    except ModelSpecError as exc:
        raise UsageError(str(exc)) from exc
    if parsed.provider not in ("anthropic", "openai"):
        raise UsageError(f"--augment needs a generative model (anthropic:… or openai:…), not {spec!r}")
    if parsed.provider == "openai":
        from agent_eval.providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(spec)
    from agent_eval.providers.anthropic import AnthropicProvider
    from agent_eval.providers.credentials import has_credentials

    if not has_credentials():
        raise UsageError("--augment needs ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) for an Anthropic model")
    return AnthropicProvider(parsed.model)


def run(args: argparse.Namespace) -> int:
    from agent_eval.agents.roster import load_roster
    from agent_eval.cli.main import UsageError, use_project_checks
    from agent_eval.paths import agents_dir, found_project_root
    from agent_eval.scenarios.dataset import DatasetError
    from agent_eval.scenarios.derive import derive

    root = Path(os.path.relpath(found_project_root()))  # relative paths in messages and provenance
    use_project_checks(root)  # tasks.yaml may name them
    roster = load_roster(agents_dir(root, override=args.agents_dir), unique=True)
    for diagnostic in roster.diagnostics:
        if diagnostic.level == "error":
            print(diagnostic.render(), file=sys.stderr)
    provider = _open_provider(args.model) if args.augment else None
    try:
        report = derive(
            args.agent, roster, root, provider=provider, augment_model=args.model.removeprefix("anthropic:")
        )
    except DatasetError as exc:
        raise UsageError(str(exc)) from exc
    for warning in report.warnings:
        print(f"agent-eval derive: warning: {warning}", file=sys.stderr)
    print(report.render())
    return 0
