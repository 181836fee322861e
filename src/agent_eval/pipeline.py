"""One evaluation run, wired end to end: roster → scenarios → requests → runner → graders → store → report.

Every (scenario, epoch) result is saved the moment its response is graded, so a killed run keeps what
finished and `resume` runs only what is missing. Judge verdicts are a second pass over the stored standards
results that still lack one, through the same runner (cache, budget, adaptive concurrency).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_eval.agents.model import Agent
from agent_eval.agents.roster import Roster, load_roster
from agent_eval.config import EvalConfig, EvalConfigError, eval_config_path, load_eval_config
from agent_eval.graders.grade import grade_response
from agent_eval.graders.judge import (
    JudgeResponseError,
    Rubric,
    build_judge_request,
    build_rubric,
    median_verdict,
    parse_judge_response,
)
from agent_eval.graders.model import JudgeVerdict, Verdict
from agent_eval.harness.routing import build_routing_request, decide
from agent_eval.harness.standards import build_standards_request
from agent_eval.paths import agents_dir, display_path, found_project_root, home_dir, reports_dir
from agent_eval.providers.credentials import has_credentials
from agent_eval.providers.errors import describe_error
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider
from agent_eval.providers.spec import (
    ENABLE_MODEL_HINT,
    LOCAL_MODEL,
    ModelSpecError,
    OpenModel,
    open_model,
    parse_model_spec,
)
from agent_eval.runner import RunOutcome, WorkItem, run_all
from agent_eval.scenarios.dataset import DatasetError, load_scenarios
from agent_eval.scenarios.model import Scenario, Suite
from agent_eval.store.db import Store, now_iso
from agent_eval.store.model import ResultRecord, RunInfo

SUITES: tuple[Suite, ...] = ("routing", "standards")


class RunError(Exception):
    """A run that cannot start: bad input or no usable model (exit code 2)."""


@dataclass(frozen=True)
class RunOptions:
    """What `agent-eval run` was asked for; None means "take it from the eval config"."""

    agent: str
    suites: tuple[Suite, ...] = SUITES
    model: str | None = None
    judge_model: str | None = None
    epochs: int | None = None
    concurrency: int | None = None
    limit: int | None = None  # scenarios per suite, in dataset order
    batch: bool = False
    resume: str | None = None
    use_cache: bool = True
    max_cost: float | None = None
    agents_dir: Path | None = None
    root: Path = field(default_factory=found_project_root)
    home: Path | None = None
    progress: bool = True
    report: bool = True
    call_timeout: float | None = None  # seconds per call, retries included (None: the provider's default)


@dataclass
class RunResult:
    run: RunInfo
    report: Path | None
    notes: list[str]  # what was skipped and why, for the user
    failed_calls: int = 0


@dataclass(frozen=True)
class Plan:
    """Everything resolved before the first call."""

    agent: Agent
    roster: Roster
    config: EvalConfig | None
    scenarios: tuple[Scenario, ...]
    provider: Provider
    model: str
    judge: Provider | None
    judge_model: str | None
    rubric: Rubric | None
    epochs: int
    concurrency: int
    max_cost: float | None
    offline: bool
    notes: tuple[str, ...]


# identity
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


# planning
def _limited(scenarios: Sequence[Scenario], suites: Sequence[Suite], limit: int | None) -> list[Scenario]:
    chosen: list[Scenario] = []
    for suite in suites:
        of_suite = [s for s in scenarios if s.suite == suite]
        chosen.extend(of_suite if limit is None else of_suite[:limit])
    return chosen


def _load_config(agent: str, root: Path) -> EvalConfig | None:
    """The eval config when the project has one (run works without it, on defaults)."""
    if not eval_config_path(agent, root).is_file():
        return None
    try:
        return load_eval_config(agent, root)
    except EvalConfigError as exc:
        raise RunError(str(exc)) from exc


async def plan_run(options: RunOptions, store: Store, stored: RunInfo | None = None) -> Plan:
    """Resolve roster, config, scenarios and models; `stored` (a resumed run) pins its own settings."""
    roster = load_roster(agents_dir(options.root, options.agents_dir), unique=True)
    agent = roster.get(options.agent)
    if agent is None:
        known = ", ".join(roster.names) or "none"
        raise RunError(f"no agent named {options.agent!r} in {roster.directory} (found: {known})")
    config = _load_config(options.agent, options.root)
    settings: dict[str, Any] = stored.config if stored else {}

    suites = tuple(settings.get("suites", options.suites))
    try:
        scenarios = load_scenarios(
            options.agent, suites, options.root, config.datasets if config else None, agents=roster.names
        )
    except DatasetError as exc:
        raise RunError(str(exc)) from exc
    scenarios = _limited(scenarios, suites, settings.get("limit", options.limit))

    # A resumed run keeps the model it started with, even if credentials appeared or vanished since.
    explicit_model = (settings.get("model_spec") or stored.model) if stored else options.model
    model_spec = explicit_model or (config.model if config else "sonnet")
    notes: list[str] = []
    offline = False
    if explicit_model is None and not has_credentials():
        offline = True
        model_spec = LOCAL_MODEL
        notes.append(
            "no Anthropic credentials: routing runs on the offline lexical baseline ('local'), "
            f"standards and judge are skipped; to run them, {ENABLE_MODEL_HINT}"
        )
    try:
        opened = await open_model(model_spec, roster, store, call_timeout=options.call_timeout)
    except ModelSpecError as exc:
        raise RunError(str(exc)) from exc
    offline = offline or opened.offline
    if model_spec == LOCAL_MODEL and "standards" in suites:
        if explicit_model is not None:
            notes.append("the 'local' baseline only routes: standards scenarios skipped")
        scenarios = [s for s in scenarios if s.suite == "routing"]

    judge_spec = settings.get("judge_model_spec", options.judge_model) or (
        model_spec if model_spec.startswith("replay:") else config.judge_model if config else "haiku"
    )
    try:
        parse_model_spec(judge_spec)  # a malformed spec is bad input; an unavailable judge is only skipped
    except ModelSpecError as exc:
        raise RunError(f"judge: {exc}") from exc
    judge: OpenModel | None = None
    rubric: Rubric | None = None
    if any(s.suite == "standards" for s in scenarios):
        try:
            judge = await open_model(
                judge_spec, roster, store, judge=True, call_timeout=options.call_timeout
            )
        except ModelSpecError as exc:
            notes.append(f"judge skipped: {exc}")
        if judge is not None:
            criteria = judge_criteria(config) if config and config.rubric else None
            rubric = build_rubric(agent, criteria)

    epochs = int(settings.get("epochs", options.epochs or (config.epochs if config else 1)))
    concurrency = options.concurrency or (config.concurrency if config else 8)
    max_cost = options.max_cost if options.max_cost is not None else (config.max_cost if config else None)
    if epochs < 1 or concurrency < 1:
        raise RunError("--epochs and --concurrency must be at least 1")
    return Plan(
        agent=agent,
        roster=roster,
        config=config,
        scenarios=tuple(scenarios),
        provider=opened.provider,
        model=opened.model,
        judge=judge.provider if judge else None,
        judge_model=judge.model if judge else None,
        rubric=rubric,
        epochs=epochs,
        concurrency=concurrency,
        max_cost=max_cost,
        offline=offline,
        notes=tuple(notes),
    )


def judge_criteria(config: EvalConfig) -> list[dict[str, Any]]:
    """The eval config's rubric as the judge's criteria: its text's bullet lines become the guidance."""
    return [
        {
            "id": c.id,
            "section": c.section,
            "guidance": [line.strip().removeprefix("- ") for line in c.text.splitlines() if line.strip()],
        }
        for c in config.rubric
    ]


