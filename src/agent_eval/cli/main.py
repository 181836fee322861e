"""The `agent-eval` entry point: builds the argument parser from one module per command and dispatches.

Command modules import only argparse at module level so start-up stays fast; each imports its stage
lazily inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from agent_eval.errors import InputError

COMMANDS = (
    "agents",
    "lint",
    "derive",
    "run",
    "grade",
    "calibrate",
    "report",
    "compare",
    "gate",
    "runs",
    "export",
    "capture",
    "fidelity",
    "collisions",
    "optimize",
)

EXIT_BAD_INPUT, EXIT_INTERRUPTED = 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


class UsageError(Exception):
    """Bad input the user can fix; printed as one line and exit code 2."""


def use_project_checks(root: Path) -> list[str]:
    """Register the project's own checks (`checks/*.py`, `agent_eval.checks` entry points); their ids.

    A check file that cannot be loaded is a UsageError naming it.
    """
    from agent_eval.graders.project_checks import ProjectCheckError, load_project_checks

    try:
        return load_project_checks(root)
    except ProjectCheckError as exc:
        raise UsageError(str(exc)) from exc


DESCRIPTION = (
    "Evaluate Claude Code agents (agents/*.md): is each picked when it should be, and do its answers meet "
    "its own standards?"
)

START_HERE = """\
start here, in a project holding agents/:
  agent-eval lint                                check the agent files
  agent-eval derive --agent NAME                 write datasets/NAME/ and evals/NAME.yaml
  agent-eval run --agent NAME                    run the suites, write reports/RUN_ID.html
  agent-eval gate RUN_ID                         fail CI when the run falls short
`agent-eval COMMAND --help` explains a command; the README has the whole workflow."""


class _VersionAction(argparse.Action):
    """`--version`: reads the installed package's version only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from importlib.metadata import version

        print(f"agent-eval {version('agent-eval')}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent-eval",
        description=DESCRIPTION,
        epilog=START_HERE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for name in COMMANDS:
        module = importlib.import_module(f"agent_eval.cli.cmd_{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # inside the try: a reader that went away is handled below, not at exit
    except (UsageError, InputError) as exc:
        print(f"agent-eval {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader stopped reading (`agent-eval runs | head -1`): nothing to report. Point stdout at
        # devnull so the interpreter's final flush does not raise the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print(f"agent-eval {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
