"""The one error the store raises for a database it cannot use: a line naming the file and what to do.

Kept apart from `db` so the CLI entry point can catch it without importing the store (start-up time).
"""

from __future__ import annotations


class StoreError(Exception):
    """A results database that cannot be opened, read or written; the message names it and the fix."""
