"""Many requests → responses, concurrently: adaptive limit, response cache, in-flight dedup, budget, progress.

Every item ends in exactly one callback (`on_response` or `on_error`), unless the run stops first (budget or
interruption); items whose request is identical share one call. `on_response` only ever sees complete
responses, and a callback that has started always finishes, even when the run is interrupted.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol, runtime_checkable

from agent_eval.providers.backpressure import overload_listener
from agent_eval.providers.model import ModelRequest, ModelResponse, Provider, Usage
from agent_eval.runner.limiter import AdaptiveLimiter

Status = Literal["finished", "interrupted", "budget"]
OnResponse = Callable[["WorkItem", ModelResponse], Awaitable[None] | None]
OnError = Callable[["WorkItem", BaseException], Awaitable[None] | None]


@dataclass(frozen=True)
class WorkItem:
    key: str  # unique per (scenario, epoch, purpose): what the caller stores the answer under
    request: ModelRequest


@dataclass(frozen=True)
class RunOutcome:
    status: Status
    calls: int  # API calls made (answered or failed); cache hits and shared duplicates make none
    cache_hits: int  # items answered from the response cache
    errors: int  # items whose call failed after the provider's retries
    usage: Usage  # of the calls made
    cost_usd: float  # of the calls made
    deduplicated: int = 0  # items answered by another item's identical call


class ResponseCache(Protocol):
    """Responses by request hash (the Store implements it)."""

    def cache_get(self, request_hash: str) -> ModelResponse | None: ...

    def cache_put(self, request_hash: str, response: ModelResponse) -> None: ...


@runtime_checkable
class CostBounded(Protocol):
    """A provider that can bound a call's cost before making it (what the budget check uses)."""

    def cost_bound(self, request: ModelRequest) -> float: ...


async def settle(result: Awaitable[None] | None) -> None:
    """Await a callback's result if it returned an awaitable (callbacks may be sync or async)."""
    if inspect.isawaitable(result):
        await result


def share(items: Sequence[WorkItem], response: ModelResponse) -> list[tuple[WorkItem, ModelResponse]]:
    """One call's response for each item that asked the identical request: the first item owns the call,
    the others get it marked cached, so the store counts the calls and tokens the API really received."""
    shared = response.model_copy(update={"cached": True})
    return [(item, response if index == 0 else shared) for index, item in enumerate(items)]


def progress_bar(total: int, progress: bool | str, unit: str = "item") -> Any:
    """A tqdm bar on stderr (disabled when `progress` is False); a string `progress` is its label."""
    from tqdm import tqdm

    label = progress if isinstance(progress, str) else "calls"
    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, disable=progress is False,
                dynamic_ncols=True, smoothing=0.1)


