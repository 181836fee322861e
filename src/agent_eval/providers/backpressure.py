"""How a provider tells the runner the API is pushing back (429 rate limited, 529 overloaded).

The runner sets `overload_listener` in the task that makes a call; the provider calls `report_overload()`
from inside that task for every pushed-back HTTP attempt, including the ones its SDK then retries.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

OVERLOAD_STATUSES = frozenset({429, 529})

overload_listener: ContextVar[Callable[[int], None] | None] = ContextVar("overload_listener", default=None)


def report_overload(status: int) -> None:
    listener = overload_listener.get()
    if listener is not None:
        listener(status)
