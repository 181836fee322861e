"""An adaptive concurrency limit (AIMD): halve on pushback (429/529), grow by one after a run of successes.

A pushback only cuts the limit if its call started after the previous cut: the calls already in flight when
the API first pushed back were sent at the old rate and the cut has already answered them.
"""

from __future__ import annotations

import asyncio
from collections import deque


class AdaptiveLimiter:
    def __init__(self, maximum: int, *, minimum: int = 1) -> None:
        if maximum < 1:
            raise ValueError(f"concurrency must be at least 1, got {maximum}")
        self.maximum = maximum
        self.minimum = min(minimum, maximum)
        self.limit = maximum
        self.in_flight = 0
        self.history: list[int] = [maximum]  # every value the limit took, in order
        self.pushbacks = 0
        self._generation = 0  # bumped by every cut
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> int:
        """Wait for a slot; returns the ticket to pass to `on_pushback` for a call made in this slot."""
        while self.in_flight >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass on the wake-up this cancelled waiter received
                else:
                    self._waiters.remove(waiter)
                raise
        self.in_flight += 1
        return self._generation

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def on_pushback(self, ticket: int, status: int = 429) -> None:
        self.pushbacks += 1
        if ticket < self._generation:
            return
        self._generation += 1
        self._successes = 0
        new_limit = max(self.minimum, self.limit // 2)
        if new_limit != self.limit:
            self.limit = new_limit
            self.history.append(new_limit)

    def on_success(self) -> None:
        self._successes += 1
        if self._successes >= self.limit and self.limit < self.maximum:
            self._successes = 0
            self.limit += 1
            self.history.append(self.limit)
            self._wake()

    def _wake(self) -> None:
        free = self.limit - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1
