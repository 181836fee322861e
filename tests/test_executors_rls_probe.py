"""rls-probe on hand-written migrations: each way of getting RLS wrong gives its verdict and evidence."""

from __future__ import annotations

import pytest

from agent_eval.executors.rls_probe import Migration, probe_rls
from executor_fixtures import postgres_server

__all__ = ["postgres_server"]

NOTES_TABLE = """
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  body text not null,
  status text not null default 'draft' check (status in ('draft', 'published')),
  created_at timestamptz not null default now()
);
"""
OWNER_POLICIES = """
alter table public.notes enable row level security;
create policy notes_select on public.notes for select to authenticated using (user_id = auth.uid());
create policy notes_insert on public.notes for insert to authenticated with check (user_id = auth.uid());
create policy notes_update on public.notes for update to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy notes_delete on public.notes for delete to authenticated using (user_id = auth.uid());
"""


def probe(server, *sql: str):
    return probe_rls(server, [Migration(name=f"m{i}.sql", sql=text) for i, text in enumerate(sql)])


def notes(verdict) -> str:
    return "\n".join(e.note for e in verdict.evidence)


def test_owner_policies_pass(postgres_server) -> None:
    verdict = probe(postgres_server, NOTES_TABLE + OWNER_POLICIES)
    assert verdict.status == "pass", verdict
    assert "notes" in verdict.reason


def test_rls_not_enabled_fails_with_the_crossing_probe(postgres_server) -> None:
    verdict = probe(postgres_server, NOTES_TABLE)
    assert verdict.status == "fail"
    assert "user A on user B's row: select returned it" in notes(verdict)
    assert "anon on user A's row: select returned it" in notes(verdict)
    assert verdict.evidence[0].text.startswith("create table public.notes")


def test_using_true_fails(postgres_server) -> None:
    verdict = probe(
        postgres_server,
        NOTES_TABLE
        + "alter table public.notes enable row level security;\n"
        + "create policy notes_all on public.notes for all to authenticated using (true) with check (true);",
    )
    assert verdict.status == "fail"
    assert "user A on user B's row: select returned it" in notes(verdict)
    assert "user A inserted a row owned by user B" in notes(verdict)
    assert "anon" not in notes(verdict)  # the policy is for authenticated only


def test_rls_without_policy_locks_the_owner_out(postgres_server) -> None:
    verdict = probe(postgres_server, NOTES_TABLE + "alter table public.notes enable row level security;")
    assert verdict.status == "fail"
    assert "user A on their own row: select did not return it (owner locked out)" in notes(verdict)
    assert "returned it" not in notes(verdict).replace("did not return it", "")


def test_policy_on_the_wrong_column_fails(postgres_server) -> None:
    verdict = probe(
        postgres_server,
        NOTES_TABLE
        + "alter table public.notes enable row level security;\n"
        + "create policy notes_select on public.notes for select to authenticated using (id = auth.uid());",
    )
    assert verdict.status == "fail"
    assert "owner locked out" in notes(verdict)


def test_insert_with_check_true_fails(postgres_server) -> None:
    verdict = probe(
        postgres_server,
        NOTES_TABLE
        + "alter table public.notes enable row level security;\n"
        + "create policy notes_select on public.notes for select to authenticated\n"
        + "  using (user_id = auth.uid());\n"
        + "create policy notes_insert on public.notes for insert to authenticated with check (true);",
    )
    assert verdict.status == "fail"
    assert "user A inserted a row owned by user B" in notes(verdict)
    assert "select returned it" not in notes(verdict)


def test_security_definer_view_bypasses_rls(postgres_server) -> None:
    view = "create view public.recent_notes as select id, user_id, body from public.notes;"
    verdict = probe(postgres_server, NOTES_TABLE + OWNER_POLICIES + view)
    assert verdict.status == "fail"
    assert "recent_notes: user A reads user B's rows through the view" in notes(verdict)
    invoker = (
        "create view public.recent_notes with (security_invoker = true) as "
        "select id, user_id, body from public.notes;"
    )
    assert probe(postgres_server, NOTES_TABLE + OWNER_POLICIES + invoker).status == "pass"


def test_migration_that_does_not_apply_fails_with_postgres_error(postgres_server) -> None:
    verdict = probe(postgres_server, NOTES_TABLE, "alter table public.notez enable row level security;")
    assert verdict.status == "fail"
    assert 'relation "public.notez" does not exist' in verdict.reason
    assert verdict.evidence[0].text.startswith("alter table public.notez")


def test_tenant_table_through_membership_passes(postgres_server) -> None:
    sql = """
    create table public.organizations (id uuid primary key default gen_random_uuid(), name text not null);
    create table public.organization_members (
      organization_id uuid not null references public.organizations (id),
      user_id uuid not null references auth.users (id),
      primary key (organization_id, user_id));
    create table public.invoices (
      id bigint generated always as identity primary key,
      organization_id uuid not null references public.organizations (id),
      amount_cents integer not null check (amount_cents >= 0));
    alter table public.organizations enable row level security;
    alter table public.organization_members enable row level security;
    alter table public.invoices enable row level security;
    create policy members_read_own on public.organization_members for select to authenticated
      using (user_id = auth.uid());
    create policy orgs_read on public.organizations for select to authenticated using (
      id in (select organization_id from public.organization_members where user_id = auth.uid()));
    create policy invoices_read on public.invoices for select to authenticated using (
      organization_id in (
        select organization_id from public.organization_members where user_id = auth.uid()));
    """
    verdict = probe(postgres_server, sql)
    assert verdict.status == "pass", verdict
    assert "invoices" in verdict.reason


def test_no_table_is_not_applicable(postgres_server) -> None:
    verdict = probe(postgres_server, "create index if not exists x on auth.users (email);")
    assert verdict.status == "n/a"


@pytest.mark.parametrize("schema", ["private"])
def test_tables_outside_public_are_not_probed(postgres_server, schema: str) -> None:
    sql = f"create schema {schema}; create table {schema}.t (id uuid primary key, user_id uuid);"
    assert probe(postgres_server, sql).status == "n/a"