@dataclass
class _Run:
    provider: Provider
    limiter: AdaptiveLimiter
    cache: ResponseCache | None
    max_cost: float | None
    spent_usd: float
    on_response: OnResponse
    on_error: OnError
    bar: Any
    groups: dict[str, list[WorkItem]] = field(default_factory=dict)
    pending: deque[str] = field(default_factory=deque)
    calls: int = 0
    cache_hits: int = 0
    errors: int = 0
    deduplicated: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    reserved_usd: float = 0.0  # worst-case cost of the calls in flight
    dearest_call_usd: float = 0.0
    stop: Status | None = None
    calls_in_flight: set[asyncio.Future[ModelResponse]] = field(default_factory=set)
    budget_changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def outcome(self) -> RunOutcome:
        return RunOutcome(
            status=self.stop or "finished", calls=self.calls, cache_hits=self.cache_hits, errors=self.errors,
            usage=self.usage, cost_usd=self.cost_usd, deduplicated=self.deduplicated,
        )

    async def serve_from_cache(self, key: str) -> bool:
        cached = self.cache.cache_get(key) if self.cache is not None else None
        if cached is None:
            return False
        items = self.groups[key]
        response = cached.model_copy(update={"cached": True})
        for item in items:
            await settle(self.on_response(item, response))
        self.cache_hits += len(items)
        self.bar.update(len(items))
        return True

    def cost_bound(self, request: ModelRequest) -> float:
        bound = self.provider.cost_bound(request) if isinstance(self.provider, CostBounded) else 0.0
        return max(bound, self.dearest_call_usd)

    async def worker(self) -> None:
        while self.pending and self.stop is None:
            key = self.pending.popleft()
            if await self.serve_from_cache(key):
                continue
            ticket = await self.limiter.acquire()
            try:
                if self.stop is not None:
                    self.pending.appendleft(key)
                    return
                bound = await self.reserve(self.groups[key][0].request)
                if bound is None:
                    self.pending.appendleft(key)
                    return
                try:
                    await self.call(key, ticket)
                finally:
                    if self.max_cost is not None:
                        self.reserved_usd -= bound
                        async with self.budget_changed:
                            self.budget_changed.notify_all()
            finally:
                self.limiter.release()

    async def reserve(self, request: ModelRequest) -> float | None:
        """Set aside the call's worst-case cost, waiting for calls in flight to settle when only their
        reservations stand in the way; None (and the run stops) when the budget cannot cover it."""
        if self.max_cost is None:
            return 0.0
        bound = self.cost_bound(request)
        async with self.budget_changed:
            while self.stop is None:
                committed = self.spent_usd + self.cost_usd
                if committed + bound > self.max_cost:
                    self.stop = "budget"
                elif committed + self.reserved_usd + bound <= self.max_cost:
                    self.reserved_usd += bound
                    return bound
                else:
                    await self.budget_changed.wait()
        return None

    async def call(self, key: str, ticket: int) -> None:
        items = self.groups[key]
        # The call runs in its own task so an interruption can cancel it without cancelling a callback.
        listener = overload_listener.set(partial(self.limiter.on_pushback, ticket))
        try:
            call = asyncio.ensure_future(self.provider.complete(items[0].request))
        finally:
            overload_listener.reset(listener)
        self.calls_in_flight.add(call)
        try:
            response = await call
        except asyncio.CancelledError:
            if call.cancelled() and self.stop == "interrupted":
                return
            raise
        except Exception as err:
            self.calls += 1
            self.errors += len(items)
            for item in items:
                await settle(self.on_error(item, err))
            self.bar.update(len(items))
            return
        finally:
            self.calls_in_flight.discard(call)
        self.calls += 1
        self.limiter.on_success()
        self.usage += response.usage
        self.cost_usd += response.cost_usd
        self.dearest_call_usd = max(self.dearest_call_usd, response.cost_usd)
        self.deduplicated += len(items) - 1
        if self.cache is not None:
            self.cache.cache_put(key, response)
        for item, answer in share(items, response):
            await settle(self.on_response(item, answer))
        self.bar.update(len(items))
        spent = self.spent_usd + self.cost_usd
        self.bar.set_postfix_str(f"${spent:.4f} limit={self.limiter.limit}", refresh=False)


async def run_all(
    items: Sequence[WorkItem],
    provider: Provider,
    *,
    on_response: OnResponse,
    on_error: OnError,
    concurrency: int = 8,
    cache: ResponseCache | None = None,
    max_cost: float | None = None,
    progress: bool | str = True,
    spent_usd: float = 0.0,
    limiter: AdaptiveLimiter | None = None,
) -> RunOutcome:
    """Answer every item through `provider`, at most `concurrency` calls at a time.

    `max_cost` (USD, including `spent_usd` from earlier sessions of the same run) stops the run before a call
    whose worst-case cost could pass it. Cancelling the task running this (Ctrl-C under `asyncio.run`) cancels
    the calls in flight, lets callbacks already started finish, and returns status "interrupted". Pass
    `limiter` to watch the adaptive limit (tests, bench); it defaults to one of size `concurrency`.
    """
    with progress_bar(len(items), progress) as bar:
        run = _Run(
            provider=provider, limiter=limiter or AdaptiveLimiter(concurrency), cache=cache,
            max_cost=max_cost, spent_usd=spent_usd, on_response=on_response, on_error=on_error, bar=bar,
        )
        for item in items:
            run.groups.setdefault(item.request.key(), []).append(item)
        run.pending.extend(run.groups)
        worker_count = min(run.limiter.maximum, len(run.pending))
        workers = [asyncio.create_task(run.worker()) for _ in range(worker_count)]
        try:
            if workers:
                done, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
                error = next((e for e in (w.exception() for w in done if not w.cancelled()) if e), None)
                if error is not None:  # a callback raised: stop cleanly, then let the caller see its error
                    await _stop(run, workers, "interrupted")
                    raise error
        except asyncio.CancelledError:
            await _stop(run, workers, "interrupted")
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        return run.outcome()


async def _stop(run: _Run, workers: list[asyncio.Task[None]], status: Status) -> None:
    run.stop = status
    for call in run.calls_in_flight:
        call.cancel()
    if workers:
        await asyncio.wait(workers)
    for worker in workers:  # retrieved here so only the first error is raised, and none is logged as lost
        if not worker.cancelled():
            worker.exception()
