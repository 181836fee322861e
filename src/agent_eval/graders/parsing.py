"""Markdown response → prose, fenced code blocks with response line numbers, and lazily built syntax trees.

A response is parsed once into a `ParsedResponse` that every check shares: TypeScript/JavaScript blocks are
parsed with tree-sitter (built on first use and cached), SQL blocks with pglast (statement by statement when
the whole block does not parse). Nothing here raises on malformed input: partial snippets degrade to fewer
facts, never to an exception.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import Any, TypeVar

import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Tree

from agent_eval.graders.model import Evidence

_Fact = TypeVar("_Fact")

TS_FAMILY = frozenset({"typescript", "tsx", "javascript"})

_TAG_LANGUAGES = {
    "ts": "typescript",
    "typescript": "typescript",
    "mts": "typescript",
    "cts": "typescript",
    "tsx": "tsx",
    "jsx": "tsx",
    "js": "javascript",
    "javascript": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "node": "javascript",
    "sql": "sql",
    "postgresql": "sql",
    "postgres": "sql",
    "pgsql": "sql",
    "psql": "sql",
    "plpgsql": "sql",
    "json": "json",
    "jsonc": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "sh": "shell",
    "bash": "shell",
    "shell": "shell",
    "zsh": "shell",
    "console": "shell",
    "shellsession": "shell",
    "py": "python",
    "python": "python",
    "python3": "python",
    "go": "go",
    "golang": "go",
    "env": "dotenv",
    "dotenv": "dotenv",
}
_EXTENSION_LANGUAGES = {
    "ts": "typescript",
    "mts": "typescript",
    "tsx": "tsx",
    "jsx": "tsx",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "sql": "sql",
    "json": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "sh": "shell",
    "py": "python",
    "go": "go",
    "env": "dotenv",
}

# Fences inside list items are indented past CommonMark's 3 spaces in many model answers: accept any indent.
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_PATH = r"[\w@.\-\[\]()$]+(?:/[\w@.\-\[\]()$]+)*\.(?:ts|tsx|js|jsx|mjs|cjs|sql|py|go|json|ya?ml|env)"
_PATH_COMMENT = re.compile(
    rf"^\s*(?://|#|--|/\*+|\*)\s*(?:(?:file|filename|path)\s*:\s*)?`?(?P<path>{_PATH})`?", re.IGNORECASE
)
_PROSE_PATH = re.compile(rf"`(?P<path>{_PATH})`|\*\*(?P<bold>{_PATH})\*\*|^#+\s*(?P<heading>{_PATH})\s*$")
_INFO_PATH = re.compile(rf"(?:title|file|filename)=[\"']?(?P<path>{_PATH})|:(?P<colon>{_PATH})")

_SQL_START = re.compile(
    r"^\s*(create|alter|select|insert|update|delete|with|drop|grant|revoke|begin|comment\s+on|truncate)\b",
    re.IGNORECASE,
)
_SHELL_START = re.compile(
    r"^\s*(\$ |npm |npx |pnpm |yarn |curl |docker |git |pip |supabase |export [A-Z_]+=)"
)
_PYTHON_HINT = re.compile(
    r"^\s*(def |async def |from [\w.]+ import |import [\w.]+\s*$|class \w+(\(.*\))?:)", re.M
)
_GO_HINT = re.compile(r"^\s*(package \w+|func \w*\(|func \(\w)", re.M)
_TS_HINT = re.compile(
    r"^\s*(import .* from ['\"]|import ['\"]|export |const |let |function |async function |interface |"
    r"type \w+ =|app\.|router\.)|=>",
    re.M,
)
_TS_TYPES_HINT = re.compile(
    r"(:\s*(string|number|boolean|unknown|any|Promise<|[A-Z]\w*)\b|\binterface \w+|\btype \w+ =)"
)
# What marks a block as shown wrong: a ❌, a bare label ("Before:", "Bad (injectable):"), a wrong-word on
# the code ("the vulnerable query", "vulnerable to"), "don't do this", or the user's own code quoted back.
_SHOWN_AS_WRONG = re.compile(
    r"❌|🚫|⛔|"
    r"^\W*(?:before|bad|wrong|vulnerable|insecure|unsafe|incorrect|broken|problem(?:atic)?|anti-?pattern|"
    r"don'?t|do not|avoid)\b[^:\w]*(?:\([^)]*\))?\s*:?\s*$|"
    r"\b(?:vulnerable|insecure|unsafe|problematic|wrong|bad|incorrect|broken|buggy)\b(?: \w+)? "
    r"(?:code|version|query|implementation|handler|snippet|approach|pattern|example)\b|"
    r"\bvulnerable to\b|\b(?:don'?t|do not|never) do (?:this|that)\b|"
    r"\byour (?:current|original|existing) (?:code|version|query|implementation|handler|snippet|route)\b",
    re.IGNORECASE,
)
_FIXED_EXAMPLE = re.compile(
    r"✅|\b(?:after|fixed|corrected|secure version|safe version|instead)\b", re.IGNORECASE
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]{2,}")
_COMMENT_OR_STRING = re.compile(r"//[^\n]*|--[^\n]*|#[^\n]*|/\*.*?\*/|'[^'\n]*'|\"[^\"\n]*\"", re.DOTALL)
# Words every block of a language shares: they say nothing about two blocks being the same code.
_KEYWORDS = frozenset(
    {
        "const", "let", "var", "await", "async", "function", "return", "import", "from", "export",
        "default", "new", "this", "true", "false", "null", "undefined", "try", "catch", "throw",
        "if", "else", "for", "while", "type", "interface", "select", "where", "insert", "into",
        "values", "update", "set", "delete", "create", "table", "alter", "and", "not", "references",
        "primary", "key", "text", "int", "uuid",
    }
)
# Another block rewrites a counter-example when this share of the smaller one's identifiers appear in both.
_SAME_CODE_OVERLAP = 0.5
_COMMENT_START = re.compile(r"^(?://|/\*|--|#)")
_DOTENV_HINT = re.compile(r"^[A-Z][A-Z0-9_]*=\S*$")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block; `start_line` is the 1-based response line of the block's first code line."""

    index: int
    language: str
    tag: str
    text: str
    start_line: int
    path_hint: str | None = None
    shown_as_wrong: bool = False  # introduced or opened as what not to do ("Before:", "❌", "unsafe code")
    counter_example: bool = False  # shown as wrong AND rewritten by another block: not graded

    @property
    def first_line(self) -> int:
        """`start_line` under the name project checks use (CONTRACT.md "Project checks")."""
        return self.start_line

    def response_line(self, row: int) -> int:
        return self.start_line + row

    def line_text(self, row: int) -> str:
        lines = self.text.split("\n")
        return lines[row] if 0 <= row < len(lines) else ""


