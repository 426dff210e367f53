"""The base of every fake platform: an HTTP server on 127.0.0.1 that records what it receives.

A fake says what it serves (``routes``) and, if its handlers hold connections
open (WebSockets), how to close them (``close_connections``); this class
starts it on a port the OS picks, so parallel test runs never collide, and
stops it when the ``async with`` block ends::

    class FakeThing(LoopbackServer[Received]):
        def routes(self, app: web.Application) -> None:
            app.router.add_post("/things", self._serve)

    async with FakeThing() as thing:
        ...  # point a client at thing.url
        await thing.wait_until(lambda: len(thing.requests) >= 3, within=5)

Handlers keep what arrived with ``record``, so a test can wait for the record to
reach a state (``wait_until``) instead of polling it or sleeping.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Generic, Self, TypeVar

from aiohttp import web

Record = TypeVar("Record")

SHUTDOWN_SECONDS = 0.5
"""How long stopping waits for handlers still running: ours never wait on a client,
and WebSockets are closed first, so nothing should be left to wait for."""


class StopsOnExit(ABC):
    """``async with`` for a test double: leaving the block stops it."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop serving and let go of the port."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class LoopbackServer(StopsOnExit, Generic[Record]):
    """An aiohttp server on 127.0.0.1 and an ephemeral port; ``requests`` is its record."""

    name = "the fake server"
    """How errors name it ("the fake Slack has not been started")."""
    client_max_size = 1024**2
    """The largest request body it reads (aiohttp's default; a fake that takes files
    raises it, so that its own limits, not aiohttp's, answer a large upload)."""

    def __init__(self) -> None:
        self.requests: list[Record] = []
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def record(self, request: Record) -> Record:
        """Keep what arrived (and wake whoever waits on the record)."""

        self.requests.append(request)
        self._arrived.set()
        return request

    async def wait_until(self, condition: Callable[[], bool], *, within: float) -> None:
        """Return once ``condition()`` holds, looked at each time a request is recorded;
        fail after ``within`` seconds."""

        try:
            async with asyncio.timeout(within):
                while not condition():
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            raise TimeoutError(f"{self.name} did not see it within {within:g} s") from None

    @abstractmethod
    def routes(self, app: web.Application) -> None:
        """Add the fake's routes to ``app``."""

    async def close_connections(self) -> None:
        """Close connections handlers keep open (WebSockets), before the server stops."""

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self.close_connections()
        await self._runner.cleanup()
        self._runner = None
        self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""

        return f"http://127.0.0.1:{self.port}"


def scripted_times(times: int) -> int:
    """How many requests a scripted misbehaviour is for: at least one."""

    if times < 1:
        raise ValueError("times must be at least 1")
    return times
