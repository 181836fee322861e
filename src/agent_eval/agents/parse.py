"""Read one agent definition file into an `Agent`, as Claude Code reads it, or fail with file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent_eval.agents.examples import OPEN_TAG, extract_examples
from agent_eval.agents.frontmatter import FrontMatter, FrontMatterError, split_frontmatter
from agent_eval.agents.model import Agent, Diagnostic
from agent_eval.agents.sections import read_sections
from agent_eval.paths import display_path

_ESCAPED_NEWLINE = re.compile(r"\\n")


class AgentParseError(Exception):
    """A file that cannot be read as an agent at all (no frontmatter, no name, undecodable bytes)."""

    def __init__(self, file: str, line: int, message: str, code: str = "parse-error") -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message
        self.diagnostic = Diagnostic(file=file, line=line, level="error", code=code, message=message)


@dataclass(frozen=True)
class AgentSource:
    """An agent with the frontmatter it came from, for checks that point at a field's line."""

    agent: Agent
    frontmatter: FrontMatter

    def line_of(self, key: str) -> int:
        """File line of a frontmatter key; the frontmatter's first line when the key is absent."""
        span = self.frontmatter.spans.get(key)
        return span[0] if span else self.frontmatter.first_line - 1


def parse_agent_file(path: Path) -> Agent:
    return read_agent_file(path).agent


def parse_agent_text(text: str, path: Path) -> Agent:
    return read_agent_text(text, path).agent


def read_agent_file(path: Path) -> AgentSource:
    """Decode `path` as UTF-8 and read it; undecodable bytes are an AgentParseError naming the line."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AgentParseError(shown, 1, f"cannot read file: {exc.strerror or exc}", "unreadable") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text: byte 0x{data[exc.start]:02X} at column {column}; save the file as UTF-8"
        raise AgentParseError(shown, line, message, "encoding") from exc
    return read_agent_text(text, path, shown=shown)


def read_agent_text(text: str, path: Path, shown: str | None = None) -> AgentSource:
    """Read an agent from its text; `path` (or `shown`) names it in messages, `path` in `Agent.path`."""
    shown = shown or display_path(path)
    try:
        front = split_frontmatter(text)
    except FrontMatterError as exc:
        raise AgentParseError(shown, exc.line, exc.message, "frontmatter") from exc
    warnings: list[Diagnostic] = []

    def warn(line: int, code: str, message: str) -> None:
        warnings.append(Diagnostic(file=shown, line=line, level="warning", code=code, message=message))

    if front.strict_error is not None:
        line, complaint = front.strict_error
        warn(
            line,
            "not-strict-yaml",
            f"frontmatter is not strict YAML ({complaint}); Claude Code reads it, other YAML tools will not",
        )
    name = _text_field(front, "name")
    if not name:
        raise AgentParseError(shown, front.first_line - 1, "frontmatter has no 'name'", "name-missing")
    description = _ESCAPED_NEWLINE.sub("\n", _text_field(front, "description") or "")
    tools = _tools(front.fields.get("tools"))
    if isinstance(tools, str):
        warn(front.spans["tools"][0], "tools-type", tools)
        tools = None
    examples, problems = extract_examples(
        description,
        agent_name=name,
        tag_lines=_tag_lines(front, "description"),
        default_line=front.spans.get("description", (1, 1))[0],
    )
    for problem in problems:
        warn(problem.line, problem.code, problem.message)
    agent = Agent(
        name=name,
        description=description,
        examples=examples,
        model=_text_field(front, "model"),
        color=_text_field(front, "color"),
        tools=tools,
        body=front.body,
        sections=read_sections(front.body, front.body_line),
        path=path,
        strict_yaml=front.strict,
        warnings=tuple(warnings),
    )
    return AgentSource(agent=agent, frontmatter=front)


def _text_field(front: FrontMatter, key: str) -> str | None:
    value = front.fields.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def _tools(value: object) -> tuple[str, ...] | str | None:
    """The tool list; None means all tools; a str is a complaint about the field's type."""
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(tool.strip() for tool in value.split(",") if tool.strip())
    if isinstance(value, list):
        return tuple(str(tool).strip() for tool in value if str(tool).strip())
    return f"'tools' should be a comma-separated string or a list, not {type(value).__name__}; ignored"


def _tag_lines(front: FrontMatter, key: str) -> list[int]:
    """File line of each `<example>` tag in a key's source text, in order."""
    if key not in front.spans:
        return []
    source = front.source_of(key)
    first = front.spans[key][0]
    return [first + source.count("\n", 0, m.start()) for m in re.finditer(re.escape(OPEN_TAG), source)]
