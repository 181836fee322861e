"""Every public agent file in ../shared/corpus parses to what a plain reading of it gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent_eval.agents.lint import lint_paths
from agent_eval.agents.parse import AgentParseError, read_agent_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent"),
]


def corpus_files() -> list[Path]:
    return sorted(CORPUS.rglob("*.md"))


def plain_reading(path: Path) -> dict[str, object]:
    """The frontmatter as PyYAML alone reads it, falling back to one `key: value` per line."""
    text = path.read_text(encoding="utf-8")
    frontmatter = text.split("\n---", 1)[0].removeprefix("---\n")
    try:
        fields = yaml.safe_load(frontmatter)
        if isinstance(fields, dict):
            return fields
    except yaml.YAMLError:
        pass
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^(\w+):[ \t]*(.*)$", frontmatter, re.M)}


def expected_tools(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def test_corpus_is_there_and_has_agent_files() -> None:
    files = corpus_files()
    assert len(files) >= 300
    assert all(path.read_bytes().startswith(b"---") for path in files)  # no README-like files to skip


def test_every_corpus_file_parses_like_a_plain_reading() -> None:
    mismatches: list[str] = []
    examples = tags = 0
    for path in corpus_files():
        try:
            agent = read_agent_file(path).agent
        except AgentParseError as exc:
            mismatches.append(f"{exc}")
            continue
        fields = plain_reading(path)
        tag_count = str(fields.get("description", "")).count("<example>")
        examples, tags = examples + len(agent.examples), tags + tag_count
        if len(agent.examples) != tag_count:
            mismatches.append(f"{path}: {len(agent.examples)} examples, {tag_count} <example> tags")
        if agent.tools != expected_tools(fields.get("tools")):
            mismatches.append(f"{path}: tools {agent.tools} != {fields.get('tools')!r}")
        if agent.model != fields.get("model"):
            mismatches.append(f"{path}: model {agent.model!r} != {fields.get('model')!r}")
        if agent.name != str(fields.get("name")):
            mismatches.append(f"{path}: name {agent.name!r} != {fields.get('name')!r}")
        if tag_count and not all(
            example.user_turns and example.assistant_turns for example in agent.examples
        ):
            mismatches.append(f"{path}: an example lost its user or assistant turn")
    assert mismatches == []
    assert examples == tags > 400


def test_corpus_example_lines_point_at_their_tags() -> None:
    for path in corpus_files():
        lines = path.read_text(encoding="utf-8").split("\n")
        for example in read_agent_file(path).agent.examples:
            assert "<example>" in lines[example.line - 1], f"{path}:{example.line}"


def test_lint_runs_over_the_whole_corpus() -> None:
    findings = lint_paths([CORPUS])
    assert findings, "the public corpus has at least some duplicate names and example-less agents"
    assert all(finding.line >= 1 for finding in findings)
    assert {finding.code for finding in findings} >= {"name-duplicate", "no-examples"}
