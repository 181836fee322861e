"""Whole runs against Steady (Anthropic's OpenAPI spec), one with an alias and one with an explicit id: both
finish, and Steady rejects or flags none of the requests (issue 10, item 1: the Models API's repeated
cursor no longer pages forever, and an explicit id does not list models at all)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anthropic import APIRequest, AsyncAnthropic, AsyncAPIResponse, AsyncCallNext

import agent_eval.providers.anthropic as anthropic_provider
from agent_eval.run.evaluate import run_eval
from agent_eval.run.options import RunOptions
from test_contract_steady import steady_diagnostics, steady_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.steady

REPO = Path(__file__).resolve().parent.parent
AGENT = "backend-developer"


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int, list[str]]]]:
    """(path, status, Steady's diagnostics) of every HTTP attempt the provider's client makes."""
    answers: list[tuple[str, int, list[str]]] = []

    async def record(request: APIRequest, call_next: AsyncCallNext) -> AsyncAPIResponse[Any]:
        response = await call_next(request)
        path = str(request.url).split("?")[0]
        answers.append((path, response.status_code, steady_diagnostics(response.headers)))
        return response

    class RecordingClient(AsyncAnthropic):
        def __init__(self, **options: Any) -> None:
            super().__init__(**{**options, "middleware": [record, *options.get("middleware", ())]})

    monkeypatch.setattr(anthropic_provider, "AsyncAnthropic", RecordingClient)
    yield answers


@pytest.mark.parametrize("model", ["sonnet", "claude-sonnet-5-5"])
def test_a_run_against_steady_finishes_with_no_request_rejected(
    steady_url: str,  # noqa: F811
    seen: list[tuple[str, int, list[str]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
) -> None:
    root = tmp_path / "project"
    for folder in ("agents", "datasets", "evals"):
        shutil.copytree(REPO / folder, root / folder)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", steady_url)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    result = run_eval(
        RunOptions(
            agent=AGENT, root=root, home=root / "home", model=model, judge_model=model, limit=2,
            progress=False, report=False,
        )
    )
    assert (result.run.status, result.failed_calls) == ("finished", 0)
    rejected = [(path, status, found) for path, status, found in seen if status >= 300 or found]
    listings = sum(1 for path, _, _ in seen if path.startswith("/v1/models"))
    print(f"{model}: {len(seen)} requests to Steady ({listings} to the Models API), {len(rejected)} rejected")
    assert rejected == []
    listed = [path for path, _, _ in seen if path == "/v1/models"]
    assert (len(listed) >= 1) if model == "sonnet" else (listed == [])
    assert sum(1 for path, _, _ in seen if path == "/v1/messages") >= 4
