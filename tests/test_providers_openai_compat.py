"""The `openai:` provider through the real `openai` SDK against a tiny chat-completions mock on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent_eval.graders.judge import build_judge_request, build_rubric
from agent_eval.harness.routing import build_routing_request, decide
from agent_eval.providers.model import ModelRequest
from agent_eval.providers.openai_compat import OpenAICompatProvider, chat_params, openai_spec
from harness_fixtures import backend_developer, scenario


class ChatMock:
    """Answers each POST /v1/chat/completions with the next scripted message; records request bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                mock.bodies.append({"path": self.path, **body})
                payload = json.dumps(mock.answers.pop(0)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, message: dict[str, Any], finish_reason: str, cached_tokens: int = 0) -> None:
        self.answers.append(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": "llama-test",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish_reason}
                ],
                "usage": {
                    "prompt_tokens": 120,
                    "completion_tokens": 30,
                    "total_tokens": 150,
                    "prompt_tokens_details": {"cached_tokens": cached_tokens},
                },
            }
        )


@pytest.fixture
def chat_mock() -> Iterator[ChatMock]:
    mock = ChatMock()
    thread = threading.Thread(target=mock.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield mock
    finally:
        mock.server.shutdown()
        mock.server.server_close()


def complete(mock: ChatMock, request: ModelRequest) -> Any:
    async def call() -> Any:
        provider = OpenAICompatProvider(f"openai:llama-test@{mock.url}", max_retries=0)
        try:
            return await provider.complete(request)
        finally:
            await provider.aclose()

    return asyncio.run(call())


ROUTING = build_routing_request(scenario("Add a login endpoint"), [backend_developer()], "openai:llama-test")


def test_routing_tool_call_comes_back_as_an_agent_tool_use(chat_mock: ChatMock) -> None:
    arguments = {
        "description": "Add login",
        "prompt": "Add a login endpoint",
        "subagent_type": "backend-developer",
    }
    chat_mock.answer(
        {
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "Agent", "arguments": json.dumps(arguments)},
                }
            ],
        },
        "tool_calls",
        cached_tokens=100,
    )

    response = complete(chat_mock, ROUTING)

    assert decide(response).label == "backend-developer"
    assert response.tool_calls == [{"type": "tool_use", "id": "call_1", "name": "Agent", "input": arguments}]
    assert response.stop_reason == "tool_use"
    assert (response.usage.input_tokens, response.usage.cache_read_input_tokens) == (20, 100)
    assert response.usage.output_tokens == 30


def test_request_is_translated_to_chat_completions(chat_mock: ChatMock) -> None:
    chat_mock.answer({"content": "I'll do it myself."}, "stop")

    response = complete(chat_mock, ROUTING)

    (body,) = chat_mock.bodies
    assert body["path"] == "/v1/chat/completions"
    assert body["model"] == "llama-test"
    assert body["max_tokens"] == ROUTING.max_tokens
    system, user = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith(ROUTING.system[0]["text"])
    assert "Available agent types for the Agent tool:" in system["content"], "the roster joins the system"
    assert user["role"] == "user"
    assert user["content"].endswith("Add a login endpoint")
    tool = body["tools"][0]
    assert [t["function"]["name"] for t in body["tools"]][-1] == "Skill"
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Agent"
    assert tool["function"]["parameters"]["required"] == ["description", "prompt"]
    assert "cache_control" not in json.dumps(body)
    assert "thinking" not in body and "output_config" not in body
    assert decide(response).label == "none" and response.text == "I'll do it myself."
    assert response.stop_reason == "end_turn"


def test_forced_tool_choice_and_unparseable_arguments(chat_mock: ChatMock) -> None:
    rubric = build_rubric(backend_developer())
    judge_request = build_judge_request(rubric, "task", "answer", "openai:llama-test")
    chat_mock.answer(
        {
            "content": None,
            "tool_calls": [
                {
                    "id": "c",
                    "type": "function",
                    "function": {"name": "record_scores", "arguments": "{not json"},
                }
            ],
        },
        "length",
    )

    response = complete(chat_mock, judge_request)

    assert chat_mock.bodies[0]["tool_choice"] == {"type": "function", "function": {"name": "record_scores"}}
    assert response.tool_calls[0]["input"] == {"_unparsed_arguments": "{not json"}
    assert response.stop_reason == "max_tokens"


def test_tool_history_and_choices_translate() -> None:
    request = ModelRequest(
        model="m",
        max_tokens=10,
        messages=(
            {"role": "user", "content": "go"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Looking."},
                    {"type": "tool_use", "id": "t1", "name": "Read", "input": {"path": "a.ts"}},
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "export {}"}],
            },
        ),
        tool_choice={"type": "any"},
        temperature=0.0,
        purpose="standards",
    )
    params = chat_params(request, "m")
    assert params["messages"] == [
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [
                {
                    "id": "t1",
                    "type": "function",
                    "function": {"name": "Read", "arguments": '{"path": "a.ts"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "t1", "content": "export {}"},
    ]
    assert params["tool_choice"] == "required"
    assert params["temperature"] == 0.0


def test_images_are_refused_clearly() -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ""}}
    request = ModelRequest(
        model="m", max_tokens=1, messages=({"role": "user", "content": [image]},), purpose="routing"
    )
    with pytest.raises(ValueError, match="cannot translate"):
        chat_params(request, "m")


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("openai:gpt-4o-mini", ("gpt-4o-mini", None)),
        ("openai:llama3.1:8b@http://localhost:11434/v1", ("llama3.1:8b", "http://localhost:11434/v1")),
        ("qwen@https://vllm.internal/v1", ("qwen", "https://vllm.internal/v1")),
    ],
)
def test_model_specs(spec: str, parsed: tuple[str, str | None]) -> None:
    assert (openai_spec(spec).model, openai_spec(spec).url) == parsed


def test_a_spec_without_model_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty model id"):
        openai_spec("openai:@http://localhost:8000/v1")


def test_an_endpoint_that_is_not_a_url_is_an_error_not_the_default_endpoint() -> None:
    with pytest.raises(ValueError, match="bad URL 'with-at'"):
        openai_spec("openai:name@with-at")
