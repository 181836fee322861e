"""Details the checks must get right: quoted SQL names keep their case, mysql2's `[rows]` is a list, a
password-less connection URL is no secret, and the first row of a query result is one row."""

from __future__ import annotations

from agent_eval.graders.grade import grade_response


def status(text: str, check: str) -> str:
    return grade_response(text, [check])[check].status


def test_a_quoted_table_name_is_not_the_unquoted_one() -> None:
    migration = (
        '```sql\ncreate table public."Invoices" (id uuid primary key);\n'
        "alter table public.{name} enable row level security;\n"
        "create policy p on public.{name} using (true);\n```\n"
    )
    assert status(migration.format(name="invoices"), "rls-enabled") == "fail"
    assert status(migration.format(name='"Invoices"'), "rls-enabled") == "pass"
    unquoted = "```sql\ncreate table Invoices (id int);\nalter table INVOICES enable row level security;\n"
    assert status(unquoted + "create policy p on invoices using (true);\n```\n", "rls-enabled") == "pass"


MYSQL_LIST = """```ts
import express from 'express';
import mysql from 'mysql2/promise';
const pool = mysql.createPool({ uri: process.env.DATABASE_URL });
export const router = express.Router();
router.get('/v1/products', async (req, res) => {
  const [rows] = await pool.query('SELECT id, name FROM products ORDER BY name');
  res.json({ data: rows });
});
```
"""


def test_mysql2_destructured_rows_are_a_list() -> None:
    assert status(MYSQL_LIST, "pagination") == "fail"


def test_only_the_first_row_of_a_result_is_one_row() -> None:
    one = (
        MYSQL_LIST.replace("const [rows] = await pool.query(", "const result = await pool.query(")
        .replace("ORDER BY name'", "WHERE email = $1', [req.query.email]")
        .replace("data: rows", "data: result.rows[0]")
    )
    assert status(one, "pagination") == "n/a"
    assert status(one.replace("result.rows[0]", "result.rows"), "pagination") == "fail"


def test_a_connection_url_without_a_password_is_not_a_secret() -> None:
    code = "```ts\nexport const url = process.env.DATABASE_URL ?? '{dsn}';\n```\n"
    assert status(code.format(dsn="postgres://localhost/app_dev"), "no-hardcoded-secrets") == "pass"
    assert status(code.format(dsn="postgres://app:Sh0pApp!2024@db/app"), "no-hardcoded-secrets") == "fail"
    assert status(code.format(dsn="s3cr3tT0ken"), "no-hardcoded-secrets") == "fail"
