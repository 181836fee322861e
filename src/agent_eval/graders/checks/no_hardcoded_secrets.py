"""Check `no-hardcoded-secrets`: secrets, keys, tokens and credentials come from the environment."""

from __future__ import annotations

import re

from tree_sitter import Node

from agent_eval.graders import http
from agent_eval.graders.checks.registry import check, verdict
from agent_eval.graders.model import Evidence, Verdict
from agent_eval.graders.parsing import ParsedResponse, TsUnit

SECRET_NAME = re.compile(
    r"secret|passw(?:or)?d|passwd|pwd|api_?key|apikey|access_?key|private_?key|signing_?key|token|credential|"
    r"auth_?key|service_?role|client_?secret|database_?url|db_?url|connection_?string|dsn|jwt_?key",
    re.IGNORECASE,
)
_KEY_FORMATS = re.compile(
    r"sk_(?:live|test)_[0-9a-zA-Z]{8,}|sk-[A-Za-z0-9_\-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|"
    r"xox[abprs]-[A-Za-z0-9\-]{10,}|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}|"
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"AIza[0-9A-Za-z\-_]{30,}"
)
_CONNECTION_WITH_PASSWORD = re.compile(
    r"\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|rediss|amqps?)://[^:/\s'\"`]+:(?P<password>[^@\s'\"`]+)@"
)
# A URL without an inline password (`postgres://localhost/app_dev`, `https://api.example.com`) locates a
# service; it authenticates nothing.
_URL = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
# What example files and docs put where a secret goes: `USER:PASSWORD`, `<db-password>`, `${DB_PASS}`,
# `changeme`, `xxxx`, `your-password-here`, `***`. A realistic literal (`Sh0pApp!2024`) matches none.
_PLACEHOLDER = re.compile(
    r"^(?:[$<{*].*|[A-Z][A-Z0-9_]*|(?i:x{3,}|\.{3}|changeme|change[-_]me|(?:your|my)[-_][\w-]*|"
    r"[\w-]*[-_]here|placeholder|redacted|dummy))$"
)
_SIGNING_CALLS = frozenset({"sign", "verify", "createHmac", "setSecret"})
_NOT_SECRET_VALUES = re.compile(r"^(?:|\*+|x+|\.\.\.|<[^>]*>|\$\{[^}]*\}|[A-Z][A-Z0-9_]*)$")
_OTHER_LANGUAGE_ASSIGNMENT = re.compile(
    r"(?P<name>[\w.]+)\s*(?::=|=|:)\s*(?P<quote>['\"`])(?P<value>[^'\"`]{4,})(?P=quote)"
)
_NOT_SECRET_SUFFIXES = (
    "header",
    "name",
    "type",
    "field",
    "param",
    "env",
    "cookie",
    "url",
    "uri",
    "endpoint",
    "path",
    "prefix",
    "expiry",
    "expires",
    "expiresin",
    "ttl",
    "lifetime",
    "age",
    "length",
    "column",
    "table",
    "scope",
    "audience",
    "issuer",
    "algorithm",
    "alg",
    "label",
    "message",
    "error",
    "key_id",
    "keyid",
    "kid",
)
_ENV_READ = re.compile(
    r"process\.env\.\w+|process\.env\[|import\.meta\.env\.\w+|os\.environ|os\.getenv|Getenv\("
)
_ENVIRONMENT_FILES = frozenset({"dotenv", "shell", "text", "json", "yaml"})


@check("no-hardcoded-secrets", every_task=True, section_words=("api key", "secret"), contract=8)
def no_hardcoded_secrets(response: ParsedResponse) -> Verdict:
    """Always applicable (pass when the code holds no secret at all).

    Fail when code holds a literal secret: a string assigned to (or used as the default/fallback of) a
    secret-named variable, property or environment variable — `process.env.JWT_SECRET ?? 'dev-secret'`
    and `|| 'x'` fallbacks included —, a literal passed as the key of `jwt.sign`/`verify`/`createHmac`, a
    value in a known key format (Stripe `sk_live_`, AWS `AKIA`, GitHub `ghp_`, Slack `xox`, JWTs, PEM
    private keys) or a connection string with an inline password (unless the password is an
    interpolation). Environment files and shell snippets are the environment: only known key formats and
    password-bearing connection strings count there. Placeholders are not secrets: `<your-key>`, `***`,
    and as a connection-string password an ALL-CAPS word (`postgres://USER:PASSWORD@…`), `<db-password>`,
    `${DB_PASSWORD}`, `changeme`, `xxx`, `your-…-here`; a realistic literal password still fails.
    """
    found: list[Evidence] = []
    for unit in response.ts_units:
        found.extend(_typescript_secrets(unit))
    for block in response.code_blocks:
        if block.language in {"python", "go"}:
            for row, line in enumerate(block.text.split("\n")):
                assignment = _OTHER_LANGUAGE_ASSIGNMENT.search(line)
                if (
                    assignment
                    and SECRET_NAME.search(assignment["name"])
                    and not _NOT_SECRET_VALUES.match(assignment["value"])
                    and not _ENV_READ.search(line)
                ):
                    found.append(
                        Evidence(line=block.response_line(row), text=line.strip(), note="literal secret")
                    )
        if block.language in {"sql", "typescript", "tsx", "javascript"}:
            continue
        for row, line in enumerate(block.text.split("\n")):
            note = _format_match(line)
            if note:
                found.append(Evidence(line=block.response_line(row), text=line.strip(), note=note))
    if found:
        return verdict("no-hardcoded-secrets", "fail", f"{len(found)} hard-coded secret(s)", found)
    env_reads = [
        Evidence(line=block.response_line(row), text=line.strip(), note="read from the environment")
        for block in response.code_blocks
        if block.language not in _ENVIRONMENT_FILES
        for row, line in enumerate(block.text.split("\n"))
        if _ENV_READ.search(line) and SECRET_NAME.search(line)
    ]
    return verdict("no-hardcoded-secrets", "pass", "no literal secret in code", env_reads)


