"""A fake chat platform on loopback: it records every message posted to it.

Tests and benchmarks point an adapter at it instead of Slack or Discord. It
speaks just enough HTTP/1.1 (keep-alive, ``Content-Length`` bodies) for
httpx, and can be scripted the way real platforms misbehave::

    async with FakePlatform(now=clock.now) as platform:
        platform.rate_limit(times=3, retry_after=2)  # 429, Retry-After: 2
        platform.fail(times=4)  # then 500
        ...  # then 200 with a message id

Every request is kept in ``received`` with the time it arrived by the
``now`` function it was given, so a test on a ``ManualClock`` can check the
spacing of requests in that clock's time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

Payload = dict[str, Any]
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    411: "Length Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the platform saw it, and what it answered."""

    payload: Payload
    at: datetime
    status: int
    message_id: str | None = None
    retry_after: float | None = None

    @property
    def idempotency_key(self) -> str:
        return str(self.payload.get("idempotency_key", ""))

    @property
    def delivered(self) -> bool:
        return self.status == 200


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class _Rule:
    matches: Callable[[Payload], bool]
    status: int


class FakePlatform:
    """An HTTP server on 127.0.0.1 that accepts ``POST`` of JSON messages."""

    def __init__(self, now: Callable[[], datetime] = _utc_now) -> None:
        self._now = now
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[Any]] = {}
        self._script: deque[_Answer] = deque()
        self._rules: list[_Rule] = []
        self._message_ids = itertools.count(1)
        self.received: list[Received] = []

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, host="127.0.0.1", port=0)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Close the open keep-alive connections and let their handlers return
        # (a handler cancelled at loop shutdown makes Python 3.11 log an error).
        handlers = list(self._connections.values())
        for writer in list(self._connections):
            writer.close()
        await asyncio.gather(*handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> FakePlatform:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake platform has not been started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting -------------------------------------------------------------

    def rate_limit(self, times: int, retry_after: float) -> None:
        """Answer the next ``times`` requests (after those already scripted) with 429."""

        self._script.extend(_Answer(429, retry_after) for _ in range(times))

    def fail(self, times: int, status: int = 500) -> None:
        """Answer the next ``times`` requests (after those already scripted) with ``status``."""

        self._script.extend(_Answer(status) for _ in range(times))

    def fail_when(self, matches: Callable[[Payload], bool], status: int = 500) -> None:
        """Always answer ``status`` to a payload ``matches`` accepts (a broken channel)."""

        self._rules.append(_Rule(matches, status))

    # -- reading the record ----------------------------------------------------

    @property
    def delivered(self) -> list[Received]:
        """The requests answered 200, in the order they arrived."""

        return [r for r in self.received if r.delivered]

    # -- serving ---------------------------------------------------------------

    def _answer(self, payload: Payload) -> _Answer:
        for rule in self._rules:
            if rule.matches(payload):
                return _Answer(rule.status)
        if self._script:
            return self._script.popleft()
        return _Answer(200)

    def _handle(self, method: str, body: bytes) -> tuple[int, dict[str, str], Payload]:
        if method != "POST":
            return 404, {}, {"ok": False, "error": "only POST is served"}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {}, {"ok": False, "error": "invalid_json"}
        if not isinstance(payload, dict):
            return 400, {}, {"ok": False, "error": "invalid_json"}
        at = self._now()
        answer = self._answer(payload)
        if answer.status == 429:
            assert answer.retry_after is not None
            self.received.append(Received(payload, at, 429, retry_after=answer.retry_after))
            return 429, {"Retry-After": f"{answer.retry_after:g}"}, {"ok": False}
        if answer.status != 200:
            self.received.append(Received(payload, at, answer.status))
            return answer.status, {}, {"ok": False, "error": "scripted_failure"}
        message_id = f"m-{next(self._message_ids)}"
        self.received.append(Received(payload, at, 200, message_id=message_id))
        return 200, {}, {"ok": True, "message_id": message_id, "channel_id": _channel_of(payload)}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._connections[writer] = handler
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                method = request_line.decode("latin-1").split(" ", 1)[0]
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                status: int
                extra: dict[str, str]
                answer: Payload
                if "content-length" not in headers and method == "POST":
                    status, extra, answer = 411, {}, {"ok": False, "error": "length_required"}
                else:
                    length = int(headers.get("content-length", "0"))
                    body = await reader.readexactly(length) if length else b""
                    status, extra, answer = self._handle(method, body)
                writer.write(_response(status, extra, answer))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._connections.pop(writer, None)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _channel_of(payload: Payload) -> str:
    target = payload.get("target") or {}
    channel = target.get("channel_id")
    if channel:
        return str(channel)
    return "D-" + "+".join(str(m) for m in target.get("member_ids") or ())


def _response(status: int, headers: dict[str, str], body: Payload) -> bytes:
    content = json.dumps(body).encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
        "Content-Type: application/json",
        f"Content-Length: {len(content)}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "",
        "",
    ]
    return "\r\n".join(lines).encode("latin-1") + content