# grading
def standards_checks(scenario: Scenario, config: EvalConfig | None) -> list[str] | None:
    """The eval config's checks plus the scenario's own; None (every registered check) without a config."""
    if config is None or not config.checks:
        return None
    return [*config.checks, *(c for c in scenario.checks if c not in config.checks)]


def standards_passed(scenario: Scenario, checks: dict[str, Verdict]) -> bool:
    """No check fails, and every check the scenario lists applies and passes (an answer that never wrote the
    handler the task asked for does not pass `zod-validation` by being n/a)."""
    if any(v.status == "fail" for v in checks.values()):
        return False
    return all(checks[c].status == "pass" for c in scenario.checks if c in checks)


def routing_output(response: ModelResponse) -> str:
    calls = response.tool_calls
    return json.dumps(calls[0], ensure_ascii=False) if calls else response.text


class Execution:
    """Turns responses into stored results for one run (the runner's callbacks)."""

    def __init__(self, plan: Plan, store: Store, run: RunInfo) -> None:
        self.plan, self.store, self.run = plan, store, run
        self.items: dict[str, tuple[Scenario, int]] = {}
        self.failed_calls = 0

    def record_call(
        self,
        item: WorkItem,
        response: ModelResponse | None,
        error: str | None,
        result: ResultRecord | None = None,
    ) -> None:
        self.store.record_call(
            self.run.run_id,
            item.request.key(),
            item.request.purpose,
            item.request.model,
            response,
            error,
            result,
        )

    def on_response(self, item: WorkItem, response: ModelResponse) -> None:
        """Grade the answer and store it with its call, in one transaction."""
        scenario, epoch = self.items[item.key]
        graded: dict[str, Any]
        if scenario.suite == "routing":
            chosen = decide(response)
            graded = {
                "expected": scenario.expected,
                "chosen": chosen,
                "passed": chosen == scenario.expected,
                "output": routing_output(response),
            }
        else:
            checks = grade_response(response.text, standards_checks(scenario, self.plan.config))
            graded = {"checks": checks, "passed": standards_passed(scenario, checks), "output": response.text}
        record = ResultRecord(
            run_id=self.run.run_id,
            scenario_id=scenario.id,
            suite=scenario.suite,
            epoch=epoch,
            input=scenario.input.message,
            context=scenario.input.context,
            tags=scenario.tags,
            request_hash=item.request.key(),
            usage=response.usage,
            cost_usd=0.0 if response.cached else response.cost_usd,
            latency_s=response.latency_s,
            **graded,
        )
        self.record_call(item, response, None, result=record)

    def on_error(self, item: WorkItem, error: BaseException) -> None:
        self.failed_calls += 1
        self.record_call(item, None, describe_error(error))

    def work(self) -> list[WorkItem]:
        done = self.store.done(self.run.run_id)
        items: list[WorkItem] = []
        for epoch in range(1, self.plan.epochs + 1):
            for scenario in self.plan.scenarios:
                if (scenario.id, epoch) in done:
                    continue
                request = self.request_for(scenario).model_copy(update={"sample": epoch})
                key = f"{scenario.suite}:{scenario.id}#{epoch}"
                self.items[key] = (scenario, epoch)
                items.append(WorkItem(key=key, request=request))
        return items

    def request_for(self, scenario: Scenario) -> ModelRequest:
        if scenario.suite == "routing":
            return build_routing_request(scenario, self.plan.roster, self.plan.model)
        return build_standards_request(scenario, self.plan.agent, self.plan.model)


