"""The check registry: `@check("id")` registers a `ParsedResponse -> Verdict` function under its id.

Every module in this package (except private `_*` ones and this one) is imported once, so adding a check
means adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable

from agent_eval.graders.model import Evidence, Status, Verdict
from agent_eval.graders.parsing import ParsedResponse

CheckFn = Callable[[ParsedResponse], Verdict]

CHECKS: dict[str, CheckFn] = {}

CONTRACT_CHECKS = (
    "zod-validation",
    "rls-enabled",
    "status-codes",
    "parameterized-sql",
    "api-versioning",
    "pagination",
    "error-format",
    "no-hardcoded-secrets",
)
"""The check ids pipelines rely on (CONTRACT.md), in their documented order."""

MAX_EVIDENCE = 8


def check(check_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check `check_id` (ids are unique)."""

    def register(function: CheckFn) -> CheckFn:
        if check_id in CHECKS and CHECKS[check_id] is not function:
            raise ValueError(f"check id {check_id!r} is registered twice")
        CHECKS[check_id] = function
        return function

    return register


def default_check_ids() -> list[str]:
    """Every registered check: the contract's ids in their order, then the others by name."""
    extras = sorted(set(CHECKS) - set(CONTRACT_CHECKS))
    return [check_id for check_id in CONTRACT_CHECKS if check_id in CHECKS] + extras


def verdict(check_id: str, status: Status, reason: str, evidence: Iterable[Evidence] = ()) -> Verdict:
    """A Verdict whose evidence is de-duplicated by line, in line order, and capped at MAX_EVIDENCE."""
    by_line: dict[int, Evidence] = {}
    for item in evidence:
        by_line.setdefault(item.line, item)
    ordered = tuple(by_line[line] for line in sorted(by_line))[:MAX_EVIDENCE]
    return Verdict(check=check_id, status=status, reason=reason, evidence=ordered)


def _load_check_modules() -> None:
    import agent_eval.graders.checks as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name != "registry":
            importlib.import_module(f"{package.__name__}.{module.name}")


_load_check_modules()