@dataclass
class TsUnit:
    """A TypeScript/JavaScript block with its tree and its nodes indexed by type (one walk per block)."""

    block: CodeBlock
    source: bytes
    tree: Tree

    @cached_property
    def nodes(self) -> dict[str, list[Node]]:
        index: dict[str, list[Node]] = defaultdict(list)
        cursor = self.tree.walk()
        while True:
            node = cursor.node
            if node is not None and node.is_named:
                index[node.type].append(node)
            if cursor.goto_first_child():
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    return index

    def of_type(self, *types: str, within: Node | None = None) -> list[Node]:
        found = [node for kind in types for node in self.nodes.get(kind, ())]
        if within is not None:
            found = [n for n in found if within.start_byte <= n.start_byte and n.end_byte <= within.end_byte]
        return sorted(found, key=lambda n: n.start_byte)

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def code_text(self, node: Node) -> str:
        """The node's source with comments blanked out, so a comment never counts as code."""
        chunk = bytearray(self.source[node.start_byte : node.end_byte])
        for comment in self.of_type("comment", within=node):
            start, end = comment.start_byte - node.start_byte, comment.end_byte - node.start_byte
            chunk[start:end] = b" " * (end - start)
        return chunk.decode("utf-8", errors="replace")

    def evidence(self, node: Node, note: str = "") -> Evidence:
        row = node.start_point.row
        return Evidence(line=self.block.response_line(row), text=self.block.line_text(row).strip(), note=note)


