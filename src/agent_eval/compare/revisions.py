"""Run one agent at several git revisions of its file (for `compare --rev`), the roster otherwise as is."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from agent_eval.agents.roster import load_roster
from agent_eval.paths import agents_dir
from agent_eval.run.evaluate import run_eval
from agent_eval.run.options import RunError, RunOptions


class RevisionError(Exception):
    """A revision that cannot be run: not a git checkout, unknown revision, or the file absent there."""


def run_revisions(
    agent: str,
    revisions: Sequence[str],
    *,
    root: Path,
    model: str | None = None,
    epochs: int | None = None,
    limit: int | None = None,
    home: Path | None = None,
) -> list[str]:
    """Run `agent` once per revision, with its file as committed there; returns the run ids in order.

    Only the agent's own file is taken from git; the other agents, datasets and eval config are the
    working tree's, so the runs differ in nothing but the prompt under test.
    """
    folder = agents_dir(root)
    current = load_roster(folder).get(agent)
    if current is None:
        raise RevisionError(f"no agent named {agent!r} in {folder}")
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    in_repo = current.path.resolve().relative_to(top).as_posix()
    in_folder = current.path.resolve().relative_to(folder.resolve())
    run_ids = []
    for revision in revisions:
        content = _git(root, "show", f"{revision}:{in_repo}")
        with tempfile.TemporaryDirectory(prefix="agent-eval-rev-") as scratch:
            copy = Path(scratch) / "agents"
            shutil.copytree(folder, copy)
            (copy / in_folder).write_text(content, encoding="utf-8")
            options = RunOptions(
                agent=agent, model=model, epochs=epochs, limit=limit, agents_dir=copy, root=root, home=home
            )
            try:
                run_ids.append(run_eval(options).run.run_id)
            except RunError as exc:
                raise RevisionError(f"revision {revision}: {exc}") from exc
    return run_ids


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed") from exc
    if done.returncode != 0:
        raise RevisionError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout
