"""Calibration: agreement between graders and human labels on a reference set (per check, Cohen's kappa).

`load_reference_set` reads `datasets/<agent>/reference/labels.yaml`; `calibrate` grades every labelled
response with the rule-based checks (and, when given, a judge function that returns check verdicts) and
compares each verdict with the human label. Pure values out; the CLI prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml

from agent_eval.graders.grade import grade_response
from agent_eval.graders.model import Evidence, Status, Verdict

STATUSES: tuple[Status, ...] = get_args(Status)

Grader = Callable[[str, Sequence[str]], Mapping[str, Verdict]]
"""(response text, check ids) → a Verdict per check id it can judge: `grade_response` by default; a judge
can be calibrated the same way by wrapping it in this shape."""


class ReferenceSetError(ValueError):
    """The reference set is missing or malformed; the message names the file and field."""


@dataclass(frozen=True)
class ReferenceCase:
    file: Path
    labels: dict[str, Status]
    task: str = ""
    notes: str = ""

    @property
    def name(self) -> str:
        return self.file.name


@dataclass(frozen=True)
class LabelMismatch:
    file: str
    check: str
    human: Status
    grader: Status
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class CheckAgreement:
    """One check's agreement with the humans: counts, kappa and the human × grader confusion."""

    check: str
    n: int
    agreed: int
    kappa: float | None
    confusion: dict[Status, dict[Status, int]]

    @property
    def agreement(self) -> float:
        return self.agreed / self.n if self.n else 0.0


@dataclass(frozen=True)
class CalibrationResult:
    grader: str
    checks: tuple[CheckAgreement, ...]
    disagreements: tuple[LabelMismatch, ...] = ()
    cases: int = 0
    overall_kappa: float | None = None
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n(self) -> int:
        return sum(c.n for c in self.checks)

    @property
    def agreed(self) -> int:
        return sum(c.agreed for c in self.checks)

    @property
    def agreement(self) -> float:
        return self.agreed / self.n if self.n else 0.0


def load_reference_set(folder: Path) -> list[ReferenceCase]:
    """Cases from `folder/labels.yaml`: `responses: {file: {labels: {check: pass|fail|n/a}, task, notes}}`."""
    labels_path = folder / "labels.yaml"
    if not labels_path.is_file():
        raise ReferenceSetError(
            f"{labels_path}: not found (a reference set needs labels.yaml beside its responses)"
        )
    try:
        document = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferenceSetError(f"{labels_path}: not valid YAML: {exc}") from exc
    entries = document.get("responses") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise ReferenceSetError(f"{labels_path}: expected a mapping under 'responses:'")
    cases = []
    for name, entry in entries.items():
        where = f"{labels_path}: responses.{name}"
        labels = entry.get("labels") if isinstance(entry, dict) else None
        if not isinstance(labels, dict):
            raise ReferenceSetError(f"{where}.labels: expected a mapping of check id to pass|fail|n/a")
        bad = {check: value for check, value in labels.items() if value not in STATUSES}
        if bad:
            raise ReferenceSetError(f"{where}.labels: {bad} (each label must be one of pass, fail, n/a)")
        response = folder / str(name)
        if not response.is_file():
            raise ReferenceSetError(f"{where}: response file {response} not found")
        cases.append(
            ReferenceCase(
                file=response,
                labels={str(check): value for check, value in labels.items()},
                task=str(entry.get("task", "")),
                notes=str(entry.get("notes", "")),
            )
        )
    return cases


def calibrate(
    cases: Sequence[ReferenceCase],
    grader: Grader | None = None,
    grader_name: str = "rule-based",
) -> CalibrationResult:
    """Agreement of `grader` (default: the rule-based checks) with the human labels, per check.

    Labels for checks the grader does not judge are skipped (listed in `skipped`). Disagreements carry
    the verdict's reason and evidence lines.
    """
    from agent_eval.graders.checks.registry import CHECKS, default_check_ids

    pairs: dict[str, list[tuple[Status, Status]]] = {}
    disagreements: list[LabelMismatch] = []
    skipped: set[str] = set()
    for case in cases:
        wanted = [check for check in case.labels if grader is not None or check in CHECKS]
        verdicts = (grader or grade_response)(case.file.read_text(encoding="utf-8"), wanted)
        skipped |= set(case.labels) - set(verdicts)
        for check in wanted:
            verdict = verdicts.get(check)
            if verdict is None:
                continue
            human = case.labels[check]
            pairs.setdefault(check, []).append((human, verdict.status))
            if human != verdict.status:
                disagreements.append(
                    LabelMismatch(case.name, check, human, verdict.status, verdict.reason, verdict.evidence)
                )
    order = default_check_ids()
    ordered = sorted(pairs, key=lambda check: (order.index(check) if check in order else len(order), check))
    checks = tuple(_agreement(check, pairs[check]) for check in ordered)
    everything = [pair for check in ordered for pair in pairs[check]]
    return CalibrationResult(
        grader=grader_name,
        checks=checks,
        disagreements=tuple(disagreements),
        cases=len(cases),
        overall_kappa=cohen_kappa(everything),
        skipped=tuple(sorted(skipped)),
    )


def _agreement(check: str, pairs: list[tuple[Status, Status]]) -> CheckAgreement:
    confusion: dict[Status, dict[Status, int]] = {h: {g: 0 for g in STATUSES} for h in STATUSES}
    for human, given in pairs:
        confusion[human][given] += 1
    agreed = sum(1 for human, given in pairs if human == given)
    return CheckAgreement(
        check=check, n=len(pairs), agreed=agreed, kappa=cohen_kappa(pairs), confusion=confusion
    )


def cohen_kappa(pairs: Sequence[tuple[Any, Any]]) -> float | None:
    """Cohen's kappa of paired labels: (observed - chance agreement) / (1 - chance agreement).

    None for no pairs; 1.0 when both raters use one and the same single category (chance agreement is 1,
    kappa is undefined, and the raters agree perfectly); 0.0 when they disagree in that degenerate case.
    """
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    categories = {a for a, _ in pairs} | {b for _, b in pairs}
    chance = sum(
        (sum(1 for a, _ in pairs if a == c) / n) * (sum(1 for _, b in pairs if b == c) / n)
        for c in categories
    )
    if chance >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - chance) / (1.0 - chance)
