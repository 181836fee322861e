"""The request hash: what cache, store and batch custom_ids share; it must follow the request's content."""

from __future__ import annotations

from agent_eval.providers.model import ModelRequest


def request(**overrides: object) -> ModelRequest:
    values: dict[str, object] = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 64,
        "purpose": "routing",
        "messages": ({"role": "user", "content": [{"type": "text", "text": "add a login endpoint"}]},),
    }
    values.update(overrides)
    return ModelRequest(**values)  # type: ignore[arg-type]


def test_equal_requests_share_a_key_and_the_purpose_does_not_count() -> None:
    assert request().key() == request().key() == request(purpose="standards").key()
    assert len(request().key()) == 64  # fits a batch custom_id


def test_what_is_sent_and_the_sample_number_change_the_key() -> None:
    base = request().key()
    assert request(max_tokens=65).key() != base
    assert request(sample=2).key() != base
    assert request(temperature=0.0).key() != base


def test_a_copy_with_changes_gets_its_own_key_even_after_the_original_was_hashed() -> None:
    original = request()
    original.key()
    changed = original.model_copy(update={"sample": 3})
    assert changed.key() == request(sample=3).key() != original.key()
    assert original.model_copy().key() == original.key()
