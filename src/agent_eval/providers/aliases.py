"""Model aliases (`sonnet`, `haiku`, `opus`, `fable`, `inherit`) → current model ids.

The Models API is the first source (newest model of each family); ALIASES is the fallback when it cannot be
reached. Update ALIASES when Anthropic releases a new generation.
"""

from __future__ import annotations

from collections.abc import Iterable

ALIASES: dict[str, str] = {
    "opus": "claude-opus-5-5",
    "sonnet": "claude-sonnet-5-5",
    "haiku": "claude-haiku-5-5",
    "fable": "claude-fable-5-1",
}

INHERIT = "inherit"  # an agent's `model: inherit`: use whatever model the caller runs
DEFAULT_ALIAS = "sonnet"  # the harness's model when nobody chose one


def is_alias(name: str) -> bool:
    return name.strip().lower() in ALIASES or name.strip().lower() == INHERIT


def resolve(name: str, *, default: str, table: dict[str, str] | None = None) -> str:
    """The model id for `name`: an alias through `table` (default ALIASES), `inherit` (or empty) → `default`,
    anything else is already an id and is returned as is."""
    key = name.strip().lower()
    if not key or key == INHERIT:
        return default
    return (table or ALIASES).get(key, name.strip())


def aliases_from_models(models: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The alias table from the Models API's (id, created_at) pairs: each family's newest model; families the
    API does not list keep their ALIASES entry."""
    newest: dict[str, tuple[str, str]] = {}
    for model_id, created_at in models:
        for family in ALIASES:
            if f"-{family}-" in f"-{model_id}-" and (family not in newest or created_at > newest[family][1]):
                newest[family] = (model_id, created_at)
    return {family: newest[family][0] if family in newest else default for family, default in ALIASES.items()}
