"""Standards scenarios for one agent: realistic tasks, the rule-based checks a good answer must satisfy, and
the judge criteria (from the agent's own body sections) it is scored on.

Tasks come from the agent's reviewed task table `datasets/<agent>/tasks.yaml` (its own wording, or one of
the agent's examples by index). Without a table, each example becomes a task and its checks are inferred
from its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_eval.agents.model import Agent
from agent_eval.agents.sections import slug
from agent_eval.config import RubricCriterion
from agent_eval.graders.checks.registry import CHECKS, in_check_order, section_of, unknown_check_message
from agent_eval.lexical import cosine, tfidf_vectors
from agent_eval.scenarios.dataset import DatasetError
from agent_eval.scenarios.examples import example_input, id_prefix, source_path
from agent_eval.scenarios.model import Provenance, Scenario, ScenarioInput
from agent_eval.scenarios.sources import ContextSnippet, StandardsTask

# Sections that describe a persona or a process rather than a standard an answer can be held to.
_NOT_A_STANDARD = re.compile(r"responsibilit|context|workflow|phase|communication|deliverable", re.IGNORECASE)
# Below this TF-IDF cosine a task's words and a section share only incidental terms (measured on the
# backend-developer table: clear topical matches score 0.08 and up, stray ones 0.06 and below).
TOPIC_SIMILARITY_MIN = 0.08


def rubric_criteria(agent: Agent) -> tuple[RubricCriterion, ...]:
    """One criterion per body section that lists standards (bullet items), in body order."""
    return tuple(
        RubricCriterion(id=slug(s.title), section=s.title, text="\n".join(f"- {item}" for item in s.items))
        for s in agent.sections
        if s.items and not _NOT_A_STANDARD.search(s.title) and slug(s.title)
    )


def infer_checks(text: str) -> tuple[str, ...]:
    """Fallback (no task table): the checks whose task words the task uses, and those every task asks for."""
    return in_check_order(spec.id for spec in CHECKS.values() if spec.asked_by(text))


@dataclass(frozen=True)
class StandardsDerivation:
    scenarios: tuple[Scenario, ...]
    skipped: tuple[str, ...]


class _RubricPicker:
    """Chooses a task's criteria: those its checks point to, plus the one closest to its words when the
    closeness is more than incidental."""

    def __init__(self, criteria: Sequence[RubricCriterion], tasks_text: Sequence[str]) -> None:
        self.criteria = tuple(criteria)
        vectors = tfidf_vectors([c.text for c in criteria] + list(tasks_text))
        self._criterion_vectors = vectors[: len(criteria)]
        self._task_vectors = dict(zip(tasks_text, vectors[len(criteria) :], strict=True))

    def by_title(self, titles: Sequence[str], where: str) -> tuple[str, ...]:
        wanted = {t.strip().lower() for t in titles}
        known = {c.section.strip().lower() for c in self.criteria}
        for title in titles:
            if title.strip().lower() not in known:
                raise DatasetError(f"{where}: field 'sections': no standards section titled '{title}'")
        return tuple(c.id for c in self.criteria if c.section.strip().lower() in wanted)

    def for_task(self, text: str, checks: Sequence[str]) -> tuple[str, ...]:
        sections = [(c.id, c.text) for c in self.criteria]
        # A check every task asks for says nothing about which sections this task is about.
        chosen = {section_of(check, sections) for check in checks if not CHECKS[check].every_task}
        similarities = [cosine(self._task_vectors[text], v) for v in self._criterion_vectors]
        if similarities and max(similarities) >= TOPIC_SIMILARITY_MIN:
            chosen.add(self.criteria[similarities.index(max(similarities))].id)
        return tuple(c.id for c in self.criteria if c.id in chosen)


def derive_standards(
    agent: Agent,
    tasks: Sequence[StandardsTask] | None,
    snippets: Sequence[ContextSnippet],
    criteria: Sequence[RubricCriterion],
    root: Path,
    tasks_file: str,
) -> StandardsDerivation:
    """`tasks` None: no task table, one task per example. `tasks_file`: the table's project-relative path."""
    prefix = id_prefix(agent.name)
    examples = {e.index: e for e in agent.examples if e.user_turns}
    rows = (
        tasks
        if tasks is not None
        else tuple(
            StandardsTask(id=f"ex{i}", example=i, checks=infer_checks(" ".join(e.user_turns)))
            for i, e in examples.items()
        )
    )
    skipped: list[str] = []
    prepared: list[tuple[StandardsTask, ScenarioInput, Provenance]] = []
    snippet_by_id = {s.id: s for s in snippets}
    for row in rows:
        if row.example is not None:
            example = examples.get(row.example)
            if example is None:
                skipped.append(f"{tasks_file}: task '{row.id}': {agent.name} has no example {row.example}")
                continue
            task_input = example_input(example, snippets)
            provenance = Provenance(source=source_path(agent, root), example=example.index)
        else:
            task_input = ScenarioInput(message=row.task or "")
            provenance = Provenance(source=tasks_file)
        if row.snippet is not None:
            if row.snippet not in snippet_by_id:
                raise DatasetError(
                    f"{tasks_file}: entry '{row.id}': field 'snippet': unknown snippet '{row.snippet}'"
                )
            task_input = ScenarioInput(context=snippet_by_id[row.snippet].turns(), message=task_input.message)
        problem = unknown_check_message(row.checks)
        if problem:
            raise DatasetError(f"{tasks_file}: entry '{row.id}': field 'checks': {problem}")
        prepared.append((row, task_input, provenance))

    picker = _RubricPicker(criteria, [task_input.message for _, task_input, _ in prepared])
    scenarios = []
    for row, task_input, provenance in prepared:
        where = f"{tasks_file}: entry '{row.id}'"
        rubric = (
            picker.by_title(row.sections, where)
            if row.sections
            else picker.for_task(task_input.message, row.checks)
        )
        source_tag = "from-example" if row.example is not None else "task-table"
        scenarios.append(
            Scenario(
                id=f"{prefix}-std-{row.id}",
                suite="standards",
                input=task_input,
                checks=in_check_order(row.checks),
                rubric=rubric,
                tags=(source_tag, *(["with-code"] if task_input.context else [])),
                provenance=provenance,
                note=row.note,
            )
        )
    return StandardsDerivation(scenarios=tuple(scenarios), skipped=tuple(skipped))
