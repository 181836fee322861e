"""A finished Messages API answer (its JSON) → the server-sent events a streaming client expects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]


def _event(name: str, data: Json) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _block_events(index: int, block: Json) -> Iterator[str]:
    """One content block: start, its content as one delta (the API may split it; one is valid), stop."""
    kind = block.get("type")
    if kind == "text":
        start, delta = {**block, "text": ""}, {"type": "text_delta", "text": block.get("text", "")}
    elif kind == "thinking":
        start = {**block, "thinking": "", "signature": ""}
        delta = {"type": "thinking_delta", "thinking": block.get("thinking", "")}
    elif kind in ("tool_use", "server_tool_use"):
        start = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block.get("input") or {})}
    else:  # redacted thinking and the like arrive whole in the start event
        start, delta = block, None
    opening = {"type": "content_block_start", "index": index, "content_block": start}
    yield _event("content_block_start", opening)
    if delta is not None:
        yield _event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
    if kind == "thinking" and block.get("signature"):
        signature = {"type": "signature_delta", "signature": block["signature"]}
        signed = {"type": "content_block_delta", "index": index, "delta": signature}
        yield _event("content_block_delta", signed)
    yield _event("content_block_stop", {"type": "content_block_stop", "index": index})


def message_events(message: Json) -> str:
    """The whole event stream of `message`, as one string (message_start … message_stop)."""
    usage = dict(message.get("usage") or {})
    opening = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
               "usage": {**usage, "output_tokens": 0}}
    parts = [_event("message_start", {"type": "message_start", "message": opening})]
    for index, block in enumerate(message.get("content") or ()):
        parts.extend(_block_events(index, block))
    parts.append(_event("message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": message.get("stop_reason"), "stop_sequence": message.get("stop_sequence")},
        "usage": {"output_tokens": usage.get("output_tokens", 0)},
    }))
    parts.append(_event("message_stop", {"type": "message_stop"}))
    return "".join(parts)
