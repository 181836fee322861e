"""The executed graders of one agentic task, on the scratch copy the agent left."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from agent_eval.executors import ExecutorUnavailable
from agent_eval.executors.http_contract import CHECK_ID as HTTP_CONTRACT
from agent_eval.executors.http_contract import http_contract
from agent_eval.executors.postgres import PostgresServer
from agent_eval.executors.rls_probe import CHECK_ID as RLS_PROBE
from agent_eval.executors.rls_probe import probe_rls_project
from agent_eval.executors.typescript import CHECK_ID as TYPECHECK
from agent_eval.executors.typescript import typecheck
from agent_eval.graders.model import Verdict
from agent_eval.scenarios.agentic import AgenticTask


def execute_task(
    server: PostgresServer, project_dir: Path, task: AgenticTask, changed: Sequence[str]
) -> dict[str, Verdict]:
    """Each grader the task lists under `executed`, keyed by id; a grader whose tool is missing gives n/a
    with the reason, so one absent tool does not sink the rest."""
    # The task's own set-up files count as changed for the probe: a task that plants a leaking table must
    # not pass because the agent added an unrelated one and left the leak alone.
    probed = [*changed, *(path for path in sorted(task.setup) if path not in changed)]
    graders: dict[str, Callable[[], Verdict]] = {
        RLS_PROBE: lambda: probe_rls_project(server, project_dir, probed),
        TYPECHECK: lambda: typecheck(project_dir, changed),
        HTTP_CONTRACT: lambda: http_contract(server, project_dir, changed, task.http),
    }
    verdicts: dict[str, Verdict] = {}
    for grader in task.executed:
        try:
            verdicts[grader] = graders[grader]()
        except ExecutorUnavailable as exc:
            verdicts[grader] = Verdict(check=grader, status="n/a", reason=f"not run: {exc}")
    return verdicts
