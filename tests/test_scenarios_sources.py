"""The hand-written derive inputs: a bad task table row is named by file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.scenarios.dataset import DatasetError
from agent_eval.scenarios.derive import derive
from derive_helpers import project, small_roster


def _derive_with_tasks(root: Path, rows: str) -> None:
    table = root / "datasets" / "backend-developer" / "tasks.yaml"
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_text("tasks:\n" + rows)
    derive("backend-developer", small_roster(root), root)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("  - {id: t1, task: Do it, example: 1, checks: [pagination]}\n", r"entry 't1': field '\(entry\)'"),
        ("  - {id: t1, task: Do it, checks: []}\n", r"entry 't1': field 'checks'"),
        (
            "  - {id: t1, task: Do it, checks: [pagnation]}\n",
            r"entry 't1': field 'checks': unknown check id 'pagnation'",
        ),
        (
            "  - {id: t1, task: Do it, checks: [pagination], sections: [Vibes]}\n",
            r"entry 't1': field 'sections': no standards section titled 'Vibes'",
        ),
        ("  - {id: t1, task: Do it, checks: [pagination], snippet: nope}\n", r"entry 't1': field 'snippet'"),
        (
            "  - {id: t1, task: A, checks: [pagination]}\n  - {id: t1, task: B, checks: [pagination]}\n",
            r"entry 't1': field 'id': duplicate id",
        ),
    ],
)
def test_bad_task_rows_are_named(tmp_path: Path, rows: str, expected: str) -> None:
    root = project(tmp_path)
    with pytest.raises(DatasetError, match=rf"tasks\.yaml: {expected}"):
        _derive_with_tasks(root, rows)


def test_task_rows_become_scenarios_with_their_checks_and_sections(tmp_path: Path) -> None:
    root = project(tmp_path)
    _derive_with_tasks(
        root,
        "  - {id: orders, task: Add GET /orders, checks: [pagination, api-versioning],"
        " sections: [Security Implementation]}\n"
        "  - {id: ex9, example: 9, checks: [pagination]}\n",
    )
    text = (root / "datasets/backend-developer/standards.yaml").read_text()
    assert "id: bd-std-orders\n    tags: [task-table]\n    checks: [api-versioning, pagination]" in text
    assert "rubric: [security-implementation]" in text
    assert "bd-std-ex9" not in text  # the table names an example the agent does not have: skipped, reported


def test_a_no_delegation_case_of_unknown_kind_is_named(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "datasets" / "no-delegation.yaml").write_text(
        "cases:\n  - {id: none-001, kind: banter, message: hi}\n"
    )
    with pytest.raises(DatasetError, match=r"no-delegation\.yaml: entry 'none-001': field 'kind'"):
        derive("backend-developer", small_roster(root), root)
