"""Recording the deliverer's sends in groups while it goes on sending.

Every message the platform accepted is written down as sent, so that nobody
sends it again. Writing each one alone, before the next send may start, made
the record the outbox's bottleneck: one database round trip per message,
during which nothing was sent. Here a send's record is queued and written by
a task of its own, together with every record that came in while the
previous group was being written (group commit), so sends and records
overlap.

What a crash can repeat stays bounded. A send takes a slot before it starts
and gives it back only once its record is written (or once it is known that
nothing went out); at most ``most_unrecorded`` slots exist. So at any moment
at most that many messages may have reached the platform without their
record, and a crash repeats at most those. With ``most_unrecorded=1`` each
send is recorded before the next one starts, as before groups.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.repositories import outbox as outbox_repo

log = logging.getLogger("convene.outbox")

MOST_UNRECORDED = 8
"""Sends that may be out (in flight, or answered and not yet recorded) at once:
the most a crash can repeat."""

Unrecorded = dict[int, tuple[outbox_repo.ClaimedMessage, datetime, dict[str, Any]]]
"""Sends the database refused to record, by message id: the deliverer writes them first."""

_Record = tuple[outbox_repo.ClaimedMessage, datetime, dict[str, Any]]


class SendRecords:
    """Writes send records in groups on one connection, behind the sender.

    Use one per batch: ``async with SendRecords(engine, unrecorded, said) as records``.
    Take a slot before each send (``take_slot``) and give it back after it
    (``give_back``); ``add`` its record when the platform has accepted it.
    Leaving the block (or ``settle``) waits until every queued record is
    written. A group the database refuses goes to ``unrecorded`` (the
    deliverer's sends to record before it claims anything else) and ``add``
    answers False from then on, so the sender stops.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        unrecorded: Unrecorded,
        on_recorded: Callable[[outbox_repo.ClaimedMessage, outbox_repo.Recorded], None],
        *,
        most_unrecorded: int = MOST_UNRECORDED,
    ) -> None:
        if most_unrecorded < 1:
            raise ValueError("most_unrecorded must be at least 1")
        self._recorder = outbox_repo.SentRecorder(engine)
        self._unrecorded = unrecorded
        self._on_recorded = on_recorded
        self._slots = asyncio.Semaphore(most_unrecorded)
        self._queued: list[_Record] = []
        self._writer: asyncio.Task[None] | None = None
        self._refused = False
        self._handed_on: set[int] = set()  # sends whose slot went on to their record

    async def __aenter__(self) -> SendRecords:
        await self._recorder.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.settle()
        finally:
            await self._recorder.__aexit__(*exc)

    async def take_slot(self) -> bool:
        """Take one of the slots for a send, before it starts; ``give_back`` after it.

        Waits while every slot is taken (by sends out or records not yet
        written: the writer is started so that some come free). False, with no
        slot taken, once the database has refused a record: nothing more may
        go out until those sends are recorded.
        """

        if self._slots.locked():
            self._start_writer()
        await self._slots.acquire()
        if self._refused:
            self._slots.release()
            return False
        return True

    def give_back(self, item: outbox_repo.ClaimedMessage) -> None:
        """The send of ``item`` is over: free its slot, unless its record holds it now."""

        if item.id in self._handed_on:
            self._handed_on.discard(item.id)  # the writer frees it once the record is in
        else:
            self._slots.release()  # nothing of it went out, or its record was refused

    async def add(
        self, item: outbox_repo.ClaimedMessage, at: datetime, ref: dict[str, Any]
    ) -> bool:
        """Queue the record of an accepted send; False once the database refuses records."""

        if self._refused:
            self._unrecorded[item.id] = (item, at, ref)
            return False
        self._queued.append((item, at, ref))
        self._handed_on.add(item.id)
        self._start_writer()
        return True

    async def settle(self) -> bool:
        """Wait until every queued record is written; False if the database refused some.

        Called before reading what earlier sends left in the database (a
        thread's root, the message an edit or a delete is for).
        """

        while self._writer is not None and not self._writer.done():
            # Shielded: a sender stopped meanwhile must not cut a write in half.
            await asyncio.shield(self._writer)
        if self._queued and not self._refused:
            await self._write_queued()
        return not self._refused

    def _start_writer(self) -> None:
        if self._queued and (self._writer is None or self._writer.done()):
            self._writer = asyncio.create_task(self._write_queued(), name="send-records")

    async def _write_queued(self) -> None:
        while self._queued and not self._refused:
            group, self._queued = self._queued, []
            try:
                outcomes = await self._recorder.record_many(
                    [(item.id, item.claim, at, ref) for item, at, ref in group]
                )
            except Exception as refused:
                log.warning(
                    "delivered %d message(s) but could not record them yet: %s",
                    len(group) + len(self._queued),
                    refused,
                )
                self._refused = True
                group += self._queued
                self._queued = []
                for item, at, ref in group:
                    self._unrecorded[item.id] = (item, at, ref)
                    self._slots.release()
                return
            for item, _, _ in group:
                self._slots.release()
                self._on_recorded(item, outcomes[item.id])
