"""`run --execute`: each standards answer's SQL is applied to a real PostgreSQL and its RLS probed; the
executed verdict stands beside the parsed one and a leak fails the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.executors.postgres import PostgresServer
from agent_eval.run.evaluate import run_eval
from agent_eval.run.run_json import run_json
from agent_eval.store.db import Store
from eval_mock import REPO, EvalResponder, expected_by_message, keyed_project, quiet_options
from executor_fixtures import postgres_server  # noqa: F401  (a fixture)
from mock_api import MockAnthropic

REFERENCE = REPO / "datasets" / "backend-developer" / "reference"


@pytest.mark.parametrize(
    ("answer", "parsed", "executed"),
    [
        ("02-invoices-migration-tenant-rls.md", "pass", "pass"),
        # `using (true)` on select: the parsed check sees RLS and a policy; the probe reads B's rows as A.
        ("10-hono-comments-good.md", "pass", "fail"),
    ],
)
def test_execute_probes_each_answers_sql_beside_the_parsed_check(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    postgres_server: PostgresServer,  # noqa: F811
    answer: str,
    parsed: str,
    executed: str,
) -> None:
    project = keyed_project(tmp_path, monkeypatch)
    text = (REFERENCE / answer).read_text(encoding="utf-8")
    with MockAnthropic(responder=EvalResponder(expected_by_message(project), answer=text)) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        result = run_eval(
            quiet_options(
                project, suites=("standards",), limit=2, execute=True, postgres_url=postgres_server.admin_url
            )
        )
    with Store(project / "home") as store:
        records = store.results(result.run.run_id)
    assert len(records) == 2
    assert {r.checks["rls-enabled"].status for r in records} == {parsed}
    assert {r.executed["rls-probe"].status for r in records} == {executed}
    if executed == "fail":
        assert not any(r.passed for r in records)
    entries = run_json(result, home=project / "home")["results"]
    assert {e["executed"]["rls-probe"] for e in entries} == {executed}
