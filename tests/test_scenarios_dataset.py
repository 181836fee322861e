"""Dataset files: round trip, and schema errors that name the file, the scenario and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.scenarios.dataset import (
    DatasetError,
    DatasetFile,
    load_dataset,
    load_scenarios,
    read_dataset_file,
    render_dataset,
)
from agent_eval.scenarios.model import Provenance, Scenario, ScenarioInput, Turn


def _scenarios() -> tuple[Scenario, ...]:
    return (
        Scenario(
            id="bd-pos-ex1",
            suite="routing",
            input=ScenarioInput(
                context=(
                    Turn(role="user", content="```ts\nconst a = 1;\n```"),
                    Turn(role="assistant", content="ok"),
                ),
                message="Here's the service I just built",
            ),
            expected="backend-developer",
            tags=("positive", "proactive"),
            provenance=Provenance(source="agents/backend-developer.md", example=1),
            note="multi-line\nnote: with a colon",
            fingerprint="abc123",
        ),
        Scenario(id="none-001", suite="routing", input=ScenarioInput(message="thanks!"), expected="none"),
    )


HEAD = "agent: a\nsuite: routing\nscenarios:\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text)
    return path


def test_render_then_read_gives_the_same_scenarios(tmp_path: Path) -> None:
    dataset = DatasetFile(agent="backend-developer", suite="routing", scenarios=_scenarios())
    text = render_dataset(dataset, "header line")
    path = _write(tmp_path, text)

    assert text.startswith("# header line\n")
    assert "content: |-\n" in text  # multi-line text as a block scalar
    assert "tags: [positive, proactive]" in text
    assert read_dataset_file(path) == dataset


MISSING_MESSAGE = """agent: backend-developer
suite: routing
scenarios:
  - id: bd-pos-ex1
    expected: backend-developer
    input:
      message: fine
  - id: bd-pos-ex2
    expected: backend-developer
    input:
      context: []
"""


def test_a_missing_field_names_file_scenario_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSING_MESSAGE)
    with pytest.raises(DatasetError) as caught:
        load_dataset(path)
    message = str(caught.value)
    assert str(path) in message
    assert "scenario 'bd-pos-ex2'" in message
    assert "field 'input.message'" in message


def test_an_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "agent: a\nsuite: routing\nscenarios:\n  - input: {message: hi}\n")
    with pytest.raises(DatasetError, match=r"scenarios\[0\]: field 'id'"):
        load_dataset(path)


def test_a_wrong_type_names_the_nested_field(tmp_path: Path) -> None:
    text = HEAD + "  - id: x1\n    input: {message: hi, context: [{role: bot, content: c}]}\n"
    with pytest.raises(DatasetError, match=r"scenario 'x1': field 'input\.context\.0\.role'"):
        load_dataset(_write(tmp_path, text))


def test_an_unknown_field_is_rejected(tmp_path: Path) -> None:
    text = "agent: a\nsuite: routing\nscenarios:\n  - id: x1\n    expect: none\n    input: {message: hi}\n"
    with pytest.raises(DatasetError, match=r"scenario 'x1': field 'expect'"):
        load_dataset(_write(tmp_path, text))


def test_duplicate_ids_and_suite_mismatch_are_errors(tmp_path: Path) -> None:
    twice = HEAD + "  - {id: x1, input: {message: a}}\n  - {id: x1, input: {message: b}}\n"
    with pytest.raises(DatasetError, match=r"scenario 'x1': field 'id': duplicate id"):
        load_dataset(_write(tmp_path, twice))
    other_suite = (
        "agent: a\nsuite: routing\nscenarios:\n  - {id: x1, suite: standards, input: {message: a}}\n"
    )
    with pytest.raises(DatasetError, match=r"scenario 'x1': field 'suite'"):
        load_dataset(_write(tmp_path, other_suite))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "agent: a\nsuite: routing\nscenarios:\n  - id: x1\n    note: a: b\n")
    with pytest.raises(DatasetError, match=rf"{path}:5: invalid YAML"):
        load_dataset(path)


def test_retired_entries_are_not_loaded_for_a_run(tmp_path: Path) -> None:
    text = (
        "agent: a\nsuite: routing\nscenarios:\n  - {id: x1, input: {message: a}}\n"
        "retired:\n  - {id: x2, input: {message: b}}\n"
    )
    path = _write(tmp_path, text)
    assert [s.id for s in load_dataset(path)] == ["x1"]
    assert [s.id for s in read_dataset_file(path).retired] == ["x2"]


def test_load_scenarios_reads_each_suite_and_checks_the_agent(tmp_path: Path) -> None:
    folder = tmp_path / "datasets" / "backend-developer"
    folder.mkdir(parents=True)
    (folder / "routing.yaml").write_text(
        "agent: backend-developer\nsuite: routing\nscenarios:\n  - {id: r1, input: {message: a}}\n"
    )
    (folder / "standards.yaml").write_text(
        "agent: backend-developer\nsuite: standards\nscenarios:\n"
        "  - {id: s1, checks: [pagination], input: {message: b}}\n"
    )
    loaded = load_scenarios("backend-developer", ["routing", "standards"], tmp_path)
    assert [(s.id, s.suite) for s in loaded] == [("r1", "routing"), ("s1", "standards")]
    with pytest.raises(DatasetError, match="field 'agent': 'backend-developer', expected 'other'"):
        load_scenarios("other", ["routing"], tmp_path, {"routing": "datasets/backend-developer/routing.yaml"})
    with pytest.raises(DatasetError, match="agent-eval derive --agent ghost"):
        load_scenarios("ghost", ["routing"], tmp_path)
