"""Model specs (`--model`, `--judge-model`, an eval config's `model`) → a parsed spec → an opened provider.

One grammar, checked before any call: `local`, `replay:RUN_ID`, `openai:MODEL[@http(s)://HOST[:PORT]/PATH]`,
`anthropic:ID|ALIAS` or a bare Anthropic id (`claude-…`) or alias. A spec that breaks it raises
ModelSpecError naming the part at fault. An Anthropic id the alias table does not know is checked once with
one Models API lookup (`models.retrieve`, no tokens spent), so a typo'd id fails with the API's own 404
message before the scenarios run instead of once per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from agent_eval.collector import collector_paused
from agent_eval.providers.aliases import ALIASES, is_alias
from agent_eval.providers.credentials import has_credentials

if TYPE_CHECKING:
    from agent_eval.agents.roster import Roster
    from agent_eval.providers.model import Provider
    from agent_eval.store.db import Store

ProviderName = Literal["anthropic", "openai", "local", "replay"]
PROVIDERS: tuple[ProviderName, ...] = ("anthropic", "openai", "local", "replay")
LOCAL_MODEL = "local"
ENABLE_MODEL_HINT = (
    "set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or pass --model openai:MODEL@URL for a local "
    "OpenAI-compatible server"
)
ANTHROPIC_ID_PREFIX = "claude-"


class ModelSpecError(ValueError):
    """A model spec that cannot be used; the message names the spec and the part at fault."""


@dataclass(frozen=True)
class ModelSpec:
    provider: ProviderName
    model: str  # the model id or alias; the run id for `replay`; "local" for `local`
    url: str | None = None  # an `openai:` endpoint given inline; None means the SDK's default


def _checked_url(spec: str, url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ModelSpecError(f"model {spec!r}: bad URL {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelSpecError(
            f"model {spec!r}: bad URL {url!r}: expected http://HOST[:PORT]/PATH or https://…"
        )
    return url


def parse_model_spec(spec: str) -> ModelSpec:
    """The parsed form of `spec`; raises ModelSpecError naming the provider, id or URL at fault."""
    text = spec.strip()
    if text == LOCAL_MODEL:
        return ModelSpec("local", LOCAL_MODEL)
    provider, colon, rest = text.partition(":")
    if not colon:
        provider, rest = "", text
    elif provider not in PROVIDERS or provider == "local":
        raise ModelSpecError(
            f"model {spec!r}: unknown provider {provider!r}; expected anthropic:, openai:, replay: or local"
        )
    rest = rest.strip()
    if provider == "replay":
        if not rest:
            raise ModelSpecError(f"model {spec!r}: empty run id; expected replay:RUN_ID")
        return ModelSpec("replay", rest)
    if provider == "openai":
        model, at, url = rest.rpartition("@")
        if not at:
            model, url = rest, ""
        if not model.strip():
            raise ModelSpecError(
                f"model {spec!r}: empty model id; expected openai:MODEL or openai:MODEL@http://host/v1"
            )
        return ModelSpec("openai", model.strip(), _checked_url(spec, url.strip()) if at else None)
    if not rest:
        raise ModelSpecError(f"model {spec!r}: empty model id; expected anthropic:ID or an alias")
    if not provider and not is_alias(rest) and not rest.startswith(ANTHROPIC_ID_PREFIX):
        raise ModelSpecError(
            f"model {spec!r}: not an Anthropic model id (they start with {ANTHROPIC_ID_PREFIX!r}) nor an "
            f"alias ({', '.join(ALIASES)}); for another provider write openai:{rest}[@URL], "
            f"or anthropic:{rest} to send it as is"
        )
    return ModelSpec("anthropic", rest)


@dataclass(frozen=True)
class OpenModel:
    provider: Provider
    model: str  # the id requests carry: aliases resolved up front so a moved alias never hits a stale cache
    offline: bool  # no generative model answers (the local router, or a replay of an offline run)


async def open_model(
    spec: str, roster: Roster, store: Store, *, judge: bool = False, call_timeout: float | None = None
) -> OpenModel:
    """The provider for `spec`, ready to call (its aliases resolved, an unknown Anthropic id checked).
    Raises ModelSpecError for a bad spec, a missing replay run, no credentials or an id the API refuses."""
    parsed = parse_model_spec(spec)
    if parsed.provider == "local":
        from agent_eval.providers.local import LocalRouter

        return OpenModel(LocalRouter(roster), LOCAL_MODEL, offline=True)
    if parsed.provider == "replay":
        from agent_eval.providers.replay import ReplayProvider

        source = store.get_run(parsed.model)
        if source is None:
            raise ModelSpecError(f"--model {spec}: no stored run {parsed.model!r} (see `agent-eval runs`)")
        model = source.judge_model if judge else source.model
        if model is None:
            raise ModelSpecError(f"--model {spec}: that run had no judge to replay")
        # Same model ids as the source run, so every request hashes to the call that run stored.
        replay = ReplayProvider(store.responses_by_hash(source.run_id), name=spec)
        return OpenModel(replay, model, source.offline)
    if parsed.provider == "openai":
        from agent_eval.providers.openai_compat import OpenAICompatProvider

        openai = OpenAICompatProvider(spec)
        return OpenModel(openai, openai.model, offline=False)
    if not has_credentials():
        raise ModelSpecError(f"model {spec!r} needs the Anthropic API: {ENABLE_MODEL_HINT}")
    with collector_paused():
        from agent_eval.providers.anthropic import open_anthropic

    options = {} if call_timeout is None else {"call_timeout": call_timeout}
    anthropic = await open_anthropic(parsed.model, **options)
    refusal = await anthropic.check_model()
    if refusal is not None:
        await anthropic.aclose()
        raise ModelSpecError(f"model {spec!r}: the API refused it: {refusal}")
    return OpenModel(anthropic, anthropic.model, offline=False)
