"""The agentic suite: the agent does a task with its own tools on a scratch copy of the fixture project, and
what it leaves is graded by running it (rls-probe, typecheck, http-contract) and by the rule-based checks
on the changed files; the judge reads the diff.

Grading is a function of the session's response alone: it carries the transcript and the changed files'
contents, and `grade` rebuilds a scratch copy from the fixture, the task's setup and those files.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from agent_eval.executors.changes import changes_as_answer, task_diff
from agent_eval.graders.grade import grade_response
from agent_eval.graders.model import Verdict
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
from agent_eval.scenarios.model import Scenario
from agent_eval.store.model import ResultRecord
from agent_eval.suites.agentic_run import AgenticRun
from agent_eval.suites.registry import Graded, SuiteContext, suite
from agent_eval.suites.standards import check_tallies, standards_checks, standards_passed

if TYPE_CHECKING:
    from agent_eval.run.summary import RunSummary  # the run stage's figures, which a suite projects

FINISHED = "end_turn"


@dataclass(frozen=True)
class SessionRecord:
    """What a session's response holds: its steps, the files it left (path → content), why it stopped."""

    steps: tuple[dict[str, Any], ...]
    files: dict[str, str]
    session: dict[str, Any]

    @classmethod
    def of(cls, response: ModelResponse) -> SessionRecord:
        steps = tuple(b for b in response.content if b.get("type") in ("text", "tool_use"))
        files = {str(b["path"]): str(b["content"]) for b in response.content if b.get("type") == "file"}
        session = next((dict(b) for b in response.content if b.get("type") == "session"), {})
        return cls(steps, files, session)

    @property
    def stop(self) -> str:
        return str(self.session.get("stop", FINISHED))


def _run(context: SuiteContext) -> AgenticRun:
    if context.agentic is None:
        raise ValueError("an agentic scenario needs the run's agentic tasks")
    return context.agentic


@suite
class AgenticSuite:
    name: ClassVar[str] = "agentic"
    answerable_offline: ClassVar[bool] = False
    slow_grading: ClassVar[bool] = True
    judged: ClassVar[bool] = True

    def request(self, scenario: Scenario, context: SuiteContext) -> ModelRequest:
        run = _run(context)
        return run.request(run.tasks[scenario.id])

    def provider(self, context: SuiteContext, model: Provider) -> Provider:
        return _run(context).provider or model

    def grade(self, scenario: Scenario, response: ModelResponse, context: SuiteContext) -> Graded:
        run = _run(context)
        task = run.tasks[scenario.id]
        record = SessionRecord.of(response)
        changed = sorted(record.files)
        from agent_eval.sandbox.agent_session import scratch_fixture

        with tempfile.TemporaryDirectory(prefix="agent-eval-grade-") as scratch:
            root = Path(scratch) / "project"
            scratch_fixture(root, run.dataset.fixture, task.setup, run.home)
            for relative, content in record.files.items():
                (root / relative).parent.mkdir(parents=True, exist_ok=True)
                (root / relative).write_text(content, encoding="utf-8")
            answer = changes_as_answer(root, changed)
            checks = grade_response(answer, standards_checks(scenario, context.config))
            executed = run.environment.execute(root, task, changed)
            diff = task_diff(root, changed, task.setup, run.dataset.fixture)
        finished = record.stop == FINISHED
        passed = finished and standards_passed(scenario, checks) and all(
            v.status != "fail" for v in executed.values()
        )
        transcript = (*record.steps, record.session) if record.session else record.steps
        return Graded(passed=passed, output=diff, checks=checks, executed=executed, transcript=transcript)

    def summarise(self, summary: RunSummary) -> dict[str, Any] | None:
        agentic = summary.agentic
        if agentic is None:
            return None
        return {
            "n": agentic.rate.n,
            "scenarios": agentic.rate.scenarios,
            "pass_rate": agentic.rate.rate,
            "ci95": list(agentic.rate.ci95),
            "checks": check_tallies(agentic.checks),
            "executed": check_tallies(agentic.executed),
        }

    def result_json(self, record: ResultRecord) -> dict[str, Any]:
        return {
            "checks": {c: v.status for c, v in record.checks.items()},
            "executed": {c: v.status for c, v in record.executed.items()},
            "judge": record.judge.model_dump(mode="json") if record.judge else None,
        }


def verdicts_disagree(parsed: Verdict | None, executed: Verdict | None) -> bool:
    """The parsed `rls-enabled` and the executed `rls-probe` point opposite ways (both applied)."""
    if parsed is None or executed is None or "n/a" in (parsed.status, executed.status):
        return False
    return parsed.status != executed.status
