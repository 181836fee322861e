"""Whether Anthropic credentials are configured, answered without importing the SDK (seconds of start-up)."""

from __future__ import annotations

import os

CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")


def has_credentials() -> bool:
    """Whether an API key or auth token is set in the environment (what offline mode checks)."""
    return any(os.environ.get(name, "").strip() for name in CREDENTIAL_VARIABLES)
