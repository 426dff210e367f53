"""Waiting for a wake-up or a timeout, in a way that a stop can always cancel."""

from __future__ import annotations

import asyncio


async def wake_or_timeout(event: asyncio.Event, seconds: float) -> None:
    """Return when ``event`` is set or ``seconds`` have passed.

    ``asyncio.wait_for`` on Python 3.11 can swallow a cancellation that lands
    in the same loop iteration as the event (CPython gh-86296), and then a
    background loop's ``stop()`` waits for ever. ``asyncio.wait`` never
    swallows the caller's cancellation.
    """

    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
