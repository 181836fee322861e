"""Project checks: `checks/*.py` and `agent_eval.checks` entry points are applied by `grade` and `run`."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import agent_eval
from agent_eval.cli.main import main
from agent_eval.graders.checks.registry import CHECKS, default_check_ids
from agent_eval.graders.grade import grade_response
from agent_eval.graders.parsing import parse_response
from agent_eval.graders.project_checks import ProjectCheckError, load_project_checks
from eval_mock import EvalResponder, expected_by_message
from mock_api import MockAnthropic

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"

NO_CONSOLE_LOG = '''
from agent_eval import check, verdict


@check("acme-no-console-log")
def no_console_log(response):
    """Fail when the answer's code calls console.log; n/a without code."""
    if not response.code_blocks:
        return verdict("acme-no-console-log", "n/a", "no code")
    found = [b.first_line for b in response.code_blocks if "console.log" in b.text]
    reason = f"console.log at {found}" if found else ""
    return verdict("acme-no-console-log", "fail" if found else "pass", reason)
'''

ANSWER = "Here it is:\n\n```ts\nexport function GET() {\n  console.log('hit');\n}\n```\n"


@pytest.fixture(autouse=True)
def registry_restored() -> Iterator[None]:
    """Project checks are global once loaded: each test leaves the registry as it found it."""
    before = dict(CHECKS)
    yield
    CHECKS.clear()
    CHECKS.update(before)


def write_check(root: Path, name: str, source: str) -> Path:
    path = root / "checks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_a_check_file_registers_its_check_after_the_built_ins(tmp_path: Path) -> None:
    write_check(tmp_path, "acme.py", NO_CONSOLE_LOG)
    write_check(tmp_path, "_shared.py", "raise RuntimeError('helpers are not loaded')")
    assert load_project_checks(tmp_path) == ["acme-no-console-log"]
    assert default_check_ids()[-1] == "acme-no-console-log"
    spec = CHECKS["acme-no-console-log"]
    assert spec.origin.endswith("acme.py") and spec.semantics.startswith("Fail when")
    verdict = grade_response(ANSWER)["acme-no-console-log"]
    assert (verdict.status, verdict.reason) == ("fail", "console.log at [4]")


def test_code_blocks_expose_the_contract_names() -> None:
    (block,) = parse_response(ANSWER).code_blocks
    assert (block.language, block.first_line) == ("typescript", 4)  # normalised from the `ts` tag
    assert block.text.startswith("export function GET()")


def test_loading_another_project_forgets_the_first_projects_checks(tmp_path: Path) -> None:
    write_check(tmp_path / "a", "acme.py", NO_CONSOLE_LOG)
    load_project_checks(tmp_path / "a")
    (tmp_path / "b").mkdir()
    assert load_project_checks(tmp_path / "b") == []
    assert "acme-no-console-log" not in CHECKS


def test_a_check_that_raises_gives_n_a_with_the_reason(tmp_path: Path) -> None:
    write_check(
        tmp_path,
        "broken.py",
        '''
        from agent_eval import check

        @check("acme-broken")
        def broken(response):
            """Always crashes."""
            raise KeyError("no such thing")

        @check("acme-wrong-type")
        def wrong_type(response):
            """Returns a string instead of a verdict."""
            return "pass"
        ''',
    )
    load_project_checks(tmp_path)
    verdicts = grade_response(ANSWER)
    assert verdicts["acme-broken"].status == "n/a"
    assert "KeyError('no such thing')" in verdicts["acme-broken"].reason
    assert verdicts["acme-wrong-type"].status == "n/a"
    assert verdicts["acme-wrong-type"].reason == "check failed: returned 'pass'"


def test_an_id_taken_by_a_built_in_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = write_check(
        tmp_path,
        "mine.py",
        '''
        from agent_eval import check

        @check("rls-enabled")
        def mine(response):
            """Mine."""
        ''',
    )
    with pytest.raises(ProjectCheckError) as error:
        load_project_checks(tmp_path)
    assert str(error.value) == f"{path}: check id 'rls-enabled' is registered twice: it is a built-in check"
    assert CHECKS["rls-enabled"].origin == "built-in"


def test_a_file_that_does_not_import_is_exit_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_check(tmp_path, "typo.py", "from agent_eval import chek\n")
    (tmp_path / "answer.md").write_text(ANSWER, encoding="utf-8")
    assert main(["grade", "--agent", AGENT, "answer.md", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("agent-eval grade: error: checks/typo.py: cannot be loaded: ImportError")
    assert len(err.strip().splitlines()) == 1


def test_grade_json_applies_the_project_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_check(tmp_path, "acme.py", NO_CONSOLE_LOG)
    (tmp_path / "answer.md").write_text(ANSWER, encoding="utf-8")
    assert main(["grade", "--agent", AGENT, "answer.md", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["checks"]["acme-no-console-log"] == "fail"
    assert list(entry["checks"])[-1] == "acme-no-console-log"


def test_an_installed_package_registers_checks_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "acme_checks.py").parent.mkdir()
    (site / "acme_checks.py").write_text(
        textwrap.dedent(NO_CONSOLE_LOG).replace("acme-no-console-log", "acme-pkg-no-console-log")
    )
    info = site / "acme_checks-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-checks\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[agent_eval.checks]\nacme = acme_checks\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "acme_checks", raising=False)
    (tmp_path / "project").mkdir()
    assert load_project_checks(tmp_path / "project") == ["acme-pkg-no-console-log"]
    assert CHECKS["acme-pkg-no-console-log"].origin == "entry point acme (acme_checks)"
    assert grade_response(ANSWER)["acme-pkg-no-console-log"].status == "fail"


def test_a_run_applies_the_project_check_in_its_results_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, project / folder)
    write_check(project, "acme.py", NO_CONSOLE_LOG)
    monkeypatch.chdir(project)
    monkeypatch.setenv("AGENT_EVAL_HOME", str(project / "home"))
    answer = ANSWER.replace("console.log('hit');", "return Response.json([]);")
    with MockAnthropic(responder=EvalResponder(expected_by_message(project), answer=answer)) as api:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code = main(["run", "--agent", AGENT, "--suite", "standards", "--limit", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    results = out["results"]
    assert len(results) == 2 and all(r["checks"]["acme-no-console-log"] == "pass" for r in results)
    assert out["summary"]["standards"]["checks"]["acme-no-console-log"] == {"pass": 2, "fail": 0, "n/a": 0}
    assert "acme-no-console-log" in (project / out["report"]).read_text(encoding="utf-8")


def test_the_public_api_exports_check_and_verdict() -> None:
    from agent_eval.graders.checks import registry

    assert agent_eval.check is registry.check and agent_eval.verdict is registry.verdict
    assert set(agent_eval.__all__) == {"check", "verdict", "load_results", "run_eval", "compare_runs"}
    assert all(getattr(agent_eval, name).__doc__ for name in agent_eval.__all__)


def test_the_readme_example_is_a_working_project_check(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Project checks", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    write_check(tmp_path, "no_console_log.py", example)
    assert load_project_checks(tmp_path) == ["acme-no-console-log"]
    assert grade_response(ANSWER)["acme-no-console-log"].reason == "console.log in the blocks at lines [4]"


def test_the_public_api_runs_and_compares_evaluations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, project / folder)
    home = str(project / "home")
    first, second = (
        agent_eval.run_eval(AGENT, root=project, home=Path(home), limit=4, progress=False, report=False)
        for _ in range(2)
    )
    assert first.run.offline and first.run.status == "finished"
    frame = agent_eval.load_results(first.run.run_id, home=home)
    assert len(frame) == 4 and set(frame["suite"]) == {"routing"}
    comparison = agent_eval.compare_runs(first.run.run_id, second.run.run_id, home=home)
    assert comparison.shared_pairs == 4
    with pytest.raises(LookupError, match="nope"):
        agent_eval.compare_runs(first.run.run_id, "nope", home=home)


def test_a_malformed_id_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = write_check(tmp_path, "caps.py", "from agent_eval import check\ncheck('Acme_Check')\n")
    with pytest.raises(ProjectCheckError) as error:
        load_project_checks(tmp_path)
    assert str(error.value) == f"{path}: check id 'Acme_Check': use lowercase letters, digits and dashes"
