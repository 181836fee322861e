"""Suites: one module per kind of scenario (routing, standards, …) behind the `Suite` protocol."""

from agent_eval.suites.registry import (
    DEFAULT_SUITES,
    Graded,
    Suite,
    SuiteContext,
    get_suite,
    suite,
    suite_names,
)

__all__ = ["DEFAULT_SUITES", "Graded", "Suite", "SuiteContext", "get_suite", "suite", "suite_names"]
