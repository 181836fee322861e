"""Forms the checks must read beyond Next.js/Express/Hono/Fastify: Koa, plain `node:http`, NestJS return
values, router mounts with middleware, query builders and services in list detection, Prisma raw SQL,
precise status-code situations (conflict, membership, webhook acknowledgement) and secret placeholders."""

from __future__ import annotations

import pytest

from agent_eval.graders import http
from agent_eval.graders.parsing import parse_response
from graders_snippets import md, status_of, verdict_of

KOA_NOTES = """
import Router from '@koa/router';
import { z } from 'zod';

export const notes = new Router({ prefix: '/api/v1/notes' });
const noteInput = z.object({ text: z.string().min(1).max(500) });
const page = z.object({ limit: z.coerce.number().max(50).default(10), offset: z.coerce.number().default(0) });

notes.get('/', async (ctx) => {
  const q = page.safeParse(ctx.query);
  if (!q.success) {
    ctx.status = 400;
    ctx.body = { error: { code: 'BAD_PAGE', message: 'bad paging' } };
    return;
  }
  const rows = await knex('notes').where({ owner: ctx.state.user.id })
    .limit(q.data.limit).offset(q.data.offset);
  ctx.body = { data: rows };
});

notes.post('/', async (ctx) => {
  const input = noteInput.safeParse(ctx.request.body);
  if (!input.success) {
    ctx.status = 422;
    ctx.body = { error: { code: 'BAD_NOTE', message: 'text is required' } };
    return;
  }
  const [note] = await knex('notes').insert({ text: input.data.text }).returning('*');
  ctx.status = 201;
  ctx.body = { data: note };
});
"""


def test_koa_router_prefix_makes_routes_and_handlers() -> None:
    parsed = parse_response(md(("ts", KOA_NOTES)))
    assert [(r.method, r.path) for r in http.routes(parsed)] == [
        ("GET", "/api/v1/notes"),
        ("POST", "/api/v1/notes"),
    ]
    assert status_of("api-versioning", ("ts", KOA_NOTES)) == "pass"


def test_koa_reads_are_ctx_request_body_query_and_params_not_ctx_body() -> None:
    assert status_of("zod-validation", ("ts", KOA_NOTES)) == "pass"
    raw = KOA_NOTES.replace(
        "noteInput.safeParse(ctx.request.body)", "{ success: true, data: ctx.request.body }"
    )
    verdict = verdict_of("zod-validation", ("ts", raw))
    assert verdict.status == "fail" and "ctx.request.body" in verdict.evidence[0].text


def test_koa_status_comes_from_ctx_status_and_a_bare_body_is_200() -> None:
    verdict = verdict_of("status-codes", ("ts", KOA_NOTES))
    assert verdict.status == "pass"
    notes = {e.note for e in verdict.evidence}
    assert {"validation: status 400", "validation: status 422", "success: status 201"} <= notes
    without_201 = KOA_NOTES.replace("  ctx.status = 201;\n", "")
    failed = verdict_of("status-codes", ("ts", without_201))
    assert failed.status == "fail" and "creation answered status 200 (default)" in failed.evidence[0].note
    assert status_of("error-format", ("ts", KOA_NOTES)) == "pass"


def test_koa_ctx_throw_and_mounts_through_routes() -> None:
    code = """
const api = new Router();
const items = new Router();
items.get('/:id', async (ctx) => {
  const item = await load(ctx.params.id);
  if (!item) ctx.throw(404, 'no such item');
  ctx.body = item;
});
api.use('/v2/items', items.routes());
"""
    parsed = parse_response(md(("js", code)))
    assert [r.path for r in http.routes(parsed)] == ["/v2/items/:id"]
    statuses = {site.status for site in http.response_sites(parsed)}
    assert 404 in statuses
    assert status_of("status-codes", ("js", code)) == "pass"
    prefixed = (
        "const r = new Router();\nr.prefix('/v1');\nr.get('/things', async (ctx) => { ctx.body = []; });"
    )
    assert [x.path for x in http.routes(parse_response(md(("js", prefixed))))] == ["/v1/things"]


