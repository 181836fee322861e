"""`rls-probe`: apply migrations to a fresh database and try to reach one user's rows as another.

For every table (or view) in `public` that the changed SQL creates or alters, rows are inserted for two
users A and B (as the superuser, filling required columns with values of their type and following foreign
keys, memberships included, back to `auth.users`). Then, each in its own rolled-back transaction with
`role authenticated` and `request.jwt.claims` set as Supabase does, user A, user B and anon try to read,
insert, update and delete the other user's rows; every such attempt must be refused (an error or no row).
The owner must be able to read their own rows, and to insert, update or delete them wherever a policy
grants that command. A view is probed by reading it: it must not show a user another user's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_eval.executors.migrations import (
    EXPOSED_SCHEMA,
    Migration,
    MigrationError,
    Target,
    apply_migrations,
    project_migrations,
)
from agent_eval.executors.postgres import PostgresServer, connect, fresh_database
from agent_eval.executors.probe_world import Refused, World, quoted
from agent_eval.graders.model import Evidence, Verdict

CHECK_ID = "rls-probe"
def probe_rls_project(server: PostgresServer, project_dir: Path, changed: Sequence[str]) -> Verdict:
    """The rls-probe verdict of a project's migrations after a change (`changed`: project-relative paths)."""
    migrations = project_migrations(project_dir, changed)
    if not any(m.changed for m in migrations):
        return Verdict(check=CHECK_ID, status="n/a", reason="no migration changed")
    return probe_rls(server, migrations)


def probe_rls(server: PostgresServer, migrations: Sequence[Migration]) -> Verdict:
    """The rls-probe verdict of `migrations` (applied in order) on a fresh database of `server`."""
    with fresh_database(server) as url, connect(url) as connection:
        try:
            applied = apply_migrations(connection, migrations)
        except MigrationError as exc:
            return Verdict(check=CHECK_ID, status="fail", reason=str(exc), evidence=(exc.evidence,))
        targets = [t for t in applied.targets if _relkind(connection, t.name) in {"r", "p", "v", "m"}]
        notes = [f"{name}: a statement on it did not apply" for name in sorted(applied.incomplete)]
        notes += applied.skipped
        targets = [t for t in targets if t.name not in applied.incomplete]
        if not targets:
            reason = "the change creates or alters no table or view in public that could be probed"
            return Verdict(check=CHECK_ID, status="n/a", reason=_with_skipped(reason, notes))
        return _probe_targets(connection, targets, notes)


def _relkind(connection: Any, table: str) -> str | None:
    row = connection.execute(
        "select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s",
        (EXPOSED_SCHEMA, table),
    ).fetchone()
    return str(row[0]) if row else None


def _probe_targets(connection: Any, targets: list[Target], skipped: list[str]) -> Verdict:
    users = {"A": uuid.uuid4(), "B": uuid.uuid4()}
    world = World(connection, users)
    failures: list[Evidence] = []
    probed: list[str] = []
    unprobed: list[str] = []
    tables = [t for t in targets if _relkind(connection, t.name) in {"r", "p"}]
    views = [t for t in targets if t not in tables]
    for target in tables:
        built = world.build_pair(target.name)
        if isinstance(built, str):
            unprobed.append(f"{target.name}: {built}")
            continue
        probed.append(target.name)
        failures.extend(_probe_table(world, target, built))
    if views:
        world.populate_owned_tables()
    for target in views:
        probed.append(target.name)
        failures.extend(_probe_view(world, target))
    notes = [*unprobed, *skipped]
    if failures:
        reason = f"{len(failures)} probe(s) crossed users or locked the owner out ({', '.join(probed)})"
        return Verdict(
            check=CHECK_ID, status="fail", reason=_with_skipped(reason, notes), evidence=tuple(failures)
        )
    if not probed:
        return Verdict(check=CHECK_ID, status="n/a", reason=_with_skipped("no table could be probed", notes))
    reason = f"users A, B and anon kept apart on {', '.join(probed)}"
    return Verdict(check=CHECK_ID, status="pass", reason=_with_skipped(reason, notes))


