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

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_eval.executors.migrations import (
    EXPOSED_SCHEMA,
    Migration,
    MigrationError,
    Target,
    apply_migrations,
    first_line,
    project_migrations,
)
from agent_eval.executors.postgres import PostgresServer, connect, fresh_database
from agent_eval.graders.model import Evidence, Verdict

CHECK_ID = "rls-probe"
_OWNER_NAMES = ("user_id", "owner_id", "created_by", "author_id", "profile_id")
# Tenant columns without a foreign key: each user gets a tenant id of their own, carried in their JWT
# claims (top level, app_metadata, user_metadata) and as the `app.<name>` setting, where policies look.
_TENANT_NAMES = (
    "tenant_id",
    "organization_id",
    "org_id",
    "workspace_id",
    "team_id",
    "account_id",
    "company_id",
)


class _Refused(str):
    """The error message of an attempt Postgres refused."""


@dataclass
class _Actor:
    label: str
    user_id: uuid.UUID | None
    tenancy: dict[str, str] = field(default_factory=dict)

    @property
    def claims(self) -> str:
        if self.user_id is None:
            return json.dumps({"role": "anon"})
        return json.dumps(
            {
                **self.tenancy,
                "sub": str(self.user_id),
                "role": "authenticated",
                "aud": "authenticated",
                "app_metadata": dict(self.tenancy),
                "user_metadata": dict(self.tenancy),
            }
        )

    @property
    def role(self) -> str:
        return "authenticated" if self.user_id is not None else "anon"


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
    world = _World(connection, users)
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


def _probe_table(world: _World, target: Target, rows: dict[str, dict[str, Any]]) -> list[Evidence]:
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
            seen = world.attempt(actor, f"select count(*) from public.{_q(table)} where {where}", params)
            if not isinstance(seen, _Refused) and seen > 0:
                fail(f"{who}: select returned it")
            column = _q(world.update_column(table))
            changed = world.attempt(
                actor, f"update public.{_q(table)} set {column} = {column} where {where}", params
            )
            if not isinstance(changed, _Refused) and changed > 0:
                fail(f"{who}: update changed it")
            removed = world.attempt(actor, f"delete from public.{_q(table)} where {where}", params)
            if not isinstance(removed, _Refused) and removed > 0:
                fail(f"{who}: delete removed it")
            inserted = world.attempt_insert(actor, table, victim)
            if not isinstance(inserted, _Refused):
                fail(f"{actor.label} inserted a row owned by user {victim}")
        if own is None:
            continue
        where, params = _match(key, rows[own])
        who = f"{actor.label} on their own row"
        seen = world.attempt(actor, f"select count(*) from public.{_q(table)} where {where}", params)
        if isinstance(seen, _Refused) or seen == 0:
            fail(f"{who}: select did not return it (owner locked out{_detail(seen)})")
        if "INSERT" in commands:
            inserted = world.attempt_insert(actor, table, own)
            if isinstance(inserted, _Refused):
                fail(f"{actor.label} could not insert their own row ({inserted})")
        if "UPDATE" in commands:
            # Only a row the USING clause hides counts: a WITH CHECK may rightly refuse an update that
            # changes nothing (`with check (revoked_at is not null)`), and the probe cannot guess the
            # values it wants.
            column = _q(world.update_column(table))
            changed = world.attempt(
                actor, f"update public.{_q(table)} set {column} = {column} where {where}", params
            )
            if changed == 0:
                fail(f"{who}: update did not reach it (owner locked out)")
        if "DELETE" in commands:
            removed = world.attempt(actor, f"delete from public.{_q(table)} where {where}", params)
            if isinstance(removed, _Refused) or removed == 0:
                fail(f"{who}: delete was refused{_detail(removed)}")
    return failures


def _probe_view(world: _World, target: Target) -> list[Evidence]:
    failures = []
    marks = world.marks_by_user()
    for actor in world.actors():
        rows = world.attempt_rows(actor, f"select to_jsonb(v)::text from public.{_q(target.name)} v")
        if isinstance(rows, _Refused):
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


def _detail(outcome: int | _Refused) -> str:
    return f": {outcome}" if isinstance(outcome, _Refused) else ""


def _match(key: Sequence[str], row: dict[str, Any]) -> tuple[str, list[Any]]:
    where = " and ".join(f"{_q(column)}::text = %s" for column in key)
    return where, [str(row[column]) for column in key]


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class _Column:
    name: str
    type_sql: str
    category: str
    type_name: str
    not_null: bool
    has_default: bool
    generated: bool
    identity: bool
    enum_first: str | None
    choices: tuple[str, ...]


