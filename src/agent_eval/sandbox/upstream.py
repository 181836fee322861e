"""Where the proxy sends the CLI's calls: the run's Anthropic provider, its SDK client used as is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_eval.providers.model import Provider
from agent_eval.sandbox.proxy import Json, Upstream

BETA_ENDPOINT = "/v1/messages?beta=true"
FORWARDED_HEADERS = ("anthropic-beta",)


class UnsupportedUpstream(ValueError):
    """The run's model cannot serve Claude Code's calls (they need the Anthropic Messages API)."""


def anthropic_upstream(provider: Provider) -> Upstream:
    """Forward each call through `provider`'s AsyncAnthropic client: the same retries, timeouts and
    429/529 backpressure reports as the builtin harness's calls, the CLI's beta fields passed untouched."""
    client: Any = getattr(provider, "client", None)
    if client is None or not hasattr(client, "post"):
        raise UnsupportedUpstream(
            f"the claude-code harness needs an Anthropic model, not {provider.name!r}"
        )

    async def send(body: Json, headers: Mapping[str, str]) -> Json:
        extra = {name: headers[name] for name in FORWARDED_HEADERS if name in headers}
        # cast_to=object: the SDK's JSON, its errors raised and retried (a raw Response would bypass both)
        message: Json = await client.post(BETA_ENDPOINT, cast_to=object, body=body,
                                          options={"headers": extra} if extra else {})
        return message

    return send
