"""Provider `replay:RUN_ID`: answers each request with the response stored for its hash, calling no model."""

from __future__ import annotations

from collections.abc import Mapping

from agent_eval.providers.model import ModelRequest, ModelResponse


class ReplayMissError(LookupError):
    """The replayed run holds no response for this exact request."""


class ReplayProvider:
    """Re-grades a stored run: `responses` maps `ModelRequest.key()` to the response recorded for it."""

    offline = True

    def __init__(self, responses: Mapping[str, ModelResponse], *, name: str = "replay") -> None:
        self.name = name
        self.responses = responses

    async def complete(self, request: ModelRequest) -> ModelResponse:
        key = request.key()
        try:
            stored = self.responses[key]
        except KeyError:
            raise ReplayMissError(
                f"{self.name}: no stored response for this {request.purpose} request (hash {key[:12]}…); "
                "the prompt, roster, scenario or model changed since that run was recorded"
            ) from None
        # Nothing is spent replaying: the answer is marked cached and free, its token usage kept as recorded.
        return stored.model_copy(update={"cached": True, "cost_usd": 0.0, "latency_s": 0.0})

    async def aclose(self) -> None:
        return None
