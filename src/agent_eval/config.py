"""The eval config `evals/<agent>.yaml`: datasets, checks, judge rubric, models, epochs, gate thresholds.

`run` reads it and lets command-line flags override any value; `derive` writes a first version when the
file is missing and never overwrites it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent_eval.paths import evals_dir
from agent_eval.yamlio import FlowList, YamlFileError, dump_yaml, load_yaml


class EvalConfigError(ValueError):
    """An eval config that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RubricCriterion(_Strict):
    """One judge criterion, taken from a `##` section of the agent's body."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    section: str  # the section title it comes from
    text: str  # what a good answer does: the section's bullets


class Thresholds(_Strict):
    """What the CI gate requires of a run (and, against a baseline, of the change)."""

    routing_accuracy_min: float = Field(0.8, ge=0, le=1)
    pass_rate_min: float = Field(0.7, ge=0, le=1)  # standards scenarios passing every check
    check_pass_rate_min: dict[str, float] = Field(default_factory=dict)  # per check id
    judge_mean_min: float = Field(3.5, ge=1, le=5)
    max_drop: float = Field(0.05, ge=0, le=1)  # largest allowed fall against the baseline
    alpha: float = Field(0.05, gt=0, lt=1)  # significance level of the paired test against the baseline

    @field_validator("check_pass_rate_min")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for check, rate in value.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate for '{check}' must be between 0 and 1, got {rate}")
        return value


class EvalConfig(_Strict):
    agent: str
    datasets: dict[str, str] = Field(default_factory=dict)  # suite → dataset file relative to the project
    checks: tuple[str, ...] = ()  # empty: every registered check applies; listing ids narrows the set
    rubric: tuple[RubricCriterion, ...] = ()
    model: str = "sonnet"
    judge_model: str = "haiku"
    judge_samples: int = Field(1, ge=1)  # judge answers per response; several → median score per criterion
    epochs: int = Field(1, ge=1)
    concurrency: int = Field(8, ge=1)
    max_cost: float | None = Field(None, gt=0)  # USD; None: no budget
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @field_validator("datasets")
    @classmethod
    def _known_suites(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - {"routing", "standards", "agentic"})
        if unknown:
            raise ValueError(f"unknown suite '{unknown[0]}' (expected routing, standards or agentic)")
        return value

    def criterion(self, criterion_id: str) -> RubricCriterion | None:
        return next((c for c in self.rubric if c.id == criterion_id), None)


def eval_config_path(agent_name: str, root: Path | None = None) -> Path:
    return evals_dir(root) / f"{agent_name}.yaml"


def load_eval_config(agent_name: str, root: Path | None = None) -> EvalConfig:
    """Read and validate `evals/<agent>.yaml`; every problem raises EvalConfigError naming file and field."""
    path = eval_config_path(agent_name, root)
    if not path.is_file():
        raise EvalConfigError(f"{path}: no eval config; `agent-eval derive --agent {agent_name}` writes one")
    try:
        data = load_yaml(path)
    except YamlFileError as exc:
        raise EvalConfigError(str(exc)) from exc
    if not isinstance(data, dict):
        raise EvalConfigError(f"{path}: expected a mapping of settings at the top")
    data.setdefault("agent", agent_name)
    try:
        config = EvalConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise EvalConfigError(f"{path}: field '{field}': {first['msg']}") from exc
    if config.agent != agent_name:
        raise EvalConfigError(f"{path}: field 'agent': '{config.agent}', expected '{agent_name}'")
    ids = [c.id for c in config.rubric]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise EvalConfigError(f"{path}: field 'rubric': duplicate criterion id '{duplicate}'")
    _require_known_checks(path, config)
    return config


def _require_known_checks(path: Path, config: EvalConfig) -> None:
    """Every check id the config names is registered (built-in, or a project check loaded before)."""
    from agent_eval.graders.checks.registry import unknown_check_message

    for field, check_ids in (
        ("checks", config.checks),
        ("thresholds.check_pass_rate_min", tuple(config.thresholds.check_pass_rate_min)),
    ):
        problem = unknown_check_message(check_ids)
        if problem:
            raise EvalConfigError(f"{path}: field '{field}': {problem}")


CONFIG_HEADER = """Eval config for {agent}: written once by `agent-eval derive`, then yours to edit (derive
never overwrites it). `agent-eval run` reads it; its command-line flags override these values.
checks: empty applies every registered check (built-in and the project's checks/); list ids to narrow it.
rubric: the judge's criteria, one per standards section of the agent's body; scenarios cite them by id.
thresholds: what `agent-eval gate` requires (rates are fractions, judge scores are 1-5)."""


def render_eval_config(config: EvalConfig) -> str:
    data: dict[str, Any] = config.model_dump(mode="json")
    data["checks"] = FlowList(data["checks"])
    return dump_yaml(data, CONFIG_HEADER.format(agent=config.agent))
