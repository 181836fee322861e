"""Sending one pass of work items: through the Batches API or the concurrent runner, with cache and budget."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from agent_eval.providers.errors import describe_error
from agent_eval.providers.model import ModelResponse, Provider
from agent_eval.runner import RunOutcome, WorkItem, run_all
from agent_eval.runner.pool import OnResponse
from agent_eval.store.db import Store
from agent_eval.store.model import ResultRecord


@dataclass(frozen=True)
class Pass:
    """One pass of calls: who answers, and what to do with each answer or failure."""

    label: str  # the progress bar's name
    provider: Provider
    on_response: OnResponse
    on_error: Callable[[WorkItem, BaseException], None]
    batchable: bool = True  # False: its requests cannot go through the Batches API (a harness's own)


@dataclass(frozen=True)
class Dispatcher:
    """How a run sends its calls; the same for every pass of the run."""

    store: Store
    run_id: str
    concurrency: int
    max_cost: float | None
    batch: bool = False
    use_cache: bool = True
    progress: bool = True

    async def send(self, items: list[WorkItem], work: Pass) -> RunOutcome:
        spent = float(self.store.usage(self.run_id)["cost_usd"])  # earlier passes and sessions count too
        cache = self.store if self.use_cache else None
        progress: bool | str = work.label if self.progress else False
        send: Callable[..., Awaitable[RunOutcome]]
        if self.batch and work.batchable and not work.provider.offline:
            from agent_eval.runner.batch import run_batch

            send = run_batch
        else:
            send = partial(run_all, concurrency=self.concurrency)
        return await send(
            items,
            work.provider,
            on_response=work.on_response,
            on_error=work.on_error,
            cache=cache,
            max_cost=self.max_cost,
            spent_usd=spent,
            progress=progress,
        )


class CallLog:
    """Stores every call of a run (with the result it produced, in one transaction) and counts failures."""

    def __init__(self, store: Store, run_id: str) -> None:
        self.store, self.run_id = store, run_id
        self.failed = 0

    def answered(self, item: WorkItem, response: ModelResponse, result: ResultRecord | None = None) -> None:
        request = item.request
        self.store.record_call(
            self.run_id, request.key(), request.purpose, request.model, response, None, result
        )

    def failed_call(self, item: WorkItem, error: BaseException) -> None:
        """A call failed after the retries: stored with its error and no result (a resume retries it)."""
        self.failed += 1
        request = item.request
        self.store.record_call(
            self.run_id,
            request.key(),
            request.purpose,
            request.model,
            None,
            describe_error(error),
        )
