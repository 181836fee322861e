"""The Stratos fixture project: a scratch copy typechecks, its handlers keep their HTTP contract against
the real database, and a change that breaks either is caught with tsc's or the handler's own words."""

from __future__ import annotations

import shutil
from pathlib import Path

from agent_eval.executors.changes import changes_as_answer, task_diff
from agent_eval.executors.fixture import fixture_source, lockfile_hash
from agent_eval.executors.http_contract import generic_cases, http_contract, routes
from agent_eval.executors.rls_probe import probe_rls_project
from agent_eval.executors.typescript import typecheck
from agent_eval.graders.grade import grade_response
from agent_eval.scenarios.agentic import HttpCase
from executor_fixtures import fixture_project, npm_home, postgres_server

__all__ = ["fixture_project", "npm_home", "postgres_server"]

ROUTE = "app/api/v1/projects/route.ts"
ITEM_ROUTE = "app/api/v1/projects/[id]/route.ts"
CONTRACT = (
    HttpCase(id="create", method="POST", path="/api/v1/projects", body={"name": "Apollo"}, expect=(201,)),
    HttpCase(id="invalid", method="POST", path="/api/v1/projects", body={"name": ""}, expect=(400,)),
    HttpCase(id="list", method="GET", path="/api/v1/projects?limit=1000", expect=(200, 400), max_items=100),
    HttpCase(id="hidden", method="GET", path="/api/v1/projects/{create.data.id}", session="B", expect=(404,)),
    HttpCase(id="delete", method="DELETE", path="/api/v1/projects/{create.data.id}", expect=(204,)),
)


def test_packaged_fixture_has_the_promised_shape() -> None:
    source = fixture_source()
    for path in (
        "CLAUDE.md",
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        ROUTE,
        ITEM_ROUTE,
        "lib/auth.ts",
        "lib/errors.ts",
        "lib/db.ts",
        "lib/validation.ts",
        "lib/pagination.ts",
    ):
        assert (source / path).is_file(), path
    assert list((source / "supabase" / "migrations").glob("*.sql"))
    assert len(lockfile_hash(source)) == 16


def test_routes_map_files_to_url_patterns() -> None:
    patterns = {route.pattern: route.file for route in routes(fixture_source())}
    assert patterns == {"/api/v1/projects": ROUTE, "/api/v1/projects/[id]": ITEM_ROUTE}
    cases = {case.id: case for case in generic_cases(fixture_source(), [ROUTE])}
    assert cases["post-api-v1-projects-no-session"].expect == (401,)
    assert cases["post-api-v1-projects-malformed-json"].raw_body == "{not json"
    assert "get-api-v1-projects-no-session" in cases


def test_typecheck_passes_on_the_fixture_and_fails_with_tsc_words(fixture_project: Path) -> None:
    assert typecheck(fixture_project, ["README.md"]).status == "n/a"
    route = fixture_project / ROUTE
    route.write_text(
        route.read_text(encoding="utf-8").replace(
            "return Response.json(toPage([...rows], page));",
            "const total: number = rows;\n    return Response.json(toPage([...rows], page));",
        ),
        encoding="utf-8",
    )
    verdict = typecheck(fixture_project, [ROUTE])
    assert verdict.status == "fail"
    (evidence,) = verdict.evidence
    assert evidence.text == "const total: number = rows;"
    assert evidence.note.startswith(f"{ROUTE}:")
    assert "TS2322" in evidence.note


def test_fixture_handlers_keep_the_http_contract(postgres_server, fixture_project: Path) -> None:
    verdict = http_contract(postgres_server, fixture_project, [ROUTE, ITEM_ROUTE], CONTRACT)
    assert verdict.status == "pass", verdict.evidence
    assert verdict.reason.startswith("12 case(s)")


def test_http_contract_catches_a_bare_error_and_a_missing_session_check(
    postgres_server, fixture_project: Path
) -> None:
    route = fixture_project / ROUTE
    source = route.read_text(encoding="utf-8")
    source = source.replace(
        "const body = await parseBody(request, createProjectSchema);",
        "const raw = (await request.json().catch(() => null)) as unknown;\n"
        "    const checked = createProjectSchema.safeParse(raw);\n"
        '    if (!checked.success) return new Response("bad request", { status: 400 });\n'
        "    const body = checked.data;",
    )
    source = source.replace(
        "const session = requireSession(request);\n    const page",
        'const session = getSession(request) ?? { userId: "", role: "anon", claims: {} };\n    const page',
    ).replace(
        'import { requireSession } from "@/lib/auth";',
        'import { getSession, requireSession } from "@/lib/auth";',
    )
    route.write_text(source, encoding="utf-8")
    verdict = http_contract(postgres_server, fixture_project, [ROUTE], CONTRACT[:3])
    assert verdict.status == "fail"
    notes = "\n".join(e.note for e in verdict.evidence)
    assert "post-api-v1-projects-malformed-json: 400 without the error shape" in notes
    assert "invalid: 400 without the error shape" in notes
    assert "get-api-v1-projects-no-session: expected 401, got 200" in notes


def test_rls_probe_of_a_project_change(postgres_server, fixture_project: Path) -> None:
    migration = "supabase/migrations/20250101000000_tags.sql"
    assert probe_rls_project(postgres_server, fixture_project, [ROUTE]).status == "n/a"
    (fixture_project / migration).write_text(
        "create table public.tags (\n"
        "  id uuid primary key default gen_random_uuid(),\n"
        "  project_id uuid not null references public.projects (id) on delete cascade,\n"
        "  label text not null\n);\n"
        "alter table public.tags enable row level security;\n"
        "create policy tags_read on public.tags for select to authenticated using (true);\n",
        encoding="utf-8",
    )
    verdict = probe_rls_project(postgres_server, fixture_project, [migration])
    assert verdict.status == "fail"
    assert "tags: user A on user B's row: select returned it" in "\n".join(e.note for e in verdict.evidence)


def test_changes_become_a_diff_and_a_gradable_answer(tmp_path: Path) -> None:
    project = tmp_path / "copy"
    shutil.copytree(fixture_source(), project)
    migration = "supabase/migrations/20250101000000_notes.sql"
    (project / migration).write_text("create table public.notes (id uuid primary key);\n", encoding="utf-8")
    route = project / ROUTE
    route.write_text(
        route.read_text(encoding="utf-8").replace("status: 201", "status: 200"), encoding="utf-8"
    )
    diff = task_diff(project, [ROUTE, migration])
    assert f"--- a/{ROUTE}\n+++ b/{ROUTE}\n" in diff
    assert "-    return Response.json({ data: project }, { status: 201 });" in diff
    assert "+create table public.notes (id uuid primary key);" in diff
    verdicts = grade_response(
        changes_as_answer(project, [ROUTE, migration]), ["rls-enabled", "api-versioning"]
    )
    assert verdicts["rls-enabled"].status == "fail"
    assert verdicts["api-versioning"].status == "pass"
