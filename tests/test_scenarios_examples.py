"""An example → scenario input: earlier turns become context, the delegating answer is never shown."""

from __future__ import annotations

from agent_eval.agents.model import Example
from agent_eval.scenarios.examples import example_input
from agent_eval.scenarios.sources import ContextSnippet

SNIPPETS = (
    ContextSnippet(
        id="tests", keywords=("test", "tests"), intro="Tests:", language="ts", code="it();", reply="ok"
    ),
    ContextSnippet(
        id="service", keywords=("service",), intro="Service:", language="ts", code="x();", reply="ok"
    ),
)


def _example(
    users: tuple[str, ...], assistants: tuple[str, ...], context: str | None, proactive: bool
) -> Example:
    return Example(
        index=1,
        line=1,
        context=context,
        user_turns=users,
        assistant_turns=assistants,
        commentary=None,
        target="backend-developer",
        proactive=proactive,
        raw="",
    )


def test_a_multi_turn_example_keeps_earlier_turns_and_hides_the_delegation() -> None:
    example = _example(
        ("Hi, orders are slow", "It's the list endpoint"), ("Which endpoint?", "I'll use X"), None, False
    )
    rendered = example_input(example, SNIPPETS)
    assert rendered.message == "It's the list endpoint"
    assert [(t.role, t.content) for t in rendered.context] == [
        ("user", "Hi, orders are slow"),
        ("assistant", "Which endpoint?"),
    ]


def test_prior_work_in_the_context_shows_the_best_matching_snippet() -> None:
    example = _example(
        ("Here it is",), ("Reviewing",), "The user has just written a service and its tests.", False
    )
    rendered = example_input(example, SNIPPETS)
    assert rendered.context[0].content.startswith("Tests:")  # two keyword hits beat one


def test_a_context_without_prior_work_or_matching_snippet_stays_out_of_the_conversation() -> None:
    plain = _example(("Add caching",), ("Using X",), "User needs Redis caching.", False)
    unmatched = _example(("Look at this",), ("Using X",), "Proactive - the user wrote a Dockerfile.", True)
    assert example_input(plain, SNIPPETS).context == ()
    assert example_input(unmatched, SNIPPETS).context == ()
