"""What a call costs: Anthropic's per-model $/MTok for input, output, cache writes and reads, and batches.

Update PRICES when Anthropic's pricing page changes (https://platform.claude.com/docs/en/about-claude/pricing).
A model missing from the table is priced like its family (with a warning), so a new release never costs $0.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from agent_eval.providers.model import ModelRequest, Usage

log = logging.getLogger(__name__)

MTOK = 1_000_000
BATCH_DISCOUNT = 0.5  # Message Batches bill every token category at half price
CHARS_PER_TOKEN_LOWER_BOUND = 3  # request JSON averages ~4 chars a token; 3 keeps budget estimates safe


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_write: float  # 5-minute cache write, the TTL the harness uses
    cache_read: float


PRICES: dict[str, Price] = {
    "claude-fable-5-1": Price(10.00, 50.00, 12.50, 0.25),
    "claude-mythos-5-1": Price(10.00, 50.00, 12.50, 0.25),
    "claude-fable-5": Price(10.00, 50.00, 12.50, 1.00),
    "claude-mythos-5": Price(10.00, 50.00, 12.50, 1.00),
    "claude-opus-5-5": Price(4.00, 20.00, 5.00, 0.20),
    "claude-opus-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-8": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-7": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-6": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 0.10),
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 0.20),
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 0.30),
    # Haiku 5.5's rate for prompts up to 100k tokens; the harness's prompts stay far below that.
    "claude-haiku-5-5": Price(0.10, 0.50, 0.125, 0.01),
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
}

# The price of an unknown model of each family: its newest member.
FAMILY_PRICES: dict[str, str] = {
    "fable": "claude-fable-5-1",
    "mythos": "claude-mythos-5-1",
    "opus": "claude-opus-5-5",
    "sonnet": "claude-sonnet-5-5",
    "haiku": "claude-haiku-5-5",
}

_warned: set[str] = set()


def price_of(model: str) -> Price:
    """The model's price; dated ids (`claude-haiku-4-5-20251001`) match their base id."""
    matches = [known for known in PRICES if model == known or model.startswith(known + "-")]
    if matches:
        return PRICES[max(matches, key=len)]
    family = next((f for f in FAMILY_PRICES if f in model), None)
    fallback = FAMILY_PRICES[family] if family else max(PRICES, key=lambda m: PRICES[m].output)
    if model not in _warned:
        _warned.add(model)
        log.warning(
            "no price on file for model %r; costing it as %s (update agent_eval/providers/pricing.py)",
            model, fallback,
        )
    return PRICES[fallback]


def cost(model: str, usage: Usage, batch: bool = False) -> float:
    """USD for one call's usage."""
    price = price_of(model)
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_creation_input_tokens * price.cache_write
        + usage.cache_read_input_tokens * price.cache_read
    ) / MTOK
    return total * BATCH_DISCOUNT if batch else total


def cost_bound(request: ModelRequest, model: str | None = None) -> float:
    """A cautious upper estimate of a call's cost before it is made: every input token at the cache-write
    rate (the dearest input rate) and the full `max_tokens` of output. `model`: the resolved id, if the
    request names an alias."""
    price = price_of(model or request.model)
    body = json.dumps(request.api_params(), ensure_ascii=False)
    input_tokens = len(body) / CHARS_PER_TOKEN_LOWER_BOUND
    return (input_tokens * max(price.input, price.cache_write) + request.max_tokens * price.output) / MTOK
