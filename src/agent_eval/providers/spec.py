"""Model specs (`--model`, `--judge-model`, an eval config's `model`) → an opened provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent_eval.providers.aliases import ALIASES, INHERIT
from agent_eval.providers.credentials import has_credentials

if TYPE_CHECKING:
    from agent_eval.agents.roster import Roster
    from agent_eval.providers.model import Provider
    from agent_eval.store.db import Store

LOCAL_MODEL = "local"
ENABLE_MODEL_HINT = (
    "set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or pass --model openai:MODEL@URL for a local "
    "OpenAI-compatible server"
)


class ModelSpecError(ValueError):
    """A model spec that cannot be used; the message names the spec."""


@dataclass(frozen=True)
class OpenModel:
    provider: Provider
    model: str  # the id requests carry: aliases resolved up front so a moved alias never hits a stale cache
    offline: bool  # no generative model answers (the local router, or a replay of an offline run)


async def open_model(spec: str, roster: Roster, store: Store, *, judge: bool = False) -> OpenModel:
    """`local`, `replay:RUN_ID`, `openai:MODEL[@URL]`, `anthropic:ID|ALIAS` or a bare Anthropic id/alias."""
    if spec == LOCAL_MODEL:
        from agent_eval.providers.local import LocalRouter

        return OpenModel(LocalRouter(roster), LOCAL_MODEL, offline=True)
    if spec.startswith("replay:"):
        from agent_eval.providers.replay import ReplayProvider

        source = store.get_run(spec.removeprefix("replay:"))
        if source is None:
            raise ModelSpecError(
                f"--model {spec}: no stored run {spec.removeprefix('replay:')!r} (see `agent-eval runs`)"
            )
        model = source.judge_model if judge else source.model
        if model is None:
            raise ModelSpecError(f"--model {spec}: that run had no judge to replay")
        # Same model ids as the source run, so every request hashes to the call that run stored.
        return OpenModel(
            ReplayProvider(store.responses_by_hash(source.run_id), name=spec), model, source.offline
        )
    if spec.startswith("openai:"):
        from agent_eval.providers.openai_compat import OpenAICompatProvider

        try:
            provider = OpenAICompatProvider(spec)
        except ValueError as exc:
            raise ModelSpecError(str(exc)) from exc
        return OpenModel(provider, provider.model, offline=False)
    if not has_credentials():
        raise ModelSpecError(f"model {spec!r} needs the Anthropic API: {ENABLE_MODEL_HINT}")
    from agent_eval.providers.anthropic import AnthropicProvider

    bare = spec.removeprefix("anthropic:")
    anthropic = AnthropicProvider(bare)
    if bare in {*ALIASES, INHERIT}:
        await anthropic.refresh_aliases()  # the newest model of the family, when the Models API answers
    return OpenModel(anthropic, anthropic.resolve(bare), offline=False)