@dataclass(frozen=True)
class SqlStatement:
    """One SQL statement: its text, the response line it starts on and its pglast node (None if unparsed)."""

    block: CodeBlock
    text: str
    line: int
    node: Any | None

    def evidence(self, note: str = "") -> Evidence:
        row = self.line - self.block.start_line
        return Evidence(line=self.line, text=self.block.line_text(row).strip(), note=note)


@dataclass
class ParsedResponse:
    """A response split into prose and code, with trees built on first use and shared by every check."""

    text: str
    blocks: tuple[CodeBlock, ...]
    prose: tuple[tuple[int, str], ...]
    _facts: dict[Callable[[ParsedResponse], Any], Any] = field(default_factory=dict, repr=False)

    @cached_property
    def code_blocks(self) -> tuple[CodeBlock, ...]:
        """The blocks that are the answer's own code (counter-examples it quotes are left out)."""
        return tuple(block for block in self.blocks if not block.counter_example)

    @cached_property
    def ts_units(self) -> list[TsUnit]:
        units = []
        for block in self.code_blocks:
            if block.language in TS_FAMILY:
                source = block.text.encode("utf-8")
                units.append(
                    TsUnit(block=block, source=source, tree=_ts_parser(block.language).parse(source))
                )
        return units

    @cached_property
    def typescript_units(self) -> list[TsUnit]:
        """Units that are TypeScript proper (tagged or recognised as typed), where type rules apply."""
        return [u for u in self.ts_units if u.block.language in {"typescript", "tsx"}]

    @cached_property
    def sql_statements(self) -> list[SqlStatement]:
        statements: list[SqlStatement] = []
        for block in self.code_blocks:
            if block.language == "sql":
                statements.extend(parse_sql_block(block))
        return statements

    def memo(self, build: Callable[[ParsedResponse], _Fact]) -> _Fact:
        """`build(self)`, computed once per response and shared by every check (handlers, routes…)."""
        if build not in self._facts:
            self._facts[build] = build(self)
        fact: _Fact = self._facts[build]
        return fact


@cache
def _ts_parser(language: str) -> Parser:
    grammar = (
        tree_sitter_typescript.language_typescript()
        if language == "typescript"
        else tree_sitter_typescript.language_tsx()
    )
    return Parser(Language(grammar))


def parse_response(text: str) -> ParsedResponse:
    """Split markdown into prose lines and fenced code blocks (``` or ~~~; unclosed fences run to the end)."""
    lines = text.split("\n")
    blocks: list[CodeBlock] = []
    prose: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        opening = _FENCE_OPEN.match(lines[i])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            prose.append((i + 1, lines[i]))
            i += 1
            continue
        fence, info = opening["fence"], opening["info"].strip()
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body_start = i + 1
        j = body_start
        while j < len(lines) and not closing.match(lines[j]):
            j += 1
        body = "\n".join(_dedent(line, len(opening["indent"])) for line in lines[body_start:j])
        blocks.append(_make_block(len(blocks), info, body, body_start + 1, prose))
        i = j + 1
    return ParsedResponse(text=text, blocks=_mark_counter_examples(blocks), prose=tuple(prose))


def _dedent(line: str, width: int) -> str:
    """Remove up to `width` leading spaces: a fence's own indent is not part of its code."""
    stripped = line.lstrip(" \t")
    return line[min(width, len(line) - len(stripped)) :]


