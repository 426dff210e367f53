"""Reads from the platform happen before a transaction, never inside one.

A handler or job asks the platform things in the middle of its work (who is
in #general, which channel "#team" is, a workspace's user groups), and that
work runs in one transaction. Asking the platform from inside it held the
database (SQLite's write lock, a slot's claim) for as long as the platform
took to answer: a check-in opening for 1,500 members made 1,500
``users.info`` calls with its slot's transaction open.

So the transaction owner (the dispatcher for an event, the scheduler for a
slot or timer) runs its work through ``read_first``. Inside it, a read the
work has not made yet does not go to the platform: it raises ``ReadFirst``,
the transaction rolls back (nothing of it was committed), the read is made
with no transaction open, and the work runs again from the start, this time
finding the answer (or the failure, raised where the read was asked for)
waiting. A handler needs no change and cannot tell the difference, except
that its first attempt never commits.

Rerunning is safe because a handler's effects are all in its transaction
(messages go through the outbox), with one exception: opening a form is a
platform call that cannot be taken back. Once a handler has done that
(``acted``), any read after it is made in place rather than by a rerun.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger("convene.platform_reads")

T = TypeVar("T")
P = ParamSpec("P")

MAX_RERUNS = 6
"""Reads one piece of work may make before the transaction; any beyond are made in place."""


class ReadFirst(BaseException):
    """The work needs a platform read it has not made: roll back, read, run it again.

    A ``BaseException`` so that no handler's ``except Exception`` mistakes it
    for a failure of its own; only ``read_first`` catches it.
    """

    def __init__(self, key: Hashable, read: Callable[[], Awaitable[Any]]) -> None:
        super().__init__(f"platform read needed first: {key[0] if isinstance(key, tuple) else key}")
        self.key = key
        self.read = read


@dataclass(frozen=True, slots=True)
class _Answer:
    value: Any = None
    failure: Exception | None = None


class PlatformReads:
    """What one event's or one slot's work has read from the platform so far."""

    def __init__(self) -> None:
        self._answers: dict[Hashable, _Answer] = {}
        self.in_place = False
        """Reads are made where they are asked for (after an irreversible platform act)."""

    async def answer(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        known = self._answers.get(key)
        if known is None:
            if self.in_place:
                return await read()
            raise ReadFirst(key, read)
        if known.failure is not None:
            raise known.failure
        # A copy: the work may change what it was given, and may run again.
        value: T = copy.deepcopy(known.value)
        return value

    async def make(self, needed: ReadFirst) -> None:
        """Ask the platform (no transaction is open); keep the answer or the failure."""

        try:
            self._answers[needed.key] = _Answer(value=await needed.read())
        except Exception as failure:
            self._answers[needed.key] = _Answer(failure=failure)


_current: ContextVar[PlatformReads | None] = ContextVar("convene_platform_reads", default=None)


async def read_first(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` (one transaction) with every platform read it needs made before it.

    ``work`` must be safe to run again from the start: it opens its own
    transaction, and a ``ReadFirst`` escaping it rolls that back.
    """

    reads = PlatformReads()
    token = _current.set(reads)
    try:
        for _ in range(MAX_RERUNS):
            try:
                return await work()
            except ReadFirst as needed:
                await reads.make(needed)
        log.warning(
            "a handler asked the platform more than %d things; "
            "the rest are read inside its transaction",
            MAX_RERUNS,
        )
        reads.in_place = True
        return await work()
    finally:
        _current.reset(token)


def before_transaction(name: str, read: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """``read`` (an adapter's method), made before the transaction when inside ``read_first``.

    Outside ``read_first`` (a test building a context by hand) it is simply
    called. ``name`` and the arguments say which read it is.
    """

    async def made_first(*args: P.args, **kwargs: P.kwargs) -> T:
        reads = _current.get()
        if reads is None:
            return await read(*args, **kwargs)
        key = (name, args, tuple(sorted(kwargs.items())))
        return await reads.answer(key, lambda: read(*args, **kwargs))

    return made_first


def acted() -> None:
    """The work did something on the platform that a rerun would repeat (opened a form).

    Reads it asks for after this are made in place: rerunning it now would
    open the form twice.
    """

    reads = _current.get()
    if reads is not None:
        reads.in_place = True
