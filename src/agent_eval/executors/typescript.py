"""`typecheck`: `tsc --noEmit` (the fixture's pinned TypeScript) over a project after a change.

The fixture typechecks clean, so every error after a change is the change's: errors in the changed files
come first in the evidence, errors it caused elsewhere (a changed export) follow. n/a when no TypeScript
file changed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_eval.executors import ExecutorUnavailable, agent_code_env
from agent_eval.graders.model import Evidence, Verdict

CHECK_ID = "typecheck"
_TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
_TSC_TIMEOUT_S = 300
_DIAGNOSTIC = re.compile(
    r"^(?P<file>.+?)\((?P<line>\d+),(?P<column>\d+)\): error (?P<code>TS\d+): (?P<message>.*)$"
)


@dataclass(frozen=True)
class TscError:
    file: str  # relative to the project
    line: int
    column: int
    code: str
    message: str


def run_tsc(project_dir: Path) -> list[TscError]:
    """tsc's errors for the project (its own tsconfig.json), from the TypeScript in its node_modules."""
    tsc = project_dir / "node_modules" / "typescript" / "bin" / "tsc"
    node = shutil.which("node")
    if node is None or not tsc.is_file():
        raise ExecutorUnavailable(f"node or {tsc} is missing: run prepare_fixture first")
    done = subprocess.run(
        [node, str(tsc), "--noEmit", "--pretty", "false", "-p", str(project_dir)],
        cwd=project_dir,
        env=agent_code_env(),
        capture_output=True,
        text=True,
        timeout=_TSC_TIMEOUT_S,
        check=False,
    )
    errors = []
    for line in done.stdout.splitlines():
        found = _DIAGNOSTIC.match(line)
        if found:
            errors.append(
                TscError(
                    found["file"], int(found["line"]), int(found["column"]), found["code"], found["message"]
                )
            )
    if done.returncode != 0 and not errors:
        raise ExecutorUnavailable(
            f"tsc failed without diagnostics: {(done.stdout + done.stderr).strip()[:500]}"
        )
    return errors


def typecheck(project_dir: Path, changed: Sequence[str]) -> Verdict:
    """Fail when tsc reports errors after the change; `changed` lists paths relative to the project."""
    changed_ts = {Path(path).as_posix() for path in changed if path.endswith(_TS_SUFFIXES)}
    if not changed_ts:
        return Verdict(check=CHECK_ID, status="n/a", reason="no TypeScript file changed")
    try:
        errors = run_tsc(project_dir)
    except subprocess.TimeoutExpired:
        return Verdict(check=CHECK_ID, status="fail", reason=f"tsc did not finish within {_TSC_TIMEOUT_S} s")
    if not errors:
        return Verdict(
            check=CHECK_ID, status="pass", reason=f"tsc --noEmit: no errors ({len(changed_ts)} changed)"
        )
    in_changed = [e for e in errors if e.file in changed_ts]
    elsewhere = [e for e in errors if e.file not in changed_ts]
    evidence = tuple(_evidence(project_dir, e) for e in (*in_changed, *elsewhere))
    reason = f"tsc --noEmit: {len(in_changed)} error(s) in changed files"
    if elsewhere:
        reason += f", {len(elsewhere)} in files the change broke"
    return Verdict(check=CHECK_ID, status="fail", reason=reason, evidence=evidence)


def _evidence(project_dir: Path, error: TscError) -> Evidence:
    try:
        lines = (project_dir / error.file).read_text(encoding="utf-8").splitlines()
        text = lines[error.line - 1].strip() if 0 < error.line <= len(lines) else ""
    except OSError:
        text = ""
    return Evidence(
        line=error.line, text=text, note=f"{error.file}:{error.line}: {error.code}: {error.message}"
    )
