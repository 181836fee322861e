"""zod-validation, status-codes, error-format, api-versioning and pagination on route handlers."""

from __future__ import annotations

import pytest

from graders_snippets import status_of, verdict_of

ZOD_IMPORTED_NOT_APPLIED = """
// app/api/v1/orders/route.ts
import { NextResponse } from 'next/server';
import { z } from 'zod';

const createOrder = z.object({ productId: z.string().uuid(), quantity: z.number().int().positive() });

export async function POST(request: Request) {
  const body = (await request.json()) as z.infer<typeof createOrder>;
  const order = await db.orders.insert({ productId: body.productId, quantity: body.quantity });
  return NextResponse.json({ data: order }, { status: 201 });
}
"""
ZOD_APPLIED = """
// app/api/v1/orders/route.ts
import { z } from 'zod';
const createOrder = z.object({ productId: z.string().uuid() });

export async function POST(request: Request) {
  const json = await request.json();
  const parsed = createOrder.safeParse(json);
  if (!parsed.success) {
    return Response.json({ error: { code: 'INVALID_BODY', message: 'bad body' } }, { status: 400 });
  }
  return Response.json({ data: parsed.data }, { status: 201 });
}
"""


def test_zod_imported_but_never_applied_fails_with_the_read_as_evidence() -> None:
    verdict = verdict_of("zod-validation", ("ts", ZOD_IMPORTED_NOT_APPLIED))
    assert verdict.status == "fail"
    assert "request.json()" in verdict.evidence[0].text and "Zod is imported" in verdict.evidence[0].note


def test_zod_applied_to_the_body_passes() -> None:
    assert status_of("zod-validation", ("ts", ZOD_APPLIED)) == "pass"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # JSON.parse is not a schema
        ("app.post('/v1/x', async (req, res) => { const b = JSON.parse(req.body); res.json(b) });", "fail"),
        # Express body validated inline
        (
            "import { z } from 'zod';\n"
            "app.post('/v1/x', (req, res) => { const b = Body.parse(req.body); res.status(201).json(b) });",
            "pass",
        ),
        # query string read through searchParams without a schema
        (
            "export async function GET(req: NextRequest) {\n"
            "  const limit = Number(req.nextUrl.searchParams.get('limit'));\n"
            "  return Response.json([limit]);\n}",
            "fail",
        ),
        # Next params validated
        (
            "import { z } from 'zod';\nconst P = z.object({ id: z.string().uuid() });\n"
            "export async function GET(_req: Request, { params }: { params: { id: string } }) {\n"
            "  const { id } = P.parse(params);\n  return Response.json({ id });\n}",
            "pass",
        ),
        # Next params used raw
        (
            "export async function DELETE(_req: Request, context: { params: { id: string } }) {\n"
            "  await db.delete(context.params.id);\n  return new Response(null, { status: 204 });\n}",
            "fail",
        ),
        # Hono zValidator middleware validates, c.req.valid reads are safe
        (
            "app.post('/v1/comments', zValidator('json', schema), async (c) => {\n"
            "  const body = c.req.valid('json');\n  return c.json(body, 201);\n});",
            "pass",
        ),
        # Hono raw body read
        (
            "app.post('/v1/comments', async (c) => { const b = await c.req.json(); return c.json(b, 201) });",
            "fail",
        ),
        # handler that reads no input
        ("export async function GET() { return Response.json({ ok: true }); }", "n/a"),
    ],
)
def test_zod_validation_cases(code: str, expected: str) -> None:
    assert status_of("zod-validation", ("ts", code)) == expected


def test_server_action_arguments_are_input() -> None:
    raw = (
        "'use server';\nexport async function rename(formData: FormData) {\n"
        "  await db.rename(formData.get('name'));\n}"
    )
    checked = (
        "'use server';\nimport { z } from 'zod';\nconst S = z.object({ name: z.string() });\n"
        "export async function rename(formData: FormData) {\n"
        "  const input = S.parse({ name: formData.get('name') });\n  await db.rename(input.name);\n}"
    )
    assert status_of("zod-validation", ("ts", raw)) == "fail"
    assert status_of("zod-validation", ("ts", checked)) == "pass"


def test_prose_claiming_zod_does_not_make_it_pass() -> None:
    code = "app.post('/v1/x', async (req, res) => { await save(req.body); res.status(201).json({}) });"
    assert (
        status_of("zod-validation", ("ts", code), prose="Every body is validated with a Zod schema.")
        == "fail"
    )


