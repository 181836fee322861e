"""`http-contract`: the changed route handlers called in Node with crafted requests against a real database.

The project's migrations are applied to a fresh database with two users (A and B) in `auth.users`; the
handlers run unbuilt (`node/ts_loader.mjs` transpiles the project's TypeScript on import) with
`DATABASE_URL` and a JWT secret set, and sessions are Supabase-style HS256 access tokens. Cases come from
two places: generic ones for every changed `route.ts` (a handler that reads the session answers 401 in the
project's error shape without one; a body method answers 400 to malformed JSON) and the task's own
(`http:` in agentic.yaml: create → 201, delete → 204, a list asked for 1000 items stays bounded…).
Every 4xx/5xx answer must be the project's one JSON error shape: `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from agent_eval.executors import ExecutorUnavailable, agent_code_env
from agent_eval.executors.migrations import MigrationError, apply_migrations, project_migrations
from agent_eval.executors.postgres import PostgresServer, connect, fresh_database
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.scenarios.agentic import HttpCase

CHECK_ID = "http-contract"
APP_DIR = "app"
_BODY_METHODS = ("POST", "PUT", "PATCH")
_EXPORTED_METHOD = re.compile(
    r"export\s+(?:async\s+function\s+|function\s+|const\s+)(GET|POST|PUT|PATCH|DELETE)\b"
)
_USES_SESSION = re.compile(r"\b(requireSession|getSession|getUser)\s*\(")
_NODE_TIMEOUT_S = 120
_BASE_URL = "http://localhost:3000"


@dataclass(frozen=True)
class Route:
    """A route handler file and its URL pattern (`/api/v1/projects/[id]`, route groups dropped)."""

    file: str
    pattern: str

    @property
    def segments(self) -> list[str]:
        return self.pattern.strip("/").split("/")

    def example_path(self) -> str:
        """The pattern with every dynamic segment filled with a fresh UUID (a row that does not exist)."""
        return "/" + "/".join(str(uuid.uuid4()) if s.startswith("[") else s for s in self.segments)

    def matches(self, path: str) -> bool:
        parts = path.split("?")[0].strip("/").split("/")
        segments = self.segments
        catch_all = bool(segments) and segments[-1].startswith("[...")
        if len(parts) != len(segments) and not (catch_all and len(parts) >= len(segments)):
            return False
        return all(_segment_ok(s, p) for s, p in zip(segments, parts, strict=False))


def _segment_ok(segment: str, part: str) -> bool:
    return segment.startswith("[") or segment == part


def routes(project_dir: Path) -> list[Route]:
    found = []
    for path in sorted((project_dir / APP_DIR).rglob("route.ts")):
        relative = path.relative_to(project_dir)
        parts = [p for p in relative.parts[1:-1] if not (p.startswith("(") and p.endswith(")"))]
        found.append(Route(file=relative.as_posix(), pattern="/" + "/".join(parts)))
    return found


def generic_cases(project_dir: Path, changed: Sequence[str]) -> list[HttpCase]:
    """The cases every changed route handler must answer, whatever the task."""
    cases = []
    changed_set = {Path(path).as_posix() for path in changed}
    for route in routes(project_dir):
        if route.file not in changed_set:
            continue
        source = (project_dir / route.file).read_text(encoding="utf-8")
        dynamic = "[" in route.pattern
        for method in dict.fromkeys(_EXPORTED_METHOD.findall(source)):
            stem = f"{method.lower()}-{re.sub(r'[^a-z0-9]+', '-', route.pattern.lower()).strip('-')}"
            common = {"method": method, "path": route.example_path()}
            if _USES_SESSION.search(source):
                body: dict[str, Any] | None = {} if method in _BODY_METHODS else None
                cases.append(
                    HttpCase(id=f"{stem}-no-session", session="none", body=body, expect=(401,), **common)
                )
            if method in _BODY_METHODS:
                expect = (400, 404) if dynamic else (400,)
                cases.append(
                    HttpCase(id=f"{stem}-malformed-json", raw_body="{not json", expect=expect, **common)
                )
    return cases


def http_contract(
    server: PostgresServer, project_dir: Path, changed: Sequence[str], cases: Sequence[HttpCase] = ()
) -> Verdict:
    """Run the generic cases of the changed routes and the task's `cases`; fail on any unexpected answer."""
    all_cases = [*generic_cases(project_dir, changed), *cases]
    if not all_cases:
        return Verdict(check=CHECK_ID, status="n/a", reason="no route handler changed and no case given")
    known = routes(project_dir)
    planned: list[dict[str, Any]] = []
    failures: list[Evidence] = []
    for case in all_cases:
        route = next((r for r in known if r.matches(case.path)), None)
        if route is None:
            failures.append(_evidence(case, f"no route handler serves {case.path}"))
            continue
        planned.append({"case": case, "route": route})
    users = {"A": uuid.uuid4(), "B": uuid.uuid4()}
    secret = secrets.token_urlsafe(32)
    with fresh_database(server) as url:
        with connect(url) as connection:
            try:
                apply_migrations(connection, project_migrations(project_dir, changed))
            except MigrationError as exc:
                return Verdict(check=CHECK_ID, status="fail", reason=str(exc), evidence=(exc.evidence,))
            for label, user_id in users.items():
                connection.execute(
                    "insert into auth.users (id, email) values (%s, %s)",
                    (user_id, f"{label.lower()}@example.test"),
                )
        try:
            answers = _run_node(project_dir, url, secret, users, planned)
        except subprocess.TimeoutExpired:
            reason = f"the handlers did not answer within {_NODE_TIMEOUT_S} s"
            return Verdict(check=CHECK_ID, status="fail", reason=reason)
    for item in planned:
        case = item["case"]
        problem = _problem(case, answers.get(case.id))
        if problem:
            failures.append(_evidence(case, problem))
    if failures:
        return Verdict(
            check=CHECK_ID,
            status="fail",
            reason=f"{len(failures)} of {len(all_cases)} case(s) failed",
            evidence=tuple(failures),
        )
    return Verdict(check=CHECK_ID, status="pass", reason=f"{len(all_cases)} case(s) answered as expected")


