"""A fake chat platform on loopback: it records every message posted to it.

Tests and benchmarks point an adapter at it instead of Slack or Discord
(``POST`` of a JSON message to any path), and can script it the way real
platforms misbehave::

    async with FakePlatform(now=clock.now) as platform:
        platform.rate_limit(times=3, retry_after=2)  # 429, Retry-After: 2
        platform.fail(times=4)  # then 500
        ...  # then 200 with a message id

Every request is kept in ``received`` with the time it arrived by the
``now`` function it was given, so a test on a ``ManualClock`` can check the
spacing of requests in that clock's time.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.support.loopback import LoopbackServer

Payload = dict[str, Any]


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
class _Reply:
    status: int
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class _Rule:
    matches: Callable[[Payload], bool]
    status: int


class FakePlatform(LoopbackServer[Received]):
    """An HTTP server on 127.0.0.1 that accepts ``POST`` of JSON messages."""

    name = "the fake platform"

    def __init__(self, now: Callable[[], datetime] = _utc_now) -> None:
        super().__init__()
        self._now = now
        self._script: deque[_Reply] = deque()
        self._rules: list[_Rule] = []
        self._message_ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._serve)

    @property
    def received(self) -> list[Received]:
        """Every request, in the order it arrived, with what it was answered."""

        return self.requests

    # -- scripting -------------------------------------------------------------

    def rate_limit(self, times: int, retry_after: float) -> None:
        """Answer the next ``times`` requests (after those already scripted) with 429."""

        self._script.extend(_Reply(429, retry_after) for _ in range(times))

    def fail(self, times: int, status: int = 500) -> None:
        """Answer the next ``times`` requests (after those already scripted) with ``status``."""

        self._script.extend(_Reply(status) for _ in range(times))

    def fail_when(self, matches: Callable[[Payload], bool], status: int = 500) -> None:
        """Always answer ``status`` to a payload ``matches`` accepts (a broken channel)."""

        self._rules.append(_Rule(matches, status))

    # -- reading the record ----------------------------------------------------

    @property
    def delivered(self) -> list[Received]:
        """The requests answered 200, in the order they arrived."""

        return [r for r in self.received if r.delivered]

    # -- serving ---------------------------------------------------------------

    def _answer(self, payload: Payload) -> _Reply:
        for rule in self._rules:
            if rule.matches(payload):
                return _Reply(rule.status)
        if self._script:
            return self._script.popleft()
        return _Reply(200)

    async def _serve(self, request: web.Request) -> web.Response:
        if request.method != "POST":
            return _json(404, {"ok": False, "error": "only POST is served"})
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return _json(400, {"ok": False, "error": "invalid_json"})
        if not isinstance(payload, dict):
            return _json(400, {"ok": False, "error": "invalid_json"})
        at = self._now()
        answer = self._answer(payload)
        if answer.status == 429:
            assert answer.retry_after is not None
            self.record(Received(payload, at, 429, retry_after=answer.retry_after))
            return _json(429, {"ok": False}, {"Retry-After": f"{answer.retry_after:g}"})
        if answer.status != 200:
            self.record(Received(payload, at, answer.status))
            return _json(answer.status, {"ok": False, "error": "scripted_failure"})
        message_id = f"m-{next(self._message_ids)}"
        self.record(Received(payload, at, 200, message_id=message_id))
        return _json(
            200, {"ok": True, "message_id": message_id, "channel_id": _channel_of(payload)}
        )


def _channel_of(payload: Payload) -> str:
    target = payload.get("target") or {}
    channel = target.get("channel_id")
    if channel:
        return str(channel)
    return "D-" + "+".join(str(m) for m in target.get("member_ids") or ())


def _json(status: int, body: Payload, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)
