"""The fixture project on disk: a scratch copy per task, its npm dependencies installed once per lockfile.

`npm ci` runs once for each distinct `package-lock.json` into `AGENT_EVAL_HOME/npm/<lock hash>/` and every
copy links that `node_modules` (read-only by convention: the agentic sandbox refuses network commands, so
an agent cannot `npm install` into it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from agent_eval.executors import ExecutorUnavailable
from agent_eval.paths import home_dir

DEFAULT_FIXTURE = "stratos"
_NPM_TIMEOUT_S = 600


def fixture_source(name: str = DEFAULT_FIXTURE) -> Path:
    """The packaged fixture's folder (read-only: copy it with `prepare_fixture`)."""
    source = Path(str(files("agent_eval.fixtures").joinpath(name)))
    if not (source / "package.json").is_file():
        raise FileNotFoundError(f"no fixture project named {name!r} in agent_eval/fixtures")
    return source


def lockfile_hash(project: Path) -> str:
    return hashlib.sha256((project / "package-lock.json").read_bytes()).hexdigest()[:16]


def installed_node_modules(project: Path, home: Path | None = None) -> Path:
    """`node_modules` for `project`'s lockfile, installed with `npm ci` on first use and reused after."""
    cache = home_dir(home) / "npm" / lockfile_hash(project)
    target = cache / "node_modules"
    if target.is_dir():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ExecutorUnavailable("npm is not installed: the fixture's dependencies cannot be installed")
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache.parent, prefix=".installing-") as staging:
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(project / name, Path(staging) / name)
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise ExecutorUnavailable(f"npm ci failed for {project}: {done.stderr.strip()[-500:]}")
        try:
            os.rename(staging, cache)
        except OSError:  # another process finished the same install first: use theirs
            if not target.is_dir():
                raise
        else:
            # TemporaryDirectory's cleanup must not fail on the renamed folder
            Path(staging).mkdir()
    return target


def prepare_fixture(
    dest: Path, name: str = DEFAULT_FIXTURE, home: Path | None = None, setup: Mapping[str, str] | None = None
) -> Path:
    """A scratch copy of the fixture at `dest` (created; must not exist) with its `node_modules` linked,
    and a task's `setup` files (project-relative path → content) written over it."""
    source = fixture_source(name)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("node_modules", "__pycache__", "__init__.py"))
    for relative, content in (setup or {}).items():
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (dest / "node_modules").symlink_to(installed_node_modules(source, home), target_is_directory=True)
    return dest


def file_hashes(project_dir: Path) -> dict[str, str]:
    """Project-relative path → content hash of every file outside node_modules (before/after a task)."""
    hashes = {}
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and not path.is_symlink() and relative.parts[0] not in {"node_modules", ".git"}:
            hashes[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def changed_files(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Files added or modified between two `file_hashes` (deleted ones are not graded)."""
    return sorted(path for path, digest in after.items() if before.get(path) != digest)