def _make_block(index: int, info: str, body: str, start_line: int, prose: list[tuple[int, str]]) -> CodeBlock:
    tag = info.split()[0] if info else ""
    tag_word = re.split(r"[:{,]", tag, maxsplit=1)[0].lower()
    path = _path_from_info(info) or _path_from_first_line(body) or _path_from_prose(prose, start_line - 1)
    language = _TAG_LANGUAGES.get(tag_word) or _language_from_path(path) or guess_language(body)
    if (
        language == "typescript"
        and tag_word in {"", "text", "txt", "plaintext"}
        and not _TS_TYPES_HINT.search(body)
    ):
        language = "javascript"
    return CodeBlock(
        index=index,
        language=language,
        tag=tag,
        text=body,
        start_line=start_line,
        path_hint=path,
        shown_as_wrong=_is_shown_as_wrong(body, _prose_just_above(prose, start_line - 1)),
    )


def _prose_just_above(prose: list[tuple[int, str]], fence_line: int) -> str:
    """The nearest non-empty prose line within two lines above a fence ('' when there is none)."""
    for line_number, line in reversed(prose[-3:]):
        if fence_line - line_number > 2:
            break
        if line.strip():
            return line.strip()
    return ""


def _is_shown_as_wrong(body: str, lead_in: str) -> bool:
    """The block is introduced as what not to do ("Before:", "❌ Vulnerable", "your current code"), or opens
    with such a comment; a lead-in that also says fixed/after does not count."""
    first_code_line = next((line.strip() for line in body.split("\n") if line.strip()), "")
    marked_in_code = _COMMENT_START.match(first_code_line) is not None and bool(
        _SHOWN_AS_WRONG.search(first_code_line)
    )
    marked_in_prose = bool(_SHOWN_AS_WRONG.search(lead_in)) and not _FIXED_EXAMPLE.search(lead_in)
    return marked_in_code or marked_in_prose


def _mark_counter_examples(blocks: list[CodeBlock]) -> tuple[CodeBlock, ...]:
    """A block is left ungraded only when it is shown as wrong AND the answer gives another version of the
    same code; a warning with no rewrite ("don't do this in production, but here's the file") is graded."""
    graded = [block for block in blocks if not block.shown_as_wrong]
    return tuple(
        replace(block, counter_example=True)
        if block.shown_as_wrong and any(_rewrites(other, block) for other in graded)
        else block
        for block in blocks
    )


def _rewrites(other: CodeBlock, wrong: CodeBlock) -> bool:
    """`other` is another version of `wrong`: the same kind of code, sharing most of its identifiers."""
    same_kind = other.language == wrong.language or {other.language, wrong.language} <= TS_FAMILY
    if not same_kind:
        return False
    names, other_names = _code_names(wrong.text), _code_names(other.text)
    smaller = min(len(names), len(other_names))
    return smaller > 0 and len(names & other_names) / smaller >= _SAME_CODE_OVERLAP


def _code_names(code: str) -> set[str]:
    """The identifiers of a block, comments, string literals and keywords left out."""
    names = _IDENTIFIER.findall(_COMMENT_OR_STRING.sub(" ", code))
    return {name for name in names if name.lower() not in _KEYWORDS}


def _path_from_info(info: str) -> str | None:
    found = _INFO_PATH.search(info)
    return (found["path"] or found["colon"]) if found else None


def _path_from_first_line(body: str) -> str | None:
    for line in body.split("\n")[:3]:
        if line.strip():
            found = _PATH_COMMENT.match(line)
            return found["path"] if found else None
    return None


def _path_from_prose(prose: list[tuple[int, str]], fence_line: int) -> str | None:
    """A file path named in the prose just above the fence (`**app/api/v1/x/route.ts**`), if any."""
    for line_number, line in reversed(prose[-3:]):
        if fence_line - line_number > 2:
            break
        if not line.strip():
            continue
        found = _PROSE_PATH.search(line.strip())
        if found:
            path = found["path"] or found["bold"] or found["heading"]
            return path if "/" in path else None
        return None
    return None


