"""`agent-eval collisions` and the lint near-duplicate warning: overlap ranked with its evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent_eval.agents.roster import load_roster
from agent_eval.author.collisions import find_collisions
from agent_eval.cli.main import main
from author_mock import LexicalModel
from mock_api import MockAnthropic

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def roster_with_twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's 12 agents plus a copy of backend-developer under another name."""
    agents = tmp_path / "agents"
    shutil.copytree(REPO / "agents", agents)
    original = (agents / "backend-developer.md").read_text(encoding="utf-8")
    (agents / "server-engineer.md").write_text(
        original.replace("name: backend-developer", "name: server-engineer", 1), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(tmp_path / "home"))
    return agents


def test_a_planted_near_duplicate_ranks_first(
    roster_with_twin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collisions", "--json"]) == 0
    pairs = json.loads(capsys.readouterr().out)["pairs"]
    assert {pairs[0]["a"], pairs[0]["b"]} == {"backend-developer", "server-engineer"}
    assert pairs[0]["score"] > 0.99 and pairs[0]["identical"] is True
    assert not any(p["identical"] for p in pairs[1:])
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    assert all(0.0 <= p["score"] <= 1.0 for p in pairs)


def test_the_evidence_names_stolen_examples_and_words(roster_with_twin: Path) -> None:
    (roster_with_twin / "server-engineer.md").unlink()
    collisions = {
        frozenset((c.a, c.b)): c for c in find_collisions(load_roster(roster_with_twin).agents, top=None)
    }
    pair = collisions[frozenset(("backend-developer", "database-administrator"))]
    assert "migration" in pair.shared_words
    stolen = {(s.owner, s.routed_to) for s in pair.stolen_examples}
    assert ("backend-developer", "database-administrator") in stolen
    text = next(s.text for s in pair.stolen_examples if s.owner == "backend-developer")
    owner = load_roster(roster_with_twin).get("backend-developer")
    assert owner is not None and any(text in e.user_turns for e in owner.examples)


def test_lint_warns_on_near_duplicates(roster_with_twin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(roster_with_twin)]) == 0  # a warning, not an error
    out = capsys.readouterr().out
    warned = [line for line in out.splitlines() if "overlaps" in line]
    assert len(warned) == 1 and "server-engineer.md" in warned[0] and "backend-developer" in warned[0]


def test_model_pass_prints_the_cross_confusion_matrix(
    roster_with_twin: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (roster_with_twin / "server-engineer.md").unlink()
    roster = load_roster(roster_with_twin)
    examples = sum(len(e.user_turns) for a in roster.agents for e in a.examples)
    with MockAnthropic(responder=LexicalModel(roster.names)) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        assert main(["collisions", "--json", "--model", "claude-haiku-5-5"]) == 0
        assert api.count("/v1/messages") == examples
    confusion = json.loads(capsys.readouterr().out)["confusion"]
    matrix = confusion["matrix"]
    assert set(matrix) == set(roster.names)
    assert sum(sum(row.values()) for row in matrix.values()) == confusion["n"] == examples
    assert confusion["correct"] == sum(matrix[name].get(name, 0) for name in roster.names)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_the_corpus_as_one_roster() -> None:
    roster = load_roster(CORPUS)
    collisions = find_collisions(roster.agents, top=5)
    assert len(collisions) == 5
    assert collisions[0].score >= collisions[-1].score > 0.5
