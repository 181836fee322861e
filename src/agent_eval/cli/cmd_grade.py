"""`agent-eval grade`: not built yet."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("grade", help="(not built yet)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    print("agent-eval grade: not built yet", file=sys.stderr)
    return 2
