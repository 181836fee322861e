"""`agent-eval grade`: JSON contract, human output with evidence, check selection, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.graders.checks.registry import contract_check_ids
from graders_snippets import md

FLAWED = md(
    (
        "ts",
        "// app/api/orders/route.ts\nexport async function GET() {\n"
        "  const { data } = await supabase.from('orders').select('*');\n"
        "  return NextResponse.json({ data });\n}",
    ),
    ("sql", "create table orders (id int);\nalter table orders enable row level security;"),
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.md").write_text(FLAWED, encoding="utf-8")
    return tmp_path


def test_grade_json_follows_the_contract(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "--agent", "backend-developer", "answer.md", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["file"] == "answer.md"
    assert list(entry["checks"])[:8] == contract_check_ids()
    assert {
        k: entry["checks"][k] for k in ("rls-enabled", "api-versioning", "pagination", "parameterized-sql")
    } == {
        "rls-enabled": "fail",
        "api-versioning": "fail",
        "pagination": "fail",
        "parameterized-sql": "n/a",
    }
    assert entry["evidence"]["api-versioning"][0]["line"] == 5


def test_grade_human_output_shows_verdicts_and_evidence_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", "--agent", "backend-developer", "answer.md", "--checks", "rls-enabled"]) == 0
    out = capsys.readouterr().out
    assert "  fail  rls-enabled  1 of 1 table(s) lack RLS" in out
    assert "answer.md:12: create table orders (id int);  (public.orders: no policy)" in out
    assert "api-versioning" not in out


def test_grade_uses_the_checks_listed_in_the_eval_config(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "evals").mkdir()
    (project / "evals" / "backend-developer.yaml").write_text("checks: [pagination, typescript-no-any]\n")
    assert main(["grade", "--agent", "backend-developer", "answer.md", "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)[0]["checks"]) == ["pagination", "typescript-no-any"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.md"], "missing.md: no such file"),
        (["answer.md", "--checks", "rls-enabled,nope"], "unknown check id 'nope'"),
    ],
)
def test_grade_bad_input_exits_2_naming_it(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["grade", "--agent", "backend-developer", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_grade_broken_eval_config_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "evals").mkdir()
    (project / "evals" / "backend-developer.yaml").write_text("checks: [unclosed\n")
    assert main(["grade", "--agent", "backend-developer", "answer.md"]) == 2
    assert "backend-developer.yaml" in capsys.readouterr().err