def _problem(case: HttpCase, answer: dict[str, Any] | None) -> str | None:
    if answer is None:
        return "no answer"
    if "error" in answer:
        return f"the handler threw: {answer['error']}"
    status = int(answer["status"])
    body = str(answer.get("body") or "")
    if status not in case.expect:
        return f"expected {' or '.join(map(str, case.expect))}, got {status}: {body[:200]}"
    parsed = _json(body)
    if status >= 400 and not _error_shaped(parsed):
        return f'{status} without the error shape {{"error": {{"code", "message"}}}}: {body[:200]}'
    if case.max_items is not None and 200 <= status < 300:
        items = parsed.get("data") if isinstance(parsed, dict) else parsed
        if not isinstance(items, list):
            return f"expected a list under `data`, got: {body[:200]}"
        if len(items) > case.max_items:
            return f"the list is unbounded: {len(items)} items for at most {case.max_items}"
    return None


def _error_shaped(parsed: Any) -> bool:
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("message"), str)
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _evidence(case: HttpCase, problem: str) -> Evidence:
    who = "no session" if case.session == "none" else f"user {case.session}"
    return Evidence(line=0, text=f"{case.method} {case.path} ({who})", note=f"{case.id}: {problem}")


def _run_node(
    project_dir: Path,
    database_url: str,
    secret: str,
    users: dict[str, uuid.UUID],
    planned: list[dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        raise ExecutorUnavailable("node is not installed: http-contract cannot call the handlers")
    plan = {"cases": [_plan_entry(item["case"], item["route"], secret, users) for item in planned]}
    runner = Path(str(files("agent_eval.executors").joinpath("node", "http_runner.mjs")))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    try:
        done = subprocess.run(
            [node, str(runner), str(project_dir), handle.name],
            cwd=project_dir,
            env={**agent_code_env(), **_database_env(database_url), "SUPABASE_JWT_SECRET": secret},
            capture_output=True,
            text=True,
            timeout=_NODE_TIMEOUT_S,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    try:
        results = json.loads(done.stdout)
    except ValueError as exc:
        raise ExecutorUnavailable(
            f"the Node runner failed: {(done.stderr or done.stdout).strip()[-800:]}"
        ) from exc
    return {str(result["id"]): result for result in results}


def _plan_entry(case: HttpCase, route: Route, secret: str, users: dict[str, uuid.UUID]) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if case.session != "none":
        headers["authorization"] = f"Bearer {access_token(secret, users[case.session])}"
    body = (
        case.raw_body if case.raw_body is not None else (None if case.body is None else json.dumps(case.body))
    )
    return {
        "id": case.id,
        "file": route.file,
        "route": route.pattern,
        "method": case.method,
        "url": _BASE_URL + case.path,
        "headers": headers,
        "body": body,
    }


def access_token(secret: str, user_id: uuid.UUID, lifetime_s: int = 3600) -> str:
    """A Supabase-style access token (HS256) for `user_id`."""

    def segment(value: dict[str, Any]) -> str:
        raw = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {
        "sub": str(user_id),
        "role": "authenticated",
        "aud": "authenticated",
        "exp": int(time.time()) + lifetime_s,
    }
    signing_input = f"{segment({'alg': 'HS256', 'typ': 'JWT'})}.{segment(claims)}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _database_env(url: str) -> dict[str, str]:
    """DATABASE_URL for the project's client. A Unix socket (`postgresql://user:@/db?host=/dir`, as the
    embedded server gives) becomes `postgresql:///db` with PGHOST and PGUSER, the form postgres.js and
    node-postgres both read (WHATWG URLs allow no user without a host)."""
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    if not socket_dir.startswith("/"):
        return {"DATABASE_URL": url}
    return {
        "DATABASE_URL": urlunsplit((parts.scheme, "", parts.path, "", "")),
        "PGHOST": socket_dir,
        "PGUSER": parts.username or "postgres",
    }
