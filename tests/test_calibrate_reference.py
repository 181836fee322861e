"""Calibration: Cohen's kappa, the reference-set loader, agreement on the team's set, the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.graders.calibration import (
    ReferenceSetError,
    calibrate,
    cohen_kappa,
    load_reference_set,
)
from agent_eval.graders.model import Verdict

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "datasets" / "backend-developer" / "reference"


def test_cohen_kappa_known_values() -> None:
    # 2x2 textbook example: observed 0.7, chance 0.5 → kappa 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)
    assert cohen_kappa([("a", "a")] * 3) == 1.0  # one shared category: perfect agreement
    assert cohen_kappa([]) is None


def _write_set(folder: Path, labels_yaml: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.yaml").write_text(labels_yaml, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


RLS_FAIL = "```sql\ncreate table t (id int);\n```\n"


def test_calibrate_counts_agreement_confusion_and_disagreements(tmp_path: Path) -> None:
    folder = _write_set(
        tmp_path,
        "responses:\n"
        "  a.md: {labels: {rls-enabled: fail, api-versioning: n/a}}\n"
        "  b.md: {labels: {rls-enabled: pass, api-versioning: n/a, judge-only: pass}}\n",
        {"a.md": RLS_FAIL, "b.md": RLS_FAIL},
    )
    result = calibrate(load_reference_set(folder))
    rls = next(c for c in result.checks if c.check == "rls-enabled")
    assert (rls.n, rls.agreed, rls.confusion["pass"]["fail"], rls.confusion["fail"]["fail"]) == (2, 1, 1, 1)
    assert [(d.file, d.check, d.human, d.grader) for d in result.disagreements] == [
        ("b.md", "rls-enabled", "pass", "fail")
    ]
    assert result.disagreements[0].evidence[0].line == 2
    assert result.skipped == ("judge-only",)
    assert (result.n, result.agreed) == (4, 3)


def test_calibrate_accepts_another_grader_such_as_a_judge(tmp_path: Path) -> None:
    folder = _write_set(tmp_path, "responses:\n  a.md: {labels: {rls-enabled: fail}}\n", {"a.md": RLS_FAIL})

    def always_pass(text: str, checks: Sequence[str]) -> dict[str, Verdict]:
        return {check: Verdict(check=check, status="pass", reason="judge says so") for check in checks}

    result = calibrate(load_reference_set(folder), grader=always_pass, grader_name="judge")
    assert result.grader == "judge" and result.agreed == 0
    assert (result.disagreements[0].grader, result.disagreements[0].reason) == ("pass", "judge says so")


@pytest.mark.parametrize(
    ("labels", "files", "message"),
    [
        ("responses: [a.md]\n", {}, "expected a mapping under 'responses:'"),
        (
            "responses:\n  a.md: {labels: {rls-enabled: maybe}}\n",
            {"a.md": ""},
            "must be one of pass, fail, n/a",
        ),
        ("responses:\n  gone.md: {labels: {rls-enabled: pass}}\n", {}, "gone.md not found"),
        ("responses: {a.md: [\n", {}, "not valid YAML"),
    ],
)
def test_reference_set_errors_name_the_file_and_field(
    tmp_path: Path, labels: str, files: dict[str, str], message: str
) -> None:
    folder = _write_set(tmp_path, labels, files)
    with pytest.raises(ReferenceSetError, match=r"labels\.yaml") as raised:
        load_reference_set(folder)
    assert message in str(raised.value)


def test_rule_based_checks_agree_with_the_team_labels() -> None:
    if not (REFERENCE / "labels.yaml").is_file():
        pytest.skip("datasets/backend-developer/reference/labels.yaml is not in this checkout")
    cases = load_reference_set(REFERENCE)
    assert len(cases) >= 24
    result = calibrate(cases)
    wrong = [
        f"{d.file} {d.check}: human {d.human}, grader {d.grader} ({d.reason})" for d in result.disagreements
    ]
    assert result.agreement >= 0.95, "\n".join(wrong)
    for check in result.checks:
        assert check.agreement >= 0.9, (check.check, wrong)


@pytest.mark.parametrize(
    ("folder", "answers", "floor"),
    [("reference-holdout", 16, 0.95), ("reference-holdout-2", 16, 0.88), ("reference-holdout-3", 24, 0.95)],
)
def test_agreement_on_the_held_out_sets_does_not_regress(folder: str, answers: int, floor: float) -> None:
    """Floors against regressions, not targets: reference-holdout was written blind, then used to find the
    checks' gaps (83.6% before, 100% after); reference-holdout-2 stays blind (90.6% when first measured);
    reference-holdout-3 was written blind for issue 10 and is never tuned on (95.3% when first measured,
    98.4% after the prose-steering fixes, which were made from the issue's own examples)."""
    result = calibrate(load_reference_set(REFERENCE.parent / folder))
    assert result.n == answers * 8
    assert result.agreement >= floor, [(d.file, d.check, d.human, d.grader) for d in result.disagreements]


def test_calibrate_cli_json_and_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _write_set(
        tmp_path / "datasets" / "x" / "reference",
        "responses:\n  a.md: {labels: {rls-enabled: fail, pagination: n/a}}\n",
        {"a.md": RLS_FAIL},
    )
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", "--agent", "x", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (rule_based,) = report["graders"]
    assert rule_based["checks"]["rls-enabled"] == {
        "n": 1,
        "agreed": 1,
        "agreement": 1.0,
        "kappa": 1.0,
        "confusion": {
            "pass": {"pass": 0, "fail": 0, "n/a": 0},
            "fail": {"pass": 0, "fail": 1, "n/a": 0},
            "n/a": {"pass": 0, "fail": 0, "n/a": 0},
        },
    }
    assert main(["calibrate", "--agent", "x"]) == 0
    out = capsys.readouterr().out
    assert "rls-enabled" in out and "no disagreements" in out
    assert main(["calibrate", "--agent", "nobody"]) == 2
    assert "datasets/nobody/reference/labels.yaml: not found" in capsys.readouterr().err
