"""A local Messages API endpoint for Claude Code: forwards each call upstream, answers it as the CLI expects.

The CLI streams (`POST /v1/messages?beta=true`, `stream: true`); the proxy makes the call without streaming
through an `Upstream` (the Anthropic SDK of the real provider, with its retries and backpressure, or a canned
answer when capturing), then replays the finished message to the CLI as server-sent events. Each CLI session
gets its own base URL (`/s/<session>/`) so its exchanges can be told apart, and the proxy keeps them for the
caller. Answers are cached by the request's stable form (volatile parts masked, see `stable_form`).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import h11

from agent_eval.providers.model import ModelResponse
from agent_eval.runner.pool import ResponseCache
from agent_eval.sandbox.sse import message_events

Json = dict[str, Any]
Upstream = Callable[[Json, Mapping[str, str]], Coroutine[Any, Any, Json]]  # (body, headers) → Message JSON

SESSION_PATH = re.compile(r"^/s/(?P<session>[A-Za-z0-9_-]+)(?P<rest>/v1/[^?]*)")
BILLING_HEADER_PREFIX = "x-anthropic-billing-header"
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
VOLATILE_FIELDS = ("metadata", "stream")
REMINDER_PREFIX = "<system-reminder>"  # how the CLI marks the context it adds to a user turn
READ_CHUNK = 1 << 16


def _masked(value: Any) -> Any:
    """`value` with the ids and dates in its strings replaced by placeholders."""
    return json.loads(ISO_DATE.sub("<date>", UUID.sub("<id>", json.dumps(value, ensure_ascii=False))))


def _masked_turn(message: Json) -> Json:
    """A conversation message with only the CLI's own reminders masked: the user's and the assistant's
    words are the scenario and stay as they are (a date in them makes another scenario)."""
    if message.get("role") not in ("user", "assistant"):
        return dict(_masked(message))
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": _masked(content)} if content.startswith(REMINDER_PREFIX) else message
    blocks = [
        _masked(b) if str(b.get("text", "")).startswith(REMINDER_PREFIX) else b for b in content or ()
    ]
    return {**message, "content": blocks}


def stable_form(body: Json, paths: Mapping[str, str] = {}) -> Json:
    """`body` with what changes between identical sessions masked: `metadata` (user and session ids),
    `stream`, the billing/version header block, ids and dates outside the conversation's own words, and
    the scratch paths given (path → label)."""
    text = json.dumps({k: v for k, v in body.items() if k not in VOLATILE_FIELDS}, ensure_ascii=False)
    for path, label in sorted(paths.items(), key=lambda item: -len(item[0])):
        text = text.replace(json.dumps(path)[1:-1], label)
    stable: Json = json.loads(text)
    system = stable.get("system")
    if isinstance(system, list):
        system = [b for b in system if not str(b.get("text", "")).startswith(BILLING_HEADER_PREFIX)]
    if system is not None:
        stable["system"] = _masked(system)
    stable["messages"] = [_masked_turn(m) for m in stable.get("messages", [])]
    return stable


def stable_key(body: Json, paths: Mapping[str, str] = {}) -> str:
    stable = stable_form(body, paths)
    canonical = json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Exchange:
    """One Messages call a CLI session made: what it sent and what it got."""

    request: Json
    message: Json
    cached: bool
    latency_s: float


@dataclass
class Session:
    paths: Mapping[str, str]
    scripted: list[str] = field(default_factory=list)  # assistant turns to answer locally, in order, first
    # The context of whoever opened the session: its upstream calls run in it, so the runner's 429/529
    # listener (a context variable) hears of the CLI's calls as of its own.
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    exchanges: list[Exchange] = field(default_factory=list)
    other_calls: list[str] = field(default_factory=list)  # paths the CLI asked for besides messages
    error: BaseException | None = None


def message_json(response: ModelResponse, request: Json) -> Json:
    """A cached ModelResponse as the Message JSON the CLI reads."""
    return {
        "id": f"msg_cached_{secrets.token_hex(8)}", "type": "message", "role": "assistant",
        "model": response.model or request.get("model"), "content": list(response.content),
        "stop_reason": response.stop_reason, "stop_sequence": None,
        "usage": response.usage.model_dump(),
    }


class ApiProxy:
    """The server. `async with ApiProxy(upstream) as proxy:`; `proxy.session()` for each CLI process."""

    def __init__(self, upstream: Upstream, *, cache: ResponseCache | None = None,
                 to_response: Callable[[Json], ModelResponse] | None = None) -> None:
        """`cache`: a ResponseCache (or None); `to_response` prices a Message JSON for the cache."""
        self._upstream = upstream
        self._cache = cache
        self._to_response = to_response
        self._sessions: dict[str, Session] = {}
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> ApiProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "start the proxy first"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def open_session(self, paths: Mapping[str, str] = {}, scripted: Sequence[str] = ()) -> tuple[str, str]:
        """A new session id and the base URL its CLI must use; `paths` are masked in cache keys. The first
        calls are answered here with the `scripted` assistant turns (a conversation's earlier turns, replayed
        so the CLI keeps its own transcript of them); the calls after them go upstream."""
        session_id = secrets.token_hex(8)
        self._sessions[session_id] = Session(paths=dict(paths), scripted=list(scripted))
        return session_id, f"{self.origin}/s/{session_id}"

    def close_session(self, session_id: str) -> Session:
        return self._sessions.pop(session_id)

    # HTTP
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER)
        try:
            while True:
                received = await _read_request(connection, reader)
                if received is None:
                    break
                request, body = received
                status, content_type, payload = await self._route(request, body)
                headers = [("content-type", content_type), ("content-length", str(len(payload))),
                           ("request-id", "req_agent_eval_proxy")]
                writer.write(connection.send(h11.Response(status_code=status, headers=headers)) or b"")
                writer.write(connection.send(h11.Data(data=payload)) or b"")
                writer.write(connection.send(h11.EndOfMessage()) or b"")
                await writer.drain()
                if connection.our_state is h11.MUST_CLOSE:
                    break
                connection.start_next_cycle()
        except (ConnectionError, h11.ProtocolError):
            pass  # a CLI that hung up mid-request: nothing to answer
        finally:
            writer.close()

    async def _route(self, request: h11.Request, raw: bytes) -> tuple[int, str, bytes]:
        target = request.target.decode()
        match = SESSION_PATH.match(target)
        session = self._sessions.get(match["session"]) if match else None
        if match is None or session is None:
            return _error(404, f"no session for {target}")
        if request.method != b"POST" or match["rest"] != "/v1/messages":
            session.other_calls.append(f"{request.method.decode()} {match['rest']}")
            return _error(404, f"the agent-eval proxy only serves POST /v1/messages, not {match['rest']}")
        if session.error is not None:  # the CLI tries again in other shapes; one failed call is enough
            return _error(400, f"upstream call failed: {session.error}")
        body: Json = json.loads(raw or b"{}")
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        if session.scripted:
            return _reply(body, scripted_message(body, session.scripted.pop(0)))
        try:
            message, cached, latency = await self._answer(session, body, headers)
        except Exception as err:  # told to the CLI as a final error; the caller re-raises it
            session.error = err
            return _error(400, f"upstream call failed: {err}")
        session.exchanges.append(Exchange(body, message, cached, latency))
        return _reply(body, message)

    async def _answer(
        self, session: Session, body: Json, headers: Mapping[str, str]
    ) -> tuple[Json, bool, float]:
        key = stable_key(body, session.paths) if self._cache is not None else ""
        if self._cache is not None and (hit := self._cache.cache_get(key)) is not None:
            return message_json(hit, body), True, 0.0
        started = time.perf_counter()
        call = self._upstream({k: v for k, v in body.items() if k != "stream"}, headers)
        message: Json = await asyncio.create_task(call, context=session.context)
        latency = time.perf_counter() - started
        if self._cache is not None and self._to_response is not None:
            self._cache.cache_put(key, self._to_response(message))
        return message, False, latency


async def _read_request(
    connection: h11.Connection, reader: asyncio.StreamReader
) -> tuple[h11.Request, bytes] | None:
    """The next request on the connection and its body; None when the client closed it."""
    request: h11.Request | None = None
    body = bytearray()
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(await reader.read(READ_CHUNK))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            return request, bytes(body)
        else:  # ConnectionClosed, or PAUSED after a close
            return None


def scripted_message(request: Json, text: str) -> Json:
    """An assistant text turn given by the caller, as the API would have sent it (no tokens billed)."""
    return {
        "id": f"msg_replayed_{secrets.token_hex(8)}", "type": "message", "role": "assistant",
        "model": request.get("model"), "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0},
    }


def _reply(request: Json, message: Json) -> tuple[int, str, bytes]:
    if request.get("stream"):
        return 200, "text/event-stream", message_events(message).encode()
    return 200, "application/json", json.dumps(message).encode()


def _error(status: int, message: str) -> tuple[int, str, bytes]:
    kind = {404: "not_found_error"}.get(status, "invalid_request_error")
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return status, "application/json", json.dumps(body).encode()
