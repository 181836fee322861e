"""The Anthropic Messages API as a Provider: model aliases, usage and cost, bounded SDK retries, backpressure.

Credentials and the endpoint come from the environment as the SDK reads them (ANTHROPIC_API_KEY or
ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL). Retries are the SDK's own: it retries 408/409/429/5xx/529 and
connection errors with exponential backoff and honours `retry-after`; this module only bounds them and sets
timeouts. A middleware reports every 429/529 attempt to the runner so it can lower its concurrency.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx2
from anthropic import APIError, APIRequest, AsyncAnthropic, AsyncAPIResponse
from anthropic._middleware import AsyncCallNext

from agent_eval.providers import pricing
from agent_eval.providers.aliases import ALIASES, DEFAULT_ALIAS, aliases_from_models, resolve
from agent_eval.providers.backpressure import OVERLOAD_STATUSES, report_overload
from agent_eval.providers.credentials import has_credentials
from agent_eval.providers.model import ModelRequest, ModelResponse, Usage

__all__ = ["AnthropicProvider", "has_credentials", "open_anthropic", "to_model_response"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 300.0  # a long standards answer from a slow model; the SDK's 10 minutes hides hangs
CONNECT_TIMEOUT_S = 10.0
DEFAULT_MAX_RETRIES = 4  # attempts after the first; with retry-after or backoff capped at 8 s each
MODELS_API_TIMEOUT_S = 10.0


async def _observe_pushback(request: APIRequest, call_next: AsyncCallNext) -> AsyncAPIResponse[Any]:
    """Runs once per HTTP attempt inside the SDK's retry loop, so the runner hears of every 429/529."""
    response = await call_next(request)
    if response.status_code in OVERLOAD_STATUSES:
        report_overload(response.status_code)
    return response


def to_model_response(
    message: dict[str, Any], *, latency_s: float = 0.0, batch: bool = False
) -> ModelResponse:
    """The provider-neutral form of one Messages API answer (its JSON), priced by the model that answered."""
    raw = message.get("usage") or {}
    usage = Usage(
        input_tokens=raw.get("input_tokens") or 0,
        output_tokens=raw.get("output_tokens") or 0,
        cache_creation_input_tokens=raw.get("cache_creation_input_tokens") or 0,
        cache_read_input_tokens=raw.get("cache_read_input_tokens") or 0,
    )
    model = str(message["model"])
    return ModelResponse(
        model=model,
        content=tuple(message.get("content") or ()),
        stop_reason=message.get("stop_reason"),
        usage=usage,
        cost_usd=pricing.cost(model, usage, batch=batch),
        latency_s=latency_s,
        batch=batch,
    )


class AnthropicProvider:
    """`complete(request)` through `AsyncAnthropic`. `model` is the default id (aliases resolved); a request
    naming an alias or `inherit` is resolved against it."""

    offline = False

    def __init__(
        self,
        model: str = DEFAULT_ALIAS,
        *,
        client: AsyncAnthropic | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> None:
        """`timeout` (seconds) and `max_retries` default to this module's bounds for a client made here;
        a given `client` keeps its own unless they are passed."""
        if client is None:
            client = AsyncAnthropic(
                timeout=httpx2.Timeout(timeout or DEFAULT_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
                middleware=[_observe_pushback],
            )
        else:
            overrides: dict[str, Any] = {"middleware": [*client.middleware, _observe_pushback]}
            if timeout is not None:
                overrides["timeout"] = httpx2.Timeout(timeout, connect=CONNECT_TIMEOUT_S)
            if max_retries is not None:
                overrides["max_retries"] = max_retries
            client = client.with_options(**overrides)
        self.client = client
        self._requested = model
        self._aliases = dict(ALIASES)
        self.model = resolve(model, default=self._aliases[DEFAULT_ALIAS], table=self._aliases)

    @property
    def name(self) -> str:
        return f"anthropic:{self.model}"

    def resolve(self, model: str) -> str:
        """An alias or `inherit` → a model id (`inherit` means this provider's default)."""
        return resolve(model, default=self.model, table=self._aliases)

    async def refresh_aliases(self) -> bool:
        """Point the aliases at the newest models the Models API lists; keep the built-in table when it cannot
        be reached. Returns whether the API answered."""
        try:
            client = self.client.with_options(timeout=MODELS_API_TIMEOUT_S, max_retries=0)
            listed = [(m.id, m.created_at.isoformat()) async for m in client.models.list(limit=1000)]
        except APIError as err:
            log.info("Models API unavailable (%s); using the built-in alias table", err)
            return False
        self._aliases = aliases_from_models(listed)
        self.model = resolve(self._requested, default=self._aliases[DEFAULT_ALIAS], table=self._aliases)
        return True

    def cost_bound(self, request: ModelRequest) -> float:
        """Upper estimate of the request's cost, for the runner's budget."""
        return pricing.cost_bound(request, self.resolve(request.model))

    async def complete(self, request: ModelRequest) -> ModelResponse:
        params = request.api_params()
        params["model"] = self.resolve(request.model)
        started = time.perf_counter()
        # The raw JSON, not the SDK's typed Message: building that model was the largest CPU cost per call.
        raw = await self.client.messages.with_raw_response.create(**params)
        message = json.loads(await raw.read())
        return to_model_response(message, latency_s=time.perf_counter() - started)

    async def aclose(self) -> None:
        await self.client.close()


async def open_anthropic(model: str = DEFAULT_ALIAS, **options: Any) -> AnthropicProvider:
    """An AnthropicProvider whose aliases have been checked against the Models API."""
    provider = AnthropicProvider(model, **options)
    await provider.refresh_aliases()
    return provider
