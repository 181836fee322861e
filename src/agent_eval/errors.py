"""The base of every error that is the user's input to fix (exit code 2 at the command line).

Lower layers (store, agents) raise subclasses with a one-line message naming the file and the fix; the CLI
catches this one class, so it needs to know none of them.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input the user can fix; its message is one line naming the file (or field) and what to do."""
