"""`derive --augment`: model-written paraphrases of the positive routing cases, cached for review.

The model is asked once per positive (request hash = cache key); its answers are kept in
`datasets/<agent>/augment-cache.json`, which `derive` reads offline from then on. An answer whose source
message has since changed is ignored, so the paraphrases always rephrase the current example.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from agent_eval.providers.model import ModelRequest, Provider
from agent_eval.scenarios.dataset import DatasetError
from agent_eval.scenarios.model import Scenario, ScenarioInput
from agent_eval.yamlio import write_if_changed

AUGMENT_CACHE_FILE = "augment-cache.json"
PARAPHRASES_PER_CASE = 4

_INSTRUCTIONS = (
    "You help build a test set for a router that decides which specialist should handle a developer's "
    "request. Rewrite the request you are given in {count} different ways a real developer might type it: "
    "vary length, tone and wording, keep the intent, the technical details and any names exactly, and do "
    "not add new requirements. Answer with a JSON array of {count} strings and nothing else."
)


class CachedParaphrases(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    scenario: str  # the base scenario id
    message: str  # the message that was rephrased
    paraphrases: tuple[str, ...]


@dataclass(frozen=True)
class AugmentStats:
    asked: int  # requests sent to the model
    cached: int  # requests answered from the cache
    failed: tuple[str, ...]  # scenario ids whose answer held no usable paraphrase


def augment_request(base: Scenario, model: str, count: int = PARAPHRASES_PER_CASE) -> ModelRequest:
    return ModelRequest(
        model=model,
        max_tokens=1024,
        system=({"type": "text", "text": _INSTRUCTIONS.format(count=count)},),
        messages=({"role": "user", "content": [{"type": "text", "text": base.input.message}]},),
        purpose="augment",
    )


def parse_paraphrases(text: str, original: str) -> tuple[str, ...]:
    """The JSON array in the answer (tolerating prose or a code fence around it), deduplicated, without
    the original; empty when no array of strings is found."""
    match = re.search(r"\[.*\]", text, re.DOTALL)
    try:
        items: Any = json.loads(match.group(0)) if match else []
    except json.JSONDecodeError:
        return ()
    cleaned: list[str] = []
    for item in items if isinstance(items, list) else []:
        if (
            isinstance(item, str)
            and item.strip()
            and item.strip() != original
            and item.strip() not in cleaned
        ):
            cleaned.append(item.strip())
    return tuple(cleaned)


def read_cache(path: Path) -> dict[str, CachedParaphrases]:
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise DatasetError(f"{path}: expected a JSON object keyed by request hash")
        return {key: CachedParaphrases.model_validate(value) for key, value in raw.items()}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not valid JSON: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DatasetError(f"{path}: field '{'.'.join(map(str, first['loc']))}': {first['msg']}") from exc


def write_cache(path: Path, cache: dict[str, CachedParaphrases]) -> None:
    payload = {key: cache[key].model_dump(mode="json") for key in sorted(cache)}
    write_if_changed(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


async def _ask_all(provider: Provider, requests: Sequence[ModelRequest]) -> list[str]:
    try:
        responses = await asyncio.gather(*(provider.complete(r) for r in requests))
    finally:
        await provider.aclose()
    return [response.text for response in responses]


def fill_cache(bases: Sequence[Scenario], provider: Provider, model: str, cache_path: Path) -> AugmentStats:
    """Ask the model for the positives the cache does not hold yet; store every usable answer. The
    provider is closed once its answers are in (its client lives in this function's event loop)."""
    cache = read_cache(cache_path)
    pending = [(base, augment_request(base, model)) for base in bases]
    missing = [(base, request) for base, request in pending if request.key() not in cache]
    texts = asyncio.run(_ask_all(provider, [request for _, request in missing]))
    failed: list[str] = []
    for (base, request), text in zip(missing, texts, strict=True):
        paraphrases = parse_paraphrases(text, base.input.message)
        if not paraphrases:
            failed.append(base.id)
            continue
        cache[request.key()] = CachedParaphrases(
            model=model, scenario=base.id, message=base.input.message, paraphrases=paraphrases
        )
    write_cache(cache_path, cache)
    return AugmentStats(asked=len(missing), cached=len(pending) - len(missing), failed=tuple(failed))


def augmented_variants(
    bases: Sequence[Scenario], cache: dict[str, CachedParaphrases]
) -> dict[str, list[Scenario]]:
    """Base id → its cached paraphrases as scenarios tagged `augmented`; ids carry the request hash so a
    second model's answers never renumber the first's."""
    by_id = {base.id: base for base in bases}
    variants: dict[str, list[Scenario]] = {}
    for key in sorted(cache):
        entry = cache[key]
        base = by_id.get(entry.scenario)
        if base is None or base.input.message != entry.message:
            continue
        for number, text in enumerate(entry.paraphrases, start=1):
            variants.setdefault(base.id, []).append(
                base.model_copy(
                    update={
                        "id": f"{base.id}-aug-{key[:8]}-{number}",
                        "input": ScenarioInput(context=base.input.context, message=text),
                        "tags": (*base.tags, "paraphrase", "augmented"),
                        "provenance": base.provenance.model_copy(update={"variant_of": base.id}),
                        "note": f"Paraphrase written by {entry.model}; review it before trusting the case.",
                    }
                )
            )
    return variants
