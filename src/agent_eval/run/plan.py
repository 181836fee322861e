"""Planning: everything a run needs resolved before its first call (roster, config, scenarios, models).

Bad input surfaces here as RunError, before anything is paid for or stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from agent_eval.agents.model import Agent
from agent_eval.agents.roster import Roster, load_roster
from agent_eval.config import EvalConfig, EvalConfigError, eval_config_path, load_eval_config
from agent_eval.executors.environment import ExecutionEnvironment
from agent_eval.graders.judge import Rubric, build_rubric
from agent_eval.harness.routing import routing_settings
from agent_eval.paths import agents_dir, home_dir
from agent_eval.providers.credentials import has_credentials
from agent_eval.providers.model import Provider
from agent_eval.providers.spec import (
    ENABLE_MODEL_HINT,
    LOCAL_MODEL,
    ModelSpecError,
    OpenModel,
    open_model,
    parse_model_spec,
)
from agent_eval.run.options import RunError, RunOptions
from agent_eval.sandbox.session import CliSettings
from agent_eval.scenarios.dataset import DatasetError, load_scenarios
from agent_eval.scenarios.model import Scenario, Suite
from agent_eval.store.db import Store
from agent_eval.store.model import RunInfo
from agent_eval.suites import SuiteContext, get_suite, suite_names
from agent_eval.suites.agentic_run import AgenticRun
from agent_eval.suites.harnesses import (
    HarnessError,
    HarnessOptions,
    RoutingHarness,
    harness_names,
    open_harness,
)


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
    agent_model: str  # what the agent's own work (standards) runs on; see _agent_model
    harness_name: str
    harness: RoutingHarness | None  # opened when the run has routing scenarios
    agentic: AgenticRun | None  # opened when the run has agentic tasks
    execution: ExecutionEnvironment  # the executors' PostgreSQL, started on first use (agentic, --execute)
    execute: bool  # standards answers' SQL is also applied and RLS probed
    epochs: int
    concurrency: int
    max_cost: float | None
    offline: bool
    notes: tuple[str, ...]

    @property
    def context(self) -> SuiteContext:
        return SuiteContext(
            self.agent,
            self.roster,
            self.config,
            self.model,
            self.harness,
            self.agent_model,
            self.agentic,
            self.execution if self.execute else None,
        )

    @property
    def providers(self) -> tuple[Provider, ...]:
        """Every provider the run opened, once each (to close them at the end)."""
        opened = (
            self.provider,
            self.judge,
            self.harness.provider if self.harness else None,
            self.agentic.provider if self.agentic else None,
        )
        return tuple({id(p): p for p in opened if p is not None}.values())


def _limited(scenarios: Sequence[Scenario], suites: Sequence[str], limit: int | None) -> list[Scenario]:
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


def _checked_names(suites: Sequence[str], harness: str) -> None:
    unknown = [s for s in suites if s not in suite_names()]
    if unknown:
        raise RunError(f"--suite {unknown[0]}: no such suite (registered: {', '.join(suite_names())})")
    if harness not in harness_names():
        raise RunError(f"--harness {harness}: no such harness (registered: {', '.join(harness_names())})")


async def _open(
    spec: str, roster: Roster, store: Store, call_timeout: float | None, *, judge: bool = False
) -> OpenModel:
    try:
        return await open_model(spec, roster, store, judge=judge, call_timeout=call_timeout)
    except ModelSpecError as exc:
        raise RunError(str(exc)) from exc


def _agent_model(agent: Agent, opened: OpenModel, model_spec: str, store: Store) -> str:
    """The model Claude Code runs the agent on: its frontmatter `model` (an alias or an id) resolved by the
    run's Anthropic provider; the run's model for `inherit`, no `model`, or a provider that cannot run an
    Anthropic model. A replay takes what its source run used, so its requests hash to the stored calls."""
    if model_spec.startswith("replay:"):
        source = store.get_run(model_spec.removeprefix("replay:"))
        return str(source.config.get("agent_model") or opened.model) if source else opened.model
    if not agent.model or agent.model == "inherit" or opened.offline:
        return opened.model
    # Only the Anthropic provider resolves aliases (with the Models API's current ids); the others run one
    # model of their own, which is what the agent gets there.
    resolve = getattr(opened.provider, "resolve", None)
    return str(resolve(agent.model)) if callable(resolve) else opened.model


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
    harness = str(settings.get("harness", options.harness))
    _checked_names(suites, harness)
    try:
        scenarios = load_scenarios(
            options.agent,
            cast(tuple[Suite, ...], suites),
            options.root,
            config.datasets if config else None,
            agents=roster.names,
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
    opened = await _open(model_spec, roster, store, options.call_timeout)
    agent_model = settings.get("agent_model") or _agent_model(agent, opened, model_spec, store)
    if agent_model != opened.model:
        notes.append(
            f"the agent's own work (standards, agentic tasks) runs on {agent_model} (frontmatter "
            f"`model: {agent.model}`, as Claude Code runs a sub-agent); routing on {opened.model}"
        )
    offline = offline or opened.offline
    if model_spec == LOCAL_MODEL:
        skipped = [s for s in suites if not get_suite(s).answerable_offline]
        if skipped and (explicit_model is not None or set(skipped) - {"standards"}):
            notes.append(f"the 'local' baseline only routes: {', '.join(skipped)} scenarios skipped")
        scenarios = [s for s in scenarios if s.suite not in skipped]

    judge_spec = settings.get("judge_model_spec", options.judge_model) or (
        model_spec if model_spec.startswith("replay:") else config.judge_model if config else "haiku"
    )
    try:
        parse_model_spec(judge_spec)  # a malformed spec is bad input; an unavailable judge is only skipped
    except ModelSpecError as exc:
        raise RunError(f"judge: {exc}") from exc
    judge: OpenModel | None = None
    rubric: Rubric | None = None
    if any(get_suite(s.suite).judged for s in scenarios):
        try:
            judge = await _open(judge_spec, roster, store, options.call_timeout, judge=True)
        except RunError as exc:
            notes.append(f"judge skipped: {exc}")
        if judge is not None:
            criteria = judge_criteria(config) if config and config.rubric else None
            rubric = build_rubric(agent, criteria)

    epochs = int(settings.get("epochs", options.epochs or (config.epochs if config else 1)))
    routing_harness: RoutingHarness | None = None
    if any(s.suite == "routing" for s in scenarios):
        harness_options = HarnessOptions(
            home=home_dir(options.home),
            project_root=options.root,
            cli=CliSettings(options.claude_bin, options.with_user_settings),
            skills=options.root / ".claude" / "skills",
            cache=store if options.use_cache else None,
            routing=routing_settings(
                options.root,
                settings.get("thinking", options.thinking),
                settings.get("effort", options.effort),
                epochs,
            ),
        )
        try:
            routing_harness = await open_harness(
                harness, opened.provider, roster, opened.model, harness_options
            )
        except HarnessError as exc:
            raise RunError(str(exc)) from exc
        notes.extend(routing_harness.notes)
    execute = bool(settings.get("execute", options.execute))
    execution = ExecutionEnvironment(options.postgres_url, options.home)
    agentic: AgenticRun | None = None
    if any(s.suite == "agentic" for s in scenarios):
        agentic = _open_agentic(
            options,
            opened,
            agent,
            agent_model,
            config,
            store,
            execution,
            replay=model_spec.startswith("replay:"),
        )
        notes.extend(agentic.notes)
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
        agent_model=agent_model,
        harness_name=harness,
        harness=routing_harness,
        agentic=agentic,
        execution=execution,
        execute=execute,
        epochs=epochs,
        concurrency=concurrency,
        max_cost=max_cost,
        offline=offline,
        notes=tuple(notes),
    )


def _open_agentic(
    options: RunOptions,
    opened: OpenModel,
    agent: Agent,
    agent_model: str,
    config: EvalConfig | None,
    store: Store,
    execution: ExecutionEnvironment,
    *,
    replay: bool,
) -> AgenticRun:
    """The agentic tasks and who runs them; RunError when the suite cannot run here."""
    from agent_eval.scenarios.agentic import load_agentic_dataset
    from agent_eval.scenarios.dataset import suite_dataset_path
    from agent_eval.suites.agentic_run import AgenticUnavailable, open_agentic

    path = suite_dataset_path(agent.name, "agentic", options.root, config.datasets if config else None)
    try:
        return open_agentic(
            load_agentic_dataset(path),
            agent,
            opened.provider,
            agent_model,
            replay=replay,
            settings=CliSettings(options.claude_bin, options.with_user_settings),
            home=options.home,
            cache=store if options.use_cache else None,
            environment=execution,
        )
    except (AgenticUnavailable, DatasetError) as exc:
        raise RunError(str(exc)) from exc


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
