"""`derive` for backend-developer against the real agents/ folder: sizes, coverage, committed files."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from agent_eval.agents.roster import load_roster
from agent_eval.cli.main import main
from agent_eval.graders.checks.registry import contract_check_ids
from agent_eval.scenarios.dataset import load_dataset
from agent_eval.scenarios.derive import derive
from derive_helpers import tree_bytes

REPO = Path(__file__).resolve().parent.parent
HAND_WRITTEN = (
    "datasets/no-delegation.yaml",
    "datasets/built-in-agents.yaml",
    "datasets/context-snippets.yaml",
    "datasets/backend-developer/tasks.yaml",
)


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repo's agents and hand-written derive inputs, derived once from scratch."""
    root = tmp_path_factory.mktemp("clone")
    shutil.copytree(REPO / "agents", root / "agents")
    for relative in HAND_WRITTEN:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, root / relative)
    derive("backend-developer", load_roster(root / "agents"), root)
    return root


def test_routing_set_meets_the_sizes(fresh_clone: Path) -> None:
    scenarios = load_dataset(fresh_clone / "datasets/backend-developer/routing.yaml")
    expected = Counter(s.expected for s in scenarios)
    others = sum(n for name, n in expected.items() if name not in ("backend-developer", "none"))

    assert len(scenarios) >= 80
    assert expected["backend-developer"] >= 20
    assert others >= 40
    assert expected["none"] >= 15
    assert len({s.id for s in scenarios}) == len(scenarios)
    roster = load_roster(fresh_clone / "agents")
    built_ins = {"Explore", "Plan", "general-purpose"}  # where Claude Code would use its own agents
    assert {e for e in expected if e not in ("backend-developer", "none")} == (
        set(roster.names) - {"backend-developer"}
    ) | built_ins
    assert all(expected[name] >= 2 for name in built_ins)


def test_standards_set_covers_every_check_five_times(fresh_clone: Path) -> None:
    scenarios = load_dataset(fresh_clone / "datasets/backend-developer/standards.yaml")
    per_check = Counter(c for s in scenarios for c in s.checks)

    assert len(scenarios) >= 25
    assert {c: per_check[c] for c in contract_check_ids() if per_check[c] < 5} == {}
    assert all(s.rubric for s in scenarios)


def test_a_second_derive_on_a_fresh_clone_changes_no_byte(
    fresh_clone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_bytes(fresh_clone)
    monkeypatch.chdir(fresh_clone)
    assert main(["derive", "--agent", "backend-developer"]) == 0
    assert tree_bytes(fresh_clone) == before


def test_committed_datasets_are_what_derive_writes(fresh_clone: Path) -> None:
    """The datasets in the repo must be re-derived and committed whenever an agent file changes."""
    for relative in ("datasets/backend-developer/routing.yaml", "datasets/backend-developer/standards.yaml"):
        committed = REPO / relative
        if not committed.is_file():
            pytest.skip(f"{relative} not in this checkout")
        assert committed.read_bytes() == (fresh_clone / relative).read_bytes(), (
            f"re-run derive: {relative} is stale"
        )


def test_cli_reports_bad_input_with_exit_2(
    fresh_clone: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(fresh_clone)
    assert main(["derive", "--agent", "no-such-agent"]) == 2
    assert "unknown agent 'no-such-agent'" in capsys.readouterr().err


def test_augment_without_a_key_is_bad_input_and_writes_nothing(
    fresh_clone: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(fresh_clone)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    before = tree_bytes(fresh_clone)
    assert main(["derive", "--agent", "backend-developer", "--augment"]) == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err
    assert tree_bytes(fresh_clone) == before


def test_agents_dir_flag_chooses_the_roster(
    fresh_clone: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(fresh_clone)
    (fresh_clone / "elsewhere").mkdir(exist_ok=True)
    assert main(["derive", "--agent", "backend-developer", "--agents-dir", "elsewhere"]) == 2
    assert "unknown agent 'backend-developer' (agents found: none)" in capsys.readouterr().err
