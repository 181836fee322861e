"""One evaluation run, wired end to end: plan → stored run → execution → final status → report.

Every result is saved the moment its answer is graded, so a killed run keeps what finished and `--resume`
runs only what is missing. A run never stays "running": an exception mid-run stores it as "failed" (its
results kept, resumable) before the exception goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import secrets
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agent_eval.collector import survivors_frozen
from agent_eval.paths import home_dir, reports_dir
from agent_eval.run.dispatch import Dispatcher
from agent_eval.run.execute import interruptible
from agent_eval.run.options import RunError, RunOptions, RunResult
from agent_eval.run.plan import Plan, plan_run
from agent_eval.scenarios.model import Scenario
from agent_eval.store.db import Store, now_iso
from agent_eval.store.model import RunInfo


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def dataset_hash(scenarios: Sequence[Scenario]) -> str:
    digest = hashlib.sha256()
    for scenario in sorted(scenarios, key=lambda s: (s.suite, s.id)):
        digest.update(scenario.model_dump_json().encode())
    return digest.hexdigest()


def new_run_id(agent: str) -> str:
    return f"{agent}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def run_eval(options: RunOptions) -> RunResult:
    """Run (or resume) one evaluation and write its report. Raises RunError for bad input."""
    return asyncio.run(_run_eval(options))


async def _run_eval(options: RunOptions) -> RunResult:
    with Store(home_dir(options.home)) as store:
        stored = None
        if options.resume:
            stored = store.get_run(options.resume)
            if stored is None:
                raise RunError(f"--resume {options.resume}: no such run (see `agent-eval runs`)")
            if stored.agent != options.agent:
                raise RunError(f"--resume {options.resume}: that run is of agent {stored.agent!r}")
        plan = await plan_run(options, store, stored)
        run = _started(plan, options, store, stored)
        for note in plan.notes:
            print(f"agent-eval run: {note}", file=sys.stderr)

        dispatcher = Dispatcher(
            store,
            run.run_id,
            concurrency=plan.concurrency,
            max_cost=plan.max_cost,
            batch=options.batch,
            use_cache=options.use_cache,
            progress=options.progress,
        )
        _warm_up(report=options.report)
        with survivors_frozen():  # start-up's objects (the SDK, the plan) live until the end
            return await _execute_and_report(plan, run, store, dispatcher, options)


async def _execute_and_report(
    plan: Plan, run: RunInfo, store: Store, dispatcher: Dispatcher, options: RunOptions
) -> RunResult:
    try:
        executed = await interruptible(plan, store, run.run_id, dispatcher)
    except BaseException as exc:
        store.update_run(run.model_copy(update={"status": "failed", "finished_at": now_iso()}))
        exc.add_note(
            f"agent-eval: run {run.run_id} is stored as failed with what it finished; "
            f"`agent-eval run --agent {run.agent} --resume {run.run_id}` runs the rest"
        )
        raise
    errored = sum(r.error is not None for r in store.results(run.run_id))
    status = executed.status
    if status == "finished" and (executed.failed_calls or errored):
        status = "incomplete"
    run = run.model_copy(update={"status": status, "finished_at": now_iso()})
    store.update_run(run)

    from agent_eval.run.summary import summarize_run

    figures = summarize_run(store, run.run_id)
    report = None
    if options.report:
        from agent_eval.report.html import write_report

        report = write_report(store, figures, reports_dir(options.root) / f"{run.run_id}.html")
    return RunResult(
        run=run,
        report=report,
        notes=list(plan.notes),
        failed_calls=executed.failed_calls,
        errored=errored,
        figures=figures,
    )


def _warm_up(*, report: bool) -> None:
    """Imports what the end of the run needs (statistics, the report) in the background while the calls are
    in flight: the loop mostly waits on the API then, and importing them after the last answer kept the
    user waiting for it."""
    modules = ["agent_eval.run.summary", *(["agent_eval.report.html"] if report else [])]
    threading.Thread(
        target=lambda: [importlib.import_module(module) for module in modules],
        name="agent-eval-warm-up",
        daemon=True,
    ).start()


def _started(plan: Plan, options: RunOptions, store: Store, stored: RunInfo | None) -> RunInfo:
    """The run as stored when it starts: a new one, or the resumed one if its inputs are unchanged."""
    agent_hash = hashlib.sha256(plan.agent.path.read_bytes()).hexdigest()
    scenarios_hash = dataset_hash(plan.scenarios)
    if stored is not None:
        if stored.agent_hash != agent_hash or stored.dataset_hash != scenarios_hash:
            raise RunError(
                f"--resume {stored.run_id}: the agent file or dataset changed since that run started; "
                "start a new run instead"
            )
        run = stored.model_copy(update={"status": "running", "finished_at": None})
        store.update_run(run)
        return run
    run = RunInfo(
        run_id=new_run_id(options.agent),
        agent=options.agent,
        model=plan.model,
        judge_model=plan.judge_model,
        suites=tuple(dict.fromkeys(s.suite for s in plan.scenarios)),
        epochs=plan.epochs,
        git_commit=git_commit(options.root),
        agent_hash=agent_hash,
        dataset_hash=scenarios_hash,
        config={
            "suites": list(options.suites),
            "limit": options.limit,
            "model_spec": options.model,
            "judge_model_spec": options.judge_model,
            "harness": plan.harness_name,
            "agent_model": plan.agent_model,
            "epochs": plan.epochs,
            "concurrency": plan.concurrency,
            "max_cost": plan.max_cost,
            "batch": options.batch,
            "cache": options.use_cache,
            "thinking": options.thinking,
            "effort": options.effort,
            "with_user_settings": options.with_user_settings,
            "execute": options.execute,
            "notes": list(plan.notes),
        },
        started_at=now_iso(),
        offline=plan.offline,
    )
    store.create_run(run)
    return run
