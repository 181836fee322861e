"""Many requests → responses through the Message Batches API: half price, the work runs on Anthropic's side.

Requests are submitted in chunks within the API's limits, polled with backoff until they end, and their
results mapped back by `custom_id` (the request hash, 64 hex characters: the most the API accepts). Items
that errored for a transient reason, expired, were cancelled or are missing from the results go into a new
batch, a bounded number of times; then they are reported through `on_error`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from anthropic import APIError, AsyncAnthropic

from agent_eval.providers import pricing
from agent_eval.providers.anthropic import AnthropicProvider, to_model_response
from agent_eval.providers.model import ModelResponse, Provider, Usage
from agent_eval.runner.pool import (
    OnError,
    OnResponse,
    ResponseCache,
    RunOutcome,
    Status,
    WorkItem,
    progress_bar,
    settle,
    share,
)

log = logging.getLogger(__name__)

MAX_BATCH_REQUESTS = 100_000
MAX_BATCH_BYTES = 256 * 1024 * 1024
BATCH_BYTES_MARGIN = 0.95  # the limit counts the whole HTTP body; leave room for its envelope
PERMANENT_ERRORS = frozenset({"invalid_request_error", "authentication_error", "permission_error",
                              "billing_error", "not_found_error"})


class BatchItemError(Exception):
    """A batch item that did not succeed within the allowed attempts (or failed for a permanent reason)."""


@dataclass
class _Collected:
    answered: dict[str, ModelResponse]
    failed: dict[str, str]  # request hash → why, for failures not worth retrying
    retry: set[str]


def chunk(entries: Sequence[dict[str, object]], *, max_requests: int = MAX_BATCH_REQUESTS,
          max_bytes: int = MAX_BATCH_BYTES) -> list[list[dict[str, object]]]:
    """Split batch entries into groups within the per-batch request and size limits, keeping order."""
    budget = int(max_bytes * BATCH_BYTES_MARGIN)
    chunks: list[list[dict[str, object]]] = [[]]
    size = 0
    for entry in entries:
        entry_bytes = len(json.dumps(entry, ensure_ascii=False).encode()) + 1
        if chunks[-1] and (len(chunks[-1]) >= max_requests or size + entry_bytes > budget):
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += entry_bytes
    return [c for c in chunks if c]


async def _wait_until_ended(client: AsyncAnthropic, batch_id: str, poll_interval: float,
                            max_poll_interval: float) -> None:
    interval = poll_interval
    while (await client.messages.batches.retrieve(batch_id)).processing_status != "ended":
        await asyncio.sleep(interval)
        interval = min(interval * 1.5, max_poll_interval)


async def _collect(client: AsyncAnthropic, batch_id: str, sent: set[str]) -> _Collected:
    collected = _Collected(answered={}, failed={}, retry=set())
    async for entry in await client.messages.batches.results(batch_id):
        key, result = entry.custom_id, entry.result
        if key not in sent:
            log.warning("batch %s returned an unknown custom_id %r; ignored", batch_id, key)
            continue
        if result.type == "succeeded":
            collected.answered[key] = to_model_response(result.message.to_dict(mode="json"), batch=True)
        elif result.type == "errored" and result.error.error.type in PERMANENT_ERRORS:
            collected.failed[key] = f"{result.error.error.type}: {result.error.error.message}"
        else:
            collected.retry.add(key)
    collected.retry |= sent - collected.answered.keys() - collected.failed.keys() - collected.retry
    return collected


async def _submit_and_collect(client: AsyncAnthropic, entries: list[dict[str, object]], in_progress: set[str],
                              poll_interval: float, max_poll_interval: float) -> _Collected:
    """One batch from submission to results; a failing API call fails its items instead of the run."""
    sent = {str(e["custom_id"]) for e in entries}
    try:
        batch = await client.messages.batches.create(requests=entries)  # type: ignore[arg-type]
        in_progress.add(batch.id)
        await _wait_until_ended(client, batch.id, poll_interval, max_poll_interval)
        in_progress.discard(batch.id)
        return await _collect(client, batch.id, sent)
    except APIError as err:
        failed = dict.fromkeys(sent, f"batch request failed: {err}")
        return _Collected(answered={}, failed=failed, retry=set())


@dataclass
class _BatchRun:
    groups: dict[str, list[WorkItem]]
    on_response: OnResponse
    on_error: OnError
    cache: ResponseCache | None
    bar: Any
    spent_usd: float
    calls: int = 0
    cache_hits: int = 0
    errors: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0

    def outcome(self, status: Status) -> RunOutcome:
        return RunOutcome(status=status, calls=self.calls, cache_hits=self.cache_hits, errors=self.errors,
                          usage=self.usage, cost_usd=self.cost_usd)

    async def serve_from_cache(self) -> list[str]:
        """Answer what the cache holds; returns the request hashes still to send."""
        pending: list[str] = []
        for key, group in self.groups.items():
            cached = self.cache.cache_get(key) if self.cache is not None else None
            if cached is None:
                pending.append(key)
                continue
            for item in group:
                await settle(self.on_response(item, cached.model_copy(update={"cached": True})))
            self.cache_hits += len(group)
            self.bar.update(len(group))
        return pending

    async def answer(self, key: str, response: ModelResponse) -> None:
        self.usage += response.usage
        self.cost_usd += response.cost_usd
        if self.cache is not None:
            self.cache.cache_put(key, response)
        for item, answer in share(self.groups[key], response):
            await settle(self.on_response(item, answer))
        self.bar.update(len(self.groups[key]))
        self.bar.set_postfix_str(f"${self.spent_usd + self.cost_usd:.4f}", refresh=False)

    async def fail(self, key: str, why: str) -> None:
        for item in self.groups[key]:
            await settle(self.on_error(item, BatchItemError(why)))
        self.errors += len(self.groups[key])
        self.bar.update(len(self.groups[key]))


def _affordable(pending: list[str], groups: dict[str, list[WorkItem]], resolve: Callable[[str], str],
                budget_left: float) -> list[str]:
    """The longest prefix of `pending` whose worst-case batch cost fits the budget."""
    affordable: list[str] = []
    for key in pending:
        request = groups[key][0].request
        budget_left -= pricing.cost_bound(request, resolve(request.model)) * pricing.BATCH_DISCOUNT
        if budget_left < 0:
            break
        affordable.append(key)
    return affordable


async def run_batch(
    items: Sequence[WorkItem],
    provider: Provider | AsyncAnthropic,
    *,
    on_response: OnResponse,
    on_error: OnError,
    cache: ResponseCache | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 120.0,
    max_attempts: int = 3,
    max_requests_per_batch: int = MAX_BATCH_REQUESTS,
    max_bytes_per_batch: int = MAX_BATCH_BYTES,
    max_cost: float | None = None,
    spent_usd: float = 0.0,
    progress: bool | str = True,
) -> RunOutcome:
    """Answer every item through Message Batches. Same callbacks and outcome as `run_all`; `calls` counts the
    batch requests submitted, responses carry `batch=True` and the batch price (and no latency). `max_cost`
    submits only the items whose worst-case batch cost fits. Cancelling (Ctrl-C) cancels the batches still
    in progress and returns status "interrupted"."""
    resolve: Callable[[str], str]
    if isinstance(provider, AnthropicProvider):
        client, resolve = provider.client, provider.resolve
    elif isinstance(provider, AsyncAnthropic):
        client, resolve = provider, str
    else:
        raise ValueError(f"batches need the Anthropic API; {provider.name} has no Message Batches")
    groups: dict[str, list[WorkItem]] = {}
    for item in items:
        groups.setdefault(item.request.key(), []).append(item)

    status: Status = "finished"
    with progress_bar(len(items), "batch" if progress is True else progress) as bar:
        run = _BatchRun(groups, on_response, on_error, cache, bar, spent_usd)
        pending = await run.serve_from_cache()
        if max_cost is not None:
            affordable = _affordable(pending, groups, resolve, max_cost - spent_usd)
            status = "budget" if len(affordable) < len(pending) else status
            pending = affordable

        in_progress: set[str] = set()  # batch ids submitted and not yet ended
        batches: set[asyncio.Task[_Collected]] = set()
        failures: dict[str, str] = {}
        try:
            for attempt in range(1, max_attempts + 1):
                if not pending:
                    break
                entries: list[dict[str, object]] = []
                for key in pending:
                    params = groups[key][0].request.api_params()
                    params["model"] = resolve(str(params["model"]))
                    entries.append({"custom_id": key, "params": params})
                chunks = chunk(entries, max_requests=max_requests_per_batch, max_bytes=max_bytes_per_batch)
                run.calls += len(entries)
                bar.set_postfix_str(f"attempt {attempt}: {len(chunks)} batch(es) in progress", refresh=True)
                batches = {
                    asyncio.create_task(_submit_and_collect(client, c, in_progress, poll_interval,
                                                            max_poll_interval))
                    for c in chunks
                }
                retry: set[str] = set()
                while batches:  # deliver each batch's results as soon as it ends
                    done, batches = await asyncio.wait(batches, return_when=asyncio.FIRST_COMPLETED)
                    for collected in (task.result() for task in done):
                        failures.update(collected.failed)
                        retry |= collected.retry
                        for key, response in collected.answered.items():
                            await run.answer(key, response)
                pending = [key for key in pending if key in retry]
            failures.update(dict.fromkeys(pending, f"no result after {max_attempts} batch attempts"))
            for key, why in failures.items():
                await run.fail(key, why)
        except asyncio.CancelledError:
            status = "interrupted"
            for task in batches:
                task.cancel()
            if batches:
                await asyncio.wait(batches)
            await _cancel_batches(client, in_progress)
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
        return run.outcome(status)


async def _cancel_batches(client: AsyncAnthropic, batch_ids: set[str]) -> None:
    """Best effort: stop paying for batches whose results nobody will collect."""
    for batch_id in batch_ids:
        try:
            await client.messages.batches.cancel(batch_id)
        except APIError as err:
            log.warning("could not cancel batch %s: %s", batch_id, err)