def test_no_handler_means_na_for_http_checks() -> None:
    code = "export function add(a: number, b: number) { return a + b; }"
    for check in ("zod-validation", "status-codes", "error-format", "api-versioning", "pagination"):
        assert status_of(check, ("ts", code)) == "n/a", check


CATCH_200 = """
router.put('/v1/users/:id', async (req, res) => {
  try {
    const user = await updateUser(req.params.id, req.body);
    res.json({ data: user });
  } catch (err) {
    res.status(200).json({ error: { code: 'UPDATE_FAILED', message: String(err) } });
  }
});
"""
ERROR_WITHOUT_STATUS = """
// app/api/v1/orders/route.ts
export async function POST(request: Request) {
  const { data, error } = await supabase.from('orders').insert(await request.json()).select().single();
  if (error) {
    return NextResponse.json({ error: { code: 'DB_ERROR', message: error.message } });
  }
  return NextResponse.json({ data }, { status: 201 });
}
"""


@pytest.mark.parametrize(
    ("code", "expected", "note"),
    [
        (CATCH_200, "fail", "error path answered status 200"),
        (ERROR_WITHOUT_STATUS, "fail", "error path answered status 200 (default)"),
        (
            "export async function POST(req: Request) {\n  const row = await db.insert(x);\n"
            "  return NextResponse.json({ data: row });\n}",
            "fail",
            "creation answered status 200 (default), expected 201",
        ),
        (
            "app.post('/v1/x', async (req, res) => {\n  const r = S.safeParse(req.body);\n"
            "  if (!r.success) return res.status(500).json({ error: { code: 'BAD', message: '' } });\n"
            "  res.status(201).json(await repo.create(r.data));\n});",
            "fail",
            "validation answered status 500, expected 400/422",
        ),
        (
            "app.get('/v1/me', async (req, res) => {\n  const session = await getSession(req);\n"
            "  if (!session) return res.status(403).json({ error: { code: 'NO', message: '' } });\n"
            "  res.json(session.user);\n});",
            "fail",
            "unauthenticated answered status 403, expected 401",
        ),
        (
            "app.get('/v1/orders/:id', async (req, res) => {\n"
            "  const order = await repo.find(req.params.id);\n"
            "  if (!order) return res.status(400).json({ error: { code: 'X', message: '' } });\n"
            "  res.json(order);\n});",
            "fail",
            "not-found answered status 400, expected 404/410",
        ),
    ],
)
def test_status_code_mistakes(code: str, expected: str, note: str) -> None:
    verdict = verdict_of("status-codes", ("ts", code))
    assert verdict.status == expected
    assert note in [e.note for e in verdict.evidence]


def test_status_codes_pass_on_a_careful_handler() -> None:
    assert status_of("status-codes", ("ts", ZOD_APPLIED)) == "pass"


def test_parse_inside_try_answered_500_is_a_validation_failure() -> None:
    code = """
export async function POST(request: Request) {
  try {
    const input = schema.parse(await request.json());
    return NextResponse.json({ data: await create(input) }, { status: 201 });
  } catch (err) {
    return NextResponse.json({ error: { code: 'INTERNAL', message: 'failed' } }, { status: 500 });
  }
}
"""
    told_apart = code.replace(
        "} catch (err) {",
        "} catch (err) {\n    if (err instanceof ZodError) "
        "return NextResponse.json({ error: { code: 'INVALID', message: '' } }, { status: 400 });",
    )
    assert status_of("status-codes", ("ts", code)) == "fail"
    assert status_of("status-codes", ("ts", told_apart)) == "pass"


def test_status_passed_through_a_local_helper_is_judged() -> None:
    code = """
function fail(status: number, code: string, message: string) {
  return NextResponse.json({ error: { code, message } }, { status });
}
export async function GET(req: Request) {
  const user = await currentUser();
  if (!user) return fail(403, 'UNAUTHENTICATED', 'sign in');
  return NextResponse.json({ data: [] });
}
"""
    verdict = verdict_of("status-codes", ("ts", code))
    assert verdict.status == "fail" and "expected 401" in verdict.evidence[0].note


