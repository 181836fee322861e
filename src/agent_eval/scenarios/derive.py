"""`derive`: the roster → `datasets/<agent>/{routing,standards}.yaml` (+ `evals/<agent>.yaml` when missing).

Deterministic and offline. Each generated scenario carries a fingerprint of what derive wrote; on the next
run an entry whose content no longer matches its fingerprint was edited by hand and is kept as is (tagged
`hand-edited`), an entry without a fingerprint was added by hand and is kept, and a derived entry whose
source disappeared moves to the file's `retired` list instead of vanishing.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent_eval.agents.roster import RosterLike, roster_agents
from agent_eval.config import EvalConfig, Thresholds, eval_config_path, render_eval_config
from agent_eval.graders.checks.registry import CHECKS, in_check_order
from agent_eval.paths import datasets_dir
from agent_eval.providers.model import Provider
from agent_eval.scenarios.augment import (
    AUGMENT_CACHE_FILE,
    AugmentStats,
    augmented_variants,
    fill_cache,
    read_cache,
)
from agent_eval.scenarios.dataset import (
    DatasetError,
    DatasetFile,
    dataset_path,
    read_dataset_file,
    render_dataset,
)
from agent_eval.scenarios.generic import GENERIC_SOURCE, roster_free_cases
from agent_eval.scenarios.model import Scenario, Suite
from agent_eval.scenarios.routing import derive_routing
from agent_eval.scenarios.sources import (
    BUILTIN_AGENT_CASES_FILE,
    CONTEXT_SNIPPETS_FILE,
    NO_DELEGATION_FILE,
    TASKS_FILE,
    ContextSnippet,
    StandardsTask,
    load_entries,
)
from agent_eval.scenarios.standards import derive_standards, rubric_criteria
from agent_eval.yamlio import write_if_changed

HAND_EDITED = "hand-edited"


def fingerprint(scenario: Scenario) -> str:
    """Hash of everything a reviewer could edit (the fingerprint itself and the hand-edited mark excluded).
    Fields at their default are left out, so adding an optional field to Scenario changes no fingerprint."""
    unmarked = scenario.model_copy(
        update={"fingerprint": None, "tags": tuple(t for t in scenario.tags if t != HAND_EDITED)}
    )
    content = unmarked.model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def is_hand_edited(scenario: Scenario) -> bool:
    return scenario.fingerprint is None or fingerprint(scenario) != scenario.fingerprint


@dataclass
class SuiteChanges:
    suite: Suite
    path: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    hand_edited: list[str] = field(default_factory=list)  # kept as the reviewer left them
    stale_edits: list[str] = field(default_factory=list)  # hand-edited, and derive would now write otherwise
    hand_written: list[str] = field(default_factory=list)  # entries derive never generated, kept
    retired: list[str] = field(default_factory=list)  # newly retired by this run
    still_retired: int = 0
    written: bool = False
    tags: dict[str, int] = field(default_factory=dict)


@dataclass
class DeriveReport:
    agent: str
    suites: list[SuiteChanges]
    config_path: Path
    config_written: bool
    closeness: tuple[tuple[str, float], ...]
    skipped: tuple[str, ...]
    augment: AugmentStats | None = None
    warnings: tuple[str, ...] = ()  # for the user to fix (an agent without examples); printed on stderr

    def render(self) -> str:
        lines = [f"derive {self.agent}:"]
        for s in self.suites:
            state = "written" if s.written else "unchanged"
            total = sum(map(len, (s.added, s.updated, s.unchanged, s.hand_edited, s.hand_written)))
            lines.append(
                f"  {s.path}: {state}; {total} scenarios: {len(s.added)} added, {len(s.updated)} updated, "
                f"{len(s.unchanged)} unchanged, {len(s.hand_edited)} hand-edited kept, "
                f"{len(s.hand_written)} hand-written kept, {len(s.retired)} retired now "
                f"({s.still_retired} retired before)"
            )
            lines.append("    tags: " + _summary(s.tags.items()).replace("\n", "\n    "))
            lines += [f"    retired: {i} (its source disappeared; kept under `retired`)" for i in s.retired]
            lines += [
                f"    kept hand edit: {i} (derive would now write something else; delete it to take that)"
                for i in s.stale_edits
            ]
        if self.augment is not None:
            lines.append(
                f"  augment: {self.augment.asked} asked, {self.augment.cached} from cache"
                + (f", no usable answer for {', '.join(self.augment.failed)}" if self.augment.failed else "")
            )
        lines.append(f"  {self.config_path}: {'written' if self.config_written else 'exists, left as is'}")
        lines += [f"  skipped {reason}" for reason in self.skipped]
        return "\n".join(lines)


def merge(
    suite: Suite, path: Path, agent: str, generated: Sequence[Scenario], existing: DatasetFile | None
) -> tuple[DatasetFile, SuiteChanges]:
    """The file's new content: generated entries, hand edits and additions kept, vanished sources retired."""
    changes = SuiteChanges(suite=suite, path=path)
    active = {s.id: s for s in existing.scenarios} if existing else {}
    retired = {s.id: s for s in existing.retired} if existing else {}
    scenarios: list[Scenario] = []
    for fresh in generated:
        stamped = fresh.model_copy(update={"fingerprint": fingerprint(fresh)})
        old = active.pop(fresh.id, None) or retired.pop(fresh.id, None)
        if old is None:
            changes.added.append(fresh.id)
            scenarios.append(stamped)
        elif is_hand_edited(old):
            changes.hand_edited.append(fresh.id)
            if old.fingerprint not in (None, stamped.fingerprint):
                changes.stale_edits.append(fresh.id)
            marked = (
                old if HAND_EDITED in old.tags else old.model_copy(update={"tags": (*old.tags, HAND_EDITED)})
            )
            scenarios.append(marked)
        elif old == stamped:
            changes.unchanged.append(fresh.id)
            scenarios.append(old)
        else:
            changes.updated.append(fresh.id)
            scenarios.append(stamped)
    newly_retired: list[Scenario] = []
    for leftover in active.values():
        if leftover.fingerprint is None:
            changes.hand_written.append(leftover.id)
            scenarios.append(leftover)
        else:
            changes.retired.append(leftover.id)
            newly_retired.append(leftover)
    changes.still_retired = len(retired)
    changes.tags = dict(
        sorted(Counter(t for s in scenarios for t in s.tags).items(), key=lambda kv: (-kv[1], kv[0]))
    )
    merged = DatasetFile(
        agent=agent, suite=suite, scenarios=tuple(scenarios), retired=(*retired.values(), *newly_retired)
    )
    return merged, changes


