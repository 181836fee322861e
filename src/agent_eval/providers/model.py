"""Provider-neutral request/response values and the one request hash used by cache, store and batches."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

Purpose = Literal["routing", "standards", "judge", "augment", "optimize", "agentic"]


class ModelRequest(BaseModel):
    """Exactly what a Messages-style API receives (Anthropic's shape); `purpose` and `sample` are not sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    max_tokens: int
    system: tuple[dict[str, Any], ...] = ()  # text blocks, possibly with cache_control
    messages: tuple[dict[str, Any], ...]
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: dict[str, Any] | None = None
    temperature: float | None = None
    thinking: dict[str, Any] | None = None  # {"type": "adaptive"} as Claude Code sends it; None: not sent
    output_config: dict[str, Any] | None = None  # {"effort": "medium"}; None: not sent
    purpose: Purpose
    sample: int = 1  # epoch / judge sample number: part of the key, so each sample is its own cache entry

    def api_params(self) -> dict[str, Any]:
        """Keyword arguments for `client.messages.create` / a batch item's `params`."""
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": [dict(m) for m in self.messages],
        }
        if self.system:
            params["system"] = [dict(b) for b in self.system]
        if self.tools:
            params["tools"] = [dict(t) for t in self.tools]
        if self.tool_choice is not None:
            params["tool_choice"] = dict(self.tool_choice)
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.thinking is not None:
            params["thinking"] = dict(self.thinking)
        if self.output_config is not None:
            params["output_config"] = dict(self.output_config)
        return params

    def last_user_text(self) -> str:
        """The last user text block: the scenario's message as the model reads it."""
        for message in reversed(self.messages):
            if message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [
                b.get("text", "") for b in content or () if isinstance(b, dict) and b.get("type") == "text"
            ]
            if texts:
                return str(texts[-1])
        raise ValueError("request has no user text message")

    def key(self) -> str:
        """sha256 of the canonical request: the cache key, the store's call key and the batch custom_id."""
        return self._key

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> ModelRequest:
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("_key", None)  # the cached key belongs to the original's content
        return copy

    @cached_property
    def _key(self) -> str:
        # Computed once: a routing request carries the whole roster, and the runner, cache and store all ask.
        canonical = json.dumps(self.api_params(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if self.sample != 1:
            canonical += f"#sample={self.sample}"
        return hashlib.sha256(canonical.encode()).hexdigest()


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
        )


class ModelResponse(BaseModel):
    """A finished call. `content` holds Anthropic-style blocks: {"type": "text"|"tool_use", ...}."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    content: tuple[dict[str, Any], ...]
    stop_reason: str | None
    usage: Usage
    cost_usd: float = 0.0
    latency_s: float = 0.0
    cached: bool = False  # served from the response cache, no API call made
    batch: bool = False

    @property
    def text(self) -> str:
        return "".join(str(b.get("text", "")) for b in self.content if b.get("type") == "text")

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return [b for b in self.content if b.get("type") == "tool_use"]


class Provider(Protocol):
    """Anything that answers a ModelRequest. `offline` providers never call a generative model."""

    @property
    def name(self) -> str: ...

    @property
    def offline(self) -> bool: ...

    async def complete(self, request: ModelRequest) -> ModelResponse: ...

    async def aclose(self) -> None: ...