def _language_from_path(path: str | None) -> str | None:
    if path is None:
        return None
    return _EXTENSION_LANGUAGES.get(path.rsplit(".", 1)[-1].lower())


def guess_language(body: str) -> str:
    """Best guess for an untagged block: sql, json, shell, python, go, dotenv, typescript, javascript…"""
    meaningful = [
        line for line in body.split("\n") if line.strip() and not line.strip().startswith(("--", "//", "#"))
    ]
    if not meaningful:
        return "text"
    first = meaningful[0]
    if _SQL_START.match(first):
        return "sql"
    if first.lstrip().startswith(("{", "[")):
        try:
            json.loads(body)
            return "json"
        except ValueError:
            pass
    if _SHELL_START.match(first):
        return "shell"
    if _GO_HINT.search(body):
        return "go"
    if _PYTHON_HINT.search(body) and "=>" not in body and not re.search(r"[;{]\s*$", body, re.M):
        return "python"
    if all(_DOTENV_HINT.match(line.strip()) for line in meaningful):
        return "dotenv"
    if _TS_HINT.search(body):
        return "typescript" if _TS_TYPES_HINT.search(body) else "javascript"
    return "text"


def _parse_sql(text: str) -> Any:
    import pglast  # here, not at import: a routing run never parses SQL, and loading pglast costs ~60 ms

    return pglast.parse_sql(text)


def parse_sql_block(block: CodeBlock) -> list[SqlStatement]:
    """Statements of a SQL block; when the whole block fails to parse, each statement is parsed alone."""
    text = block.text
    try:
        parsed = _parse_sql(text)
    except Exception:  # pglast raises ParseError, but partial snippets can trip other errors too
        return [_parse_statement(block, chunk, offset) for chunk, offset in split_sql(text)]
    encoded = text.encode("utf-8")
    statements = []
    for raw in parsed:
        start = raw.stmt_location or 0
        length = raw.stmt_len or (len(encoded) - start)
        chunk = encoded[start : start + length].decode("utf-8", errors="replace")
        leading = len(chunk) - len(chunk.lstrip())
        row = encoded[:start].decode("utf-8", errors="replace").count("\n") + chunk[:leading].count("\n")
        statements.append(SqlStatement(block, chunk.strip(), block.response_line(row), raw.stmt))
    return statements


def _parse_statement(block: CodeBlock, chunk: str, offset: int) -> SqlStatement:
    leading = re.match(r"(?:\s|--[^\n]*)*", chunk)
    skipped = leading.end() if leading else 0
    row = block.text[: offset + skipped].count("\n")
    chunk = chunk[skipped:]
    try:
        parsed = _parse_sql(chunk)
        node = parsed[0].stmt if parsed else None
    except Exception:
        node = None
    return SqlStatement(block, chunk.strip(), block.response_line(row), node)


def split_sql(text: str) -> list[tuple[str, int]]:
    """Split SQL on top-level semicolons (not in quotes, dollar quotes, comments): (chunk, char offset)."""
    chunks: list[tuple[str, int]] = []
    start = i = 0
    dollar: str | None = None
    while i < len(text):
        if dollar is not None:
            if text.startswith(dollar, i):
                i += len(dollar)
                dollar = None
            else:
                i += 1
            continue
        char = text[i]
        if text.startswith("--", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
        elif char == "'":
            close = text.find("'", i + 1)
            i = len(text) if close < 0 else close + 1
        elif char == "$" and (tag := re.match(r"\$\w*\$", text[i:])):
            dollar = tag.group(0)
            i += len(dollar)
        elif char == ";":
            chunks.append((text[start : i + 1], start))
            start = i = i + 1
        else:
            i += 1
    if text[start:].strip() and not all(
        line.strip().startswith("--") for line in text[start:].strip().split("\n")
    ):
        chunks.append((text[start:], start))
    return [(chunk, offset) for chunk, offset in chunks if chunk.strip().strip(";").strip()]
