"""Dataset files `datasets/<agent>/<suite>.yaml` ⇄ Scenario values; errors name file, scenario and field.

A dataset file is a mapping: `agent`, `suite` (shared by every entry, so entries do not repeat it),
`scenarios` (the active cases) and optionally `retired` (derived cases whose source disappeared: kept for
review, never run).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from agent_eval.agents.builtin import BUILTIN_NAMES
from agent_eval.paths import datasets_dir, project_root
from agent_eval.scenarios.model import NO_DELEGATION, Scenario, Suite
from agent_eval.yamlio import FlowList, YamlFileError, dump_yaml, load_yaml

SUITES: tuple[Suite, ...] = get_args(Suite)
# Order of keys in a written entry: what a reviewer reads first comes first.
_ENTRY_KEYS = ("id", "tags", "expected", "checks", "rubric", "input", "provenance", "note", "fingerprint")


class DatasetError(ValueError):
    """A dataset file that cannot be used; the message names the file, the scenario and the field."""


@dataclass(frozen=True)
class DatasetFile:
    agent: str
    suite: Suite
    scenarios: tuple[Scenario, ...]
    retired: tuple[Scenario, ...] = ()


def dataset_path(agent_name: str, suite: Suite, root: Path | None = None) -> Path:
    return datasets_dir(root) / agent_name / f"{suite}.yaml"


def suite_dataset_path(agent_name: str, suite: Suite, root: Path, files: dict[str, str] | None) -> Path:
    """The file a run reads for `suite`: the eval config's `datasets` entry, else the default place."""
    relative = (files or {}).get(suite)
    return root / relative if relative else dataset_path(agent_name, suite, root)


def _field_path(location: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in location) or "(entry)"


def _parse_entry(path: Path, section: str, position: int, raw: Any, suite: Suite) -> Scenario:
    label = f"{section}[{position}]"
    if not isinstance(raw, dict):
        raise DatasetError(
            f"{path}: {label}: expected a mapping with id, input, ..., got {type(raw).__name__}"
        )
    if isinstance(raw.get("id"), str):
        label = f"scenario '{raw['id']}'"
    entry_suite = raw.get("suite", suite)
    if entry_suite != suite:
        raise DatasetError(f"{path}: {label}: field 'suite': '{entry_suite}' in a {suite} file")
    try:
        scenario = Scenario.model_validate({**raw, "suite": suite})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise DatasetError(
            f"{path}: {label}: field '{_field_path(first['loc'])}': {first['msg']}{more}"
        ) from exc
    # The API refuses an empty text block: caught here rather than as a failed call mid-run.
    if not scenario.input.message.strip():
        raise DatasetError(f"{path}: {label}: field 'input.message': empty; write the user's request")
    for turn_number, turn in enumerate(scenario.input.context):
        if not turn.content.strip():
            raise DatasetError(f"{path}: {label}: field 'input.context.{turn_number}.content': empty")
    return scenario


def check_expected_agents(path: Path, scenarios: Iterable[Scenario], agents: Collection[str]) -> None:
    """Every routing scenario expects an agent of the roster (`agents`), a built-in one or `none`; a name
    outside them can never be chosen, so the scenario could never pass."""
    allowed = {*agents, *BUILTIN_NAMES, NO_DELEGATION}
    for scenario in scenarios:
        if scenario.suite == "routing" and scenario.expected is not None and scenario.expected not in allowed:
            known = ", ".join(sorted(agents)) or "no agents"
            built_in = ", ".join(sorted(BUILTIN_NAMES))
            raise DatasetError(
                f"{path}: scenario '{scenario.id}': field 'expected': {scenario.expected!r} is not an agent "
                f"of the roster ({known}), a built-in one ({built_in}) or '{NO_DELEGATION}'"
            )


def read_dataset_file(path: Path) -> DatasetFile:
    """Parse and validate a whole dataset file, retired entries included."""
    try:
        data = load_yaml(path)
    except YamlFileError as exc:
        raise DatasetError(str(exc)) from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a mapping with 'agent', 'suite' and 'scenarios' at the top")
    suite = data.get("suite")
    if suite not in SUITES:
        raise DatasetError(f"{path}: field 'suite': expected one of {', '.join(SUITES)}, got {suite!r}")
    agent = data.get("agent")
    if not isinstance(agent, str) or not agent:
        raise DatasetError(f"{path}: field 'agent': expected the agent name")
    parsed: dict[str, tuple[Scenario, ...]] = {}
    for section in ("scenarios", "retired"):
        entries = data.get(section) or []
        if not isinstance(entries, list):
            raise DatasetError(f"{path}: field '{section}': expected a list of scenarios")
        parsed[section] = tuple(_parse_entry(path, section, i, raw, suite) for i, raw in enumerate(entries))
    seen: set[str] = set()
    for scenario in (*parsed["scenarios"], *parsed["retired"]):
        if scenario.id in seen:
            raise DatasetError(f"{path}: scenario '{scenario.id}': field 'id': duplicate id")
        seen.add(scenario.id)
    return DatasetFile(agent=agent, suite=suite, scenarios=parsed["scenarios"], retired=parsed["retired"])


