"""The eval config loader: defaults, round trip, and errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.config import (
    EvalConfig,
    EvalConfigError,
    RubricCriterion,
    Thresholds,
    load_eval_config,
    render_eval_config,
)


def _write(root: Path, text: str, agent: str = "backend-developer") -> Path:
    path = root / "evals" / f"{agent}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    _write(tmp_path, "agent: backend-developer\n")
    config = load_eval_config("backend-developer", tmp_path)
    assert (config.model, config.judge_model, config.epochs, config.max_cost) == ("sonnet", "haiku", 1, None)
    assert config.thresholds == Thresholds()


def test_render_then_load_round_trips(tmp_path: Path) -> None:
    config = EvalConfig(
        agent="backend-developer",
        datasets={"routing": "datasets/backend-developer/routing.yaml"},
        checks=("pagination", "rls-enabled"),
        rubric=(RubricCriterion(id="api-design-standards", section="API Design Standards", text="- a\n- b"),),
        epochs=3,
        max_cost=2.5,
        thresholds=Thresholds(check_pass_rate_min={"pagination": 0.9}, alpha=0.01),
    )
    text = render_eval_config(config)
    _write(tmp_path, text)
    assert text.startswith("# Eval config for backend-developer")
    assert load_eval_config("backend-developer", tmp_path) == config
    assert (
        load_eval_config("backend-developer", tmp_path).criterion("api-design-standards") == config.rubric[0]
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("epochs: 0\n", "epochs"),
        ("thresholds:\n  alpha: 2\n", "thresholds.alpha"),
        ("thresholds:\n  check_pass_rate_min: {pagination: 1.5}\n", "thresholds.check_pass_rate_min"),
        ("modle: opus\n", "modle"),
        ("datasets: {smoke: x.yaml}\n", "datasets"),
        ("rubric:\n  - {id: Bad Id, section: S, text: t}\n", "rubric.0.id"),
        ("agent: someone-else\n", "agent"),
        ("rubric:\n  - {id: a, section: S, text: t}\n  - {id: a, section: T, text: u}\n", "rubric"),
    ],
)
def test_errors_name_the_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(EvalConfigError) as caught:
        load_eval_config("backend-developer", tmp_path)
    assert str(caught.value).startswith(f"{path}: field '{field}'")


def test_missing_file_and_bad_yaml_are_clear(tmp_path: Path) -> None:
    with pytest.raises(EvalConfigError, match=r"no eval config; `agent-eval derive --agent ghost`"):
        load_eval_config("ghost", tmp_path)
    path = _write(tmp_path, "epochs: [1\n")
    with pytest.raises(EvalConfigError, match=rf"{path}:2: invalid YAML"):
        load_eval_config("backend-developer", tmp_path)
