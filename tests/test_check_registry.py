"""A check is one record: every list of checks is derived from the registry, and ids are validated on load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent_eval.agents.parse import parse_agent_file
from agent_eval.cli.main import main
from agent_eval.graders.check_judge import semantics
from agent_eval.graders.checks.registry import CHECKS, contract_check_ids, default_check_ids, section_of
from agent_eval.graders.judge import build_rubric
from agent_eval.scenarios.standards import infer_checks
from derive_helpers import project as small_project
from derive_helpers import small_roster
from eval_mock import EvalResponder, expected_by_message
from mock_api import MockAnthropic

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"
CONTRACT_MD_IDS = [  # CONTRACT.md "Check ids", in its order
    "zod-validation",
    "rls-enabled",
    "status-codes",
    "parameterized-sql",
    "api-versioning",
    "pagination",
    "error-format",
    "no-hardcoded-secrets",
]


def test_the_contract_ids_come_from_the_records_in_their_documented_order() -> None:
    assert contract_check_ids() == CONTRACT_MD_IDS
    assert default_check_ids()[:8] == CONTRACT_MD_IDS
    assert sorted(spec.contract for spec in CHECKS.values() if spec.contract) == list(range(1, 9))


def test_every_built_in_states_its_semantics_which_the_model_grader_reads() -> None:
    for check_id, spec in CHECKS.items():
        assert spec.semantics != check_id and "\n    " not in spec.semantics
        assert semantics(check_id) == spec.semantics


def test_each_check_maps_to_the_section_of_the_real_agent_that_states_it() -> None:
    agent = parse_agent_file(REPO / "agents" / f"{AGENT}.md")
    sections = [(c.id, " ".join(c.guidance)) for c in build_rubric(agent).criteria]
    assert {check_id: section_of(check_id, sections) for check_id in default_check_ids()} == {
        "zod-validation": "api-design-standards",
        "rls-enabled": "security-implementation",
        "status-codes": "api-design-standards",
        "parameterized-sql": "security-implementation",
        "api-versioning": "api-design-standards",
        "pagination": "api-design-standards",
        "error-format": "api-design-standards",
        "no-hardcoded-secrets": "security-implementation",
        "jwt-practices": "security-implementation",
        "rate-limiting": "api-design-standards",
        "typescript-no-any": "code-quality-standards",
    }


@pytest.mark.parametrize(
    ("task", "checks"),
    [
        ("I want to add caching to reduce load", ("no-hardcoded-secrets",)),
        (
            "Add a login endpoint that lists sessions from the database",
            tuple(c for c in CONTRACT_MD_IDS if c != "rls-enabled"),
        ),
        ("Review the migration for the orders table", ("rls-enabled", "no-hardcoded-secrets")),
    ],
)
def test_a_task_asks_for_the_checks_whose_words_it_uses(task: str, checks: tuple[str, ...]) -> None:
    assert infer_checks(task) == checks


def test_a_task_row_may_name_any_registered_check(tmp_path: Path) -> None:
    from agent_eval.scenarios.derive import derive

    root = small_project(tmp_path)
    table = root / "datasets" / AGENT / "tasks.yaml"
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_text("tasks:\n  - {id: t1, task: Add GET /orders, checks: [rate-limiting, pagination]}\n")
    derive(AGENT, small_roster(root), root)
    text = (root / "datasets" / AGENT / "standards.yaml").read_text()
    assert "checks: [pagination, rate-limiting]" in text


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    monkeypatch.chdir(root)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(root / "home"))
    return root


def run_against_mock(monkeypatch: pytest.MonkeyPatch, project: Path, *argv: str) -> tuple[int, int]:
    """`agent-eval run …` against the eval mock; (exit code, calls the mock received)."""
    with MockAnthropic(responder=EvalResponder(expected_by_message(project))) as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code = main(["run", "--agent", AGENT, *argv])
        return code, api.count()


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "evals/backend-developer.yaml",
            "checks: []",
            "checks: [rls-enabeld]",
            "evals/backend-developer.yaml: field 'checks': unknown check id 'rls-enabeld' "
            "(did you mean 'rls-enabled'?)",
        ),
        (
            "evals/backend-developer.yaml",
            "    pagination: 0.8",
            "    pagnation: 0.8",
            "evals/backend-developer.yaml: field 'thresholds.check_pass_rate_min': "
            "unknown check id 'pagnation' (did you mean 'pagination'?)",
        ),
        (
            "datasets/backend-developer/standards.yaml",
            "checks: [rls-enabled, no-hardcoded-secrets]",
            "checks: [rls-enabled, no-hardcoded-secret]",
            "datasets/backend-developer/standards.yaml: scenario 'bd-std-ex2-review-orders-migration': "
            "field 'checks': unknown check id 'no-hardcoded-secret' (did you mean 'no-hardcoded-secrets'?)",
        ),
    ],
)
def test_a_typo_in_a_check_id_exits_2_naming_file_and_field_before_any_call(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    file: str,
    old: str,
    new: str,
    message: str,
) -> None:
    replace_in(project / file, old, new)
    code, calls = run_against_mock(monkeypatch, project, "--limit", "2", "--json")
    err = capsys.readouterr().err.strip()
    assert (code, calls) == (2, 0)
    assert err.endswith(message) and len(err.splitlines()) == 1


def test_a_typo_in_a_task_row_makes_derive_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_in(
        project / "datasets/backend-developer/tasks.yaml",
        "checks: [rls-enabled, no-hardcoded-secrets]",
        "checks: [rls-enabld, no-hardcoded-secrets]",
    )
    assert main(["derive", "--agent", AGENT]) == 2
    assert capsys.readouterr().err.strip() == (
        "agent-eval derive: error: datasets/backend-developer/tasks.yaml: "
        "entry 'ex2-review-orders-migration': field 'checks': "
        "unknown check id 'rls-enabld' (did you mean 'rls-enabled'?)"
    )


def applied_checks(
    monkeypatch: pytest.MonkeyPatch, project: Path, capsys: pytest.CaptureFixture[str]
) -> set[str]:
    code, _ = run_against_mock(monkeypatch, project, "--suite", "standards", "--limit", "1", "--json")
    assert code == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    return set(result["checks"])


def test_the_same_checks_apply_with_or_without_the_eval_config_unless_it_narrows_them(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "evals" / f"{AGENT}.yaml"
    with_config = applied_checks(monkeypatch, project, capsys)
    text = config.read_text(encoding="utf-8")
    config.unlink()
    assert applied_checks(monkeypatch, project, capsys) == with_config == set(CHECKS)
    config.write_text(text.replace("checks: []", "checks: [rls-enabled]"), encoding="utf-8")
    narrowed = applied_checks(monkeypatch, project, capsys)
    scenario_checks = {
        "zod-validation",
        "status-codes",
        "api-versioning",
        "error-format",
        "no-hardcoded-secrets",
    }
    assert narrowed == {"rls-enabled"} | scenario_checks  # the config's, plus those the scenario requires


def test_version_and_help_are_written_for_users(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_code:
        main(["--version"])
    assert exit_code.value.code == 0
    assert capsys.readouterr().out == f"agent-eval {version('agent-eval')}\n"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("Evaluate Claude Code agents")
    assert "entry point" not in out and "  grade " in out and "start here" in out