ONE_SHAPE = """
app.get('/v1/a/:id', async (req, res) => {
  if (!req.user) return res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'sign in' } });
  const a = await find(req.params.id);
  if (!a) return res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such a' } });
  res.json({ data: a });
});
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (ONE_SHAPE, "pass"),
        (
            ONE_SHAPE.replace(
                "{ error: { code: 'NOT_FOUND', message: 'no such a' } }", "{ message: 'no such a' }"
            ),
            "fail",
        ),
        (ONE_SHAPE.replace("{ error: { code: 'NOT_FOUND', message: 'no such a' } }", "'Not found'"), "fail"),
        (ONE_SHAPE.replace("code: 'NOT_FOUND', ", "").replace("code: 'UNAUTHENTICATED', ", ""), "fail"),
        ("app.get('/v1/a', async (req, res) => { res.json({ data: await all() }); });", "n/a"),
        (
            "const body = (code: string, message: string) => ({ error: { code, message } });\n"
            "app.get('/v1/a/:id', async (req, res) => {\n"
            "  if (!req.user) return res.status(401).json(body('UNAUTHENTICATED', 'sign in'));\n"
            "  res.status(404).json({ error: { code: 'NOT_FOUND', message: 'x' } });\n});",
            "pass",
        ),
    ],
)
def test_error_format(code: str, expected: str) -> None:
    assert status_of("error-format", ("ts", code)) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("// app/api/orders/route.ts\nexport async function GET() { return Response.json([]) }", "fail"),
        ("// app/api/v1/orders/route.ts\nexport async function GET() { return Response.json([]) }", "pass"),
        ("router.get('/orders', list);\napp.use('/api/v1', router);", "pass"),
        ("router.get('/orders', list);\napp.use('/api', router);", "fail"),
        ("fastify.get('/v2/users/:id', async () => ({}));", "pass"),
        ("export async function GET() { return Response.json([]) }", "n/a"),
    ],
)
def test_api_versioning(code: str, expected: str) -> None:
    assert status_of("api-versioning", ("ts", code)) == expected


def test_route_named_only_in_prose_is_not_a_route() -> None:
    assert status_of("api-versioning", ("ts", "const x = 1;"), prose="Add GET /api/orders.") == "n/a"


LIST_NO_CAP = """
// app/api/v1/orders/route.ts
export async function GET(request: NextRequest) {
  const limit = Number(request.nextUrl.searchParams.get('limit') ?? 20);
  const offset = Number(request.nextUrl.searchParams.get('offset') ?? 0);
  const { data } = await supabase.from('orders').select('*').range(offset, offset + limit - 1);
  return NextResponse.json({ data });
}
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (LIST_NO_CAP, "fail"),
        (
            LIST_NO_CAP.replace("Number(request", "Math.min(100, Number(request", 1).replace(
                "?? 20)", "?? 20))"
            ),
            "pass",
        ),
        (
            "const Q = z.object({ limit: z.coerce.number().int().max(100).default(20), "
            "cursor: z.string().optional() });\n"
            + LIST_NO_CAP.replace(
                "const limit = Number(request.nextUrl.searchParams.get('limit') ?? 20);",
                "const { limit } = Q.parse(Object.fromEntries(request.nextUrl.searchParams));",
            ),
            "pass",
        ),
        (
            "// app/api/v1/orders/route.ts\nexport async function GET() {\n"
            "  const { data } = await supabase.from('orders').select('*');\n"
            "  return NextResponse.json({ data });\n}",
            "fail",
        ),
        (
            "// app/api/v1/orders/[id]/route.ts\nexport async function GET(_r: Request, { params }: any) {\n"
            "  const { data } = await supabase.from('orders').select('*').eq('id', params.id).single();\n"
            "  return NextResponse.json({ data });\n}",
            "n/a",
        ),
        (
            "app.get('/v1/events', async (req, res) => {\n"
            "  const rows = await sql`select * from events "
            "where created_at < ${req.query.cursor} limit 50`;\n"
            "  res.json(rows);\n});",
            "pass",
        ),
    ],
)
def test_pagination(code: str, expected: str) -> None:
    assert status_of("pagination", ("ts", code)) == expected


def test_zod_required_with_commonjs_counts_as_present() -> None:
    code = (
        "const { z } = require('zod');\nconst Q = z.object({ q: z.string() });\n"
        "router.get('/v1/search', (req, res) => {\n"
        "  const { q } = Q.parse(req.query);\n  res.json(find(q));\n});"
    )
    assert status_of("zod-validation", ("js", code)) == "pass"


NEXT_CATCH = """
// app/api/v1/orders/route.ts
export async function GET() {
  try {
    return NextResponse.json({ data: await listOrders() });
  } catch (error) {
    return NextResponse.json({ error: { code: 'INTERNAL', message: 'failed' } }STATUS);
  }
}
"""


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (", { status: 200 }", "fail"),
        ("", "fail"),
        (", { status: 500 }", "pass"),
        (", { status: 503 }", "pass"),
    ],
)
def test_next_catch_block_status(status: str, expected: str) -> None:
    assert status_of("status-codes", ("ts", NEXT_CATCH.replace("STATUS", status))) == expected