def load_dataset(path: Path) -> list[Scenario]:
    """The active scenarios of one dataset file (retired ones are not run)."""
    return list(read_dataset_file(path).scenarios)


def load_scenarios(
    agent_name: str,
    suites: Iterable[Suite],
    root: Path | None = None,
    files: dict[str, str] | None = None,
    agents: Collection[str] | None = None,
) -> list[Scenario]:
    """The scenarios `run` executes: each suite's file in order. `files` maps suite → path relative to
    `root` (the eval config's `datasets`); absent suites use `datasets/<agent>/<suite>.yaml`. With `agents`
    (the roster's names), every routing scenario's `expected` is checked against them."""
    base = root or project_root()
    scenarios: list[Scenario] = []
    for suite in suites:
        path = suite_dataset_path(agent_name, suite, base, files)
        if suite == "agentic":
            scenarios.extend(_agentic_scenarios(agent_name, path))
            continue
        if not path.is_file():
            raise DatasetError(f"{path}: no {suite} dataset; run `agent-eval derive --agent {agent_name}`")
        dataset = read_dataset_file(path)
        if dataset.agent != agent_name:
            raise DatasetError(f"{path}: field 'agent': '{dataset.agent}', expected '{agent_name}'")
        _require_known_checks(path, dataset.scenarios)
        if agents is not None:
            check_expected_agents(path, dataset.scenarios, agents)
        scenarios.extend(dataset.scenarios)
    return scenarios


def _agentic_scenarios(agent_name: str, path: Path) -> list[Scenario]:
    """The tasks of an agentic dataset (written by hand, never derived) as scenarios."""
    from agent_eval.scenarios.agentic import load_agentic_dataset, task_scenario  # it builds on this module

    if not path.is_file():
        raise DatasetError(f"{path}: no agentic dataset (agentic tasks are written by hand; see the README)")
    dataset = load_agentic_dataset(path)
    if dataset.agent != agent_name:
        raise DatasetError(f"{path}: field 'agent': '{dataset.agent}', expected '{agent_name}'")
    scenarios = [task_scenario(task) for task in dataset.tasks]
    _require_known_checks(path, scenarios)
    return scenarios


def _require_known_checks(path: Path, scenarios: Iterable[Scenario]) -> None:
    listing = [scenario for scenario in scenarios if scenario.checks]
    if not listing:
        return
    # Imported only when needed: the registry loads every check and its parsers (pglast, tree-sitter), a
    # fifth of a second that a routing run would otherwise spend before its first call.
    from agent_eval.graders.checks.registry import unknown_check_message

    for scenario in listing:
        problem = unknown_check_message(scenario.checks)
        if problem:
            raise DatasetError(f"{path}: scenario '{scenario.id}': field 'checks': {problem}")


def scenario_entry(scenario: Scenario) -> dict[str, Any]:
    """The scenario as it is written in a file: defaults and the file-level suite left out, keys ordered."""
    dumped = scenario.model_dump(mode="json", exclude_defaults=True, exclude={"suite"})
    if "input" in dumped and "context" in dumped["input"]:
        # The message is what a reviewer reads first; the prior turns follow it.
        dumped["input"] = {"message": dumped["input"]["message"], "context": dumped["input"]["context"]}
    for key in ("tags", "checks", "rubric"):
        if key in dumped:
            dumped[key] = FlowList(dumped[key])
    return {key: dumped[key] for key in _ENTRY_KEYS if key in dumped}


def render_dataset(dataset: DatasetFile, header: str) -> str:
    data: dict[str, Any] = {
        "agent": dataset.agent,
        "suite": dataset.suite,
        "scenarios": [scenario_entry(s) for s in dataset.scenarios],
    }
    if dataset.retired:
        data["retired"] = [scenario_entry(s) for s in dataset.retired]
    return dump_yaml(data, header)