@dataclass
class _World:
    """The rows built for users A and B, and the means to act as a user (each attempt rolled back)."""

    connection: Any
    users: dict[str, uuid.UUID]
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    tenancy: dict[tuple[str, str], str] = field(default_factory=dict)
    counter: int = 0

    def __post_init__(self) -> None:
        for label, user_id in self.users.items():
            self.connection.execute(
                "insert into auth.users (id, email) values (%s, %s)",
                (user_id, f"user-{label.lower()}@example.test"),
            )

    # ---- acting as a user
    @contextmanager
    def _as(self, actor: _Actor) -> Iterator[None]:
        with self.connection.transaction(force_rollback=True):
            self.connection.execute(f"set local role {actor.role}")
            self.connection.execute("select set_config('request.jwt.claims', %s, true)", (actor.claims,))
            if actor.user_id is not None:  # the older PostgREST form of the same claim
                self.connection.execute(
                    "select set_config('request.jwt.claim.sub', %s, true)", (str(actor.user_id),)
                )
            for name, value in actor.tenancy.items():
                self.connection.execute("select set_config(%s, %s, true)", (f"app.{name}", value))
            yield

    def actors(self) -> list[_Actor]:
        users = [_Actor(f"user {u}", uid, self.tenancy_of(u)) for u, uid in self.users.items()]
        return [*users, _Actor("anon", None)]

    def tenancy_of(self, user: str) -> dict[str, str]:
        return {name: value for (owner, name), value in self.tenancy.items() if owner == user}

    def tenant_value(self, user: str, name: str) -> str:
        return self.tenancy.setdefault((user, name), str(uuid.uuid4()))

    def update_column(self, table: str) -> str:
        """A column `update … set c = c` may name: not a key, not generated, not an identity."""
        key = self.key_columns(table)
        plain = [c.name for c in self.columns(table) if not (c.generated or c.identity or c.name in key)]
        return plain[0] if plain else key[0]

    def attempt(self, actor: _Actor, sql: str, params: Sequence[Any] = ()) -> int | _Refused:
        """Rows counted (a select) or touched (insert/update/delete), or the refusal."""
        import psycopg

        try:
            with self._as(actor):
                cursor = self.connection.execute(sql, params)
                if cursor.description:
                    row = cursor.fetchone()
                    return int(row[0]) if row else 0
                return int(cursor.rowcount)
        except psycopg.Error as exc:
            return _Refused(first_line(exc))

    def attempt_rows(self, actor: _Actor, sql: str) -> list[str] | _Refused:
        import psycopg

        try:
            with self._as(actor):
                return [str(row[0]) for row in self.connection.execute(sql).fetchall()]
        except psycopg.Error as exc:
            return _Refused(first_line(exc))

    def attempt_insert(self, actor: _Actor, table: str, owner: str) -> int | _Refused:
        values = self._values(table, owner)
        if isinstance(values, str):
            return _Refused(values)
        columns, params = zip(*values.items(), strict=True) if values else ((), ())
        return self.attempt(actor, _insert_sql(table, columns, self._types(table)), params)

    # ---- catalog
    def columns(self, table: str) -> list[_Column]:
        rows = self.connection.execute(
            """
            select a.attname, format_type(a.atttypid, a.atttypmod), t.typcategory, t.typname, a.attnotnull,
                   a.atthasdef or a.attidentity <> '', a.attgenerated <> '', a.attidentity <> '',
                   (select e.enumlabel from pg_enum e where e.enumtypid = a.atttypid
                     order by e.enumsortorder limit 1)
            from pg_attribute a join pg_type t on t.oid = a.atttypid
            where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
            order by a.attnum
            """,
            (f"public.{_q(table)}",),
        ).fetchall()
        checks = self.connection.execute(
            "select pg_get_constraintdef(oid) from pg_constraint "
            "where conrelid = %s::regclass and contype = 'c'",
            (f"public.{_q(table)}",),
        ).fetchall()
        return [
            _Column(
                name=r[0],
                type_sql=r[1],
                category=r[2],
                type_name=r[3],
                not_null=r[4],
                has_default=r[5],
                generated=r[6],
                identity=r[7],
                enum_first=r[8],
                choices=_choices(r[0], [c[0] for c in checks]),
            )
            for r in rows
        ]

    def _types(self, table: str) -> dict[str, str]:
        return {column.name: column.type_sql for column in self.columns(table)}

    def foreign_keys(self, table: str) -> dict[str, tuple[str, str, str]]:
        """Single-column foreign keys: column → (schema, table, column) it references."""
        rows = self.connection.execute(
            """
            select a.attname, rn.nspname, rc.relname, ra.attname
            from pg_constraint c
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
            join pg_class rc on rc.oid = c.confrelid
            join pg_namespace rn on rn.oid = rc.relnamespace
            join pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = c.confkey[1]
            where c.conrelid = %s::regclass and c.contype = 'f' and cardinality(c.conkey) = 1
            """,
            (f"public.{_q(table)}",),
        ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def key_columns(self, table: str) -> list[str]:
        rows = self.connection.execute(
            """
            select a.attname from pg_constraint c
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
            where c.conrelid = %s::regclass and c.contype = 'p' order by a.attnum
            """,
            (f"public.{_q(table)}",),
        ).fetchall()
        return [r[0] for r in rows] or [c.name for c in self.columns(table) if not c.generated]

    def policy_commands(self, table: str) -> set[str]:
        """Commands some policy grants to authenticated users (ALL counts for every command)."""
        rows = self.connection.execute(
            "select cmd from pg_policies where schemaname = %s and tablename = %s "
            "and roles && array['authenticated', 'public']::name[] and permissive = 'PERMISSIVE'",
            (EXPOSED_SCHEMA, table),
        ).fetchall()
        commands = {str(r[0]) for r in rows}
        return {"SELECT", "INSERT", "UPDATE", "DELETE"} if "ALL" in commands else commands

    def _policy_literals(self, table: str, given: dict[str, Any]) -> dict[str, str]:
        """Columns of `table` that some policy compares with a literal (`m.role = 'admin'`): a membership
        row gets that value, so the member the probe builds is the member the policy admits."""
        rows = self.connection.execute(
            "select coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies "
            "where schemaname = %s",
            (EXPOSED_SCHEMA,),
        ).fetchall()
        names = {c.name for c in self.columns(table)} - set(given)
        found: dict[str, str] = {}
        for (text,) in rows:
            for column, literal in _COMPARED_LITERAL.findall(text):
                if column in names:
                    found.setdefault(column, literal)
        return found

    def public_tables(self) -> list[str]:
        rows = self.connection.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relkind in ('r', 'p') order by c.relname",
            (EXPOSED_SCHEMA,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    # ---- building rows
    def build_pair(self, table: str) -> dict[str, dict[str, Any]] | str:
        """A row of `table` for each user, or why none could be built."""
        built = {}
        for user in self.users:
            row = self.row_for(table, user, set())
            if isinstance(row, str):
                return row
            built[user] = row
        return built

    def populate_owned_tables(self) -> None:
        for table in self.public_tables():
            self.build_pair(table)

    def marks_by_user(self) -> dict[str, set[str]]:
        """Values that identify a user's rows in any output: their id and their rows' key values."""
        marks: dict[str, set[str]] = {user: {str(uid)} for user, uid in self.users.items()}
        for (table, user), row in self.rows.items():
            for column in self.key_columns(table):
                value = str(row[column])
                if len(value) >= 8:  # short keys (1, 2) would match anything
                    marks[user].add(value)
        return marks

    def row_for(
        self, table: str, user: str, visiting: set[str], as_parent: bool = False
    ) -> dict[str, Any] | str:
        """The row of `table` built for `user`. A parent row no column ties to a user (a `tenants` row) is
        the user's tenant: its key goes into their claims as `<tenant>_id`."""
        if (table, user) in self.rows:
            return self.rows[(table, user)]
        if table in visiting:
            return f"foreign keys loop back to {table}"
        values = self._values(table, user, visiting | {table})
        if isinstance(values, str):
            return values
        if (table, user) in self.rows:  # built meanwhile as a membership of a parent row
            return self.rows[(table, user)]
        row = self._insert(table, values)
        if isinstance(row, str):
            return f"could not insert a row: {row}"
        member = self._add_memberships(table, row, user, visiting | {table})
        if not member and not self._owned(table, values, user):
            key = self.key_columns(table)
            if not as_parent or len(key) != 1:
                return "no column ties its rows to a user (no foreign key to auth.users, no user_id/owner_id)"
            self.tenancy[(user, _singular(table) + "_id")] = str(row[key[0]])
        self.rows[(table, user)] = row
        return row

    def _owned(self, table: str, values: dict[str, Any], user: str) -> bool:
        mine = {str(self.users[user]), *self.tenancy_of(user).values()}
        return bool(mine & {str(v) for v in values.values()}) or any(
            (schema, parent) != ("auth", "users") and (parent, user) in self.rows
            for schema, parent, _ in self.foreign_keys(table).values()
        )

    def _values(
        self, table: str, user: str, visiting: set[str] | None = None, given: dict[str, Any] | None = None
    ) -> dict[str, Any] | str:
        visiting = visiting if visiting is not None else {table}
        foreign = self.foreign_keys(table)
        values: dict[str, Any] = dict(given or {})
        for column in self.columns(table):
            if column.generated or column.name in values:
                continue
            reference = foreign.get(column.name)
            if reference is not None:
                schema, parent, parent_column = reference
                if (schema, parent) == ("auth", "users"):
                    values[column.name] = str(self.users[user])
                    continue
                if schema == EXPOSED_SCHEMA and parent != table:
                    row = self.row_for(parent, user, visiting, as_parent=True)
                    if isinstance(row, dict):
                        values[column.name] = row[parent_column]
                        continue
                    if column.not_null:
                        return row
                if column.not_null and not column.has_default:
                    return f"{column.name} references {schema}.{parent}, which cannot be filled"
                continue
            if (
                column.name in _OWNER_NAMES
                and column.type_name == "uuid"
                and not any(fk[:2] == ("auth", "users") for fk in foreign.values())
            ):
                values[column.name] = str(self.users[user])
                continue
            if column.name in _TENANT_NAMES and column.type_name == "uuid":
                values[column.name] = self.tenant_value(user, column.name)
                continue
            if column.not_null and not column.has_default:
                value = self._value(column)
                if value is None:
                    return f"no value for required column {column.name} ({column.type_sql})"
                values[column.name] = value
        return values

    def _value(self, column: _Column) -> str | None:
        self.counter += 1
        if column.enum_first is not None:
            return column.enum_first
        if column.choices:
            return column.choices[0]
        by_name = {
            "uuid": str(uuid.uuid4()),
            "json": "{}",
            "jsonb": "{}",
            "date": "2024-01-01",
            "time": "12:00",
            "timetz": "12:00+00",
            "interval": "1 hour",
            "bytea": "\\x00",
            "tsvector": "",
            "inet": "127.0.0.1",
            "cidr": "10.0.0.0/8",
        }
        by_category = {
            "N": "1",
            "S": f"probe-{self.counter}",
            "B": "false",
            "D": "2024-01-01 00:00:00+00",
            "A": "{}",
        }
        return by_name.get(column.type_name, by_category.get(column.category))

    def _insert(self, table: str, values: dict[str, Any]) -> dict[str, Any] | str:
        import psycopg
        from psycopg.rows import dict_row

        columns, params = zip(*values.items(), strict=True) if values else ((), ())
        try:
            with self.connection.transaction(), self.connection.cursor(row_factory=dict_row) as cursor:
                cursor.execute(_insert_sql(table, columns, self._types(table)) + " returning *", params)
                row = cursor.fetchone()
                return dict(row) if row else "no row returned"
        except psycopg.Error as exc:
            return first_line(exc)

    def _add_memberships(self, table: str, row: dict[str, Any], user: str, visiting: set[str]) -> bool:
        """For tables that join `table` to users (organization_members…): make `user` a member of `row`;
        True when it became a member of any."""
        member_of_any = False
        for other in self.public_tables():
            if other in visiting or (other, user) in self.rows:
                continue
            foreign = self.foreign_keys(other)
            to_parent = [c for c, ref in foreign.items() if ref[:2] == (EXPOSED_SCHEMA, table)]
            to_user = [c for c, ref in foreign.items() if ref[:2] == ("auth", "users")]
            if not to_parent or not to_user:
                continue
            given = {column: row[foreign[column][2]] for column in to_parent}
            given.update(self._policy_literals(other, given))
            values = self._values(other, user, visiting | {other}, given)
            if isinstance(values, str):
                continue
            member = self._insert(other, values)
            if isinstance(member, dict):
                self.rows[(other, user)] = member
                member_of_any = True
        return member_of_any


def _insert_sql(table: str, columns: Sequence[str], types: dict[str, str]) -> str:
    if not columns:
        return f"insert into public.{_q(table)} default values"
    names = ", ".join(_q(c) for c in columns)
    placeholders = ", ".join(f"%s::{types[c]}" for c in columns)
    return f"insert into public.{_q(table)} ({names}) values ({placeholders})"


_COMPARED_LITERAL = re.compile(r"\b(\w+)\s*=\s*'((?:[^']|'')*)'")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _choices(column: str, checks: Sequence[str]) -> tuple[str, ...]:
    """Allowed values of a column from a `check (col in ('a', 'b'))` constraint (Postgres shows it as
    `= ANY (ARRAY[…])`), so a filled row passes it."""
    for definition in checks:
        if re.search(rf"\b{re.escape(column)}\b", definition) and "ANY (ARRAY[" in definition:
            return tuple(value.replace("''", "'") for value in _LITERAL.findall(definition))
    return ()


def _singular(table: str) -> str:
    if table.endswith("ies"):
        return table[:-3] + "y"
    return table[:-1] if table.endswith("s") else table