class JudgePass:
    """Judge verdicts for standards results lacking one: every sample, then one retry of malformed ones."""

    def __init__(
        self, plan: Plan, store: Store, run: RunInfo, execution: Execution, samples: int = 1
    ) -> None:
        assert plan.rubric is not None and plan.judge_model is not None
        self.plan, self.store, self.run, self.execution = plan, store, run, execution
        self.rubric: Rubric = plan.rubric
        self.model: str = plan.judge_model
        self.samples = samples
        self.scenarios = {s.id: s for s in plan.scenarios}
        self.pending: dict[str, ResultRecord] = {}
        self.verdicts: dict[str, dict[int, JudgeVerdict]] = {}

    def rubric_for(self, scenario: Scenario) -> Rubric:
        return self.rubric.select(scenario.rubric) if scenario.rubric else self.rubric

    def items(self, retry: bool) -> list[WorkItem]:
        items: list[WorkItem] = []
        self.pending = {}
        for record in self.store.results(self.run.run_id):
            if (
                record.suite != "standards"
                or record.judge is not None
                or record.scenario_id not in self.scenarios
            ):
                continue
            key = f"judge:{record.scenario_id}#{record.epoch}"
            self.pending[key] = record
            scenario = self.scenarios[record.scenario_id]
            for sample in range(1, self.samples + 1):
                earlier = self.verdicts.get(key, {}).get(sample)
                if retry and (earlier is None or earlier.error is None):
                    continue  # only malformed answers are asked again; failed calls wait for a resume
                request = build_judge_request(
                    self.rubric_for(scenario),
                    scenario.input.message,
                    record.output,
                    self.model,
                    sample=sample,
                    retry=retry,
                )
                items.append(WorkItem(key=f"{key}/{sample}", request=request))
        return items

    def on_response(self, item: WorkItem, response: ModelResponse) -> None:
        self.execution.record_call(item, response, None)
        key, sample = item.key.rsplit("/", 1)
        scenario = self.scenarios[self.pending[key].scenario_id]
        try:
            verdict = parse_judge_response(response, self.rubric_for(scenario))
        except JudgeResponseError as exc:
            verdict = JudgeVerdict(model=self.model, error=f"malformed judge answer: {exc}")
        self.verdicts.setdefault(key, {})[int(sample)] = verdict

    def on_error(self, item: WorkItem, error: BaseException) -> None:
        self.execution.on_error(item, error)

    def save(self, final: bool) -> None:
        """Store complete verdicts; on the final pass a sample still malformed is stored as a judge error."""
        for key, record in self.pending.items():
            got = self.verdicts.get(key, {})
            if len(got) < self.samples:
                continue  # a call failed: left without a verdict, so a resume judges it again
            samples = [got[s] for s in sorted(got)]
            if not final and any(v.error for v in samples):
                continue
            rubric = self.rubric_for(self.scenarios[record.scenario_id])
            verdict = samples[0] if self.samples == 1 else median_verdict(samples, rubric, self.model)
            self.store.save_result(record.model_copy(update={"judge": verdict}))


