"""`derive` on a small roster: determinism, hand edits kept, vanished sources retired, config written once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent_eval.config import load_eval_config
from agent_eval.scenarios.dataset import DatasetError, load_dataset, read_dataset_file
from agent_eval.scenarios.derive import derive
from derive_helpers import example, project, small_roster, tree_bytes


def test_derive_twice_changes_no_byte(tmp_path: Path) -> None:
    root = project(tmp_path)
    first = derive("backend-developer", small_roster(root), root)
    after_first = tree_bytes(root)
    second = derive("backend-developer", small_roster(root), root)

    assert tree_bytes(root) == after_first
    assert all(s.written for s in first.suites) and first.config_written
    assert not any(s.written for s in second.suites) and not second.config_written
    routing = second.suites[0]
    assert routing.added == [] and routing.updated == [] and len(routing.unchanged) > 0


def test_routing_cases_have_stable_ids_expectations_and_tags(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root), root)
    scenarios = {s.id: s for s in load_dataset(root / "datasets/backend-developer/routing.yaml")}

    assert scenarios["bd-pos-ex1"].expected == "backend-developer"
    assert scenarios["bd-pos-ex1-terse"].provenance.variant_of == "bd-pos-ex1"
    assert {"positive", "paraphrase", "terse"} <= set(scenarios["bd-pos-ex1-terse"].tags)
    negative = scenarios["bd-neg-database-administrator-ex1"]
    assert negative.expected == "database-administrator" and "hard-negative" in negative.tags
    assert negative.provenance.source == "agents/database-administrator.md"
    assert scenarios["none-002"].expected == "none" and "chit-chat" in scenarios["none-002"].tags
    # The proactive example says the user just wrote a service: the matching snippet is shown first.
    proactive = scenarios["bd-pos-ex2"]
    assert "proactive" in proactive.tags
    assert [t.role for t in proactive.input.context] == ["user", "assistant"]
    assert "export const answer" in proactive.input.context[0].content
    # The closest agent's negatives come first and get variants; the id does not depend on list position.
    ids = list(scenarios)
    assert ids.index("bd-neg-database-administrator-ex1") < ids.index("bd-neg-technical-writer-ex1")
    assert "bd-neg-database-administrator-ex1-terse" in scenarios


def _edit_message(path: Path, scenario_id: str, message: str) -> None:
    data = yaml.safe_load(path.read_text())
    entry = next(e for e in data["scenarios"] if e["id"] == scenario_id)
    entry["input"]["message"] = message
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_hand_edit_survives_a_re_derive(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root), root)
    path = root / "datasets/backend-developer/routing.yaml"
    _edit_message(path, "bd-pos-ex3", "Add Redis in front of the product queries, please")

    report = derive("backend-developer", small_roster(root), root)
    edited = {s.id: s for s in load_dataset(path)}["bd-pos-ex3"]

    assert edited.input.message == "Add Redis in front of the product queries, please"
    assert "hand-edited" in edited.tags
    assert report.suites[0].hand_edited == ["bd-pos-ex3"]
    settled = tree_bytes(root)
    derive("backend-developer", small_roster(root), root)
    assert tree_bytes(root) == settled  # the mark is added once; later runs leave the file alone


def test_an_entry_added_by_hand_is_kept(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root), root)
    path = root / "datasets/backend-developer/routing.yaml"
    data = yaml.safe_load(path.read_text())
    data["scenarios"].append({"id": "mine-1", "expected": "none", "input": {"message": "ping"}})
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    report = derive("backend-developer", small_roster(root), root)
    assert report.suites[0].hand_written == ["mine-1"]
    assert "mine-1" in {s.id for s in load_dataset(path)}


def test_a_removed_example_is_reported_retired_and_kept_in_the_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root, backend_examples=3), root)
    report = derive("backend-developer", small_roster(root, backend_examples=2), root)
    path = root / "datasets/backend-developer/routing.yaml"

    retired_now = report.suites[0].retired
    assert "bd-pos-ex3" in retired_now and "bd-pos-ex3-typo" in retired_now
    dataset = read_dataset_file(path)
    assert "bd-pos-ex3" in {s.id for s in dataset.retired}
    assert "bd-pos-ex3" not in {s.id for s in dataset.scenarios}
    assert "retired: bd-pos-ex3 " in report.render()
    # The example comes back: its scenario is active again, with nothing left retired.
    derive("backend-developer", small_roster(root, backend_examples=3), root)
    assert read_dataset_file(path).retired == ()


def test_standards_from_examples_without_a_task_table(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root), root)
    scenarios = {s.id: s for s in load_dataset(root / "datasets/backend-developer/standards.yaml")}

    login = scenarios["bd-std-ex1"]
    assert login.checks == (
        "zod-validation",
        "status-codes",
        "api-versioning",
        "error-format",
        "no-hardcoded-secrets",
    )
    assert login.rubric[0] == "api-design-standards"
    assert set(scenarios["bd-std-ex3"].checks) == {"parameterized-sql", "no-hardcoded-secrets"}


def test_eval_config_is_written_once_and_never_overwritten(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root), root)
    config = load_eval_config("backend-developer", root)
    assert [c.id for c in config.rubric] == ["api-design-standards", "security-implementation"]
    assert config.rubric[1].section == "Security Implementation"
    assert config.datasets["routing"] == "datasets/backend-developer/routing.yaml"
    assert config.model == "sonnet" and config.judge_model == "haiku" and config.epochs == 1

    path = root / "evals/backend-developer.yaml"
    path.write_text(path.read_text().replace("epochs: 1", "epochs: 3"))
    report = derive("backend-developer", small_roster(root), root)
    assert not report.config_written
    assert load_eval_config("backend-developer", root).epochs == 3


def test_unknown_agent_and_broken_file_are_bad_input(tmp_path: Path) -> None:
    root = project(tmp_path)
    with pytest.raises(DatasetError, match=r"unknown agent 'ghost'.*backend-developer"):
        derive("ghost", small_roster(root), root)
    derive("backend-developer", small_roster(root), root)
    path = root / "datasets/backend-developer/standards.yaml"
    path.write_text(path.read_text().replace("checks: [", "checks: 7\n    old_checks: [", 1))
    before = tree_bytes(root)
    with pytest.raises(DatasetError, match=r"standards\.yaml: scenario 'bd-std-ex1': field 'checks'"):
        derive("backend-developer", small_roster(root), root)
    assert tree_bytes(root) == before  # nothing half-written


def test_another_agents_example_handing_off_to_this_one_is_a_positive(tmp_path: Path) -> None:
    root = project(tmp_path)
    roster = small_roster(root)
    writer = roster[2]
    hand_off = example(2, "Document the endpoint, then have it rate limited", "backend-developer")
    roster[2] = writer.model_copy(update={"examples": (*writer.examples, hand_off)})
    derive("backend-developer", roster, root)
    scenarios = {s.id: s for s in load_dataset(root / "datasets/backend-developer/routing.yaml")}

    moved = scenarios["bd-pos-technical-writer-ex2"]
    assert moved.expected == "backend-developer" and "positive" in moved.tags
    assert moved.provenance.source == "agents/technical-writer.md"
