"""Lint rules over agent files: each finding's level, code and line, and roster-wide checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_eval.agents.lint import DESCRIPTION_TOKEN_LIMIT, lint_paths
from agent_eval.agents.model import Diagnostic
from agent_eval.agents.roster import load_roster

REPO = Path(__file__).resolve().parents[1]
GOOD_EXAMPLE = '<example>\\nuser: \\"review this\\"\\nassistant: \\"On it\\"\\n</example>'


def agent_file(folder: Path, filename: str, *frontmatter: str, body: str = "Body.\n") -> Path:
    path = folder / filename
    path.write_text("---\n" + "".join(line + "\n" for line in frontmatter) + "---\n" + body, encoding="utf-8")
    return path


def good_agent(folder: Path, name: str, *extra: str) -> Path:
    return agent_file(
        folder, f"{name}.md", f"name: {name}", f'description: "Reviews. {GOOD_EXAMPLE}"', *extra
    )


def codes(findings: list[Diagnostic]) -> list[tuple[str, int, str, str]]:
    return [(Path(f.file).name, f.line, f.level, f.code) for f in findings]


def test_clean_file_has_no_findings(tmp_path: Path) -> None:
    good_agent(tmp_path, "reviewer", "model: sonnet", "color: cyan", "tools: Read, Grep")
    assert lint_paths([tmp_path]) == []


@pytest.mark.parametrize(
    ("extra", "finding"),
    [
        ("model: gpt-5", (4, "error", "model-unknown")),
        ("model: claude-opus-4-1-20250805", None),
        ("model: fable", None),
        ("color: magenta", (4, "warning", "color-unknown")),
    ],
)
def test_model_and_color(tmp_path: Path, extra: str, finding: tuple[int, str, str] | None) -> None:
    good_agent(tmp_path, "reviewer", extra)
    expected = [] if finding is None else [("reviewer.md", *finding)]
    assert codes(lint_paths([tmp_path])) == expected


def test_name_format_and_missing_description(tmp_path: Path) -> None:
    agent_file(tmp_path, "x.md", "model: sonnet", "name: Code_Reviewer")
    assert codes(lint_paths([tmp_path])) == [
        ("x.md", 1, "error", "description-missing"),
        ("x.md", 3, "error", "name-format"),
    ]


def test_duplicate_names_point_at_the_first_file(tmp_path: Path) -> None:
    good_agent(tmp_path, "reviewer")
    agent_file(tmp_path, "zz-copy.md", "color: red", "name: reviewer", f'description: "Copy. {GOOD_EXAMPLE}"')
    findings = lint_paths([tmp_path])
    assert codes(findings) == [("zz-copy.md", 3, "error", "name-duplicate")]
    assert "reviewer.md:2" in findings[0].message


def test_example_problems_point_at_the_example_line(tmp_path: Path) -> None:
    agent_file(
        tmp_path,
        "planner.md",
        "name: planner",
        "description: |",
        "  Plans work.",
        "  <example>",
        '  user: "plan it"',
        '  assistant: "I\'ll use the release-captain agent"',
        "  </example>",
        "  <example>",
        '  assistant: "Launching the Explore agent to look around"',
        "  </example>",
        "  <example>",
        '  user: "never closed"',
    )
    assert codes(lint_paths([tmp_path])) == [
        ("planner.md", 5, "warning", "example-unknown-target"),
        ("planner.md", 9, "warning", "example-no-user"),
        ("planner.md", 12, "warning", "example-unterminated"),
    ]


def test_target_known_from_a_sibling_when_linting_one_file(tmp_path: Path) -> None:
    caller = agent_file(
        tmp_path,
        "caller.md",
        "name: caller",
        'description: "x <example>\\nuser: \\"a\\"\\n<uses Task tool to invoke reviewer agent>\\n</example>"',
    )
    good_agent(tmp_path, "reviewer")
    assert lint_paths([caller]) == []
    (tmp_path / "reviewer.md").unlink()
    assert codes(lint_paths([caller])) == [("caller.md", 3, "warning", "example-unknown-target")]


def test_no_examples_and_long_description(tmp_path: Path) -> None:
    long_text = "word " * (DESCRIPTION_TOKEN_LIMIT + 10)
    agent_file(tmp_path, "wordy.md", "name: wordy", f"description: {long_text.strip()}")
    findings = lint_paths([tmp_path])
    assert codes(findings) == [
        ("wordy.md", 3, "warning", "description-long"),
        ("wordy.md", 3, "warning", "no-examples"),
    ]
    assert "~1263 tokens" in findings[0].message


def test_unparseable_files_are_errors_and_readme_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# About these agents\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Not an agent\n", encoding="utf-8")
    (tmp_path / "nameless.md").write_text("---\ndescription: x\n---\n", encoding="utf-8")
    (tmp_path / "ignored.txt").write_text("---\nname: nope\n---\n", encoding="utf-8")
    assert codes(lint_paths([tmp_path])) == [
        ("nameless.md", 1, "error", "name-missing"),
        ("notes.md", 1, "error", "frontmatter"),
    ]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    assert codes(lint_paths([tmp_path / "nowhere"])) == [("nowhere", 0, "error", "no-such-path")]


def test_project_roster_lints_without_errors() -> None:
    findings = lint_paths([REPO / "agents"])
    assert [f.render() for f in findings if f.level == "error"] == []
    seed = [f for f in findings if f.file.endswith("backend-developer.md")]
    assert [(f.line, f.code) for f in seed] == [(3, "not-strict-yaml")]


def test_roster_sorts_by_name_and_collects_diagnostics(tmp_path: Path) -> None:
    good_agent(tmp_path, "zeta")
    agent_file(tmp_path, "a-file.md", "name: omega", 'description: "x <example>"')
    (tmp_path / "broken.md").write_text("no frontmatter\n", encoding="utf-8")
    roster = load_roster(tmp_path)
    assert roster.names == ("omega", "zeta")
    assert roster.get("zeta") is not None and roster.get("nobody") is None
    assert [(Path(d.file).name, d.level, d.code) for d in roster.diagnostics] == [
        ("broken.md", "error", "frontmatter"),
        ("a-file.md", "warning", "example-unterminated"),
    ]
