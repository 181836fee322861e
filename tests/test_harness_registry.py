"""`open_harness`: one routing harness by name over the run's provider, or a clear error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent_eval.harness.routing import build_routing_request
from agent_eval.providers.local import LocalRouter
from agent_eval.suites.harnesses import HarnessError, HarnessOptions, open_harness
from harness_fixtures import project_roster, scenario


def options(tmp_path: Path) -> HarnessOptions:
    return HarnessOptions(home=tmp_path, project_root=tmp_path)


def test_builtin_is_todays_request_on_the_runs_own_provider(tmp_path: Path) -> None:
    roster = project_roster()
    upstream = LocalRouter(roster)
    harness = asyncio.run(open_harness("builtin", upstream, roster, "claude-sonnet-5-5", options(tmp_path)))
    case = scenario("Add a POST /orders endpoint")
    assert harness.provider is upstream
    assert harness.request(case) == build_routing_request(case, roster, "claude-sonnet-5-5")


def test_unknown_names_and_non_anthropic_models_are_refused(tmp_path: Path) -> None:
    roster = project_roster()
    with pytest.raises(HarnessError, match="unknown"):
        asyncio.run(open_harness("cli", LocalRouter(roster), roster, "m", options(tmp_path)))
    with pytest.raises(HarnessError, match="needs an Anthropic model"):
        asyncio.run(open_harness("captured", LocalRouter(roster), roster, "m", options(tmp_path)))
    pytest.importorskip("claude_agent_sdk", reason="the Claude Agent SDK is not installed")
    with pytest.raises(HarnessError, match="needs an Anthropic model"):
        asyncio.run(open_harness("claude-code", LocalRouter(roster), roster, "m", options(tmp_path)))
