"""Test helpers for the harness, local router and judge tests: small Agent and Scenario values."""

from __future__ import annotations

from pathlib import Path

from agent_eval.agents.model import Agent, Example, Section
from agent_eval.agents.roster import load_roster
from agent_eval.scenarios.model import Scenario, ScenarioInput, Turn

REPO_ROOT = Path(__file__).resolve().parent.parent

BACKEND_EXAMPLES = (
    ("User needs a new API endpoint for user authentication.",
     "I need to add a login endpoint that handles JWT authentication"),
    ("User has written migration files and wants them reviewed.",
     "I've created migration files for the new orders table schema"),
    ("User sees slow responses from their API.", "Our /api/users endpoint is taking 2 seconds to respond"),
    ("User has built a new service.", "Here's the user service I just built"),
    ("User wants Redis caching.", "I want to add caching to reduce database load"),
)

BACKEND_BODY = """You are a senior backend developer.

## API Design Standards

You enforce:
- Request/response validation using Zod schemas
- API versioning (e.g., /v1/, /v2/)

## Security Implementation

You ensure:
- SQL injection prevention via parameterized queries
- Supabase RLS policies on ALL tables

## Communication Style

You communicate by:
- Explaining architectural decisions and trade-offs clearly
"""


def example(index: int, target: str, context: str | None, user: str) -> Example:
    return Example(
        index=index,
        line=index * 5,
        context=context,
        user_turns=(user,),
        assistant_turns=(f"I'll use the {target} agent for this.",),
        commentary=None,
        target=target,
        proactive=False,
        raw=f"<example>\nContext: {context}\nuser: \"{user}\"\n</example>",
    )


def sections_of(body: str) -> tuple[Section, ...]:
    """`##` sections with their bullet items, enough for rubric tests without the real parser."""
    sections: list[Section] = []
    lines = body.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.startswith("## "):
            continue
        following: list[str] = []
        for later in lines[number:]:
            if later.startswith("## "):
                break
            following.append(later)
        items = tuple(item[2:].strip() for item in following if item.startswith("- "))
        text = "\n".join(following).strip()
        sections.append(Section(title=line[3:].strip(), level=2, line=number, items=items, text=text))
    return tuple(sections)


def make_agent(
    name: str,
    description: str,
    examples: tuple[Example, ...] = (),
    *,
    tools: tuple[str, ...] | None = None,
    body: str = "You are a helpful specialist.",
) -> Agent:
    blocks = "\n\n".join(e.raw for e in examples)
    return Agent(
        name=name,
        description=f"{description}\n\n{blocks}".strip(),
        examples=examples,
        model="sonnet",
        color=None,
        tools=tools,
        body=body,
        sections=sections_of(body),
        path=REPO_ROOT / "agents" / f"{name}.md",
        strict_yaml=True,
    )


def backend_developer() -> Agent:
    """A compact stand-in for agents/backend-developer.md with the same examples' user turns."""
    return make_agent(
        "backend-developer",
        "Use this agent when you need to design, implement, or optimize server-side applications, APIs, "
        "databases, or microservices architecture. This includes creating RESTful endpoints, designing "
        "database schemas, implementing authentication systems, configuring caching layers, setting up "
        "message queues, optimizing query performance, containerizing services.",
        tuple(example(i, "backend-developer", c, u) for i, (c, u) in enumerate(BACKEND_EXAMPLES, start=1)),
        body=BACKEND_BODY,
    )


def frontend_developer() -> Agent:
    return make_agent(
        "frontend-developer",
        "Use this agent to build user interfaces: React components, CSS layout, accessibility, client-side "
        "state and browser performance.",
        (
            example(1, "frontend-developer", "A new UI widget.", "Build a date picker component"),
            example(2, "frontend-developer", "Layout bug.", "The sidebar overlaps the header on mobile"),
        ),
        tools=("Read", "Edit", "Write"),
    )


def project_roster() -> tuple[Agent, ...]:
    """The project's real roster, parsed from agents/."""
    return load_roster(REPO_ROOT / "agents").agents


def scenario(
    message: str, *context: tuple[str, str], suite: str = "routing", expected: str = "none"
) -> Scenario:
    turns = tuple(Turn(role=role, content=content) for role, content in context)
    return Scenario.model_validate(
        {
            "id": f"s-{abs(hash((message, context))) % 10**8}",
            "suite": suite,
            "input": ScenarioInput(context=turns, message=message),
            "expected": expected,
        }
    )
