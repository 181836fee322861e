"""The check registry: `@check("id", …)` records everything about a check in one `CheckSpec`.

A spec holds the grading function (`ParsedResponse -> Verdict`), its semantics (the docstring, which the
model grader also reads as the rule), the words of a task that ask for it, the words that tie it to the
section of an agent's body stating the practice, its place in CONTRACT.md and its default gate threshold.
Every list of checks elsewhere (standards derivation, the judge's mapping, the default check set, id
validation) is derived from `CHECKS`.

Every module in this package (except private `_*` ones and this one) is imported once, so adding a
built-in check means adding one file; project checks are added by `graders.project_checks`.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from agent_eval.graders.model import Evidence, Status, Verdict
from agent_eval.graders.parsing import ParsedResponse

CheckFn = Callable[[ParsedResponse], Verdict]

BUILT_IN = "built-in"
DEFAULT_THRESHOLD = 0.8
MAX_EVIDENCE = 8


@dataclass(frozen=True)
class CheckSpec:
    """One check and everything the rest of the pipeline needs to know about it."""

    id: str
    function: CheckFn
    semantics: str  # when it is n/a, passes, fails: the docstring, also the model grader's rule
    task_words: tuple[str, ...] = ()  # whole words (regex) of a task that make it ask for this check
    every_task: bool = False  # every task asks for it, so it says nothing about a task's topic
    section_words: tuple[str, ...] = ()  # words of an agent section stating the practice, most specific first
    contract: int | None = None  # position among CONTRACT.md's check ids (1-based); None: not listed there
    threshold: float = DEFAULT_THRESHOLD  # default minimum pass rate for the gate
    origin: str = BUILT_IN  # "built-in", or the project file / entry point that registered it

    def asked_by(self, task: str) -> bool:
        """Whether a task's words ask for this check (derivation without a task table)."""
        if self.every_task:
            return True
        words = "|".join(self.task_words)
        return bool(words and re.search(rf"\b(?:{words})\b", task, re.IGNORECASE))


class CheckRegistrationError(ValueError):
    """A check that cannot be registered (its id is taken, or malformed); the message names its origin."""


CHECKS: dict[str, CheckSpec] = {}
_CHECK_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_origin = BUILT_IN


@contextmanager
def registering_from(origin: str) -> Iterator[None]:
    """Checks registered inside this block record `origin` (a project file or an entry point)."""
    global _origin
    previous, _origin = _origin, origin
    try:
        yield
    finally:
        _origin = previous


def check(
    check_id: str,
    *,
    task_words: Sequence[str] = (),
    every_task: bool = False,
    section_words: Sequence[str] = (),
    contract: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated `response -> Verdict` function as the check `check_id`.

    Its docstring states the check's semantics: when it is n/a, when it passes, when it fails. The keyword
    arguments are optional: `task_words` (whole words, regular expressions allowed) make a standards task
    that mentions one ask for the check; `every_task` makes every task ask for it; `section_words` (most
    specific first) tie it to the agent body section stating the practice (the judge criterion it maps
    to, see `section_of`); `contract` is
    its position among CONTRACT.md's ids; `threshold` the pass rate the gate requires by default.
    """
    if not _CHECK_ID.match(check_id):
        raise CheckRegistrationError(f"check id {check_id!r}: use lowercase letters, digits and dashes")

    def register(function: CheckFn) -> CheckFn:
        existing = CHECKS.get(check_id)
        if existing is not None and existing.function is not function:
            holder = "a built-in check" if existing.origin == BUILT_IN else f"registered by {existing.origin}"
            raise CheckRegistrationError(f"check id {check_id!r} is registered twice: it is {holder}")
        CHECKS[check_id] = CheckSpec(
            id=check_id,
            function=function,
            semantics=inspect.cleandoc(function.__doc__ or check_id),
            task_words=tuple(task_words),
            every_task=every_task,
            section_words=tuple(word.lower() for word in section_words),
            contract=contract,
            threshold=threshold,
            origin=_origin,
        )
        return function

    return register


def unregister(check_ids: Iterable[str]) -> None:
    """Forget checks (a project's, before another project's are loaded in the same process)."""
    for check_id in check_ids:
        CHECKS.pop(check_id, None)


def default_check_ids() -> list[str]:
    """Every registered check: the contract's ids in their documented order, the other built-in checks by
    id, then the project's by id."""
    contract = sorted((spec for spec in CHECKS.values() if spec.contract), key=lambda s: s.contract or 0)
    others = sorted(
        (spec for spec in CHECKS.values() if not spec.contract), key=lambda s: (s.origin != BUILT_IN, s.id)
    )
    return [spec.id for spec in contract + others]


def contract_check_ids() -> list[str]:
    """The check ids pipelines rely on (CONTRACT.md), in their documented order."""
    return [check_id for check_id in default_check_ids() if CHECKS[check_id].contract]


def in_check_order(check_ids: Iterable[str]) -> tuple[str, ...]:
    """`check_ids` (registered ones) in the registry's order, once each."""
    wanted = set(check_ids)
    return tuple(check_id for check_id in default_check_ids() if check_id in wanted)


def unknown_check_message(check_ids: Iterable[str]) -> str | None:
    """'unknown check id 'x' (did you mean 'y'?)' for the first unregistered id; None when all are known."""
    unknown = next((check_id for check_id in check_ids if check_id not in CHECKS), None)
    if unknown is None:
        return None
    close = difflib.get_close_matches(unknown, list(CHECKS), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(default_check_ids())}"
    return f"unknown check id '{unknown}' ({hint})"


def section_of(check_id: str, sections: Sequence[tuple[str, str]]) -> str | None:
    """The key of the (key, text) section that states the check's practice: the first, in body order, that
    mentions the check's most specific section word that any section mentions."""
    for word in CHECKS[check_id].section_words:
        found = next((key for key, text in sections if word in text.lower()), None)
        if found is not None:
            return found
    return None


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
