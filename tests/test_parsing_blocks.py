"""Response parsing: fenced blocks and their lines, language guesses, path hints, SQL splitting."""

from __future__ import annotations

import pytest

from agent_eval.graders import http
from agent_eval.graders.grade import grade_response
from agent_eval.graders.parsing import guess_language, parse_response, split_sql


def test_blocks_keep_their_response_line_and_prose_is_separate() -> None:
    text = "Intro line\n\n```ts\nconst a = 1;\nconst b = 2;\n```\nMiddle\n~~~sql\nselect 1;\n~~~\nEnd"
    parsed = parse_response(text)
    assert [(b.language, b.start_line, b.text) for b in parsed.blocks] == [
        ("typescript", 4, "const a = 1;\nconst b = 2;"),
        ("sql", 9, "select 1;"),
    ]
    assert [line for _, line in parsed.prose] == ["Intro line", "", "Middle", "End"]


def test_unclosed_fence_runs_to_the_end_and_never_raises() -> None:
    parsed = parse_response("text\n```ts\nexport async function GET( {\n  return")
    assert len(parsed.blocks) == 1 and parsed.blocks[0].start_line == 3
    assert parsed.ts_units[0].tree.root_node.has_error


def test_longer_fence_contains_shorter_fences() -> None:
    parsed = parse_response("````md\n```ts\nconst x = 1\n```\n````\n")
    assert len(parsed.blocks) == 1 and "```ts" in parsed.blocks[0].text


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("CREATE TABLE orders (id uuid primary key);", "sql"),
        ("-- migration\nalter table orders enable row level security;", "sql"),
        ('{"a": 1, "b": [2]}', "json"),
        ("$ npm install zod", "shell"),
        ("import os\n\ndef handler(event):\n    return os.environ['X']", "python"),
        ("package main\n\nfunc main() {}", "go"),
        ("DATABASE_URL=postgres://localhost/db\nPORT=3000", "dotenv"),
        ("export async function GET(req: Request) {\n  return Response.json([])\n}", "typescript"),
        ("const x = require('x');\nmodule.exports = () => x;", "javascript"),
        ("just some words", "text"),
    ],
)
def test_untagged_blocks_get_a_language_guess(code: str, language: str) -> None:
    assert guess_language(code) == language
    assert parse_response(f"```\n{code}\n```\n").blocks[0].language == language


def test_tags_are_normalised_and_titles_give_paths() -> None:
    parsed = parse_response(
        '```typescript title="app/api/v1/items/route.ts"\nexport const GET = 1\n```\n'
        "```postgresql\nselect 1\n```\n```TSX\nconst a = <div/>\n```\n"
    )
    assert [b.language for b in parsed.blocks] == ["typescript", "sql", "tsx"]
    assert parsed.blocks[0].path_hint == "app/api/v1/items/route.ts"


def test_path_hint_from_first_line_comment_or_the_prose_just_above() -> None:
    parsed = parse_response(
        "```ts\n// File: app/api/v1/orders/[id]/route.ts\nexport async function GET() {}\n```\n\n"
        "**`src/app/(shop)/api/v2/carts/route.ts`**\n\n```ts\nexport async function POST() {}\n```\n"
    )
    assert [b.path_hint for b in parsed.blocks] == [
        "app/api/v1/orders/[id]/route.ts",
        "src/app/(shop)/api/v2/carts/route.ts",
    ]
    assert [r.path for r in http.routes(parsed)] == ["/api/v1/orders/[id]", "/api/v2/carts"]


@pytest.mark.parametrize(
    ("file_path", "route"),
    [
        ("app/api/v1/orders/route.ts", "/api/v1/orders"),
        ("src/app/api/orders/[id]/route.js", "/api/orders/[id]"),
        ("app/(admin)/api/v1/users/route.ts", "/api/v1/users"),
        ("pages/api/v1/orders/index.ts", "/api/v1/orders"),
        ("pages/api/health.ts", "/api/health"),
        ("lib/db.ts", None),
    ],
)
def test_next_route_paths(file_path: str, route: str | None) -> None:
    assert http.next_route_path(file_path) == route


def test_router_calls_give_routes_with_mount_prefixes() -> None:
    code = """
const app = express();
const v1 = express.Router();
v1.get('/orders', listOrders);
v1.route('/orders/:id').get(getOrder).patch(updateOrder);
app.use('/api/v1', v1);
app.post('/webhooks/stripe', (req, res) => res.sendStatus(204));
const api = new Hono().basePath('/api/v2');
api.get('/items', (c) => c.json([]));
fastify.route({ method: 'PUT', url: '/v1/users/:id', handler: async () => ({}) });
headers.get('/not-a-route');
"""
    parsed = parse_response(f"```ts\n{code}\n```\n")
    found = {(r.method, r.path) for r in http.routes(parsed)}
    assert found == {
        ("GET", "/api/v1/orders"),
        ("GET", "/api/v1/orders/:id"),
        ("PATCH", "/api/v1/orders/:id"),
        ("POST", "/webhooks/stripe"),
        ("GET", "/api/v2/items"),
        ("PUT", "/v1/users/:id"),
    }


