"""Test helpers for the scenario/derive tests: small Agent values and a throwaway project folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent_eval.agents.model import Agent, Example, Section

NO_DELEGATION_YAML = """cases:
  - id: none-001
    kind: quick-question
    message: What does HTTP 204 mean?
  - id: none-002
    kind: chit-chat
    message: thanks!
"""

SNIPPETS_YAML = """snippets:
  - id: service
    keywords: [service]
    intro: "This is src/service.ts:"
    language: ts
    code: |
      export const answer = 42;
    reply: I've read it.
"""


def example(
    index: int, message: str, target: str, *, context: str | None = None, proactive: bool = False
) -> Example:
    return Example(
        index=index,
        line=3,
        context=context,
        user_turns=(message,),
        assistant_turns=(f"I'll use the {target} agent.",),
        commentary=None,
        target=target,
        proactive=proactive,
        raw="",
    )


def agent(
    root: Path, name: str, description: str, examples: Sequence[Example], sections: Sequence[Section] = ()
) -> Agent:
    return Agent(
        name=name,
        description=description,
        examples=tuple(examples),
        model="sonnet",
        color="blue",
        tools=None,
        body="You are a specialist.",
        sections=tuple(sections),
        path=root / "agents" / f"{name}.md",
        strict_yaml=True,
    )


def section(title: str, *items: str) -> Section:
    return Section(title=title, level=2, line=10, items=items, text="\n".join(f"- {i}" for i in items))


def small_roster(root: Path, backend_examples: int = 3) -> list[Agent]:
    """A backend agent with `backend_examples` examples, and two neighbours that compete with it."""
    messages = [
        "I need to add a login endpoint that handles JWT authentication",
        "Here's the user service I just built",
        "I want to add caching to reduce database load",
    ]
    backend = agent(
        root,
        "backend-developer",
        "Use for server-side APIs, databases, authentication and caching.",
        [
            example(
                i,
                messages[i - 1],
                "backend-developer",
                proactive=i == 2,
                context="The user has just written a new service." if i == 2 else None,
            )
            for i in range(1, backend_examples + 1)
        ],
        [
            section(
                "API Design Standards",
                "Request validation using Zod schemas",
                "API versioning (/v1/)",
                "Pagination for all list endpoints",
                "Standardized error format with codes",
                "Proper HTTP status codes",
            ),
            section(
                "Security Implementation",
                "SQL injection prevention via parameterized queries",
                "Supabase RLS policies on all tables",
                "Never commit a secret",
            ),
        ],
    )
    dba = agent(
        root,
        "database-administrator",
        "Use for database schemas, indexes, query plans and Postgres operations.",
        [
            example(
                1,
                "Add an index so this Postgres query stops scanning the orders table",
                "database-administrator",
            )
        ],
    )
    writer = agent(
        root,
        "technical-writer",
        "Use for READMEs, guides and API documentation.",
        [example(1, "Write a README for the ingestion service", "technical-writer")],
    )
    return [backend, dba, writer]


def project(root: Path) -> Path:
    """A project folder holding the hand-written derive inputs (no task table: tasks come from examples)."""
    (root / "datasets").mkdir(parents=True)
    (root / "datasets" / "no-delegation.yaml").write_text(NO_DELEGATION_YAML)
    (root / "datasets" / "context-snippets.yaml").write_text(SNIPPETS_YAML)
    return root


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
