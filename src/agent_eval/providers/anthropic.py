"""The Anthropic Messages API as a Provider: model aliases, usage and cost, retries within a time budget,
backpressure.

Credentials and the endpoint come from the environment as the SDK reads them (ANTHROPIC_API_KEY or
ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL). Requests go over the SDK's aiohttp transport (its `aiohttp`
extra): with fifty calls in flight it spends about a quarter less CPU per call than the default httpx pool.

Retries are first the SDK's own: it retries 408/409/429/5xx/529 and connection errors with exponential
backoff and jitter and honours `retry-after`, a few times. What it lacks is a time budget: when its retries
run out on a transient error and the call's budget (`call_timeout`, several minutes) has time left, the call
starts another round of them after a wait (the error's `retry-after`, else a growing backoff with jitter).
Permanent errors (400, 401, 403, 404, …) are never retried and reach the caller with the API's own message.
A middleware reports every 429/529 attempt to the runner so it can lower its concurrency.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import socket
import time
from typing import Any

from anthropic import (
    APIConnectionError,
    APIError,
    APIRequest,
    APIStatusError,
    AsyncAnthropic,
    AsyncAPIResponse,
    AsyncCallNext,
    DefaultAioHttpClient,
    Timeout,
)

from agent_eval.providers import pricing
from agent_eval.providers.aliases import ALIASES, DEFAULT_ALIAS, aliases_from_models, is_alias, resolve
from agent_eval.providers.backpressure import OVERLOAD_STATUSES, report_overload
from agent_eval.providers.credentials import has_credentials
from agent_eval.providers.errors import api_message
from agent_eval.providers.model import ModelRequest, ModelResponse, Usage

__all__ = ["AnthropicProvider", "has_credentials", "open_anthropic", "to_model_response"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 300.0  # a long standards answer from a slow model; the SDK's 10 minutes hides hangs
CONNECT_TIMEOUT_S = 10.0
DEFAULT_MAX_RETRIES = 4  # the SDK's retries per round; with retry-after or backoff capped at 8 s each
DEFAULT_CALL_TIMEOUT_S = 600.0  # per call, all retries included: rides out a burst of overloads
ROUND_BACKOFF_S = (2.0, 60.0)  # first and longest wait between rounds when the API gave no retry-after
MODELS_API_TIMEOUT_S = 10.0  # the whole alias refresh, every page included
MAX_MODEL_PAGES = 20  # the Models API lists a few dozen models; more pages means a cursor that loops
TRANSIENT_STATUSES = frozenset({408, 409, 429})  # and every 5xx (529 overloaded included)


class CallBudgetExceeded(TimeoutError):
    """A call still failing transiently (or unanswered) when its time budget ran out."""

    def __init__(self, budget_s: float, last_error: APIError | None) -> None:
        cause = f"; last error: {api_message(last_error)}" if last_error is not None else ""
        super().__init__(f"no answer within the call budget of {budget_s:g} s (--call-timeout){cause}")
        self.request = last_error.request if last_error is not None else None


def is_transient(error: BaseException) -> bool:
    """Whether another round may succeed: 408/409/429, any 5xx, a dropped or timed-out connection. Not a
    connection nobody accepts (nothing listens at the URL, or its host does not resolve): the SDK's own
    retries have tried it for several seconds already, and minutes more would only delay the answer."""
    if isinstance(error, APIStatusError):
        return error.status_code in TRANSIENT_STATUSES or error.status_code >= 500
    return isinstance(error, APIConnectionError) and not _nobody_accepts(error)


def _nobody_accepts(error: BaseException) -> bool:
    """Whether the connection was refused or its host does not resolve. Told from the root causes, as the
    transports wrap them differently (aiohttp maps a dropped connection to the same ConnectError as a refused
    one)."""
    seen: set[int] = set()  # a chain set by hand can loop back on itself
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ConnectionRefusedError | socket.gaierror):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def retry_after_s(error: BaseException) -> float | None:
    """The wait the API asked for with this error (`retry-after-ms` or `retry-after` in seconds), if any."""
    if not isinstance(error, APIStatusError):
        return None
    headers = error.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers[name]) * scale)
        except (KeyError, ValueError):
            continue
    return None


def round_backoff_s(round_number: int) -> float:
    """Exponential backoff between rounds of SDK retries, with jitter so calls that failed together
    do not come back together."""
    first, longest = ROUND_BACKOFF_S
    return random.uniform(0.5, 1.0) * min(longest, first * 2.0 ** (round_number - 1))


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
        call_timeout: float = DEFAULT_CALL_TIMEOUT_S,
    ) -> None:
        """`timeout` (seconds per HTTP attempt) and `max_retries` (the SDK's, per round) default to this
        module's bounds for a client made here; a given `client` keeps its own unless they are passed.
        `call_timeout` is each call's budget in seconds, every attempt and wait included."""
        if call_timeout <= 0:
            raise ValueError(f"call_timeout must be positive, got {call_timeout}")
        if client is None:
            client = AsyncAnthropic(
                timeout=Timeout(timeout or DEFAULT_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
                middleware=[_observe_pushback],
                http_client=DefaultAioHttpClient(),
            )
        else:
            overrides: dict[str, Any] = {"middleware": [*client.middleware, _observe_pushback]}
            if timeout is not None:
                overrides["timeout"] = Timeout(timeout, connect=CONNECT_TIMEOUT_S)
            if max_retries is not None:
                overrides["max_retries"] = max_retries
            client = client.with_options(**overrides)
        self.client = client
        self.call_timeout = call_timeout
        self._requested = model
        self._aliases = dict(ALIASES)
        self._known_ids = set(ALIASES.values())  # ids that need no check: the table's and the API's list
        self.model = resolve(model, default=self._aliases[DEFAULT_ALIAS], table=self._aliases)

    @property
    def name(self) -> str:
        return f"anthropic:{self.model}"

    def resolve(self, model: str) -> str:
        """An alias or `inherit` → a model id (`inherit` means this provider's default)."""
        return resolve(model, default=self.model, table=self._aliases)

    async def refresh_aliases(self) -> bool:
        """Point the aliases at the newest models the Models API lists; keep the built-in table when it cannot
        be reached. Bounded: at most MAX_MODEL_PAGES pages within MODELS_API_TIMEOUT_S, and a cursor seen
        before ends the listing (a server that repeats one would page forever). Returns whether the API
        answered."""
        try:
            async with asyncio.timeout(MODELS_API_TIMEOUT_S):
                listed = await self._list_models()
        except (APIError, TimeoutError) as err:
            log.info("Models API unavailable (%s); using the built-in alias table", err or "timed out")
            return False
        self._aliases = aliases_from_models(listed)
        self._known_ids |= {model_id for model_id, _ in listed}
        self.model = resolve(self._requested, default=self._aliases[DEFAULT_ALIAS], table=self._aliases)
        return True

    async def check_model(self) -> str | None:
        """Whether the API serves `self.model`: None when it is a known id or the Models API finds it (or
        cannot be asked right now), else the API's own refusal ("404 not_found_error: model: …")."""
        if self.model in self._known_ids:
            return None
        client = self.client.with_options(timeout=MODELS_API_TIMEOUT_S, max_retries=0)
        try:
            await client.models.retrieve(self.model)
        except APIStatusError as err:
            return None if is_transient(err) else api_message(err)
        except APIConnectionError:
            return None  # the calls themselves will retry and, failing, say why
        self._known_ids.add(self.model)
        return None

    async def _list_models(self) -> list[tuple[str, str]]:
        client = self.client.with_options(timeout=MODELS_API_TIMEOUT_S, max_retries=0)
        page = await client.models.list(limit=1000)
        listed = [(m.id, m.created_at.isoformat()) for m in page.data]
        cursors: set[str] = set()
        for _ in range(MAX_MODEL_PAGES - 1):
            if not page.has_next_page() or not page.last_id or page.last_id in cursors:
                break
            cursors.add(page.last_id)
            page = await page.get_next_page()
            listed += [(m.id, m.created_at.isoformat()) for m in page.data]
        return listed

    def cost_bound(self, request: ModelRequest) -> float:
        """Upper estimate of the request's cost, for the runner's budget."""
        return pricing.cost_bound(request, self.resolve(request.model))

    async def complete(self, request: ModelRequest) -> ModelResponse:
        params = request.api_params()
        params["model"] = self.resolve(request.model)
        started = time.perf_counter()
        deadline = asyncio.get_running_loop().time() + self.call_timeout
        last_error: APIError | None = None
        for round_number in itertools.count(1):
            try:
                # A round of the SDK's retries, cut short when the call's budget runs out.
                async with asyncio.timeout_at(deadline):
                    # The raw JSON, not the SDK's typed Message: building that was the largest CPU cost.
                    raw = await self.client.messages.with_raw_response.create(**params)
                    message = json.loads(await raw.read())
                break
            except TimeoutError:
                raise CallBudgetExceeded(self.call_timeout, last_error) from last_error
            except APIError as err:
                wait = retry_after_s(err)
                wait = round_backoff_s(round_number) if wait is None else wait
                if not is_transient(err) or asyncio.get_running_loop().time() + wait >= deadline:
                    raise
                last_error = err
                log.info("call failed after the SDK's retries (%s); retrying in %.1f s", err, wait)
                await asyncio.sleep(wait)
        return to_model_response(message, latency_s=time.perf_counter() - started)

    async def aclose(self) -> None:
        await self.client.close()


async def open_anthropic(model: str = DEFAULT_ALIAS, **options: Any) -> AnthropicProvider:
    """An AnthropicProvider whose aliases have been checked against the Models API when `model` is one (an
    explicit id needs nothing resolved, so the Models API is not asked)."""
    provider = AnthropicProvider(model, **options)
    if is_alias(model):
        await provider.refresh_aliases()
    return provider