def test_handlers_cover_route_exports_router_callbacks_and_server_actions() -> None:
    text = (
        "```ts\n// app/api/v1/orders/route.ts\n"
        "export async function GET(req: Request) { return Response.json([]) }\n"
        "export const POST = async (req: Request) => Response.json({}, { status: 201 });\n```\n"
        "```ts\nrouter.delete('/v1/orders/:id', async (req, res) => { res.sendStatus(204) });\n```\n"
        "```ts\n'use server';\n"
        "export async function createOrder(formData: FormData) { return formData.get('x') }\n```\n"
    )
    found = [(h.kind, h.method, h.path) for h in http.handlers(parse_response(text))]
    assert found == [
        ("route-export", "GET", "/api/v1/orders"),
        ("route-export", "POST", "/api/v1/orders"),
        ("server-action", None, None),
        ("router-call", "DELETE", "/v1/orders/:id"),
    ]


def test_sql_blocks_parse_per_statement_when_the_whole_block_does_not() -> None:
    sql = (
        "-- tables\ncreate table a (id int);\n\ncreate table b (id int,;\n"
        "alter table a enable row level security;"
    )
    parsed = parse_response(f"intro\n```sql\n{sql}\n```\n")
    statements = parsed.sql_statements
    assert [s.line for s in statements] == [4, 6, 7]
    assert [type(s.node).__name__ for s in statements] == ["CreateStmt", "NoneType", "AlterTableStmt"]


def test_split_sql_ignores_semicolons_in_strings_comments_and_dollar_quotes() -> None:
    sql = (
        "select ';' as a; -- x; y\n"
        "create function f() returns int as $$ begin return 1; end $$ language plpgsql;"
    )
    chunks = [chunk.strip() for chunk, _ in split_sql(sql)]
    assert len(chunks) == 2 and chunks[1].startswith("-- x; y\ncreate function")


def test_code_shown_as_what_not_to_do_is_not_graded() -> None:
    text = (
        "Your current code splices the id into the SQL:\n\n"
        "```ts\nawait pool.query(`select * from users where id = ${id}`);\n```\n\n"
        "Fixed version:\n\n```ts\nawait pool.query('select * from users where id = $1', [id]);\n```\n\n"
        "```ts\n// ❌ Don't do this\nconst secret = 'hard-coded-signing-key';\n```\n\n"
        "```ts\nconst secret = process.env.JWT_SECRET;\n```\n"
    )
    parsed = parse_response(text)
    assert [b.counter_example for b in parsed.blocks] == [True, False, True, False]
    assert len(parsed.ts_units) == 2
    verdicts = grade_response(text, ["parameterized-sql", "no-hardcoded-secrets"])
    assert [v.status for v in verdicts.values()] == ["pass", "pass"]


def test_a_warning_without_a_rewrite_is_still_graded() -> None:
    key = "sk_live_" + "51HqLyjKZ3p9XvQeR7tW2mN8bC4dF6gH"
    text = (
        "Don't do this in production, but for the demo here's the full file:\n\n"
        f"```ts\nimport Stripe from 'stripe';\nexport const stripe = new Stripe('{key}');\n```\n"
    )
    (block,) = parse_response(text).blocks
    assert block.shown_as_wrong and not block.counter_example
    assert grade_response(text, ["no-hardcoded-secrets"])["no-hardcoded-secrets"].status == "fail"


@pytest.mark.parametrize(
    "lead_in",
    [
        "Before running this migration, make sure pgcrypto is enabled:",
        "I kept the existing code structure and only added the new table:",
        "Before you deploy, here is the migration:",
    ],
)
def test_a_lead_in_that_does_not_call_the_code_wrong_leaves_it_graded(lead_in: str) -> None:
    text = f"{lead_in}\n\n```sql\ncreate table public.notes (id uuid primary key, body text);\n```\n"
    (block,) = parse_response(text).blocks
    assert not block.shown_as_wrong and not block.counter_example
    assert grade_response(text, ["rls-enabled"])["rls-enabled"].status == "fail"


def test_a_lead_in_that_names_the_fix_is_graded() -> None:
    text = (
        "Instead of the vulnerable query, use a bound parameter:\n\n```ts\nawait pool.query(`x ${id}`)\n```\n"
    )
    assert not parse_response(text).blocks[0].counter_example


def test_fences_indented_inside_list_items_are_blocks_with_their_indent_removed() -> None:
    text = "1. Add the route:\n\n    ```ts\n    export async function GET() {}\n    ```\n"
    (block,) = parse_response(text).blocks
    assert (block.language, block.start_line, block.text) == (
        "typescript",
        4,
        "export async function GET() {}",
    )
