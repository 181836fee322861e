"""no-hardcoded-secrets, typescript-no-any, rate-limiting, jwt-practices; the registry and grade_response."""

from __future__ import annotations

import pytest

from agent_eval.graders.checks.registry import CHECKS, check, contract_check_ids
from agent_eval.graders.grade import UnknownCheckError, grade_response
from graders_snippets import md, status_of, verdict_of


@pytest.mark.parametrize(
    ("tag", "code", "expected"),
    [
        ("ts", "const secret = process.env.JWT_SECRET ?? 'dev-secret-change-me';", "fail"),
        ("ts", "const key = process.env.STRIPE_KEY || 'sk_test_51Habcdefghijklmnop';", "fail"),
        (
            "ts",
            "const secret = process.env.JWT_SECRET;\nif (!secret) throw new Error('JWT_SECRET missing');",
            "pass",
        ),
        ("ts", "const port = process.env.PORT ?? '3000';", "pass"),
        ("ts", "export const JWT_SECRET = 'super-secret-value';", "fail"),
        ("ts", "const token = jwt.sign({ sub: id }, 'hunter2hunter2', { expiresIn: '1h' });", "fail"),
        ("ts", "const pool = new Pool({ connectionString: 'postgres://app:s3cr3t@db:5432/app' });", "fail"),
        ("ts", "const pool = new Pool({ connectionString: `postgres://app:${pw}@db:5432/app` });", "pass"),
        (
            "ts",
            "const admin = createClient(url, 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.x');",
            "fail",
        ),
        ("ts", "const config = { password: process.env.DB_PASSWORD, user: 'app' };", "pass"),
        ("ts", "const API_KEY_HEADER = 'x-api-key';", "pass"),
        ("dotenv", "JWT_SECRET=<generate with openssl rand -hex 32>", "pass"),
        ("dotenv", "STRIPE_SECRET_KEY=sk_live_abcdefghijklmnop1234", "fail"),
        ("python", "SECRET_KEY = 'django-insecure-abc123'", "fail"),
        ("python", "SECRET_KEY = os.environ['SECRET_KEY']", "pass"),
        ("ts", "const x = 1;", "pass"),
    ],
)
def test_no_hardcoded_secrets(tag: str, code: str, expected: str) -> None:
    assert status_of("no-hardcoded-secrets", (tag, code)) == expected


def test_secret_in_a_comment_or_prose_is_not_code() -> None:
    code = "// never do: const secret = 'abc-literal-secret'\nconst secret = process.env.SECRET!;"
    prose = "Don't write `const secret = 'abc'` in code."
    assert status_of("no-hardcoded-secrets", ("ts", code), prose=prose) == "pass"


def test_fallback_evidence_names_the_variable() -> None:
    verdict = verdict_of("no-hardcoded-secrets", ("ts", "const s = process.env.JWT_SECRET ?? 'dev-secret';"))
    assert verdict.evidence[0].note == "literal fallback for process.env.JWT_SECRET"


@pytest.mark.parametrize(
    ("tag", "code", "expected"),
    [
        ("ts", "function f(x: any) { return x; }", "fail"),
        ("ts", "const rows = data as any[];", "fail"),
        ("ts", "const m: Record<string, any> = {};", "fail"),
        ("ts", "function f(x: unknown) { return x; }\nconst s = 'any';  // any is fine in strings", "pass"),
        ("js", "function f(x) { return x; }", "n/a"),
        ("sql", "select 1;", "n/a"),
    ],
)
def test_typescript_no_any(tag: str, code: str, expected: str) -> None:
    assert status_of("typescript-no-any", (tag, code)) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "import rateLimit from 'express-rate-limit';\n"
            "app.use(rateLimit({ windowMs: 60000, limit: 100 }));\n"
            "app.get('/v1/x', (req, res) => res.json([]));",
            "pass",
        ),
        (
            "export async function POST(req: Request) {\n  const { success } = await ratelimit.limit(ip);\n"
            "  if (!success) return Response.json({ error: { code: 'RATE_LIMITED' } }, { status: 429 });\n"
            "  return Response.json({}, { status: 201 });\n}",
            "pass",
        ),
        ("app.get('/v1/x', (req, res) => res.json([]));", "fail"),
        ("const x = 1;", "n/a"),
    ],
)
def test_rate_limiting(code: str, expected: str) -> None:
    assert status_of("rate-limiting", ("ts", code)) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "const t = jwt.sign({ sub }, process.env.JWT_SECRET!, "
            "{ expiresIn: '15m', algorithm: 'HS256' });\n"
            "const c = jwt.verify(t, process.env.JWT_SECRET!, { algorithms: ['HS256'] });",
            "pass",
        ),
        ("const t = jwt.sign({ sub }, process.env.JWT_SECRET!);", "fail"),
        ("const c = jwt.verify(t, process.env.JWT_SECRET!);", "fail"),
        ("const claims = jwt.decode(token);", "fail"),
        (
            "const jwt = await new SignJWT({ sub }).setProtectedHeader({"
            " alg: 'HS256' }).setExpirationTime('2h')"
            ".sign(key);\nconst { payload } = await jwtVerify(jwt, key);",
            "pass",
        ),
        ("const x = 1;", "n/a"),
    ],
)
def test_jwt_practices(code: str, expected: str) -> None:
    assert status_of("jwt-practices", ("ts", code)) == expected


def test_registry_holds_the_contract_checks_and_the_extras() -> None:
    assert set(contract_check_ids()) | {"typescript-no-any", "rate-limiting", "jwt-practices"} <= set(CHECKS)
    assert all(spec.semantics != spec.id for spec in CHECKS.values())


def test_registering_an_id_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        check("rls-enabled")(lambda response: CHECKS["rls-enabled"].function(response))


def test_grade_response_runs_the_requested_checks_in_order_and_refuses_unknown_ids() -> None:
    text = md(("sql", "create table t (id int);"))
    verdicts = grade_response(text, ["rls-enabled", "api-versioning"])
    assert list(verdicts) == ["rls-enabled", "api-versioning"]
    assert [v.status for v in verdicts.values()] == ["fail", "n/a"]
    assert list(grade_response(text))[:8] == contract_check_ids()
    with pytest.raises(UnknownCheckError, match="nope"):
        grade_response(text, ["nope"])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no code at all",
        "```ts\n}}}{{{ export async function GET( \n```",
        "```sql\ncreate table (;\n```",
        "```\n\x00\x01 binary-ish\n```",
        "```ts\n" + "const a = [" * 200 + "\n```",
        "```python\ndef broken(:\n```",
        "~~~\nunclosed tilde fence",
    ],
)
def test_malformed_input_never_raises(text: str) -> None:
    verdicts = grade_response(text)
    assert set(verdicts) == set(CHECKS)
    assert verdicts["no-hardcoded-secrets"].status == "pass"
    assert not any(v.reason.startswith("check failed") for v in verdicts.values())


def test_jose_key_encoded_from_a_literal_is_a_secret() -> None:
    code = "const secret = new TextEncoder().encode('my-signing-key-123');"
    assert verdict_of("no-hardcoded-secrets", ("ts", code)).evidence[0].note == "literal signing key"