NODE_SERVER = """
const http = require('node:http');
const allTasks = db.prepare('SELECT id, title FROM tasks ORDER BY id');
const addTask = db.prepare('INSERT INTO tasks (title) VALUES (?)');

function bodyOf(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (part) => (text += part));
    req.on('end', () => resolve(JSON.parse(text)));
  });
}

function reply(res, status, value) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://x');
  try {
    if (req.method === 'GET' && pathname === '/v1/tasks') {
      return reply(res, 200, allTasks.all());
    }
    if (req.method === 'POST' && pathname === '/v1/tasks') {
      const input = await bodyOf(req);
      const info = addTask.run(input.title);
      return reply(res, 201, { id: info.lastInsertRowid });
    }
    res.writeHead(404);
    res.end('missing');
  } catch (err) {
    res.statusCode = 500;
    res.end('boom');
  }
}).listen(3000);
"""


def test_node_server_is_a_handler_with_routes_from_its_conditions() -> None:
    parsed = parse_response(md(("js", NODE_SERVER)))
    assert [h.kind for h in http.handlers(parsed)] == ["node-server"]
    assert [(r.method, r.path) for r in http.routes(parsed)] == [("GET", "/v1/tasks"), ("POST", "/v1/tasks")]
    assert status_of("api-versioning", ("js", NODE_SERVER)) == "pass"
    unversioned = NODE_SERVER.replace("'/v1/tasks'", "'/tasks'")
    assert status_of("api-versioning", ("js", unversioned)) == "fail"


def test_node_server_statuses_come_from_write_head_and_status_code() -> None:
    parsed = parse_response(md(("js", NODE_SERVER)))
    statuses = sorted(s.status for s in http.response_sites(parsed) if s.handler is not None and s.status)
    assert statuses == [200, 201, 404, 500]


def test_node_server_body_read_through_a_stream_helper_is_input_and_pathname_is_not() -> None:
    verdict = verdict_of("zod-validation", ("js", NODE_SERVER))
    assert verdict.status == "fail"
    assert [e.text for e in verdict.evidence] == ["const input = await bodyOf(req);"]


def test_malformed_json_caught_blindly_answers_invalid_input_with_500() -> None:
    verdict = verdict_of("status-codes", ("js", NODE_SERVER))
    assert verdict.status == "fail" and "validation answered status 500" in verdict.evidence[0].note
    told_apart = NODE_SERVER.replace(
        "res.statusCode = 500;",
        "if (err instanceof SyntaxError) return reply(res, 400, { code: 'BAD_JSON' });\n"
        "    res.statusCode = 500;",
    )
    assert status_of("status-codes", ("js", told_apart)) == "pass"


def test_node_server_list_read_through_a_module_level_statement_is_a_list_endpoint() -> None:
    verdict = verdict_of("pagination", ("js", NODE_SERVER))
    assert verdict.status == "fail" and verdict.evidence[0].note == "list endpoint returns all rows"


def test_error_helper_taking_the_body_as_a_parameter_uses_the_callers_body() -> None:
    assert status_of("error-format", ("js", NODE_SERVER)) == "fail"  # bare strings 'missing', 'boom'
    shaped = NODE_SERVER.replace(
        "res.writeHead(404);\n    res.end('missing');", "reply(res, 404, { error: { code: 'NOT_FOUND' } });"
    )
    shaped = shaped.replace(
        "res.statusCode = 500;\n    res.end('boom');", "reply(res, 500, { error: { code: 'INTERNAL' } });"
    )
    assert status_of("error-format", ("js", shaped)) == "pass"


