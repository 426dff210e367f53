"""The inbox: an event the platform has its acknowledgement for is never only in memory.

Slack does not resend a slash command, a click or a form once it has its
acknowledgement (nor an Events API event), and Discord does not resend an
interaction. So an adapter hands such an event to ``Intake.keep`` before its
acknowledgement leaves: the event is written to the ``inbox`` table, and only
then is it acknowledged and queued in memory for handling as before. The
transaction that handles it deletes the row along with recording the
processed event; an instance killed in between leaves the row behind, and
once its lease runs out another instance (or this one, restarted) takes it
over and handles it, exactly once thanks to the processed-event record.

Writing a row before each acknowledgement would cost a commit each; instead
the rows are group-committed: the events that arrive while one write is in
flight are written together by the next, so a burst costs a few commits, not
one per event. A row holds the whole event, member text included, for no
longer than its handling; events nothing in Convene answers are not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import events
from bot.adapter import Dispatch
from bot.clock import Clock
from bot.events import Event, IncomingFile, Place, PlaceKind
from storage.busy import DatabaseBusy, retry_when_busy
from storage.repositories import inbox as inbox_repo

log = logging.getLogger("convene.inbox")

TAKE_OVER_BATCH = 100
GIVE_UP_AFTER = 3
"""Take-overs of one row before it is dropped (its handling itself keeps failing)."""
RENEW_CHUNK = 500

Key = tuple[str, str]


def key_of(event: Event) -> Key:
    return (event.platform, event.event_id)


# -- events as rows --------------------------------------------------------------------------


def _event_kinds() -> dict[str, type[Event]]:
    """Every kind of event, by class name (read from ``bot.events``: a slotted
    dataclass is a new class, so ``Event.__subclasses__`` may name stale ones)."""

    return {
        name: kind
        for name, kind in vars(events).items()
        if isinstance(kind, type) and issubclass(kind, Event)
    }


_FIELD_NAMES: dict[type[Event], tuple[str, ...]] = {}


def _field_names(kind: type[Event]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(item.name for item in dataclasses.fields(kind))
    return names


def _place_fields(place: Place) -> dict[str, Any]:
    return {name: getattr(place, name) for name in _PLACE_FIELDS}


_PLACE_FIELDS = tuple(item.name for item in dataclasses.fields(Place))


def encode(event: Event) -> dict[str, Any]:
    """An event as JSON: its kind and fields (the platform's raw payload included).

    Written out field by field rather than with ``dataclasses.asdict`` (which
    copies every payload deeply first): it runs before each acknowledgement.
    """

    fields: dict[str, Any] = {}
    for name in _field_names(type(event)):
        value = getattr(event, name)
        if isinstance(value, Place):
            value = _place_fields(value)
        elif name == "files":
            value = [dataclasses.asdict(file) for file in value]
        elif isinstance(value, Mapping):
            value = dict(value)
        fields[name] = value
    # Whatever a payload holds comes back as JSON can say it, rather than failing the batch.
    plain: dict[str, Any] = json.loads(json.dumps(fields, default=str))
    return {"kind": type(event).__name__, "fields": plain}


def decode(payload: Mapping[str, Any]) -> Event:
    kind = _event_kinds()[str(payload["kind"])]
    names = {item.name for item in dataclasses.fields(kind)}
    fields = {name: value for name, value in dict(payload["fields"]).items() if name in names}
    place = dict(fields["place"])
    fields["place"] = Place(
        PlaceKind(place["kind"]),
        str(place["channel_id"]),
        thread_id=place.get("thread_id"),
        channel_name=place.get("channel_name"),
    )
    if "files" in fields:
        fields["files"] = tuple(IncomingFile(**dict(file)) for file in fields["files"] or ())
    return kind(**fields)


# -- the inbox ---------------------------------------------------------------------------------


@dataclasses.dataclass
class _Waiting:
    key: Key
    payload: dict[str, Any]
    kept: asyncio.Future[bool]


class Inbox:
    """Acknowledged events, kept in the database until handled.

    ``holder`` names this process's claims (unique to the process), ``lease``
    how long another instance waits before taking over a row it holds.
    ``wanted`` says whether anything answers an event (others are not kept);
    ``handle`` is how an event taken over is handled (the app's dispatch).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        holder: str,
        lease: timedelta,
        wanted: Callable[[Event], bool],
        handle: Dispatch,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.holder = holder
        self._lease = lease
        self._wanted = wanted
        self._handle = handle
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self._held: dict[Key, int] = {}
        self._ever_held = False
        """Whether this process ever held a row (else a stop has nothing to hand back)."""
        self._tasks: list[asyncio.Task[None]] = []

    # -- keeping ----------------------------------------------------------------------------

    async def keep(self, event: Event) -> bool:
        """Write the event to the inbox; True once it is durable.

        Returns as soon as the batch holding it is committed. False when it
        was not kept: nothing answers it, or the write failed (then it is
        handled from memory as before, and the failure is logged).
        """

        if not self._wanted(event):
            return False
        try:
            payload = encode(event)
        except (TypeError, ValueError) as unwritable:
            log.warning("event %s cannot be kept in the inbox: %s", event.event_id, unwritable)
            return False
        key = key_of(event)
        kept: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(key, payload, kept))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_waiting())
        try:
            return await asyncio.shield(kept)
        except asyncio.CancelledError:
            # The caller is gone and will not queue the event: once written, its row is
            # left to its lease, to be taken over like a dead instance's.
            kept.add_done_callback(lambda _: self._held.pop(key, None))
            raise

    async def _write_waiting(self) -> None:
        """Write every waiting event, a batch at a time, until none waits."""

        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    ids = await self._write(batch)
                except Exception as failed:
                    log.warning(
                        "could not keep %d event(s) in the inbox (%s); handling them from memory",
                        len(batch),
                        _reason(failed),
                    )
                    for waiting in batch:
                        if not waiting.kept.done():
                            waiting.kept.set_result(False)
                    continue
                self._held.update(ids)
                self._ever_held = True
                for waiting in batch:
                    if not waiting.kept.done():
                        waiting.kept.set_result(True)
        finally:
            self._writer = None

    async def _write(self, batch: Sequence[_Waiting]) -> dict[Key, int]:
        new = [inbox_repo.NewEvent(w.key[0], w.key[1], w.payload) for w in batch]

        async def write() -> dict[Key, int]:
            async with self._sessions.begin() as session:
                now = self._clock.now()
                return await inbox_repo.add(
                    session, new, holder=self.holder, now=now, lease_until=now + self._lease
                )

        return await retry_when_busy(write, what=f"keeping {len(new)} event(s) in the inbox")

    def holds(self, event: Event) -> bool:
        """Whether this process holds the event's row (its handling must delete it)."""

        return key_of(event) in self._held

    def let_go(self, event: Event) -> None:
        """The event was dispatched: its row is gone, or (if that failed) left to expire."""

        self._held.pop(key_of(event), None)

    # -- leases and take-overs ---------------------------------------------------------------

    async def renew(self) -> None:
        """Extend the lease on every row this process holds and has not handled yet."""

        ids = list(self._held.values())
        if not ids:
            return
        now = self._clock.now()

        async def renew_all() -> None:
            async with self._sessions.begin() as session:
                for chunk in _chunks(ids, RENEW_CHUNK):
                    await inbox_repo.renew(
                        session, chunk, holder=self.holder, lease_until=now + self._lease
                    )

        await retry_when_busy(renew_all, what="renewing the inbox's leases")

    async def take_over(self) -> int:
        """Handle the rows whose holder let them go or died, oldest first; how many.

        One at a time, in arrival order, so a conversation's events keep
        their order. A row taken over too often is dropped with an error. A
        database that stays busy (another process holding SQLite's lock) does
        not make this raise: the rows wait for the next look.
        """

        try:
            await self.renew()
        except DatabaseBusy as busy:
            log.warning("%s: the leases are renewed at the next look", busy)
        handled = 0
        while True:
            now = self._clock.now()

            async def take(now: datetime = now) -> list[inbox_repo.KeptEvent]:
                async with self._sessions.begin() as session:
                    return await inbox_repo.take_over(
                        session,
                        holder=self.holder,
                        now=now,
                        lease_until=now + self._lease,
                        limit=TAKE_OVER_BATCH,
                    )

            try:
                taken = await retry_when_busy(take, what="taking over events left in the inbox")
            except DatabaseBusy as busy:
                log.warning("%s: they wait for the next look", busy)
                return handled
            if not taken:
                return handled
            self._ever_held = True
            for row in taken:
                self._held[(row.platform, row.event_id)] = row.id
            for row in taken:
                handled += await self._handle_taken(row)

    async def _handle_taken(self, row: inbox_repo.KeptEvent) -> int:
        key = (row.platform, row.event_id)
        if row.attempts > GIVE_UP_AFTER:
            log.error(
                "giving up on event %s: taken over %d times and never handled",
                row.event_id,
                row.attempts - 1,
            )
            await self._drop(key, row.id)
            return 0
        try:
            event = decode(row.payload)
        except (KeyError, TypeError, ValueError) as unreadable:
            log.error("dropping event %s from the inbox: it cannot be read (%s)", key, unreadable)
            await self._drop(key, row.id)
            return 0
        log.info(
            "handling %s event %s, acknowledged by an instance that stopped before handling it",
            row.platform,
            row.event_id,
        )
        try:
            await self._handle(event)
        finally:
            self._held.pop(key, None)
        return 1

    async def _drop(self, key: Key, row_id: int) -> None:
        self._held.pop(key, None)

        async def drop() -> None:
            async with self._sessions.begin() as session:
                await inbox_repo.drop(session, row_id)

        try:
            await retry_when_busy(drop, what=f"dropping event {key[1]} from the inbox")
        except DatabaseBusy as busy:
            log.warning("%s: it is dropped at the next take-over", busy)

    # -- running ------------------------------------------------------------------------------

    def start(self, *, poll_seconds: float) -> None:
        """Renew leases, and take over rows left behind, every ``poll_seconds``.

        Two loops: renewing must go on while a long take-over is being handled.
        """

        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._every(poll_seconds, self.renew, "renew"), name="inbox-renew"),
            loop.create_task(
                self._every(poll_seconds, self.take_over, "take over"), name="inbox-take-over"
            ),
        ]

    @staticmethod
    async def _every(seconds: float, work: Callable[[], Awaitable[object]], what: str) -> None:
        while True:
            try:
                await work()
            except Exception:
                log.exception("the inbox could not %s its events; trying again", what)
            await asyncio.sleep(seconds)  # real time: leases are seconds long

    async def stop(self) -> None:
        """Finish the write in flight, then hand back what this process still holds."""

        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._writer)
        if not self._ever_held:
            return
        try:
            async with self._sessions.begin() as session:
                await inbox_repo.hand_back(session, holder=self.holder, now=self._clock.now())
        except Exception as failed:
            log.warning(
                "could not hand back the inbox's events (%s): they wait out their lease", failed
            )
        self._held.clear()


def _reason(failure: Exception) -> str:
    """Why a write failed, without the statement's parameters (they hold members' words)."""

    if isinstance(failure, StatementError) and failure.orig is not None:
        return f"{type(failure.orig).__name__}: {failure.orig}"
    return f"{type(failure).__name__}: {failure}"


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Intake:
    """What the app gives an adapter to hand events to.

    ``await intake(event)`` handles an event now (the caller waits);
    ``await intake.keep(event)`` keeps one the platform has, or is about to
    have, its acknowledgement for, before that acknowledgement leaves. An
    adapter given a plain function instead (a test) has no inbox.
    """

    def __init__(self, handle: Dispatch, keep: Callable[[Event], Awaitable[bool]]) -> None:
        self._handle = handle
        self._keep = keep

    async def __call__(self, event: Event) -> None:
        await self._handle(event)

    async def keep(self, event: Event) -> bool:
        return await self._keep(event)


def keeper_of(dispatch: Dispatch) -> Callable[[Event], Awaitable[bool]] | None:
    """The inbox behind an adapter's dispatch callback, if it has one."""

    return dispatch.keep if isinstance(dispatch, Intake) else None
