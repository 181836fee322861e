"""Self-contained HTML pages (inline CSS, JS, SVG; open from disk offline): a run report, a comparison."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_eval.graders.model import Verdict
from agent_eval.report.render import packed_island, render_page
from agent_eval.run.summary import RunSummary, summarize_run
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord
from agent_eval.suites.agentic import verdicts_disagree

if TYPE_CHECKING:  # compare pulls in scipy.stats, which a run's report does not need
    from agent_eval.compare.fidelity import Fidelity
    from agent_eval.compare.matrix import ModelMatrix
    from agent_eval.compare.runs import Comparison

# Misroutes and disagreements are listed in full in the scenario table; the summary lists show the first
# ones only, since thousands of server-rendered rows would dominate the page's open time.
LIST_LIMIT = 50


def write_report(store: Store, run: str | tuple[RunSummary, list[ResultRecord]], path: Path) -> Path:
    """Write the report of `run` (a run id, or a run already summarised) to `path` (parents created) and
    return the path. Raises LookupError for an unknown run.
    """
    from agent_eval.compare.fidelity import measured_against_the_cli

    summary, records = summarize_run(store, run) if isinstance(run, str) else run
    path.parent.mkdir(parents=True, exist_ok=True)
    fidelity = measured_against_the_cli(store, summary.info)
    path.write_text(render_report(summary, records, fidelity), encoding="utf-8")
    return path


def render_report(summary: RunSummary, records: list[ResultRecord], fidelity: Fidelity | None = None) -> str:
    return render_page(
        "report.html.j2",
        with_script=True,
        summary=summary,
        fidelity=fidelity,
        check_bars=[(check.check, check.rate) for check in summary.checks],
        agentic_bars=[(c.check, c.rate) for c in (*summary.agentic.checks, *summary.agentic.executed)]
        if summary.agentic
        else [],
        list_limit=LIST_LIMIT,
        rows_data=packed_island([scenario_row(r) for r in records]),
    )


def render_comparison(comparison: Comparison) -> str:
    p_values = [c.p_holm for c in comparison.binary] + [c.p_holm for c in comparison.scores]
    significant = sum(p < comparison.alpha for p in p_values)
    return render_page("compare.html.j2", with_script=False, comparison=comparison, significant=significant)


def scenario_row(record: ResultRecord) -> dict[str, Any]:
    """What the scenario table needs of one result; rendered by the page's script with textContent only."""
    judge = record.judge
    return {
        "id": record.scenario_id,
        "suite": record.suite,
        "epoch": record.epoch,
        "tags": list(record.tags),
        "status": _status(record),
        "expected": record.expected,
        "chosen": record.chosen,
        "judge": judge.mean if judge else None,
        "cost": record.cost_usd,
        "latency": record.latency_s,
        "input": record.input,
        "context": [[turn.role, turn.content] for turn in record.context],
        "output": record.output,
        "error": record.error,
        "checks": _verdicts(record.checks.values()),
        "executed": _verdicts(record.executed.values()),
        "transcript": list(record.transcript),
        "rlsDisagree": verdicts_disagree(record.checks.get("rls-enabled"), record.executed.get("rls-probe")),
        "judgeDetail": None
        if judge is None
        else {
            "model": judge.model,
            "error": judge.error,
            "scores": [[s.criterion, s.section, s.score, s.rationale] for s in judge.scores],
        },
    }


def _verdicts(verdicts: Iterable[Verdict]) -> list[list[Any]]:
    return [[v.check, v.status, v.reason, [[e.line, e.text, e.note] for e in v.evidence]] for v in verdicts]


def _status(record: ResultRecord) -> str:
    if record.error is not None:
        return "error"
    if record.passed is None:
        return "n/a"
    return "pass" if record.passed else "fail"


def write_matrix(matrix: ModelMatrix, path: Path, notes: Sequence[str] = ()) -> Path:
    """Write the page comparing several models' runs of the same scenarios."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_page("matrix.html.j2", with_script=False, matrix=matrix, notes=notes)
    path.write_text(page, encoding="utf-8")
    return path
