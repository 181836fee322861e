"""Check `rate-limiting`: HTTP endpoints are protected by a rate limiter in code."""

from __future__ import annotations

import re

from agent_eval.graders import http
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse

_LIMITER_PACKAGES = re.compile(
    r"express-rate-limit|@upstash/ratelimit|rate-limiter-flexible|hono-rate-limiter|@fastify/rate-limit|"
    r"fastify-rate-limit|express-slow-down|@nestjs/throttler|limiter"
)
_LIMITER_CALLS = frozenset(
    {
        "rateLimit",
        "rateLimiter",
        "RateLimit",
        "Ratelimit",
        "slidingWindow",
        "fixedWindow",
        "tokenBucket",
        "consume",
        "throttle",
        "Throttle",
        "checkRateLimit",
        "limitRequest",
    }
)


@check("rate-limiting", section_words=("rate limiting",))
def rate_limiting(response: ParsedResponse) -> Verdict:
    """n/a without an HTTP handler.

    Pass when the code applies a rate limiter: imports a limiter package (express-rate-limit,
    @upstash/ratelimit, rate-limiter-flexible, hono-rate-limiter, @fastify/rate-limit…), registers
    one, or calls one (`ratelimit.limit(key)`, `limiter.consume(ip)`, `rateLimit({...})`, a local
    `checkRateLimit()`), or answers 429 Too Many Requests. Fail when handlers exist and none of that is
    in the code (a sentence promising rate limiting does not count).
    """
    if not http.handlers(response):
        return verdict("rate-limiting", "n/a", "no HTTP handler")
    evidence: list[Evidence] = []
    for unit in response.ts_units:
        for statement in unit.of_type("import_statement"):
            if _LIMITER_PACKAGES.search(unit.text(statement)):
                evidence.append(unit.evidence(statement, "rate limiter imported"))
        for call in unit.of_type("call_expression", "new_expression"):
            receiver, name = http.callee_parts(unit, call)
            if name in _LIMITER_CALLS or (name == "limit" and re.search(r"rate|limiter", receiver, re.I)):
                evidence.append(unit.evidence(call, "rate limiter applied"))
    evidence.extend(
        site.unit.evidence(site.node, "answers 429")
        for site in http.response_sites(response)
        if site.status == 429
    )
    if not evidence:
        return verdict("rate-limiting", "fail", "handlers without any rate limiting in code")
    return verdict("rate-limiting", "pass", "rate limiting applied", evidence)