def _with_augmented(scenarios: Sequence[Scenario], extra: dict[str, list[Scenario]]) -> list[Scenario]:
    """Each base's augmented paraphrases placed right after the base and its rule-based variants."""
    ordered: list[Scenario] = []
    for position, scenario in enumerate(scenarios):
        ordered.append(scenario)
        family = scenario.provenance.variant_of or scenario.id
        following = scenarios[position + 1] if position + 1 < len(scenarios) else None
        if following is None or (following.provenance.variant_of or following.id) != family:
            ordered.extend(extra.get(family, ()))
    return ordered


def _summary(counts: Iterable[tuple[str, int]]) -> str:
    """`name n, name n, ...` wrapped to header width, continuation lines indented."""
    text = ", ".join(f"{name}\u00a0{n}" for name, n in counts)  # no-break space: a count stays with its name
    return "\n  ".join(
        line.replace("\u00a0", " ") for line in textwrap.wrap(text, width=100, break_on_hyphens=False)
    )


ROUTING_HEADER = """Routing scenarios for {agent}, written by `agent-eval derive` from the agents folder,
datasets/context-snippets.yaml, no-delegation cases ({no_delegation}) and built-in agent cases
({builtin}). Review it freely:
- expected: the agent that should be picked (a built-in one such as Explore included), or "none" when
  the main assistant should handle it itself (answer, read, run or edit, or invoke a skill).
- Edit any entry: derive keeps it as you left it (tagged hand-edited); delete an entry to regenerate it.
- Entries you add (no fingerprint) are kept. Entries whose source example disappeared move to `retired`.
Hard negatives come closest agent first (TF-IDF cosine of descriptions with {agent}'s):
  {closeness}
{count} scenarios; tags:
  {tags}"""

STANDARDS_HEADER = """Standards scenarios for {agent}, written by `agent-eval derive` from
datasets/{agent}/tasks.yaml (or the agent's examples) and the agent's body sections. Review it freely:
- checks: the rule-based checks a good answer must pass; rubric: the judge criteria (evals/{agent}.yaml).
- Edit any entry: derive keeps it as you left it (tagged hand-edited); delete an entry to regenerate it.
- Entries you add (no fingerprint) are kept. Entries whose source disappeared move to `retired`.
{count} scenarios; scenarios per check:
  {checks}"""




def _existing(path: Path) -> DatasetFile | None:
    return read_dataset_file(path) if path.is_file() else None


