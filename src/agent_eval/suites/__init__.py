"""Suites: one module per kind of scenario (routing, standards, …) behind the `Suite` protocol."""

from agent_eval.suites.registry import Graded, Suite, SuiteContext, get_suite, suite, suite_names

__all__ = ["Graded", "Suite", "SuiteContext", "get_suite", "suite", "suite_names"]
