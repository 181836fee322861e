"""Framework shapes the checks must read: NestJS controllers, wrapped route exports, thrown HTTP errors,
Fastify route schemas, and values that look secret-named but are not secrets."""

from __future__ import annotations

import pytest

from agent_eval.graders import http
from agent_eval.graders.parsing import parse_response
from graders_snippets import md, status_of, verdict_of

NEST = """
import { z } from 'zod';

@Controller({ path: 'orders', version: '1' })
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get(':id')
  async findOne(@Param('id', new ZodValidationPipe(z.string().uuid())) id: string) {
    const order = await this.orders.find(id);
    if (!order) throw new NotFoundException();
    return order;
  }

  @Post()
  create(@Body() body: CreateOrderDto) {
    return this.orders.create(body);
  }
}
"""
MAIN = "const app = await NestFactory.create(AppModule);\napp.setGlobalPrefix('api');"


def test_nest_controllers_give_routes_and_handlers() -> None:
    parsed = parse_response(md(("ts", NEST), ("ts", MAIN)))
    assert [(r.method, r.path) for r in http.routes(parsed)] == [
        ("GET", "/api/v1/orders/:id"),
        ("POST", "/api/v1/orders"),
    ]
    assert [h.kind for h in http.handlers(parsed)] == ["controller-method", "controller-method"]
    assert status_of("api-versioning", ("ts", NEST)) == "pass"


def test_nest_body_without_a_zod_pipe_is_unvalidated_unless_a_global_pipe_is_set() -> None:
    verdict = verdict_of("zod-validation", ("ts", NEST))
    assert verdict.status == "fail" and "@Body() body" in verdict.evidence[0].text
    global_pipe = "app.useGlobalPipes(new ZodValidationPipe());"
    assert status_of("zod-validation", ("ts", NEST), ("ts", global_pipe)) == "pass"


def test_thrown_http_errors_count_as_responses_for_status_codes() -> None:
    assert status_of("status-codes", ("ts", NEST)) == "pass"
    wrong = NEST.replace("throw new NotFoundException()", "throw new BadRequestException()")
    assert status_of("status-codes", ("ts", wrong)) == "fail"
    hono = (
        "app.get('/v1/me', async (c) => {\n  const user = c.get('user');\n"
        "  if (!user) throw new HTTPException(403, { message: 'no' });\n  return c.json(user);\n});"
    )
    assert "expected 401" in verdict_of("status-codes", ("ts", hono)).evidence[0].note


def test_thrown_errors_do_not_count_as_error_bodies() -> None:
    code = (
        "app.get('/v1/a/:id', async (c) => {\n  const a = await find(c.req.param('id'));\n"
        "  if (!a) throw new HTTPException(404);\n"
        "  if (a.locked) return c.json({ error: { code: 'LOCKED', message: 'locked' } }, 423);\n"
        "  return c.json(a);\n});"
    )
    assert status_of("error-format", ("ts", code)) == "pass"


def test_error_answered_with_the_exception_text_is_a_bare_string() -> None:
    code = (
        "app.get('/v1/a', async (req, res) => {\n  try {\n    res.json(await all());\n"
        "  } catch (err) {\n    res.status(500).send(err.message);\n  }\n});"
    )
    assert status_of("error-format", ("ts", code)) == "fail"


def test_wrapped_route_exports_are_handlers() -> None:
    code = (
        "// app/api/v1/orders/route.ts\nexport const POST = withAuth(async (req: Request, user: User) => {\n"
        "  const body = await req.json();\n"
        "  return NextResponse.json(await create(body), { status: 201 });\n});"
    )
    parsed = parse_response(md(("ts", code)))
    assert [(h.kind, h.method, h.path) for h in http.handlers(parsed)] == [
        ("route-export", "POST", "/api/v1/orders")
    ]
    assert status_of("zod-validation", ("ts", code)) == "fail"


def test_fastify_route_schema_with_zod_validates() -> None:
    code = (
        "import { z } from 'zod';\nconst Body = z.object({ name: z.string() });\n"
        "app.withTypeProvider<ZodTypeProvider>().post('/v1/users', { schema: { body: Body } },"
        " async (request, reply) => {\n  return reply.code(201).send(await create(request.body));\n});"
    )
    assert status_of("zod-validation", ("ts", code)) == "pass"


@pytest.mark.parametrize(
    "code",
    [
        "const TOKEN_COOKIE = 'session-token';",
        "const tokenUrl = 'https://oauth2.example.com/token';",
        "const REFRESH_TOKEN_TTL = '30d-rolling';",
        "throw new Error('Missing token: sign in again');",
        "const headers = { 'x-api-key-header': 'X-Api-Key', passwordField: 'password' };",
        "const res = { error: 'invalid_token' };",
    ],
)
def test_secret_named_values_that_are_not_secrets_pass(code: str) -> None:
    assert status_of("no-hardcoded-secrets", ("ts", code)) == "pass"


def test_edge_functions_are_handlers() -> None:
    code = """
Deno.serve(async (req) => {
  const body = await req.json();
  if (!body.email) {
    return new Response(JSON.stringify({ error: 'email required' }), { status: 400 });
  }
  return new Response(JSON.stringify({ ok: true }), { status: 201 });
});
"""
    verdicts = {c: status_of(c, ("ts", code)) for c in ("zod-validation", "status-codes", "error-format")}
    assert verdicts == {"zod-validation": "fail", "status-codes": "pass", "error-format": "fail"}
