"""A scriptable mock of the Anthropic API on 127.0.0.1 for tests and bench scripts, used through the real SDK.

Serves POST /v1/messages (also `?beta=true`, and as server-sent events when the body asks `stream: true`,
as Claude Code does), POST /v1/messages/count_tokens, GET /v1/models and the Message Batches endpoints
with the API's JSON shapes. Scriptable: a responder (request JSON → reply), latency, faults by rule or by rate
(429 with retry-after, 529 overloaded, 500, a dropped connection), prompt-cache usage. Faults drawn by rate
depend only on (seed, request body, attempt number), so a seeded run faults the same calls whatever the
thread interleaving. Counts every request per path and keeps every request body.

    route = {"description": "Add endpoint", "prompt": "…", "subagent_type": "backend-developer"}
    with MockAnthropic(responder=tool_use_responder("Agent", route), fault_rate=0.3, seed=1) as api:
        client = api.client()  # AsyncAnthropic(base_url=api.base_url, api_key=…)
        ...
        assert api.count("/v1/messages") == …

Run `python tests/mock_api.py --latency 0.5` to serve it from another process (prints the base URL).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from anthropic import AsyncAnthropic

Json = dict[str, Any]
Reply = str | list[Json] | Json  # text | content blocks | a partial Message (content, stop_reason, usage …)
Responder = Callable[[Json], Reply]

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_BATCH_REQUESTS = 100_000
FAULT_KINDS: tuple[str, ...] = ("429", "529", "500", "drop")
ERROR_TYPES = {400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_error",
               500: "api_error", 529: "overloaded_error"}
DEFAULT_MODELS: tuple[tuple[str, str], ...] = (
    ("claude-opus-5-5", "2026-09-20T00:00:00Z"),
    ("claude-sonnet-5-5", "2026-09-25T00:00:00Z"),
    ("claude-haiku-5-5", "2026-10-07T00:00:00Z"),
    ("claude-sonnet-5", "2026-03-01T00:00:00Z"),
)


@dataclass(frozen=True)
class Fault:
    """What to do instead of answering: an HTTP error status, or `status=None` to drop the connection."""

    status: int | None
    retry_after_s: float | None = None


FaultRule = Callable[[str, Json, int], Fault | None]  # (path, request body, attempt for this body, 1-based)
BatchItemFault = Callable[[str, int], Literal["errored", "expired"] | None]  # (custom_id, attempt, 1-based)


# Replies ------------------------------------------------------------------------------------------------


def text_block(text: str) -> Json:
    return {"type": "text", "text": text, "citations": None}


def tool_use_block(name: str, tool_input: Json, block_id: str = "toolu_mock") -> Json:
    return {"type": "tool_use", "id": block_id, "name": name, "input": tool_input, "caller": None}


def default_responder(request: Json) -> Reply:
    return "mock answer"


def tool_use_responder(name: str, tool_input: Json | Callable[[Json], Json]) -> Responder:
    """Always answers with one call of tool `name` (routing: `Agent`; a judge's forced tool)."""

    def respond(request: Json) -> Reply:
        payload = tool_input(request) if callable(tool_input) else tool_input
        return {"content": [tool_use_block(name, payload)], "stop_reason": "tool_use"}

    return respond


def thinking_block(thinking: str = "Weighing whether to do this myself.") -> Json:
    return {"type": "thinking", "thinking": thinking, "signature": "mock-signature"}


# Routing answers of every decision kind (harness/decision.py): each is a partial Message.
def delegate(agent: str | None, prompt: str = "Carry out the task.") -> Json:
    """An `Agent` call; `agent=None` leaves out `subagent_type` (a general-purpose agent)."""
    call: Json = {"description": "Delegate the task", "prompt": prompt}
    if agent is not None:
        call["subagent_type"] = agent
    return {"content": [tool_use_block("Agent", call, "toolu_mock_agent")], "stop_reason": "tool_use"}


def act(tool: str, tool_input: Json | None = None) -> Json:
    """The main assistant works itself: one call of an action tool (Read, Bash, Edit, …)."""
    arguments = tool_input if tool_input is not None else {"file_path": "/project/README.md"}
    return {"content": [tool_use_block(tool, arguments, "toolu_mock_act")], "stop_reason": "tool_use"}


def invoke_skill(skill: str) -> Json:
    call = tool_use_block("Skill", {"skill": skill}, "toolu_mock_skill")
    return {"content": [call], "stop_reason": "tool_use"}


def answer(text: str = "Here is the answer.") -> Json:
    return {"content": [text_block(text)], "stop_reason": "end_turn"}


def routing_responder(by_message: dict[str, Json], default: Json | None = None) -> Responder:
    """Answers a routing request by its last user text (`delegate`, `act`, `invoke_skill`, `answer`), with
    a thinking block first when the request asks for thinking, as the API does."""

    def respond(request: Json) -> Reply:
        reply = by_message.get(last_user_text(request), default if default is not None else answer())
        thinking = (request.get("thinking") or {}).get("type") in ("adaptive", "enabled")
        return {**reply, "content": [thinking_block(), *reply["content"]]} if thinking else reply

    return respond


def last_user_text(request: Json) -> str:
    """The text of the request's last user message (what a responder usually keys on)."""
    for message in reversed(request.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        texts = [b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"]
        if texts:
            return str(texts[-1])
    return ""


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value, ensure_ascii=False)) // 4) if value else 0


def _has_cache_control(blocks: Any) -> bool:
    return isinstance(blocks, list) and any(isinstance(b, dict) and "cache_control" in b for b in blocks)


# The server -----------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    id: str
    requests: list[Json]
    created_at: str
    polls: int = 0
    canceled: bool = False
    results: list[Json] | None = None


@dataclass
class MockAnthropic:
    """The scriptable server. Use as a context manager; `base_url` is valid inside it."""

    responder: Responder = default_responder
    seed: int = 0
    latency_s: float = 0.0  # from a Messages request's arrival to its answer, the mock's own work included
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    max_faults_per_request: int = 2  # by rate; keeps every call answerable within the SDK's retries
    fault_rule: FaultRule | None = None
    retry_after_s: float = 0.01  # sent with 429/529/500, as the real API does
    models: tuple[tuple[str, str], ...] = DEFAULT_MODELS
    batch_polls_until_ended: int = 1
    batch_item_fault: BatchItemFault | None = None
    max_batch_requests: int = MAX_BATCH_REQUESTS
    counts: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, str, Json]] = field(default_factory=list)  # (method, path, body)
    faults_served: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()
        self._batch_attempts: Counter[str] = Counter()
        self._cached_prefixes: set[str] = set()
        self._batches: dict[str, _Batch] = {}
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # (monotonic time, body hash) of every POST /v1/messages, kept when faults are scripted
        self.arrivals: list[tuple[float, str]] = []

    # lifecycle
    def __enter__(self) -> MockAnthropic:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = _Server(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="mock-anthropic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the mock first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def client(self, **options: Any) -> AsyncAnthropic:
        """An SDK client pointed at this mock (a test key; retries as the harness sets them unless given)."""
        options.setdefault("max_retries", 4)
        return AsyncAnthropic(base_url=self.base_url, api_key="test-key", **options)

    # introspection
    def count(self, path: str = "/v1/messages", method: str = "POST") -> int:
        with self._lock:
            return self.counts[f"{method} {path}"]

    def batch_ids(self) -> list[str]:
        with self._lock:
            return list(self._batches)

    def bodies(self, path: str = "/v1/messages") -> list[Json]:
        with self._lock:
            return [body for _, p, body in self.requests if p == path]

    # behaviour
    def _record(self, method: str, path: str, body: Json) -> None:
        with self._lock:
            self.counts[f"{method} {path}"] += 1
            self.requests.append((method, path, body))

    def _fault_for(self, path: str, body: Json) -> Fault | None:
        if self.fault_rule is None and self.fault_rate <= 0:
            return None  # the fast path the bench takes: no hashing of bodies
        digest = hashlib.sha256(json.dumps([path, body], sort_keys=True).encode()).hexdigest()
        with self._lock:
            self._attempts[digest] += 1
            attempt = self._attempts[digest]
            if path == "/v1/messages":
                self.arrivals.append((time.monotonic(), digest))
        if self.fault_rule is not None:
            return self.fault_rule(path, body, attempt)
        if self.fault_rate <= 0 or attempt > self.max_faults_per_request:
            return None
        draw = random.Random(f"{self.seed}:{digest}:{attempt}")
        if draw.random() >= self.fault_rate:
            return None
        kind = draw.choice(self.fault_kinds)
        return Fault(None) if kind == "drop" else Fault(int(kind), self.retry_after_s)

    def message(self, request: Json, reply: Reply | None = None) -> Json:
        """A full Message for `request`: the responder's reply with usage (and cache usage) filled in."""
        reply = self.responder(request) if reply is None else reply
        partial: Json = {"content": [text_block(reply)]} if isinstance(reply, str) else (
            {"content": reply} if isinstance(reply, list) else dict(reply)
        )
        content = partial.get("content", [])
        system, tools = request.get("system"), request.get("tools")
        prefix_tokens = 0
        cache_creation = cache_read = 0
        if _has_cache_control(system) or _has_cache_control(tools):
            prefix = json.dumps([system, tools], sort_keys=True)
            prefix_tokens = _tokens([system, tools])
            with self._lock:
                seen = prefix in self._cached_prefixes
                self._cached_prefixes.add(prefix)
            cache_read, cache_creation = (prefix_tokens, 0) if seen else (0, prefix_tokens)
        uncached_input = (_tokens([system, tools]) - prefix_tokens) + _tokens(request.get("messages"))
        usage = {
            "input_tokens": uncached_input,
            "output_tokens": min(_tokens(content), int(request.get("max_tokens", 1 << 30))),
            "cache_creation_input_tokens": cache_creation,
            "cache_read_input_tokens": cache_read,
            "cache_creation": {"ephemeral_5m_input_tokens": cache_creation, "ephemeral_1h_input_tokens": 0},
            "inference_geo": None,
            "output_tokens_details": None,
            "server_tool_use": None,
            "service_tier": "standard",
            **partial.get("usage", {}),
        }
        has_tool_use = any(b.get("type") == "tool_use" for b in content)
        return {
            "id": f"msg_mock{next(self._ids):08d}",
            "type": "message",
            "role": "assistant",
            "content": content,
            "model": request.get("model", "claude-sonnet-5-5"),
            "stop_reason": partial.get("stop_reason", "tool_use" if has_tool_use else "end_turn"),
            "stop_sequence": None,
            "stop_details": None,
            "usage": usage,
            "container": None,
        }

    def create_batch(self, body: Json) -> tuple[int, Json]:
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= self.max_batch_requests:
            return 400, _error_body(400, f"requests: between 1 and {self.max_batch_requests} items")
        ids = [r.get("custom_id", "") for r in requests]
        bad = next((i for i in ids if not isinstance(i, str) or not CUSTOM_ID.match(i)), None)
        if bad is not None:
            return 400, _error_body(400, f"custom_id {bad!r} must match {CUSTOM_ID.pattern}")
        if len(set(ids)) != len(ids):
            return 400, _error_body(400, "custom_id values must be unique within a batch")
        batch = _Batch(id=f"msgbatch_mock{next(self._ids):08d}", requests=requests, created_at=_now())
        with self._lock:
            self._batches[batch.id] = batch
        return 200, self._batch_json(batch)

    def batch(self, batch_id: str, *, poll: bool = False) -> _Batch | None:
        with self._lock:
            batch = self._batches.get(batch_id)
        if batch is not None and poll:
            batch.polls += 1
            if batch.results is None and (batch.canceled or batch.polls >= self.batch_polls_until_ended):
                batch.results = [self._batch_result(r, batch.canceled) for r in batch.requests]
        return batch

    def _batch_result(self, item: Json, canceled: bool) -> Json:
        custom_id = item["custom_id"]
        with self._lock:
            self._batch_attempts[custom_id] += 1
            attempt = self._batch_attempts[custom_id]
        outcome = "canceled" if canceled else (
            self.batch_item_fault(custom_id, attempt) if self.batch_item_fault else None
        )
        result: Json
        if outcome == "errored":
            result = {"type": "errored", "error": _error_body(500, "mock error")}
        elif outcome in ("expired", "canceled"):
            result = {"type": outcome}
        else:
            result = {"type": "succeeded", "message": self.message(item["params"])}
        return {"custom_id": custom_id, "result": result}

    def _batch_json(self, batch: _Batch) -> Json:
        ended = batch.results is not None
        counts = Counter(r["result"]["type"] for r in batch.results or [])
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else ("canceling" if batch.canceled else "in_progress"),
            "request_counts": {
                "processing": 0 if ended else len(batch.requests),
                "succeeded": counts["succeeded"], "errored": counts["errored"],
                "canceled": counts["canceled"], "expired": counts["expired"],
            },
            "created_at": batch.created_at,
            "expires_at": batch.created_at,
            "ended_at": _now() if ended else None,
            "archived_at": None,
            "cancel_initiated_at": _now() if batch.canceled else None,
            "results_url": f"{self.base_url}/v1/messages/batches/{batch.id}/results" if ended else None,
        }

    def models_json(self) -> Json:
        data = [
            {"id": model_id, "type": "model", "display_name": model_id, "created_at": created,
             "lifecycle": "active", "max_input_tokens": 1_000_000, "max_tokens": 128_000}
            for model_id, created in sorted(self.models, key=lambda m: m[1], reverse=True)
        ]
        return {"data": data, "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None, "has_more": False}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error_body(status: int, message: str) -> Json:
    return {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
            "request_id": "req_mock"}


def _sse(message: Json) -> str:
    """A finished message as the event stream a `stream: true` call receives (one delta per block)."""

    def event(name: str, data: Json) -> str:
        return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"

    head = {**message, "content": [], "stop_reason": None, "usage": {**message["usage"], "output_tokens": 0}}
    events = [event("message_start", {"message": head})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            empty, delta = {**block, "input": {}}, {"type": "input_json_delta",
                                                    "partial_json": json.dumps(block["input"])}
        else:
            empty, delta = {**block, "text": ""}, {"type": "text_delta", "text": block["text"]}
        events += [event("content_block_start", {"index": index, "content_block": empty}),
                   event("content_block_delta", {"index": index, "delta": delta}),
                   event("content_block_stop", {"index": index})]
    ending = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events += [event("message_delta", {"delta": ending,
                                       "usage": {"output_tokens": message["usage"]["output_tokens"]}}),
               event("message_stop", {})]
    return "".join(events)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a burst of new connections (concurrency 20+) must not wait on SYN retries

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a cancelled call) is routine; anything else is reported as usual."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    api: MockAnthropic
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the second back

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays clean
        pass

    def _body(self) -> Json:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else {}

    def _send(self, status: int, payload: Json | str, headers: dict[str, str] | None = None,
              content_type: str = "application/json") -> None:
        data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_mock")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _fault(self, fault: Fault) -> None:
        self.api.faults_served[str(fault.status or "drop")] += 1
        if fault.status is None:
            self.close_connection = True  # say nothing: the client sees the connection close
            return
        headers = {"retry-after": f"{fault.retry_after_s:g}"} if fault.retry_after_s is not None else {}
        self._send(fault.status, _error_body(fault.status, f"mock fault {fault.status}"), headers)

    def do_POST(self) -> None:
        arrived = time.monotonic()
        path = self.path.split("?")[0]
        body = self._body()
        self.api._record("POST", path, body)
        fault = self.api._fault_for(path, body)
        if fault is not None:
            self._fault(fault)
            return
        if path == "/v1/messages":
            message = self.api.message(body)
            # The latency covers the mock's own work (reading, counting tokens), as a real server's does, so a
            # run's ideal time (calls / concurrency × latency) is what a perfect client would take.
            time.sleep(max(0.0, self.api.latency_s - (time.monotonic() - arrived)))
            if body.get("stream"):
                self._send(200, _sse(message), content_type="text/event-stream")
            else:
                self._send(200, message)
        elif path == "/v1/messages/count_tokens":
            self._send(200, {"input_tokens": _tokens([body.get("system"), body.get("tools"),
                                                     body.get("messages")])})
        elif path == "/v1/messages/batches":
            self._send(*self.api.create_batch(body))
        elif (match := re.fullmatch(r"/v1/messages/batches/([^/]+)/cancel", path)) is not None:
            batch = self.api.batch(match[1])
            if batch is None:
                self._send(404, _error_body(404, "no such batch"))
                return
            batch.canceled = True
            self._send(200, self.api._batch_json(batch))
        else:
            self._send(404, _error_body(404, f"no route POST {path}"))

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.api._record("GET", path, {})
        fault = self.api._fault_for(path, {}) if path == "/v1/models" else None
        if fault is not None:
            self._fault(fault)
        elif path == "/v1/models":
            self._send(200, self.api.models_json())
        elif path == "/v1/messages/batches":
            with self.api._lock:
                batches = list(self.api._batches.values())
            data = [self.api._batch_json(b) for b in reversed(batches)]
            self._send(200, {"data": data, "first_id": data[0]["id"] if data else None,
                             "last_id": data[-1]["id"] if data else None, "has_more": False})
        elif (match := re.fullmatch(r"/v1/messages/batches/([^/]+)/results", path)) is not None:
            batch = self.api.batch(match[1])
            if batch is None or batch.results is None:
                self._send(404, _error_body(404, "no results for this batch (yet)"))
                return
            lines = "".join(json.dumps(r) + "\n" for r in batch.results)
            self._send(200, lines, content_type="application/binary")
        elif (match := re.fullmatch(r"/v1/messages/batches/([^/]+)", path)) is not None:
            batch = self.api.batch(match[1], poll=True)
            if batch is None:
                self._send(404, _error_body(404, "no such batch"))
                return
            self._send(200, self.api._batch_json(batch))
        else:
            self._send(404, _error_body(404, f"no route GET {path}"))


def main() -> None:
    """Serve the mock from its own process (bench scripts): prints the base URL, runs until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per POST /v1/messages")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    api = MockAnthropic(latency_s=args.latency, fault_rate=args.fault_rate, seed=args.seed)
    api.start(args.port)
    print(api.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        api.stop()


if __name__ == "__main__":
    main()
