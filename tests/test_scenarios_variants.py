"""Rule-based surface variants: deterministic, different from the original, code below line one intact."""

from __future__ import annotations

import pytest

from agent_eval.scenarios.variants import VARIANT_KINDS, VariantKind, rewrite

MESSAGES = (
    "I need to add a login endpoint that handles JWT authentication",
    "Our /api/users endpoint is taking 2 seconds to respond",
    "Here's the user service I just built",
    "Can you review our GraphQL schema? I'm unsure about nullability.",
)


@pytest.mark.parametrize("kind", VARIANT_KINDS)
@pytest.mark.parametrize("message", MESSAGES)
def test_every_kind_changes_the_text_the_same_way_every_time(kind: VariantKind, message: str) -> None:
    first = rewrite(kind, message, "seed-1")
    assert first != message
    assert rewrite(kind, message, "seed-1") == first


@pytest.mark.parametrize("kind", VARIANT_KINDS)
def test_code_after_the_first_line_is_left_alone(kind: VariantKind) -> None:
    code = "\n\n```ts\nconst database = connect(process.env.DATABASE_URL);\n```"
    assert rewrite(kind, "I need to review this database code" + code, "s").endswith(code)


def test_terse_drops_filler_and_abbreviates() -> None:
    assert rewrite("terse", MESSAGES[0], "s") == "add login endpoint that handles JWT auth"
    assert rewrite("terse", MESSAGES[1], "s") == "/api/users endpoint is taking 2s to respond"


def test_paraphrase_reframes_only_the_first_sentence() -> None:
    assert (
        rewrite("paraphrase", MESSAGES[3], "s")
        == "Please look over our GraphQL schema. I'm unsure about nullability."
    )


def test_other_framework_swaps_one_named_framework_for_a_peer() -> None:
    assert rewrite("other-framework", "Set up GitHub Actions for our Next.js app", "s") == (
        "Set up GitHub Actions for our Remix app"
    )
    assert (
        rewrite("other-framework", "Why is this Postgres query slow?", "s") == "Why is this MySQL query slow?"
    )


def test_other_framework_names_a_stack_when_the_request_names_none() -> None:
    assert rewrite("other-framework", "Add caching.", "s").startswith("Add caching (")


def test_typo_keeps_the_words_and_their_letters() -> None:
    slipped = rewrite("typo", MESSAGES[0], "seed-2")
    original_words, slipped_words = MESSAGES[0].split(), slipped.split()
    assert len(slipped_words) == len(original_words)
    changed = [(a, b) for a, b in zip(original_words, slipped_words, strict=True) if a.lower() != b.lower()]
    assert 1 <= len(changed) <= 2
    assert all(sorted(a) == sorted(b) for a, b in changed)


def test_different_seeds_can_choose_differently() -> None:
    outputs = {rewrite("verbose", MESSAGES[2], f"seed-{i}") for i in range(12)}
    assert len(outputs) > 1
