"""Project checks: registers the checks of a project's `checks/*.py` files and of installed packages.

A project adds checks without forking: each `.py` file in `checks/` at the project root (beside `agents/`;
files starting with `_` are helpers, not loaded) and each installed package's `agent_eval.checks` entry
point registers checks with `@check` (`from agent_eval import check, verdict`). Once loaded, `grade` and
`run` apply them like the built-in ones.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

from agent_eval.graders.checks.registry import (
    CHECKS,
    CheckRegistrationError,
    registering_from,
    unregister,
)
from agent_eval.paths import display_path

ENTRY_POINT_GROUP = "agent_eval.checks"
PROJECT_CHECKS_DIR = "checks"
_MODULE_PREFIX = "agent_eval_project_checks"


class ProjectCheckError(ValueError):
    """A project check that cannot be loaded; the message names its file (or entry point)."""


def load_project_checks(root: Path) -> list[str]:
    """Register the checks of `root/checks/*.py` and of `agent_eval.checks` entry points; their ids.

    Loading again (another project in the same process) first forgets the checks of earlier project files.
    A file that fails to import, or a check id that is already taken, raises ProjectCheckError.
    """
    unregister([spec.id for spec in CHECKS.values() if spec.origin.endswith(".py")])
    before = set(CHECKS)
    folder = root / PROJECT_CHECKS_DIR
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else ():
        if not path.name.startswith("_"):
            _load_file(path)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {entry_point.name} ({entry_point.value})"
        if any(spec.origin == origin for spec in CHECKS.values()):
            continue  # installed packages do not change within a process
        with _loading(origin):
            entry_point.load()
    return sorted(set(CHECKS) - before)


def _load_file(path: Path) -> None:
    name = f"{_MODULE_PREFIX}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProjectCheckError(f"{display_path(path)}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    with _loading(display_path(path)):
        spec.loader.exec_module(module)


@contextmanager
def _loading(origin: str) -> Iterator[None]:
    """Registers checks under `origin`; any failure becomes a one-line error naming it."""
    try:
        with registering_from(origin):
            yield
    except CheckRegistrationError as exc:
        raise ProjectCheckError(f"{origin}: {exc}") from exc
    except Exception as exc:  # the project's own code: any error it raises is bad input
        raise ProjectCheckError(f"{origin}: cannot be loaded: {type(exc).__name__}: {exc}") from exc