def _format_match(text: str) -> str:
    if _KEY_FORMATS.search(text):
        return "value in a known key format"
    connection = _CONNECTION_WITH_PASSWORD.search(text)
    if connection and not is_placeholder(connection["password"]):
        return "connection string with an inline password"
    return ""


def is_placeholder(value: str) -> bool:
    """A stand-in for a secret (ALL-CAPS word, `<…>`, `${…}`, `changeme`, `xxx`, `your-…-here`), not one."""
    return bool(_PLACEHOLDER.match(value.strip()))


def _typescript_secrets(unit: TsUnit) -> list[Evidence]:
    found: list[Evidence] = []
    for literal in unit.of_type("string", "template_string"):
        value = http.string_value(unit, literal)
        text = unit.text(literal)
        note = _format_match(text)
        if note:
            found.append(unit.evidence(literal, note))
            continue
        if value is None or not _could_be_secret(value):
            continue
        owner = _secret_owner(unit, literal)
        if owner:
            found.append(unit.evidence(literal, owner))
    return found


def _secret_owner(unit: TsUnit, literal: Node) -> str:
    """Why a string literal is a secret, judged from where it sits ('' when it is not one)."""
    parent = literal.parent
    if parent is None:
        return ""
    right = parent.child_by_field_name("right") if parent.type == "binary_expression" else None
    if right is not None and right.id == literal.id:
        operator = unit.text(parent.child_by_field_name("operator"))
        left = unit.text(parent.child_by_field_name("left"))
        if operator in {"??", "||"} and SECRET_NAME.search(left):
            return f"literal fallback for {left}"
        parent = parent.parent
        if parent is None:
            return ""
    if parent.type == "variable_declarator":
        name = unit.text(parent.child_by_field_name("name"))
        return (
            f"literal assigned to {name}"
            if SECRET_NAME.search(name) and not _names_a_non_secret(name)
            else ""
        )
    if parent.type == "pair":
        key = unit.text(parent.child_by_field_name("key")).strip("'\"")
        return f"literal {key}" if SECRET_NAME.search(key) and not _names_a_non_secret(key) else ""
    if parent.type == "assignment_expression":
        left = unit.text(parent.child_by_field_name("left"))
        return f"literal assigned to {left}" if SECRET_NAME.search(left) else ""
    if parent.type == "arguments" and parent.parent is not None and parent.parent.type == "call_expression":
        _, name = http.callee_parts(unit, parent.parent)
        arguments = list(parent.named_children)
        if name in _SIGNING_CALLS and len(arguments) > 1 and arguments[1].id == literal.id:
            return f"literal key passed to {name}()"
        if name == "encode" and _inside_secret_declaration(unit, literal):  # jose: TextEncoder().encode('…')
            return "literal signing key"
    return ""


def _could_be_secret(value: str) -> bool:
    """Secrets are opaque tokens: not placeholders, messages with spaces, plain URLs or paths."""
    stripped = value.strip()
    return (
        len(stripped) >= 4
        and not _NOT_SECRET_VALUES.match(stripped)
        and not re.search(r"\s", stripped)
        and not _URL.match(stripped)  # a password-bearing one is caught by _format_match first
        and not stripped.startswith(("/", "./"))
    )


def _names_a_non_secret(name: str) -> bool:
    return name.lower().endswith(_NOT_SECRET_SUFFIXES)


def _inside_secret_declaration(unit: TsUnit, literal: Node) -> bool:
    declarator = http.enclosing(literal, "variable_declarator")
    return declarator is not None and bool(
        SECRET_NAME.search(unit.text(declarator.child_by_field_name("name")))
    )
