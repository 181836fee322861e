"""The world an RLS probe acts in: users A and B (and anon), the tenants and memberships that make rows
theirs, rows for them in every probed table (required columns filled with values of their type, foreign
keys followed back to `auth.users`), and the means to act as one of them, each attempt rolled back."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from agent_eval.executors.migrations import EXPOSED_SCHEMA, first_line

# Columns that make a row a user's when no foreign key to auth.users says so.
OWNER_NAMES = ("user_id", "owner_id", "created_by", "author_id", "profile_id")
# Tenant columns without a foreign key: each user gets a tenant id of their own, carried in their JWT
# claims (top level, app_metadata, user_metadata) and as the `app.<name>` setting, where policies look.
TENANT_NAMES = (
    "tenant_id",
    "organization_id",
    "org_id",
    "workspace_id",
    "team_id",
    "account_id",
    "company_id",
)


class Refused(str):
    """The error message of an attempt Postgres refused."""


@dataclass
class Actor:
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


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class Column:
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
class World:
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
    def _as(self, actor: Actor) -> Iterator[None]:
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

    def actors(self) -> list[Actor]:
        users = [Actor(f"user {u}", uid, self.tenancy_of(u)) for u, uid in self.users.items()]
        return [*users, Actor("anon", None)]

    def tenancy_of(self, user: str) -> dict[str, str]:
        return {name: value for (owner, name), value in self.tenancy.items() if owner == user}

    def tenant_value(self, user: str, name: str) -> str:
        return self.tenancy.setdefault((user, name), str(uuid.uuid4()))

    def update_column(self, table: str) -> str:
        """A column `update … set c = c` may name: not a key, not generated, not an identity."""
        key = self.key_columns(table)
        plain = [c.name for c in self.columns(table) if not (c.generated or c.identity or c.name in key)]
        return plain[0] if plain else key[0]

    def attempt(self, actor: Actor, sql: str, params: Sequence[Any] = ()) -> int | Refused:
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
            return Refused(first_line(exc))

    def attempt_rows(self, actor: Actor, sql: str) -> list[str] | Refused:
        import psycopg

        try:
            with self._as(actor):
                return [str(row[0]) for row in self.connection.execute(sql).fetchall()]
        except psycopg.Error as exc:
            return Refused(first_line(exc))

    def attempt_insert(self, actor: Actor, table: str, owner: str) -> int | Refused:
        values = self._values(table, owner)
        if isinstance(values, str):
            return Refused(values)
        columns, params = zip(*values.items(), strict=True) if values else ((), ())
        return self.attempt(actor, _insert_sql(table, columns, self._types(table)), params)

    # ---- catalog
    def columns(self, table: str) -> list[Column]:
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
            (f"public.{quoted(table)}",),
        ).fetchall()
        checks = self.connection.execute(
            "select pg_get_constraintdef(oid) from pg_constraint "
            "where conrelid = %s::regclass and contype = 'c'",
            (f"public.{quoted(table)}",),
        ).fetchall()
        return [
            Column(
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
            (f"public.{quoted(table)}",),
        ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def key_columns(self, table: str) -> list[str]:
        rows = self.connection.execute(
            """
            select a.attname from pg_constraint c
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
            where c.conrelid = %s::regclass and c.contype = 'p' order by a.attnum
            """,
            (f"public.{quoted(table)}",),
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
                column.name in OWNER_NAMES
                and column.type_name == "uuid"
                and not any(fk[:2] == ("auth", "users") for fk in foreign.values())
            ):
                values[column.name] = str(self.users[user])
                continue
            if column.name in TENANT_NAMES and column.type_name == "uuid":
                values[column.name] = self.tenant_value(user, column.name)
                continue
            if column.not_null and not column.has_default:
                value = self._value(column)
                if value is None:
                    return f"no value for required column {column.name} ({column.type_sql})"
                values[column.name] = value
        return values

    def _value(self, column: Column) -> str | None:
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
        return f"insert into public.{quoted(table)} default values"
    names = ", ".join(quoted(c) for c in columns)
    placeholders = ", ".join(f"%s::{types[c]}" for c in columns)
    return f"insert into public.{quoted(table)} ({names}) values ({placeholders})"


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
