"""`derive --augment` with a fake provider: answers cached by request hash, never asked twice, reviewable."""

from __future__ import annotations

import json
from pathlib import Path

from agent_eval.providers.model import ModelRequest, ModelResponse, Usage
from agent_eval.scenarios.augment import parse_paraphrases
from agent_eval.scenarios.dataset import load_dataset
from agent_eval.scenarios.derive import derive
from derive_helpers import project, small_roster, tree_bytes


class FakeParaphraser:
    """Answers every augment request with two numbered rewrites of its message; counts calls."""

    name = "fake"
    offline = True

    def __init__(self) -> None:
        self.requests: list[ModelRequest] = []
        self.closed = 0

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        message = request.messages[0]["content"][0]["text"]
        answer = json.dumps([f"{message} (rewrite one)", f"{message} (rewrite two)", message])
        return ModelResponse(
            model=request.model,
            content=({"type": "text", "text": f"Here you go:\n```json\n{answer}\n```"},),
            stop_reason="end_turn",
            usage=Usage(),
        )

    async def aclose(self) -> None:
        self.closed += 1


def test_augment_caches_answers_and_does_not_ask_twice(tmp_path: Path) -> None:
    root = project(tmp_path)
    provider = FakeParaphraser()
    report = derive(
        "backend-developer", small_roster(root), root, provider=provider, augment_model="fake-model"
    )

    assert len(provider.requests) == 3  # one per positive example, none for rule-based variants
    assert {r.purpose for r in provider.requests} == {"augment"}
    assert report.augment is not None and (report.augment.asked, report.augment.cached) == (3, 0)
    cache = json.loads((root / "datasets/backend-developer/augment-cache.json").read_text())
    assert set(cache) == {r.key() for r in provider.requests}

    scenarios = load_dataset(root / "datasets/backend-developer/routing.yaml")
    augmented = [s for s in scenarios if "augmented" in s.tags]
    assert len(augmented) == 6  # the answer's copy of the original message is dropped
    first = augmented[0]
    assert first.provenance.variant_of == "bd-pos-ex1"
    assert (
        first.input.message == "I need to add a login endpoint that handles JWT authentication (rewrite one)"
    )
    assert {"positive", "paraphrase", "augmented"} <= set(first.tags)

    before = tree_bytes(root)
    again = FakeParaphraser()
    report = derive("backend-developer", small_roster(root), root, provider=again, augment_model="fake-model")
    assert again.requests == [] and report.augment is not None and report.augment.cached == 3
    derive("backend-developer", small_roster(root), root)  # offline: paraphrases come from the cache
    assert tree_bytes(root) == before
    assert provider.closed == 1 and again.closed == 1


def test_paraphrases_of_a_changed_example_are_not_used(tmp_path: Path) -> None:
    root = project(tmp_path)
    derive("backend-developer", small_roster(root), root, provider=FakeParaphraser(), augment_model="m")
    roster = small_roster(root)
    changed = roster[0].examples[0].model_copy(update={"user_turns": ("Build a signup endpoint",)})
    roster[0] = roster[0].model_copy(update={"examples": (changed, *roster[0].examples[1:])})

    report = derive("backend-developer", roster, root)
    scenarios = {s.id: s for s in load_dataset(root / "datasets/backend-developer/routing.yaml")}
    assert not any(
        s.provenance.variant_of == "bd-pos-ex1" and "augmented" in s.tags for s in scenarios.values()
    )
    assert any(i.startswith("bd-pos-ex1-aug-") for i in report.suites[0].retired)


def test_parse_paraphrases_tolerates_prose_and_rejects_garbage() -> None:
    assert parse_paraphrases('Sure! ["a", "b", "a", 3, "orig"] Hope that helps', "orig") == ("a", "b")
    assert parse_paraphrases("no list here", "orig") == ()
    assert parse_paraphrases("[not json]", "orig") == ()