async def _execute(plan: Plan, store: Store, run: RunInfo, options: RunOptions) -> tuple[str, int]:
    """Run the calls; returns the final status and the number of calls that failed after retries."""
    execution = Execution(plan, store, run)
    spent = float(store.usage(run.run_id)["cost_usd"])
    cache = store if options.use_cache else None
    outcome = await _dispatch(
        execution.work(),
        plan.provider,
        execution.on_response,
        execution.on_error,
        plan,
        cache,
        spent,
        options,
        "scenarios",
    )
    if outcome.status != "finished" or plan.judge is None:
        return outcome.status, execution.failed_calls
    judge = JudgePass(plan, store, run, execution, plan.config.judge_samples if plan.config else 1)
    for retry in (False, True):
        items = judge.items(retry)
        if not items:
            break
        spent = float(store.usage(run.run_id)["cost_usd"])
        outcome = await _dispatch(
            items, plan.judge, judge.on_response, judge.on_error, plan, cache, spent, options, "judge"
        )
        judge.save(final=retry)
        if outcome.status != "finished":
            return outcome.status, execution.failed_calls
    return "finished", execution.failed_calls


async def _dispatch(
    items: list[WorkItem],
    provider: Provider,
    on_response: Any,
    on_error: Any,
    plan: Plan,
    cache: Store | None,
    spent: float,
    options: RunOptions,
    label: str,
) -> RunOutcome:
    if options.batch and not provider.offline:
        from agent_eval.runner.batch import run_batch

        return await run_batch(
            items,
            provider,
            on_response=on_response,
            on_error=on_error,
            cache=cache,
            max_cost=plan.max_cost,
            spent_usd=spent,
            progress=label if options.progress else False,
        )
    return await run_all(
        items,
        provider,
        on_response=on_response,
        on_error=on_error,
        concurrency=plan.concurrency,
        cache=cache,
        max_cost=plan.max_cost,
        progress=label if options.progress else False,
        spent_usd=spent,
    )


