"""``/healthz``, ``/readyz`` and ``/metrics``: what an orchestrator and Prometheus ask.

- ``/healthz`` answers 200 while the process's event loop turns: a process
  that stops answering it is stuck and should be restarted.
- ``/readyz`` answers 200 when this instance can do its work: its database
  answers, at the schema this code needs, and every platform adapter has
  started and is still connected; otherwise 503 with one line for each
  problem. A load balancer (Slack's HTTP mode) sends requests only to ready
  instances; a compose or Kubernetes health check waits for it.
- ``/metrics``: Prometheus's text format (``bot.metrics``).

They are served on ``[http] port`` when it is set (``serve``), and beside
``/slack/events`` on Slack's HTTP-mode port (``add_to``, offered to any
adapter with a ``serve_beside`` attribute), so that one port behind a load
balancer carries both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot import metrics
from bot.adapter import Adapter, PlatformUnavailable
from bot.clock import Clock
from storage import migrate

if TYPE_CHECKING:
    # aiohttp is imported when something is served: a Convene with no [http] port and no
    # platform adapter (the shell) never loads a web server.
    from aiohttp import web

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"

DATABASE_TIMEOUT_SECONDS = 2.0
"""How long ``/readyz`` waits for the database: a probe's own timeout is often 1-5 s."""


@runtime_checkable
class ReportsConnection(Protocol):
    """An adapter that can tell whether its connection to the platform is up now."""

    @property
    def connected(self) -> bool: ...


@runtime_checkable
class ServesBeside(Protocol):
    """An adapter with a web server of its own that can carry these endpoints too."""

    serve_beside: Callable[[web.Application], None] | None


class HealthEndpoints:
    """The three endpoints for one app: its engine, its clock, its adapters."""

    def __init__(self, engine: AsyncEngine, clock: Clock, adapters: Mapping[str, Adapter]) -> None:
        self._engine = engine
        self._clock = clock
        self._adapters = adapters
        self._runner: web.AppRunner | None = None
        self.started = False
        """Set once every adapter has started, cleared as the app stops."""
        self.url = ""
        """``http://host:port`` of the port of their own, once ``serve`` has started it."""

    def add_to(self, app: web.Application) -> None:
        app.router.add_get(HEALTH_PATH, self._health)
        app.router.add_get(READY_PATH, self._ready)
        app.router.add_get(METRICS_PATH, self._metrics)

    def offer_to(self, adapters: Iterable[Adapter]) -> None:
        """Have adapters that run a web server (Slack's HTTP mode) serve these endpoints too."""

        for adapter in adapters:
            if isinstance(adapter, ServesBeside):
                adapter.serve_beside = self.add_to

    async def serve(self, host: str, port: int) -> None:
        """Serve the endpoints on ``host:port`` (0 picks a free port: tests)."""

        from aiohttp import web

        app = web.Application()
        self.add_to(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as refused:
            await runner.cleanup()
            raise PlatformUnavailable(
                f"cannot serve /healthz, /readyz and /metrics on {host}:{port} "
                f"({refused.strerror or refused}): stop what holds that port, or set "
                "[http] port (or $CONVENE_HTTP_PORT) to a free one, or to 0 for none"
            ) from None
        self._runner = runner
        bound = runner.addresses[0][1] if runner.addresses else port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{bound}"

    async def close(self) -> None:
        self.started = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def problems(self) -> list[str]:
        """Why this instance is not ready, one line each; empty when it is."""

        found: list[str] = []
        if not self.started:
            found.append("starting (or stopping): the platforms are not all connected yet")
        found += await self._database_problems()
        for platform, adapter in sorted(self._adapters.items()):
            if self.started and isinstance(adapter, ReportsConnection) and not adapter.connected:
                found.append(f"{platform}: not connected to the platform (reconnecting)")
        return found

    async def _database_problems(self) -> list[str]:
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                revision = await migrate.current_revision(self._engine)
        except TimeoutError:
            return [f"database: no answer within {DATABASE_TIMEOUT_SECONDS:g} s"]
        except Exception as failed:
            cause = getattr(failed, "orig", None) or failed  # the driver's own error, unwrapped
            said = str(cause).strip().splitlines()
            return [f"database: {type(cause).__name__}: {said[0][:200] if said else ''}"]
        head, known = migrate.head_revision(), migrate.known_revisions()
        if revision == head:
            return []
        if revision is not None and revision not in known:
            # A newer Convene has migrated it; migrations add before they take away
            # (docs/deploy.md), so this older code still works until it is replaced.
            return []
        return [
            f"database: schema at revision {revision or 'none'}, this Convene needs {head} "
            "(run `convene db upgrade`, or restart: `convene run` upgrades at start)"
        ]

    async def _health(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(text="ok\n")

    async def _ready(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        found = await self.problems()
        if found:
            return web.Response(status=503, text="not ready\n" + "".join(f"{p}\n" for p in found))
        return web.Response(text="ready\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        from aiohttp import web

        page = await metrics.scrape(self._engine, self._clock.now())
        return web.Response(body=page, headers={"Content-Type": metrics.CONTENT_TYPE})
