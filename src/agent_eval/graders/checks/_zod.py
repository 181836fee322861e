"""Recognising Zod in parsed code: is it imported, and is a call a schema's `.parse`-family method?"""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.parsing import ParsedResponse, TsUnit

PARSE_METHODS = frozenset({"parse", "safeParse", "parseAsync", "safeParseAsync"})
THROWING_PARSE_METHODS = frozenset({"parse", "parseAsync"})
# `.parse()` receivers that are not schemas: JSON.parse, Date.parse, cookie.parse, jwt.decode's friends…
_NOT_SCHEMAS = frozenset(
    {"JSON", "Date", "Number", "URL", "qs", "querystring", "path", "url", "cookie", "jwt"}
)
_SCHEMA_NAME = re.compile(r"schema|validator", re.IGNORECASE)
_ZOD_MODULE = re.compile(r"['\"]zod(?:/[\w.]+)?['\"]")


def imports_zod(unit: TsUnit) -> bool:
    """`import { z } from 'zod'` or `require('zod')` (also `zod/v4`)."""
    sources = [unit.text(s.child_by_field_name("source")) for s in unit.of_type("import_statement")]
    sources += [
        unit.text(arguments[0])
        for call in unit.of_type("call_expression")
        if http.callee_parts(unit, call) == ("", "require") and (arguments := http.call_arguments(call))
    ]
    return any(_ZOD_MODULE.fullmatch(source) for source in sources)


def zod_in_response(response: ParsedResponse) -> bool:
    return any(imports_zod(unit) for unit in response.ts_units)


def is_schema_call(unit: TsUnit, call: Node, methods: frozenset[str], zod_present: bool) -> bool:
    """`Schema.parse(x)`-like: a parse-family method on something that is not JSON/Date/…, where Zod is
    imported, the receiver is a `z.` expression, or its name says schema/validator."""
    receiver, name = http.callee_parts(unit, call)
    if name not in methods or receiver.split(".")[0] in _NOT_SCHEMAS:
        return False
    return zod_present or receiver.startswith("z.") or bool(_SCHEMA_NAME.search(receiver))
