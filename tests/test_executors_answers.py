"""rls-probe on saved markdown answers (`grade --execute`): the answer's SQL on a real database, with
stand-ins for what the conversation had, and the `executed` field of `grade --json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.executors.answers import execute_answer
from executor_fixtures import postgres_server

__all__ = ["postgres_server"]

TENANT_ANSWER = """Here is the migration.

```sql
create table public.invoices (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id),
  total_cents bigint not null check (total_cents >= 0)
);
alter table public.invoices enable row level security;
create policy invoices_tenant on public.invoices for all to authenticated
  using (tenant_id = (auth.jwt() -> 'app_metadata' ->> 'tenant_id')::uuid)
  with check (tenant_id = (auth.jwt() -> 'app_metadata' ->> 'tenant_id')::uuid);
```

To roll back:

```sql
drop table public.invoices;
```
"""

OPEN_ANSWER = """```sql
create table notes (id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id), body text not null);
```
"""


def test_tenant_answer_passes_with_a_stand_in_tenants_table(postgres_server) -> None:
    verdict = execute_answer(postgres_server, TENANT_ANSWER)["rls-probe"]
    assert verdict.status == "pass", verdict
    assert "stand-ins created for tables the answer assumes: tenants" in verdict.reason


def test_answer_that_only_alters_a_table_it_assumes_is_not_probed(postgres_server) -> None:
    answer = "```sql\nalter table documents add column deleted_at timestamptz;\n```\n"
    assert execute_answer(postgres_server, answer)["rls-probe"].status == "n/a"


def test_answer_without_sql_is_not_applicable(postgres_server) -> None:
    assert execute_answer(postgres_server, "No SQL here.")["rls-probe"].status == "n/a"


def test_a_policy_that_cannot_apply_leaves_its_table_unprobed(postgres_server) -> None:
    answer = (
        "```sql\ncreate table public.notes (id uuid primary key, user_id uuid references auth.users (id));\n"
        "alter table public.notes enable row level security;\n"
        "create policy p on public.notes using (public.is_member(user_id));\n```\n"
    )
    verdict = execute_answer(postgres_server, answer)["rls-probe"]
    assert verdict.status == "n/a"
    assert "notes: a statement on it did not apply" in verdict.reason


def test_grade_execute_adds_the_executed_field(
    postgres_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "open.md").write_text(OPEN_ANSWER, encoding="utf-8")
    (tmp_path / "plain.md").write_text("Use an index.", encoding="utf-8")
    argv = ["grade", "--agent", "backend-developer", "open.md", "plain.md", "--json", "--execute"]
    assert main([*argv, "--postgres-url", postgres_server.admin_url]) == 0
    entries = {entry["file"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert entries["open.md"]["executed"] == {"rls-probe": "fail"}
    assert entries["open.md"]["checks"]["rls-enabled"] == "fail"
    assert entries["plain.md"]["executed"] == {"rls-probe": "n/a"}

    assert main([*argv[:-2], "--execute", "--postgres-url", postgres_server.admin_url]) == 0
    assert "notes: user A on user B's row: select returned it" in capsys.readouterr().out