def derive(
    agent_name: str,
    roster: RosterLike,
    root: Path | None = None,
    *,
    provider: Provider | None = None,
    augment_model: str = "sonnet",
) -> DeriveReport:
    """Write the agent's datasets (and its eval config when missing). With `provider`, first ask it for
    paraphrases of the positives that the augment cache lacks. Raises DatasetError on bad input."""
    base = root or Path.cwd()
    agents = roster_agents(roster)
    agent = next((a for a in agents if a.name == agent_name), None)
    if agent is None:
        known = ", ".join(sorted(a.name for a in agents)) or "none"
        raise DatasetError(f"unknown agent '{agent_name}' (agents found: {known})")
    data_dir = datasets_dir(base)
    agent_dir = data_dir / agent_name
    cases = roster_free_cases(data_dir, base)
    snippets_path = data_dir / CONTEXT_SNIPPETS_FILE
    snippets = load_entries(snippets_path, "snippets", ContextSnippet) if snippets_path.is_file() else ()
    routing_path, standards_path = (
        dataset_path(agent_name, "routing", base),
        dataset_path(agent_name, "standards", base),
    )
    # Read both files before writing anything: a broken file must stop derive with nothing half-written.
    existing = {"routing": _existing(routing_path), "standards": _existing(standards_path)}

    routing = derive_routing(agent, agents, cases, snippets, base)
    positives = [s for s in routing.scenarios if "positive" in s.tags and s.provenance.variant_of is None]
    cache_path = agent_dir / AUGMENT_CACHE_FILE
    augment_stats = (
        fill_cache(positives, provider, augment_model, cache_path) if provider is not None else None
    )
    routing_scenarios = _with_augmented(
        routing.scenarios, augmented_variants(positives, read_cache(cache_path))
    )

    tasks_path = agent_dir / TASKS_FILE
    tasks = load_entries(tasks_path, "tasks", StandardsTask) if tasks_path.is_file() else None
    criteria = rubric_criteria(agent)
    standards = derive_standards(
        agent, tasks, snippets, criteria, base, tasks_path.relative_to(base).as_posix()
    )

    suites: list[SuiteChanges] = []
    closeness = (
        "\n  ".join(
            ", ".join(f"{name} {score:.2f}" for name, score in routing.closeness[i : i + 4])
            for i in range(0, len(routing.closeness), 4)
        )
        or "(no other agents)"
    )
    outputs: tuple[tuple[Suite, Path, Sequence[Scenario]], ...] = (
        ("routing", routing_path, routing_scenarios),
        ("standards", standards_path, standards.scenarios),
    )
    for suite, path, generated in outputs:
        merged, changes = merge(suite, path, agent_name, generated, existing[suite])
        if suite == "routing":
            header = ROUTING_HEADER.format(
                agent=agent_name,
                no_delegation=_source_label(cases.no_delegation_source, NO_DELEGATION_FILE),
                builtin=_source_label(cases.builtin_source, BUILTIN_AGENT_CASES_FILE),
                closeness=closeness,
                count=len(merged.scenarios),
                tags=_summary(changes.tags.items()),
            )
        else:
            check_counts = Counter(c for s in merged.scenarios for c in s.checks)
            header = STANDARDS_HEADER.format(
                agent=agent_name,
                count=len(merged.scenarios),
                checks=_summary((c, check_counts[c]) for c in in_check_order(check_counts)),
            )
        changes.written = write_if_changed(path, render_dataset(merged, header))
        changes.path = path.relative_to(base) if path.is_relative_to(base) else path
        suites.append(changes)

    config_path = eval_config_path(agent_name, base)
    config_written = False
    if not config_path.exists():
        # `checks:` is left empty (every registered check applies, as without a config); the gate gets a
        # threshold for each check some task requires.
        used_checks = in_check_order(c for s in standards.scenarios for c in s.checks)
        config = EvalConfig(
            agent=agent_name,
            datasets={
                suite: dataset_path(agent_name, suite, base).relative_to(base).as_posix()
                for suite in ("routing", "standards")
            },
            rubric=criteria,
            thresholds=Thresholds(check_pass_rate_min={c: CHECKS[c].threshold for c in used_checks}),
        )
        config_written = write_if_changed(config_path, render_eval_config(config))
    return DeriveReport(
        agent=agent_name,
        suites=suites,
        config_path=config_path.relative_to(base) if config_path.is_relative_to(base) else config_path,
        config_written=config_written,
        closeness=routing.closeness,
        skipped=routing.skipped + standards.skipped,
        augment=augment_stats,
        warnings=routing.warnings,
    )


def _source_label(source: str, file_name: str) -> str:
    return f"datasets/{file_name}" if source != GENERIC_SOURCE else f"agent-eval's generic {file_name}"
