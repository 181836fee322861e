"""Split an agent file into frontmatter fields and body: strict YAML first, else a lenient reader."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KNOWN_KEYS = frozenset({"name", "description", "model", "color", "tools"})
DELIMITER = "---"

_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)(.*)$")
_BLOCK_HEADER = re.compile(r"^[|>][0-9+-]*[ \t]*(?:#.*)?$")


class FrontMatterError(ValueError):
    """The file has no usable frontmatter; `line` is the file line to blame."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _NotStrictYaml(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class FrontMatter:
    """Decoded frontmatter fields, where each key sits in the file, and the body that follows."""

    fields: dict[str, object]
    spans: dict[str, tuple[int, int]]  # key -> (first, last) file line of the key and its value, 1-based
    lines: tuple[str, ...]  # the raw frontmatter lines; lines[0] is file line `first_line`
    first_line: int
    body: str
    body_line: int
    strict_error: tuple[int, str] | None = None  # (file line, YAML's complaint) when strict YAML failed

    @property
    def strict(self) -> bool:
        return self.strict_error is None

    def source_of(self, key: str) -> str:
        """The raw text of a key and its value, as written in the file."""
        first, last = self.spans[key]
        return "\n".join(self.lines[first - self.first_line : last - self.first_line + 1])


def split_frontmatter(text: str) -> FrontMatter:
    """Read the `---`-fenced frontmatter at the top of `text`; raises FrontMatterError when there is none."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or lines[0].rstrip() != DELIMITER:
        raise FrontMatterError(1, "no frontmatter: the file must start with a '---' line")
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == DELIMITER), None)
    if closing is None:
        raise FrontMatterError(1, "frontmatter is not closed: no second '---' line")
    raw = tuple(lines[1:closing])
    body = "\n".join(lines[closing + 1 :])
    body_line = closing + 2
    try:
        fields, spans = _read_strict(raw, first_line=2)
    except _NotStrictYaml as exc:
        fields, spans = _read_lenient(raw, first_line=2)
        return FrontMatter(fields, spans, raw, 2, body, body_line, strict_error=(exc.line, exc.message))
    return FrontMatter(fields, spans, raw, 2, body, body_line)


def _read_strict(
    raw: tuple[str, ...], first_line: int
) -> tuple[dict[str, object], dict[str, tuple[int, int]]]:
    """Fields and spans when `raw` is a strict YAML mapping, else _NotStrictYaml."""
    loader = _Loader("\n".join(raw) + "\n")
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.MappingNode):
            raise _NotStrictYaml(first_line, "frontmatter is not a mapping of keys to values")
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark is not None else 0)
        raise _NotStrictYaml(line, str(exc.problem or exc.context or "invalid YAML")) from exc
    except yaml.YAMLError as exc:
        raise _NotStrictYaml(first_line, str(exc)) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise _NotStrictYaml(first_line, "frontmatter is not a mapping of keys to values")
    spans: dict[str, tuple[int, int]] = {}
    last_line = first_line + len(raw) - 1
    pairs = root.value
    for position, (key_node, _value_node) in enumerate(pairs):
        start = first_line + key_node.start_mark.line
        end = (
            first_line + pairs[position + 1][0].start_mark.line - 1
            if position + 1 < len(pairs)
            else last_line
        )
        spans[str(key_node.value)] = (start, max(start, end))
    return {str(k): v for k, v in data.items()}, spans


def _read_lenient(
    raw: tuple[str, ...], first_line: int
) -> tuple[dict[str, object], dict[str, tuple[int, int]]]:
    """Read frontmatter the way Claude Code tolerates it.

    A key starts at column 0. Known keys always start a new key. Any other `word:` line does too when
    the word starts lowercase (Claude Code's keys do: permissionMode, mcpServers), except inside an
    open `<example>` of the value being read (where `Context:`, `user:` and `assistant:` are example
    turns) or inside an unclosed quoted scalar; capitalised `Examples:` or `Context:` lines continue
    the value.
    """
    blocks: list[tuple[str, int, list[str]]] = []  # key, index of its first line, its lines
    for index, line in enumerate(raw):
        match = _KEY_LINE.match(line)
        if match and (not blocks or _starts_new_key(match.group(1), blocks[-1][2])):
            blocks.append((match.group(1), index, [line]))
        elif blocks:
            blocks[-1][2].append(line)
    fields: dict[str, object] = {}
    spans: dict[str, tuple[int, int]] = {}
    for key, index, lines in blocks:
        first_value = _KEY_LINE.match(lines[0])
        assert first_value is not None  # every block starts with a key line
        continuation = _trim_trailing_blank(lines[1:])
        fields[key] = _decode_value(first_value.group(2).strip(), continuation)
        spans[key] = (first_line + index, first_line + index + len(lines) - 1)
    return fields, spans


def _starts_new_key(key: str, current_lines: list[str]) -> bool:
    if key in KNOWN_KEYS:
        return True
    if not key[0].islower():
        return False
    value_so_far = "\n".join(current_lines)
    if value_so_far.count("<example>") > value_so_far.count("</example>"):
        return False
    first = _KEY_LINE.match(current_lines[0])
    return first is None or not _quote_is_open("\n".join([first.group(2).strip(), *current_lines[1:]]))


def _quote_is_open(value: str) -> bool:
    """True when `value` opens a quoted scalar that it does not close."""
    if value.startswith('"'):
        return re.search(r'(?<!\\)(?:\\\\)*"', value[1:]) is None
    if value.startswith("'"):
        return re.search(r"'(?!')", value[1:].replace("''", "")) is None
    return False


def _trim_trailing_blank(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _decode_value(first: str, continuation: list[str]) -> object:
    """One key's value: YAML semantics where YAML can read it, else the text as written."""
    is_block = bool(_BLOCK_HEADER.match(first))
    is_quoted = first[:1] in {'"', "'"}
    if is_block or is_quoted or not first or not continuation:
        # Re-indent continuation lines so YAML sees them as belonging to the value.
        mini = "\n".join(["v: " + first, *("  " + line for line in continuation)]) + "\n"
        try:
            parsed = yaml.load(mini, Loader=_Loader)
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict) and "v" in parsed and not isinstance(parsed["v"], dict):
            return parsed["v"]
    if is_quoted:
        return _unquote_loosely(first, continuation)
    text = "\n".join(line.rstrip() for line in [first, *continuation])
    return text.strip() or None


def _unquote_loosely(first: str, continuation: list[str]) -> str:
    """A quoted scalar YAML rejected (e.g. a stray inner quote): drop the outer quotes, keep the rest."""
    quote = first[0]
    text = "\n".join(line.rstrip() for line in [first, *continuation]).strip()
    inner = text[1:-1] if len(text) >= 2 and text.endswith(quote) else text[1:]
    return inner.replace('\\"', '"') if quote == '"' else inner.replace("''", "'")
