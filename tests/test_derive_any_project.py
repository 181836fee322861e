"""`derive` in a project with only agents: generic no-delegation and built-in cases, warnings, variants."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from agent_eval.agents.roster import load_roster
from agent_eval.scenarios.dataset import load_dataset
from agent_eval.scenarios.derive import derive
from agent_eval.scenarios.generic import RosterFreeCases, project_stack, roster_free_cases
from agent_eval.scenarios.routing import derive_routing
from harness_fixtures import REPO_ROOT, backend_developer, example, make_agent

CORPUS = REPO_ROOT.parent / "shared" / "corpus"
CORPUS_AGENTS = (  # five with examples, one without
    "VoltAgent__awesome-claude-code-subagents/categories/01-core-development/api-designer.md",
    "VoltAgent__awesome-claude-code-subagents/categories/01-core-development/backend-developer.md",
    "VoltAgent__awesome-claude-code-subagents/categories/01-core-development/frontend-developer.md",
    "VoltAgent__awesome-claude-code-subagents/categories/01-core-development/fullstack-developer.md",
    "VoltAgent__awesome-claude-code-subagents/categories/01-core-development/graphql-architect.md",
    "vijaythecoder__awesome-claude-agents/agents/specialized/django/django-backend-expert.md",
)


@pytest.fixture
def corpus_project(tmp_path: Path) -> Path:
    """A fresh project whose `.claude/agents/` holds corpus agents copied at test time (never committed)."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    for relative in CORPUS_AGENTS:
        shutil.copy(CORPUS / relative, agents / Path(relative).name)
    return tmp_path


def test_a_corpus_project_gets_generic_none_and_builtin_scenarios(corpus_project: Path) -> None:
    roster = load_roster(corpus_project / ".claude" / "agents")
    assert len(roster.agents) >= 5
    report = derive("backend-developer", roster, corpus_project)
    scenarios = load_dataset(corpus_project / "datasets" / "backend-developer" / "routing.yaml")
    expected = Counter(s.expected for s in scenarios)
    assert expected["none"] >= 15
    assert expected["Explore"] >= 2 and expected["Plan"] >= 1 and expected["general-purpose"] >= 1
    assert expected["backend-developer"] >= 3
    assert report.warnings == ()
    header = (corpus_project / "datasets" / "backend-developer" / "routing.yaml").read_text().splitlines()[:4]
    assert any("agent-eval's generic no-delegation.yaml" in line for line in header)


def test_an_agent_without_examples_is_warned_about(corpus_project: Path) -> None:
    roster = load_roster(corpus_project / ".claude" / "agents")
    report = derive("django-backend-expert", roster, corpus_project)
    (warning,) = report.warnings
    assert "django-backend-expert has no <example> blocks" in warning
    scenarios = load_dataset(corpus_project / "datasets" / "django-backend-expert" / "routing.yaml")
    assert not any(s.expected == "django-backend-expert" for s in scenarios)


def test_a_project_file_replaces_the_generic_cases_and_the_stack_words_them(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    assert project_stack(tmp_path) == "node"
    generic = roster_free_cases(tmp_path / "datasets", tmp_path)
    assert "Run npm test and tell me which tests fail." in [
        c.message_for(generic.stack) for c in generic.no_delegation
    ]
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "no-delegation.yaml").write_text(
        "cases:\n  - id: none-001\n    kind: chit-chat\n    message: hello\n"
    )
    own = roster_free_cases(tmp_path / "datasets", tmp_path)
    assert [c.id for c in own.no_delegation] == ["none-001"] and own.no_delegation_source == "hand-written"
    assert len(own.builtin) >= 4, "the built-in cases still come from the package"


def test_other_framework_variant_is_dropped_when_a_rival_claims_the_framework() -> None:
    agent = make_agent(
        "api-builder",
        "Builds HTTP APIs.",
        (example(1, "api-builder", "A new endpoint.", "Add a login endpoint to our Express app"),),
    )
    fastify = make_agent("fastify-expert", "Specialist for Fastify servers and plugins.")
    alone = derive_routing(agent, [agent], RosterFreeCases(), (), REPO_ROOT)
    rivalled = derive_routing(agent, [agent, fastify], RosterFreeCases(), (), REPO_ROOT)
    assert "Add a login endpoint to our Fastify app" in [s.input.message for s in alone.scenarios]
    assert not any(s.id.endswith("-other-framework") for s in rivalled.scenarios)
    assert any("Fastify is claimed by fastify-expert" in reason for reason in rivalled.skipped)


def test_builtin_cases_are_not_expected_when_the_roster_shadows_the_builtin() -> None:
    own_explore = make_agent("Explore", "Our own data explorer.")
    cases = roster_free_cases(REPO_ROOT / "no-such-datasets", REPO_ROOT)
    derived = derive_routing(backend_developer(), [backend_developer(), own_explore], cases, (), REPO_ROOT)
    assert not any("built-in" in s.tags and s.expected == "Explore" for s in derived.scenarios)
    assert any(s.expected == "Plan" for s in derived.scenarios)
