"""`agent-eval optimize` against the mock, whose router is lexical: a description with the right words
really wins on held-out requests it never saw, a grab-everything one loses, and the file changes only with
--write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent_eval.agents.parse import parse_agent_file
from agent_eval.author.optimize import score, split_scenarios
from agent_eval.cli.main import main
from agent_eval.scenarios.model import Scenario, ScenarioInput
from author_mock import LexicalModel
from mock_api import MockAnthropic

AGENTS = {
    "billing-engineer": "Use this agent for backend work on the payments service.",
    "frontend-developer": "Use this agent for React components, CSS layout, browser forms and styling.",
    "docs-writer": "Use this agent for writing README documentation, setup guides and tutorials.",
}
BILLING = [
    "issue a refund for the duplicate stripe charge",
    "the invoice ledger total is wrong after proration",
    "add proration when a subscription plan changes",
    "stripe webhook for failed charge should mark the invoice unpaid",
    "refund the subscription charge and update the ledger",
    "invoice numbering must be sequential in the ledger",
    "retry the failed stripe charge for a subscription",
    "export every invoice with its refund status",
    "proration credit is missing from the next invoice",
    "ledger entries for refund and charge must balance",
    "subscription renewal should create an invoice and charge it",
    "void the invoice when the stripe charge is refunded",
    "dunning emails after a failed subscription charge",
    "record a ledger entry when a refund settles",
    "invoice pdf shows the wrong proration amount",
    "stripe refund webhook does not update the invoice",
    "cancel the subscription and refund the unused proration",
    "charge tax on every invoice line in the ledger",
    "reconcile stripe payouts with the ledger",
    "subscription upgrade must charge the proration today",
]
FRONTEND = [
    "fix the react component css layout on mobile",
    "the browser form styling breaks in dark mode",
    "make the react components share one css theme",
    "layout of the settings form overflows in the browser",
    "styling for the react modal component is off",
    "css grid layout for the dashboard components",
    "browser autofill breaks the form styling",
    "react form components need consistent layout",
]
DOCS = [
    "write the readme documentation for setup",
    "a setup guide for new contributors in the documentation",
    "tutorials for the api in the readme",
    "update the documentation guides after the rename",
    "write tutorials and a readme for the cli",
    "the setup guide in the documentation is outdated",
]
NONE = ["thanks, that works", "what time is it in Tokyo", "rename x to y here"]


def make_project(root: Path) -> Path:
    agents = root / "agents"
    agents.mkdir()
    for name, description in AGENTS.items():
        (agents / f"{name}.md").write_text(
            f"---\nname: {name}\ndescription: {description}\nmodel: sonnet\n---\n\nYou are {name}.\n",
            encoding="utf-8",
        )
    expected = [
        *(("billing-engineer", m) for m in BILLING),
        *(("frontend-developer", m) for m in FRONTEND),
        *(("docs-writer", m) for m in DOCS),
        *(("none", m) for m in NONE),
    ]
    dataset = {
        "agent": "billing-engineer",
        "suite": "routing",
        "scenarios": [
            {"id": f"s{i:02d}", "expected": owner, "input": {"message": message}}
            for i, (owner, message) in enumerate(expected)
        ],
    }
    (root / "datasets" / "billing-engineer").mkdir(parents=True)
    (root / "datasets" / "billing-engineer" / "routing.yaml").write_text(
        yaml.safe_dump(dataset), encoding="utf-8"
    )
    return agents / "billing-engineer.md"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    agent_file = make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    return agent_file


def optimize_json(
    api: MockAnthropic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, object]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    code = main(["optimize", "--agent", "billing-engineer", "--model", "claude-sonnet-5-5", "--json", *extra])
    assert code == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_optimize_improves_heldout_and_leaves_the_file_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = project.read_bytes()
    with MockAnthropic(responder=LexicalModel(list(AGENTS))) as api:
        result = optimize_json(api, monkeypatch, capsys)
        proposer_bodies = [
            b for b in api.bodies() if any(t["name"] == "propose_description" for t in b.get("tools", []))
        ]
    baseline, best = result["baseline"], result["best"]
    assert isinstance(baseline, dict) and isinstance(best, dict)
    assert baseline["heldout"] == 0.5  # recall 0: no billing request shares two words with the description
    assert best["heldout"] > 0.9
    assert best["p_value"] < 0.05
    rounds = result["rounds"]
    assert isinstance(rounds, list) and rounds[0]["kept"] is True
    assert "stripe" in str(result["diff"]) and str(result["diff"]).startswith("--- description (before)")
    assert result["written"] is False
    assert project.read_bytes() == before

    # The proposer never saw a held-out request.
    scenarios = [
        Scenario(id=f"s{i:02d}", suite="routing", input=ScenarioInput(message=m), expected="billing-engineer")
        for i, m in enumerate(BILLING)
    ]
    heldout_ids = {s.id for s in split_scenarios(scenarios, "billing-engineer").heldout}
    heldout_messages = [m for i, m in enumerate(BILLING) if f"s{i:02d}" in heldout_ids]
    assert proposer_bodies and heldout_messages
    sent = json.dumps(proposer_bodies)
    assert not [m for m in heldout_messages if m in sent]


def test_write_applies_the_best_revision_and_nothing_else(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = project.read_text(encoding="utf-8")
    with MockAnthropic(responder=LexicalModel(list(AGENTS))) as api:
        result = optimize_json(api, monkeypatch, capsys, "--write")
    assert result["written"] is True
    after = project.read_text(encoding="utf-8")
    assert after.split("\n")[3:] == before.split("\n")[3:]  # only the description line changed
    assert "stripe" in parse_agent_file(project).description


def test_a_description_that_grabs_everything_loses(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = project.read_bytes()
    with MockAnthropic(responder=LexicalModel(list(AGENTS), grab_everything=True)) as api:
        result = optimize_json(api, monkeypatch, capsys, "--write", "--rounds", "2")
    rounds = result["rounds"]
    assert isinstance(rounds, list) and not any(r["kept"] for r in rounds)
    assert result["written"] is False and result["diff"] == ""
    assert project.read_bytes() == before


def test_balanced_accuracy_counts_over_and_under_triggering_alike() -> None:
    scenarios = [
        Scenario(id=f"p{i}", suite="routing", input=ScenarioInput(message="x"), expected="a")
        for i in range(2)
    ] + [
        Scenario(id=f"n{i}", suite="routing", input=ScenarioInput(message="x"), expected="b")
        for i in range(8)
    ]
    grabs_all = score(scenarios, {s.id: "a" for s in scenarios}, "a")
    takes_none = score(scenarios, {s.id: "none" for s in scenarios}, "a")
    assert grabs_all.balanced == takes_none.balanced == 0.5
    assert (grabs_all.recall, grabs_all.specificity) == (1.0, 0.0)


def test_optimize_refuses_the_offline_router(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optimize", "--agent", "billing-engineer", "--model", "local"]) == 2
    assert "generative" in capsys.readouterr().err
