"""Calls under faults (issue 10, items 1–4): a 30%-faulted run completes, failures say why and where,
model specs are checked before any call, and the alias refresh is bounded and skipped for explicit ids."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from agent_eval.cli.main import main
from agent_eval.providers.anthropic import MAX_MODEL_PAGES, AnthropicProvider, open_anthropic
from agent_eval.providers.spec import ModelSpec, ModelSpecError, parse_model_spec
from agent_eval.run.evaluate import run_eval
from agent_eval.run.options import RunOptions
from agent_eval.store.db import Store
from eval_mock import EvalResponder, expected_by_message
from faults_fixtures import AGENT, project_fixture  # noqa: F401 - the `project` fixture
from mock_api import Fault, MockAnthropic


def options(project: Path, **overrides: object) -> RunOptions:
    values: dict[str, object] = {"agent": AGENT, "root": project, "home": project / "home", "progress": False}
    values.update(overrides)
    return RunOptions(**values)  # type: ignore[arg-type]


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_a_run_with_30_percent_of_calls_faulted_beyond_the_sdks_retries_completes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MockAnthropic(
        responder=EvalResponder(expected_by_message(project)),
        fault_rate=0.3,
        fault_kinds=("429", "529", "500"),
        max_faults_per_request=8,  # more than the SDK's 5 attempts: only a call budget rides them out
        seed=3,
    ) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        result = run_eval(options(project, limit=10, concurrency=8, report=False))
        faults = sum(api.faults_served.values())
    assert faults > 0
    assert (result.run.status, result.failed_calls) == ("finished", 0)
    with Store(project / "home") as store:
        assert store.call_errors(result.run.run_id) == 0
        assert len(store.results(result.run.run_id)) == 20


def test_failed_calls_are_printed_and_reported_by_cause_with_the_url(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = closed_port_url()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", dead)
    code = main(["run", "--agent", AGENT, "--suite", "routing", "--limit", "2", "--call-timeout", "30"])
    err = capsys.readouterr().err
    assert code == 3
    assert "2 calls failed after retries" in err
    (line,) = [line for line in err.splitlines() if "×" in line]
    assert line.strip().startswith("2 × APIConnectionError: Connection")  # the SDK words it per release
    assert line.endswith(f"(POST {dead}/v1/messages)")
    with Store(project / "home") as store:
        (run,) = store.list_runs()
        (group,) = store.call_failures(run.run_id)
    assert (group.cause, group.count, group.url) == ("APIConnectionError", 2, f"POST {dead}/v1/messages")
    report = (project / "reports" / f"{run.run_id}.html").read_text(encoding="utf-8")
    assert 'id="call-failures"' in report and f"POST {dead}/v1/messages" in report


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("sonnet", ModelSpec("anthropic", "sonnet")),
        ("claude-sonnet-5-5", ModelSpec("anthropic", "claude-sonnet-5-5")),
        ("anthropic:claude-x", ModelSpec("anthropic", "claude-x")),
        (
            "openai:llama3.1:8b@http://localhost:11434/v1",
            ModelSpec("openai", "llama3.1:8b", "http://localhost:11434/v1"),
        ),
        ("openai:gpt-4o", ModelSpec("openai", "gpt-4o")),
        ("replay:run-1", ModelSpec("replay", "run-1")),
        ("local", ModelSpec("local", "local")),
    ],
)
def test_model_specs_parse_into_provider_model_and_url(spec: str, parsed: ModelSpec) -> None:
    assert parse_model_spec(spec) == parsed


@pytest.mark.parametrize(
    ("spec", "part"),
    [
        ("foo:bar", "unknown provider 'foo'"),
        ("gpt-4o", "not an Anthropic model id"),
        ("anthropic:", "empty model id"),
        ("openai:", "empty model id"),
        ("openai:x@notaurl", "bad URL 'notaurl'"),
        ("openai:x@ftp://host/v1", "bad URL 'ftp://host/v1'"),
        ("openai:x@http://host:port/v1", "bad URL 'http://host:port/v1'"),
        ("replay:", "empty run id"),
    ],
)
def test_bad_model_specs_name_the_part_at_fault(spec: str, part: str) -> None:
    with pytest.raises(ModelSpecError, match=part):
        parse_model_spec(spec)


@pytest.mark.parametrize("spec", ["foo:bar", "gpt-4o", "anthropic:", "openai:x@notaurl"])
def test_a_bad_model_spec_exits_2_before_any_call(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    with MockAnthropic() as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        assert main(["run", "--agent", AGENT, "--model", spec, "--no-report"]) == 2
        assert sum(api.counts.values()) == 0
    err = capsys.readouterr().err
    assert spec in err and "Traceback" not in err


def test_an_unknown_anthropic_model_fails_once_with_the_apis_404_before_the_scenarios(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse_unknown(path: str, body: dict[str, object], attempt: int) -> Fault | None:
        return Fault(404) if path.startswith("/v1/models/") else None

    with MockAnthropic(fault_rule=refuse_unknown) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        code = main(["run", "--agent", AGENT, "--model", "claude-nonesuch-9", "--no-report"])
        assert api.count("/v1/messages") == 0
        assert api.count("/v1/models", "GET") == 0  # an explicit id needs no alias refresh
    err = capsys.readouterr().err
    assert code == 2
    assert "claude-nonesuch-9" in err and "404 not_found_error" in err


class RepeatingCursor:
    """A Models API whose every page says `has_more` with the same cursor (what Steady serves)."""

    def __init__(self) -> None:
        self.requests = 0

    def handler(self, request: object) -> object:
        import httpx2

        self.requests += 1
        page = {
            "data": [{"id": "claude-sonnet-9-9", "type": "model", "display_name": "S",
                      "created_at": "2027-01-01T00:00:00Z"}],
            "has_more": True, "first_id": "claude-sonnet-9-9", "last_id": "claude-sonnet-9-9",
        }
        return httpx2.Response(200, json=page)


def test_alias_refresh_stops_at_a_repeated_cursor_and_is_skipped_for_an_explicit_id() -> None:
    import httpx2
    from anthropic import AsyncAnthropic

    api = RepeatingCursor()

    async def go(model: str) -> AnthropicProvider:
        client = AsyncAnthropic(
            api_key="test", base_url="http://models.test",
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(api.handler)),  # type: ignore[arg-type]
        )
        provider = await open_anthropic(model, client=client)
        await provider.aclose()
        return provider

    aliased = asyncio.run(go("sonnet"))
    assert aliased.model == "claude-sonnet-9-9"
    assert 1 <= api.requests <= 2 < MAX_MODEL_PAGES  # the second page repeats the first page's cursor
    api.requests = 0
    explicit = asyncio.run(go("claude-sonnet-5-5"))
    assert (explicit.model, api.requests) == ("claude-sonnet-5-5", 0)