def _with_skipped(reason: str, notes: Sequence[str]) -> str:
    return reason + (f"; not probed or not applied: {'; '.join(notes)}" if notes else "")


def _probe_table(world: World, target: Target, rows: dict[str, dict[str, Any]]) -> list[Evidence]:
    table = target.name
    key = world.key_columns(table)
    commands = world.policy_commands(table)
    failures: list[Evidence] = []
    actors = world.actors()

    def fail(note: str) -> None:
        failures.append(target.evidence.model_copy(update={"note": _located(target, f"{table}: {note}")}))

    for actor in actors:
        own = next((u for u, uid in world.users.items() if uid == actor.user_id), None)
        for victim, row in rows.items():
            if victim == own:
                continue
            where, params = _match(key, row)
            who = f"{actor.label} on user {victim}'s row"
            seen = world.attempt(actor, f"select count(*) from public.{quoted(table)} where {where}", params)
            if not isinstance(seen, Refused) and seen > 0:
                fail(f"{who}: select returned it")
            column = quoted(world.update_column(table))
            changed = world.attempt(
                actor, f"update public.{quoted(table)} set {column} = {column} where {where}", params
            )
            if not isinstance(changed, Refused) and changed > 0:
                fail(f"{who}: update changed it")
            removed = world.attempt(actor, f"delete from public.{quoted(table)} where {where}", params)
            if not isinstance(removed, Refused) and removed > 0:
                fail(f"{who}: delete removed it")
            inserted = world.attempt_insert(actor, table, victim)
            if not isinstance(inserted, Refused):
                fail(f"{actor.label} inserted a row owned by user {victim}")
        if own is None:
            continue
        where, params = _match(key, rows[own])
        who = f"{actor.label} on their own row"
        seen = world.attempt(actor, f"select count(*) from public.{quoted(table)} where {where}", params)
        if isinstance(seen, Refused) or seen == 0:
            fail(f"{who}: select did not return it (owner locked out{_detail(seen)})")
        if "INSERT" in commands:
            inserted = world.attempt_insert(actor, table, own)
            if isinstance(inserted, Refused):
                fail(f"{actor.label} could not insert their own row ({inserted})")
        if "UPDATE" in commands:
            # Only a row the USING clause hides counts: a WITH CHECK may rightly refuse an update that
            # changes nothing (`with check (revoked_at is not null)`), and the probe cannot guess the
            # values it wants.
            column = quoted(world.update_column(table))
            changed = world.attempt(
                actor, f"update public.{quoted(table)} set {column} = {column} where {where}", params
            )
            if changed == 0:
                fail(f"{who}: update did not reach it (owner locked out)")
        if "DELETE" in commands:
            removed = world.attempt(actor, f"delete from public.{quoted(table)} where {where}", params)
            if isinstance(removed, Refused) or removed == 0:
                fail(f"{who}: delete was refused{_detail(removed)}")
    return failures


def _probe_view(world: World, target: Target) -> list[Evidence]:
    failures = []
    marks = world.marks_by_user()
    for actor in world.actors():
        rows = world.attempt_rows(actor, f"select to_jsonb(v)::text from public.{quoted(target.name)} v")
        if isinstance(rows, Refused):
            continue
        for user, user_marks in marks.items():
            if world.users[user] == actor.user_id:
                continue
            if any(mark in text for text in rows for mark in user_marks):
                note = f"{target.name}: {actor.label} reads user {user}'s rows through the view"
                failures.append(target.evidence.model_copy(update={"note": _located(target, note)}))
                break
    return failures


def _located(target: Target, note: str) -> str:
    return f"{target.source}:{target.evidence.line}: {note}" if target.source else note


def _detail(outcome: int | Refused) -> str:
    return f": {outcome}" if isinstance(outcome, Refused) else ""


def _match(key: Sequence[str], row: dict[str, Any]) -> tuple[str, list[Any]]:
    where = " and ".join(f"{quoted(column)}::text = %s" for column in key)
    return where, [str(row[column]) for column in key]