NEST_LIST = """
@Controller('v1/widgets')
export class WidgetsController {
  constructor(private readonly widgets: WidgetsService) {}

  @Get()
  list(@Query('limit') limit = '20') {
    return this.widgets.page(Number(limit));
  }

  @Post()
  async create(@Body() dto: CreateWidgetDto) {
    const widget = await this.prisma.widget.create({ data: dto });
    return { data: widget };
  }
}

@Injectable()
export class WidgetsService {
  page(take: number) {
    return this.prisma.widget.findMany({ orderBy: { id: 'asc' }, take });
  }
}
"""


def test_nest_query_limit_without_a_cap_fails_pagination_through_the_service() -> None:
    verdict = verdict_of("pagination", ("ts", NEST_LIST))
    assert verdict.status == "fail" and "without a cap" in verdict.evidence[0].note
    capped = NEST_LIST.replace("Number(limit)", "Math.min(Number(limit), 100)")
    assert status_of("pagination", ("ts", capped)) == "pass"


def test_nest_return_values_answer_201_for_post_unless_http_code_says_otherwise() -> None:
    verdict = verdict_of("status-codes", ("ts", NEST_LIST))
    assert verdict.status == "pass" and "success: status 201" in {e.note for e in verdict.evidence}
    forced = NEST_LIST.replace("  @Post()\n", "  @Post()\n  @HttpCode(200)\n")
    assert status_of("status-codes", ("ts", forced)) == "fail"


def test_mount_with_middleware_prefixes_the_router_for_versioning_and_lists() -> None:
    router = """
export const projects = Router();
projects.get('/', async (req, res) => {
  const rows = await db('projects').where({ team: req.user.team }).orderBy('name');
  res.json({ data: rows });
});
"""
    app = "app.use('/api/v1/projects', requireUser, projects);"
    parsed = parse_response(md(("ts", router), ("ts", app)))
    assert [r.path for r in http.routes(parsed)] == ["/api/v1/projects"]
    assert status_of("api-versioning", ("ts", router), ("ts", app)) == "pass"
    assert status_of("pagination", ("ts", router), ("ts", app)) == "fail"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("db.selectFrom('events').selectAll().orderBy('id').execute()", "fail"),
        ("db.selectFrom('events').selectAll().where('id', '=', 1).executeTakeFirst()", "n/a"),
        ("knex('events').where({ kind: 'x' }).orderBy('id')", "fail"),
        ("knex('events').where({ kind: 'x' }).first()", "n/a"),
        ("pool.query('SELECT id, kind ' + 'FROM events WHERE kind = ' + kind)", "fail"),
    ],
)
def test_query_builders_and_concatenated_sql_are_list_queries(query: str, expected: str) -> None:
    code = (
        f"app.get('/v1/events', async (req, res) => {{\n  const rows = await {query};\n"
        "  res.json(rows);\n});"
    )
    assert status_of("pagination", ("ts", code)) == expected


def test_kysely_list_with_a_clamped_take_passes() -> None:
    code = """
const q = z.object({ take: z.coerce.number().default(20), cursor: z.string().optional() });
app.get('/v1/events', async (req, res) => {
  const input = q.parse(req.query);
  const take = Math.min(input.take, 100);
  const rows = await db.selectFrom('events').selectAll()
    .where('id', '>', input.cursor ?? '').limit(take).execute();
  res.json(rows);
});
"""
    assert status_of("pagination", ("ts", code)) == "pass"


def test_prisma_raw_tagged_template_binds_and_raw_unsafe_concatenation_splices() -> None:
    tagged = "const rows = await prisma.$queryRaw<Row[]>`SELECT id FROM t WHERE owner = ${userId}`;"
    assert status_of("parameterized-sql", ("ts", tagged)) == "pass"
    unsafe = (
        "const text = 'SELECT id FROM t WHERE name = \\'' + name + '\\'';\n"
        "await prisma.$queryRawUnsafe<Row[]>(text);"
    )
    assert status_of("parameterized-sql", ("ts", unsafe)) == "fail"


