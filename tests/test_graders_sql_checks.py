"""rls-enabled and parameterized-sql on SQL migrations and on code that runs raw SQL."""

from __future__ import annotations

import pytest

from graders_snippets import status_of, verdict_of

TWO_TABLES_ONE_RLS = """
create table public.invoices (id uuid primary key, tenant_id uuid not null);
create table public.invoice_payments (id uuid primary key, invoice_id uuid references invoices);
alter table public.invoices enable row level security;
create policy tenant_isolation on public.invoices using (tenant_id = auth.uid());
"""


def test_rls_on_one_of_two_tables_fails_and_names_the_other() -> None:
    verdict = verdict_of("rls-enabled", ("sql", TWO_TABLES_ONE_RLS))
    assert verdict.status == "fail"
    assert [e.line for e in verdict.evidence] == [5]  # the CREATE TABLE of invoice_payments
    assert "invoice_payments" in verdict.evidence[0].note


def test_policy_without_enable_fails() -> None:
    sql = """
create table comments (id bigint generated always as identity primary key, author uuid);
create policy "authors manage" on comments for all using (author = auth.uid());
"""
    verdict = verdict_of("rls-enabled", ("sql", sql))
    assert verdict.status == "fail" and "RLS not enabled" in verdict.evidence[0].note


def test_enable_without_policy_fails() -> None:
    sql = "create table t (id int);\nalter table t enable row level security;"
    assert "no policy" in verdict_of("rls-enabled", ("sql", sql)).evidence[0].note


def test_every_table_with_rls_and_policy_passes_across_blocks_and_quoting() -> None:
    first = 'create table if not exists "orders" (id int);\ncreate table public.items (id int);'
    second = (
        "alter table orders enable row level security;\n"
        "alter table only public.items force row level security;\n"
        "create policy p1 on public.orders for select using (true);\ncreate policy p2 on items using (true);"
    )
    assert status_of("rls-enabled", ("sql", first), ("sql", second)) == "pass"


def test_partial_sql_that_pglast_rejects_still_counts() -> None:
    sql = (
        "create table orders (\n  id uuid primary key,\n  ...\n);\n"
        "alter table orders enable row level security;"
    )
    assert status_of("rls-enabled", ("sql", sql)) == "fail"  # created, enabled, but no policy


def test_rls_is_na_without_create_table_and_prose_does_not_count() -> None:
    prose = "We create table orders and enable row level security on it with a policy."
    assert status_of("rls-enabled", ("sql", "select * from orders;"), prose=prose) == "n/a"
    assert status_of("rls-enabled", ("sql", "create temporary table scratch (id int);")) == "n/a"


UNTAGGED_TEMPLATE = """
app.get('/v1/products', async (req, res) => {
  const q = req.query.q;
  const rows = await pool.query(`select * from products where name ilike '%${q}%'`);
  res.json(rows.rows);
});
"""
POSTGRES_JS = """
const rows = await sql`select * from products where name ilike ${'%' + q + '%'} limit ${limit}`;
"""
DOLLAR_PARAMS = """
const { rows } = await pool.query('select * from products where id = $1 and owner = $2', [id, userId]);
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (UNTAGGED_TEMPLATE, "fail"),
        (POSTGRES_JS, "pass"),
        (DOLLAR_PARAMS, "pass"),
        ("await db.query('select * from users where email = ' + email);", "fail"),
        ("const sqlText = 'select * from t where id = ' + id;\nawait client.query(sqlText);", "fail"),
        ("let q = 'select * from t where 1=1';\nq += ` and name = '${name}'`;\nawait pool.query(q);", "fail"),
        ("await knex.raw('select * from t where id = ?', [id]);", "pass"),
        ("await prisma.$queryRawUnsafe(`select * from t where id = ${id}`);", "fail"),
        ("await prisma.$queryRaw`select * from t where id = ${id}`;", "pass"),
        ("await db.execute(sql`update t set name = ${name} where id = ${id}`);", "pass"),
        ("await sql.unsafe(`select * from ${table}`);", "fail"),
        ("await pool.query(util.format('select * from t where id = %s', id));", "fail"),
        ("await pool.query({ text: 'select * from t where id = $1', values: [id] });", "pass"),
        ("const { data } = await supabase.from('orders').select('*').eq('user_id', userId);", "n/a"),
        ("const { data } = await supabase.rpc('search_orders', { term });", "n/a"),
        ("const q = useQuery({ queryKey: ['x'] });", "n/a"),
    ],
)
def test_parameterized_sql(code: str, expected: str) -> None:
    assert status_of("parameterized-sql", ("ts", code)) == expected


def test_spliced_query_evidence_points_at_the_call_line() -> None:
    verdict = verdict_of("parameterized-sql", ("ts", UNTAGGED_TEMPLATE))
    # prose line 1, blank, fence line 3, code starts line 4 (blank first line stripped)
    assert [e.line for e in verdict.evidence] == [6]
    assert "pool.query" in verdict.evidence[0].text


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('cur.execute(f"select * from users where id = {user_id}")', "fail"),
        ('cur.execute("select * from users where id = %s" % user_id)', "fail"),
        ('cur.execute("select * from users where id = %s", (user_id,))', "pass"),
    ],
)
def test_parameterized_sql_in_python(code: str, expected: str) -> None:
    assert status_of("parameterized-sql", ("python", code)) == expected


def test_parameterized_sql_in_go() -> None:
    spliced = 'rows, err := db.Query("select * from users where id = " + id)'
    bound = 'rows, err := db.QueryContext(ctx, "select * from users where id = $1", id)'
    assert status_of("parameterized-sql", ("go", spliced)) == "fail"
    assert status_of("parameterized-sql", ("go", bound)) == "pass"


def test_sql_text_in_prose_or_comments_is_not_executed_sql() -> None:
    code = "// await pool.query(`select * from t where id = ${id}`)\nconst x = 1;"
    prose = "Never write pool.query(`select ... ${id}`)."
    assert status_of("parameterized-sql", ("ts", code), prose=prose) == "n/a"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("await conn.execute(`delete from sessions where user_id = ${userId}`);", "fail"),
        ("await conn.execute('delete from sessions where user_id = ?', [userId]);", "pass"),
        ("await db.raw(`select * from t where name = '${name}'`);", "fail"),
        ("await query(`select * from t where id = ${id}`);", "fail"),
        ("await query('select * from t where id = $1', [id]);", "pass"),
    ],
)
def test_execute_raw_and_bare_query_helpers(call: str, expected: str) -> None:
    assert status_of("parameterized-sql", ("ts", call)) == expected
