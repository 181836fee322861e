"""Provider `openai:`: any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp).

Model specs: `openai:MODEL` uses the SDK's endpoint (`OPENAI_BASE_URL`, else api.openai.com);
`openai:MODEL@http://host:port/v1` names the endpoint inline, so one run can target a local server
without touching the environment. The key comes from `OPENAI_API_KEY`; local servers ignore it, so a
placeholder is sent when it is unset.

Requests arrive in Anthropic's Messages shape (the project's one request type) and are translated:
system blocks → a system message, text blocks → message text, tools → functions, tool_choice → its
OpenAI equivalent. Answers are translated back into Anthropic-style content blocks and Usage. Costs are
not known for arbitrary endpoints and are reported as 0.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from agent_eval.providers.model import ModelRequest, ModelResponse, Usage
from agent_eval.providers.spec import ModelSpec, parse_model_spec

PREFIX = "openai:"
PLACEHOLDER_KEY = "not-needed"
_FINISH_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
}


def openai_spec(spec: str) -> ModelSpec:
    """`openai:MODEL[@URL]`, the prefix optional here → its parsed form (ModelSpecError when malformed)."""
    return parse_model_spec(spec if spec.startswith(PREFIX) else PREFIX + spec)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n\n".join(str(b["text"]) for b in content if b.get("type") == "text")


def _tool_result_text(block: dict[str, Any]) -> str:
    content = block.get("content", "")
    return content if isinstance(content, str) else _text_of(content)


def chat_messages(request: ModelRequest) -> list[dict[str, Any]]:
    """The request's system prompt and turns as chat-completions messages.

    System-role messages among the turns (the routing roster) join the leading system message: many
    servers' chat templates accept a system message only first. Thinking and effort are not sent.
    """
    system_texts = [_text_of(request.system)] if request.system else []
    system_texts += [_text_of(m["content"]) for m in request.messages if m["role"] == "system"]
    messages: list[dict[str, Any]] = []
    if system_texts:
        messages.append({"role": "system", "content": "\n\n".join(system_texts)})
    for message in (m for m in request.messages if m["role"] != "system"):
        role, content = message["role"], message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
        unsupported = {str(b.get("type")) for b in blocks} - {"text", "tool_use", "tool_result"}
        if unsupported:
            raise ValueError(f"openai provider: cannot translate {sorted(unsupported)} content blocks")
        messages += [
            {"role": "tool", "tool_call_id": b["tool_use_id"], "content": _tool_result_text(b)}
            for b in blocks
            if b["type"] == "tool_result"
        ]
        text = _text_of(blocks)
        calls = [
            {
                "id": b["id"],
                "type": "function",
                "function": {"name": b["name"], "arguments": json.dumps(b.get("input", {}))},
            }
            for b in blocks
            if b["type"] == "tool_use"
        ]
        if text or calls:
            translated: dict[str, Any] = {"role": role, "content": text or None}
            if calls:
                translated["tool_calls"] = calls
            messages.append(translated)
    return messages


def chat_tools(request: ModelRequest) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": tool["name"],
                "description": tool.get("description", ""),
                "parameters": tool["input_schema"],
            },
        }
        for tool in request.tools
    ]


def chat_tool_choice(choice: dict[str, Any] | None) -> str | dict[str, Any] | None:
    """Anthropic's auto/any/tool/none → OpenAI's auto/required/{function}/none."""
    if choice is None:
        return None
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": choice["name"]}}
    simple = {"auto": "auto", "any": "required", "none": "none"}
    if kind not in simple:
        raise ValueError(f"openai provider: unknown tool_choice type {kind!r}")
    return simple[str(kind)]


def chat_params(request: ModelRequest, model: str) -> dict[str, Any]:
    """Keyword arguments for `client.chat.completions.create`."""
    params: dict[str, Any] = {
        "model": model,
        "messages": chat_messages(request),
        "max_tokens": request.max_tokens,
    }
    if request.tools:
        params["tools"] = chat_tools(request)
    tool_choice = chat_tool_choice(request.tool_choice)
    if tool_choice is not None:
        params["tool_choice"] = tool_choice
    if request.temperature is not None:
        params["temperature"] = request.temperature
    return params


def _arguments(raw: str | None) -> dict[str, Any]:
    """A function call's JSON arguments; unparseable ones are kept verbatim so graders can see them."""
    try:
        parsed = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {"_unparsed_arguments": raw}
    return parsed if isinstance(parsed, dict) else {"_unparsed_arguments": raw}


def anthropic_response(completion: Any, model: str, latency_s: float) -> ModelResponse:
    """A chat completion as Anthropic-style content blocks and Usage."""
    if not completion.choices:
        raise ValueError(f"openai provider: {model} answered with no choices")
    choice = completion.choices[0]
    content: list[dict[str, Any]] = []
    if choice.message.content:
        content.append({"type": "text", "text": choice.message.content})
    for call in choice.message.tool_calls or ():
        content.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.function.name,
                "input": _arguments(call.function.arguments),
            }
        )
    usage = completion.usage
    details = getattr(usage, "prompt_tokens_details", None) if usage else None
    cached = (getattr(details, "cached_tokens", None) or 0) if details else 0
    return ModelResponse(
        model=completion.model or model,
        content=tuple(content),
        stop_reason=_FINISH_REASONS.get(choice.finish_reason or "", choice.finish_reason),
        usage=Usage(
            # Anthropic counts cache reads apart from input tokens; OpenAI includes them in prompt_tokens.
            input_tokens=(usage.prompt_tokens - cached) if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            cache_read_input_tokens=cached,
        ),
        latency_s=latency_s,
    )


class OpenAICompatProvider:
    """Answers requests through `openai.AsyncOpenAI`, sending the spec's model (not the request's)."""

    offline = False

    def __init__(
        self,
        spec: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        max_retries: int = 4,
    ) -> None:
        from openai import AsyncOpenAI  # imported here: the SDK is slow to import and often unused

        parsed = openai_spec(spec)
        self.model, base_url = parsed.model, parsed.url
        self.name = f"{PREFIX}{self.model}"
        self.client = AsyncOpenAI(
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_KEY,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
        )

    async def complete(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        completion = await self.client.chat.completions.create(**chat_params(request, self.model))
        return anthropic_response(completion, self.model, time.perf_counter() - started)

    async def aclose(self) -> None:
        await self.client.close()
