"""The executors' PostgreSQL for one run: `--postgres-url`, else the embedded one, started on first use and
stopped when the run ends; shared by the agentic tasks and the standards suite's `--execute`."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent_eval.executors import ExecutorUnavailable
from agent_eval.graders.model import Verdict

if TYPE_CHECKING:
    from agent_eval.executors.postgres import PostgresServer
    from agent_eval.scenarios.agentic import AgenticTask

DATABASE_GRADERS = ("rls-probe", "http-contract")


@dataclass
class ExecutionEnvironment:
    """The executors' PostgreSQL for the run: `postgres_url`, else the embedded one, started lazily."""

    postgres_url: str | None
    home: Path | None
    _stack: ExitStack = field(default_factory=ExitStack)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: PostgresServer | None = None
    _failure: str | None = None

    def server(self) -> PostgresServer:
        """The run's server, started on first use (once: a failure to start is remembered)."""
        from agent_eval.executors.session import postgres_for_run

        with self._lock:
            if self._failure is not None:
                raise ExecutorUnavailable(self._failure)
            if self._server is None:
                try:
                    self._server = self._stack.enter_context(postgres_for_run(self.postgres_url, self.home))
                except (ExecutorUnavailable, OSError, RuntimeError) as exc:
                    self._failure = f"PostgreSQL did not start: {exc}"
                    raise ExecutorUnavailable(self._failure) from exc
            return self._server

    @property
    def started_in(self) -> float | None:
        return self._server.started_in if self._server is not None else None

    def execute(self, project_dir: Path, task: AgenticTask, changed: list[str]) -> dict[str, Verdict]:
        """The task's executed graders on `project_dir`; those needing the database are n/a with the
        reason when it cannot start."""
        from agent_eval.executors.postgres import PostgresServer
        from agent_eval.executors.task import execute_task

        server: PostgresServer = PostgresServer(admin_url="")  # never used by a task without database graders
        unavailable: dict[str, Verdict] = {}
        if any(grader in DATABASE_GRADERS for grader in task.executed):
            try:
                server = self.server()
            except ExecutorUnavailable as exc:
                unavailable = {
                    g: Verdict(check=g, status="n/a", reason=f"not run: {exc}")
                    for g in task.executed
                    if g in DATABASE_GRADERS
                }
                task = task.model_copy(
                    update={"executed": tuple(g for g in task.executed if g not in DATABASE_GRADERS)}
                )
        verdicts = execute_task(server, project_dir, task, changed)
        return {g: unavailable.get(g) or verdicts[g] for g in (*verdicts, *unavailable)}

    def close(self) -> None:
        self._stack.close()

    def execute_answer(self, text: str) -> dict[str, Verdict]:
        """`rls-probe` of a text answer's SQL; n/a with the reason when the database cannot start."""
        from agent_eval.executors.answers import execute_answer

        try:
            server = self.server()
        except ExecutorUnavailable as exc:
            return {"rls-probe": Verdict(check="rls-probe", status="n/a", reason=f"not run: {exc}")}
        return execute_answer(server, text)
