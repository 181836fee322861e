"""Check `api-versioning`: every HTTP route lives under a version segment."""

from __future__ import annotations

import re

from agent_eval.graders import http
from agent_eval.graders.checks._task_words import HTTP_TASK_WORDS
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Verdict
from agent_eval.graders.parsing import ParsedResponse

_VERSION_SEGMENT = re.compile(r"/v\d+(?:\.\d+)?(?:/|$)", re.IGNORECASE)


@check("api-versioning", task_words=HTTP_TASK_WORDS, section_words=("versioning",), contract=5)
def api_versioning(response: ParsedResponse) -> Verdict:
    """n/a when no HTTP route path is defined in code.

    Route paths come from Next.js file-path comments or headings (`app/api/v1/orders/route.ts` →
    `/api/v1/orders`, `pages/api/…`) and from router calls (`router.get('/v1/orders')`, Hono `app.get`,
    Fastify `fastify.get` / `route({ url })`, Koa routers), NestJS controllers (global prefix, `@Controller`
    and method paths, URI versions) and plain Node servers (the paths `http.createServer` listeners compare
    the URL with), with mount prefixes (`app.use('/v1', auth, router)`, Koa `new Router({ prefix })` and
    `use('/v1', r.routes())`, Hono `app.route`/`basePath`, Fastify `register(plugin, { prefix })`)
    applied. Pass when every path has a version segment (`/v1/`, `/api/v2/`…); fail when any path has
    none (`/api/orders`).
    """
    found = http.routes(response)
    if not found:
        return verdict("api-versioning", "n/a", "no HTTP routes defined")
    unversioned = [r for r in found if not _VERSION_SEGMENT.search(r.path)]
    if unversioned:
        evidence = [r.unit.evidence(r.node, f"{r.path} has no version segment") for r in unversioned]
        return verdict("api-versioning", "fail", f"{len(unversioned)} route(s) without a version", evidence)
    evidence = [r.unit.evidence(r.node, r.path) for r in found]
    return verdict("api-versioning", "pass", f"{len(found)} route(s) versioned", evidence)