def test_an_empty_insert_result_is_a_conflict_not_a_missing_resource() -> None:
    code = """
app.post('/v1/likes', async (c) => {
  const rows = await db.execute(sql`INSERT INTO likes (post_id) VALUES (${1})
    ON CONFLICT DO NOTHING RETURNING id`);
  if (rows.rows.length === 0) return c.json({ error: { code: 'ALREADY_LIKED' } }, 409);
  return c.json({ data: rows.rows[0] }, 201);
});
"""
    assert status_of("status-codes", ("ts", code)) == "pass"
    acknowledged = code.replace("}, 409)", "}, 200)")
    verdict = verdict_of("status-codes", ("ts", acknowledged))
    assert verdict.status == "fail" and "error path answered status 200" in verdict.evidence[0].note
    lookup = code.replace(
        "INSERT INTO likes (post_id) VALUES (${1})\n    ON CONFLICT DO NOTHING RETURNING id",
        "SELECT id FROM posts WHERE id = ${1}",
    )
    assert "not-found answered status 409" in verdict_of("status-codes", ("ts", lookup)).evidence[0].note


def test_a_failed_membership_lookup_is_forbidden() -> None:
    code = """
app.get('/v1/orgs/:id/report', async (req, res) => {
  const membership = await pool.query(
    'SELECT 1 FROM org_members WHERE org_id = $1 AND user_id = $2', [req.params.id, req.user.id]);
  if (membership.rows.length === 0) return res.status(403).json({ error: { code: 'NOT_A_MEMBER' } });
  res.json({ ok: true });
});
"""
    assert status_of("status-codes", ("ts", code)) == "pass"


def test_webhook_acknowledgement_is_not_creation_but_a_create_endpoint_still_needs_201() -> None:
    webhook = """
router.post('/v1/hooks/billing', async (req, res) => {
  const event = stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'], secret);
  await pool.query('INSERT INTO events (id) VALUES ($1)', [event.id]);
  res.json({ received: true });
});
"""
    assert status_of("status-codes", ("ts", webhook)) == "pass"
    create = """
router.post('/v1/comments', async (req, res) => {
  await pool.query('INSERT INTO comments (body) VALUES ($1)', [req.body.text]);
  res.json({ ok: true });
});
"""
    assert status_of("status-codes", ("ts", create)) == "fail"


def test_creation_in_the_post_branch_of_a_shared_handler_needs_201() -> None:
    code = """
// pages/api/v1/notes.ts
export default async function handler(req, res) {
  if (req.method === 'POST') {
    const note = await prisma.note.create({ data: { text: 'x' } });
    return res.status(200).json({ data: note });
  }
  return res.status(405).json({ error: { code: 'METHOD' } });
}
"""
    verdict = verdict_of("status-codes", ("ts", code))
    assert verdict.status == "fail" and "creation answered status 200" in verdict.evidence[0].note


@pytest.mark.parametrize(
    "dsn",
    [
        "postgres://USER:PASSWORD@localhost:5432/app",
        "postgres://app:changeme@localhost/app",
        "postgres://app:your-password-here@localhost/app",
        "postgres://app:xxxx@localhost/app",
        "postgres://app:<db-password>@localhost/app",
    ],
)
def test_connection_string_placeholders_are_not_secrets(dsn: str) -> None:
    assert status_of("no-hardcoded-secrets", ("bash", f"# .env.example\nDATABASE_URL={dsn}")) == "pass"


def test_a_realistic_connection_string_password_is_still_a_secret() -> None:
    dsn = "DATABASE_URL=postgres://app:Tr4x9vLq2w@db.internal:5432/app"
    assert status_of("no-hardcoded-secrets", ("bash", dsn)) == "fail"
    code = "const pool = new Pool({ connectionString: 'postgres://app:Tr4x9vLq2w@db.internal/app' });"
    assert status_of("no-hardcoded-secrets", ("ts", code)) == "fail"
