"""Keeping Python's cyclic garbage collector off a run's critical path.

Importing the `anthropic` SDK builds about 190,000 objects that live as long as the process. The allocations
trigger the collector, which walks them several times during the import (about a quarter of a second here)
and again in every full pass while the calls run (a stall of the event loop of 150 ms or so each time).
None of those passes can find garbage among them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection inside the block; the collector's state before it is restored after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def survivors_frozen() -> Iterator[None]:
    """What is alive on entry is left out of the collections inside the block and handed back to the
    collector after it. A process that froze objects itself (gc.freeze before forking workers, say) is left
    as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
