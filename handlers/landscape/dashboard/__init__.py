"""The conveners' web dashboard: the landscape to explore, and how the work is going.

``/convene dashboard`` gives a convener a one-time link; ``convene run``
serves the pages beside the bot when ``[dashboard] enabled = true``. Only
the command is loaded with the job: the web server (and aiohttp) is
imported when the dashboard is on and Convene runs by itself, so a
Convene without it starts as fast as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.registry import Registry, ServiceHost


@asynccontextmanager
async def dashboard_service(host: ServiceHost) -> AsyncIterator[None]:
    """Serve the dashboard while Convene runs, if the config turns it on."""

    if not host.settings.dashboard.enabled:
        yield
        return
    from handlers.landscape.dashboard.server import serving

    async with serving(host.sessions, host.clock, host.settings.dashboard):
        yield


def register(registry: Registry) -> None:
    from handlers.landscape.dashboard import command

    command.register(registry)
    registry.service("dashboard", dashboard_service)
