"""How a failed call is described when stored: its cause, the API's own message and the URL it went to.

The stored text is `Cause: message [METHOD URL]`, so the store can group failures by cause and show where
they went (`Store.call_failures`) without keeping provider objects around. Works for both SDKs (anthropic
and openai): their errors share `status_code`, `body` and `request`.
"""

from __future__ import annotations

import re
from typing import Any

_STORED = re.compile(r"^(?P<cause>[^:]+): (?P<message>.*?)(?: \[(?P<url>[A-Z]+ \S+)\])?$", re.DOTALL)


def api_message(error: Any) -> str:
    """A refused request in the API's words: status, error type and message from its JSON body."""
    body = getattr(error, "body", None)
    body = body if isinstance(body, dict) else {}
    detail: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else body
    parts = (
        getattr(error, "status_code", None),
        f"{detail['type']}:" if detail.get("type") else None,
        detail.get("message") or getattr(error, "message", None) or str(error),
    )
    return " ".join(str(part) for part in parts if part)


def request_url(error: BaseException) -> str | None:
    """`METHOD URL` of the request that failed, when the error carries it."""
    try:
        request = getattr(error, "request", None)
        return f"{request.method} {request.url}" if request is not None else None
    except RuntimeError:  # an SDK error built without its request raises on access
        return None


def describe_error(error: BaseException) -> str:
    """`Cause: message [METHOD URL]` for the store: what `on_error` records for a failed call."""
    message = api_message(error) if hasattr(error, "status_code") else str(error) or "no message"
    url = request_url(error)
    return f"{type(error).__name__}: {' '.join(message.split())}" + (f" [{url}]" if url else "")


def parse_stored_error(text: str) -> tuple[str, str, str | None]:
    """(cause, message, METHOD URL or None) of a stored error, written by describe_error or earlier code."""
    match = _STORED.match(text)
    if match is None:
        return "error", text, None
    return match["cause"], match["message"], match["url"]