async def _interruptible(plan: Plan, store: Store, run: RunInfo, options: RunOptions) -> tuple[str, int]:
    """Ctrl-C cancels the run's task; the runner then stops cleanly and reports "interrupted"."""
    task = asyncio.ensure_future(_execute(plan, store, run, options))
    loop = asyncio.get_running_loop()
    handled = False
    try:
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        handled = True
    except (NotImplementedError, RuntimeError):  # not the main thread, or no signals on this platform
        pass
    try:
        return await task
    except asyncio.CancelledError:
        return "interrupted", 0
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)
        for provider in {id(p): p for p in (plan.provider, plan.judge) if p is not None}.values():
            await provider.aclose()


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
        else:
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
                    "epochs": plan.epochs,
                    "concurrency": plan.concurrency,
                    "max_cost": plan.max_cost,
                    "batch": options.batch,
                    "cache": options.use_cache,
                    "notes": list(plan.notes),
                },
                started_at=now_iso(),
                offline=plan.offline,
            )
            store.create_run(run)
        for note in plan.notes:
            print(f"agent-eval run: {note}", file=sys.stderr)

        status, failed = await _interruptible(plan, store, run, options)
        if status == "finished" and failed:
            status = "incomplete"
        run = run.model_copy(update={"status": status, "finished_at": now_iso()})
        store.update_run(run)

        report = None
        if options.report:
            from agent_eval.report.html import write_report

            report = write_report(store, run.run_id, reports_dir(options.root) / f"{run.run_id}.html")
        return RunResult(run=run, report=report, notes=list(plan.notes), failed_calls=failed)


def run_summary(result: RunResult, home: Path | None = None) -> dict[str, Any]:
    """The `run --json` object of CONTRACT.md, from what the store holds for the run."""
    from agent_eval.stats.intervals import wilson

    run = result.run
    with Store(home_dir(home)) as store:
        records = store.results(run.run_id)
        usage = store.usage(run.run_id)
    summary: dict[str, Any] = {}
    routing = [r for r in records if r.suite == "routing"]
    if routing:
        correct = sum(1 for r in routing if r.passed)
        summary["routing"] = {
            "n": len(routing),
            "correct": correct,
            "accuracy": correct / len(routing),
            "ci95": list(wilson(correct, len(routing))),
        }
    standards = [r for r in records if r.suite == "standards"]
    if standards:
        passed = sum(1 for r in standards if r.passed)
        checks: dict[str, dict[str, int]] = {}
        for record in standards:
            for check_id, verdict in record.checks.items():
                checks.setdefault(check_id, {"pass": 0, "fail": 0, "n/a": 0})[verdict.status] += 1
        summary["standards"] = {
            "n": len(standards),
            "pass_rate": passed / len(standards),
            "ci95": list(wilson(passed, len(standards))),
            "checks": dict(sorted(checks.items())),
        }
    results: list[dict[str, Any]] = []
    for record in records:
        entry: dict[str, Any] = {
            "scenario_id": record.scenario_id,
            "suite": record.suite,
            "epoch": record.epoch,
            "input": record.input,
        }
        if record.suite == "routing":
            entry.update(expected=record.expected, chosen=record.chosen)
        else:
            entry.update(
                checks={c: v.status for c, v in record.checks.items()},
                judge=record.judge.model_dump(mode="json") if record.judge else None,
            )
        entry["passed"] = bool(record.passed)
        results.append(entry)
    return {
        "run_id": run.run_id,
        "agent": run.agent,
        "model": run.model,
        "offline": run.offline,
        "status": run.status,
        "report": display_path(result.report) if result.report else None,
        "summary": summary,
        "usage": {
            key: (round(value, 6) if key == "cost_usd" else int(value)) for key, value in usage.items()
        },
        "results": results,
    }
