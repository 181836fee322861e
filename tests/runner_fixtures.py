"""Test helpers for the provider, runner and batch tests: requests, work items, recording callbacks."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agent_eval.providers.anthropic import AnthropicProvider
from agent_eval.providers.model import ModelRequest, ModelResponse
from agent_eval.runner import RunOutcome, WorkItem
from mock_api import MockAnthropic

MODEL = "claude-sonnet-5-5"
CACHED_SYSTEM = (
    {"type": "text", "text": "You route requests. " * 40, "cache_control": {"type": "ephemeral"}},
)


def make_request(text: str, *, max_tokens: int = 64, sample: int = 1) -> ModelRequest:
    return ModelRequest(
        model=MODEL, max_tokens=max_tokens, system=CACHED_SYSTEM,
        messages=({"role": "user", "content": text},), purpose="routing", sample=sample,
    )


def make_items(count: int, prefix: str = "scenario") -> list[WorkItem]:
    return [WorkItem(f"{prefix}-{i}", make_request(f"{prefix} {i}: please help")) for i in range(count)]


@dataclass
class Recorder:
    """Collects what the runner reports; `answered` counts answers per work item key."""

    responses: dict[str, ModelResponse] = field(default_factory=dict)
    answered: Counter[str] = field(default_factory=Counter)
    errors: dict[str, BaseException] = field(default_factory=dict)

    def on_response(self, item: WorkItem, response: ModelResponse) -> None:
        self.answered[item.key] += 1
        self.responses[item.key] = response

    def on_error(self, item: WorkItem, error: BaseException) -> None:
        self.answered[item.key] += 1
        self.errors[item.key] = error


def drive(
    runner: Callable[..., Awaitable[RunOutcome]],
    api: MockAnthropic,
    items: list[WorkItem],
    recorder: Recorder,
    **options: Any,
) -> RunOutcome:
    """Run `runner` (run_all or run_batch) over `items` through the real SDK against the mock; option
    `call_timeout` is the provider's per-call budget (seconds)."""
    call_timeout = float(options.pop("call_timeout", 600.0))

    async def go() -> RunOutcome:
        provider = AnthropicProvider("sonnet", client=api.client(), call_timeout=call_timeout)
        try:
            return await runner(items, provider, on_response=recorder.on_response, on_error=recorder.on_error,
                                progress=False, **options)
        finally:
            await provider.aclose()

    return asyncio.run(go())
