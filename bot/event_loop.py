"""The event loop a server runs on: uvloop where it is installed, asyncio's otherwise.

Every event is a chain of awaits (a request read, a hop to SQLite's thread
and back for each statement, a commit, an acknowledgement), so the loop's own
cost per turn is a large part of an event's. uvloop turns the loop about
1.7 times as fast on this kind of machine (bare slack-bolt acked 3,576
requests a second on asyncio's loop, 6,211 on uvloop). The shell keeps
asyncio's loop: it waits for a person, and prompt_toolkit drives it.
``CONVENE_EVENT_LOOP=asyncio`` turns uvloop off, for a comparison or a
platform without it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CHOICE_ENV = "CONVENE_EVENT_LOOP"
CHOICES = ("uvloop", "asyncio")


def loop_factory(choice: str | None = None) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop maker, or None for asyncio's own (not installed, or asked for)."""

    wanted = (choice or os.environ.get(CHOICE_ENV, "") or "uvloop").strip().lower()
    if wanted not in CHOICES:
        raise ValueError(f"${CHOICE_ENV} must be uvloop or asyncio, not {wanted!r}")
    if wanted == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def loop_name(choice: str | None = None) -> str:
    return "asyncio" if loop_factory(choice) is None else "uvloop"


def run(main: Coroutine[Any, Any, T], choice: str | None = None) -> T:
    """``asyncio.run`` on the server's loop."""

    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)


def describe() -> str:
    """One line for a benchmark's header: which loop it measured."""

    return (
        f"event loop: {loop_name()} (as `convene run` would; "
        f"{CHOICE_ENV}=asyncio measures asyncio's own)"
    )
