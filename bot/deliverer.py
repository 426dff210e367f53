"""The deliverer: drains the outbox to one adapter, politely and durably.

It claims a batch of due messages (in order per target), waits for the
adapter's token bucket, sends one message at a time, and records each send as
soon as the platform answers: the records are written in groups behind the
sender (``bot.send_records``), so writing them costs no time between sends,
and sends to different targets may overlap (``max_in_flight``). A crash
repeats at most the sends out without their record: the one message in
flight, unless the platform drops repeats (``Capabilities.repeats_dropped``),
where up to ``MOST_UNRECORDED`` may be out; a restart resumes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import (
    Adapter,
    MemberUnreachable,
    PartlyDelivered,
    PermanentDeliveryError,
    RateLimited,
)
from bot.clock import Clock
from bot.messages import OutgoingMessage, Target
from bot.metrics import GIVEN_UP, PUT_OFF, RETRIED, SENT, delivery
from bot.ratelimit import LaneSet, Limiter, WorkspaceBuckets
from bot.send_records import MOST_UNRECORDED, SendRecords
from bot.shared_limits import RateLimits
from bot.waiting import wake_or_timeout
from storage.busy import DatabaseBusy, retry_when_busy
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo

log = logging.getLogger("convene.outbox")

T = TypeVar("T")

WAIT_FOR_ORIGINAL = 30.0
"""Seconds a delete waits, each time, for the message it deletes to be sent (or given up on)."""


MAX_IN_FLIGHT = 1
"""Sends to different targets that may be waiting for the platform's answer at once."""


class _OriginalInFlight(Exception):
    """The message a delete is for has not settled yet: deleting now could miss it."""


class _Outcome(enum.Enum):
    DONE = "sent, or given up on: the target's next message may follow"
    RETRY = "not sent, to be tried later: the target waits"
    PAUSED = "the platform said 429: every target waits"
    LEASE_RUNNING_OUT = "too late in the batch's lease to send safely"
    NOT_RECORDED = "sent, but the database would not take the record yet"
    DEFERRED = "its target had its share of sends for now: it waits, the others go on"


class Deliverer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        adapter: Adapter,
        clock: Clock,
        *,
        worker: str,
        max_attempts: int = 8,
        base_backoff: float = 2.0,
        max_backoff: float = 600.0,
        lease_seconds: float = 60.0,
        batch_size: int = 200,
        idle_poll: float = 1.0,
        max_in_flight: int = MAX_IN_FLIGHT,
        most_unrecorded: int | None = None,
        limits: RateLimits | None = None,
    ) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise TypeError("the deliverer needs sessions bound to an AsyncEngine")
        self._engine = bind
        self._adapter = adapter
        self._clock = clock
        self.worker = worker
        self.max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._max_backoff = max_backoff
        self._lease = timedelta(seconds=lease_seconds)
        self._batch_size = batch_size
        self._idle_poll = idle_poll
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._max_in_flight = max_in_flight
        if most_unrecorded is None:
            # DESIGN: a crash repeats at most the one message in flight, unless the
            # platform itself drops a repeat.
            most_unrecorded = MOST_UNRECORDED if adapter.capabilities.repeats_dropped else 1
        if most_unrecorded < 1:
            raise ValueError("most_unrecorded must be at least 1")
        self._most_unrecorded = most_unrecorded
        # The platform's limits: each workspace's rate (Slack counts them apart) and
        # each target's; kept in this process, or shared with every instance (``limits``).
        caps = adapter.capabilities
        limits = limits or RateLimits(clock)
        platform = adapter.platform
        self._buckets: WorkspaceBuckets | None = (
            limits.per_workspace(f"{platform}:send:", caps.rate_per_second, caps.burst)
            if caps.rate_per_second
            else None
        )
        self._lanes: LaneSet | None = (
            limits.lanes(f"{platform}:lane:", caps.per_target_rate, caps.per_target_burst)
            if caps.per_target_rate
            else None
        )
        self._lane_wait: float | None = None
        self._dms_closed: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unrecorded: dict[
            int, tuple[outbox_repo.ClaimedMessage, datetime, dict[str, Any]]
        ] = {}
        self._lock = asyncio.Lock()

    @property
    def platform(self) -> str:
        return self._adapter.platform

    # -- lifecycle ---------------------------------------------------------

    async def resume(self) -> int:
        """Take back what this instance was sending when it last stopped.

        That is, what a process of the same worker name left claimed: only
        with an instance_id configured by hand (docs/deploy.md). A process
        that names itself finds nothing here; its predecessor's claims come
        free when their lease ends.
        """

        async def reclaim(session: AsyncSession) -> tuple[int, set[tuple[str, str]]]:
            count = await outbox_repo.reclaim_own(session, self.worker)
            return count, await members_repo.with_dms_closed(session, self.platform)

        count, self._dms_closed = await self._transaction(reclaim, "taking back messages in flight")
        if count:
            log.info("resuming %d message(s) that were in flight at the last stop", count)
        return count

    async def start(self) -> None:
        await self.resume()
        self._task = asyncio.create_task(self._run(), name=f"deliverer:{self.platform}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """New messages were queued: look now rather than at the next poll."""

        self._wake.set()

    async def _run(self) -> None:
        while True:
            # Clear before looking, so a wake-up that arrives meanwhile is kept.
            self._wake.clear()
            try:
                sent = await self.drain_once()
            except Exception:
                log.exception("the deliverer hit an error; trying again shortly")
                sent = 0
            if sent:
                continue
            await wake_or_timeout(self._wake, self._idle_poll)

    # -- draining ----------------------------------------------------------

    async def drain(self) -> int:
        """Deliver until nothing is due now; returns how many sends were tried."""

        total = 0
        while True:
            tried = await self.drain_once()
            if not tried:
                return total
            total += tried

    async def drain_once(self) -> int:
        async with self._lock:
            if not await self._record_unrecorded():
                return 0
            now = self._clock.now()
            # A workspace told to wait (a 429's Retry-After) is left out of the
            # claim, so its backlog cannot fill the batch while other workspaces'
            # messages could go.
            paused = self._buckets.paused() if self._buckets is not None else {}
            try:
                batch = await self._claim(now, skip_workspaces=paused)
                if not batch and paused:
                    # Nothing else is due. A pause that holds every workspace is
                    # sat out before claiming, rather than while holding a lease
                    # on rows that cannot go yet; otherwise the paused rows are
                    # claimed, passed over and handed back, and the deliverer
                    # sleeps until the first may go (below).
                    assert self._buckets is not None
                    wait = self._buckets.paused_for()
                    if wait > 0:
                        await self._clock.sleep(wait)
                        now = self._clock.now()
                    batch = await self._claim(now)
            except DatabaseBusy as busy:
                log.warning("%s: they wait for the next look", busy)
                return 0
            if not batch:
                return 0
            if self._lanes is not None:  # what other instances sent these targets lately
                await self._lanes.load({item.target_key for item in batch})
            # Once half the lease is gone, hand the rest back and claim afresh:
            # another instance may take over a row whose lease ran out, so
            # sending one that late could deliver it twice.
            deadline = now + self._lease / 2
            waiting: list[int] = []  # handed back untried, or passed over for their pace
            self._lane_wait = None
            try:
                async with SendRecords(
                    self._engine,
                    self._unrecorded,
                    self._say_if_lapsed,
                    most_unrecorded=self._most_unrecorded,
                ) as record_sent:
                    tried, stopped = await self._send_all(batch, deadline, record_sent, waiting)
                if stopped:
                    # A 429 paused the whole platform, the lease is running out, or
                    # the database would not take the record: the rest went back.
                    return tried
            finally:
                if self._lanes is not None:  # before the targets may go to another instance
                    await self._lanes.save()
                await self._hand_back(batch[0].claim, waiting)
            if len(waiting) == len(batch) and self._lane_wait is not None:
                # Every target here is waiting for its pace: sleep until the
                # first may go rather than claim the same rows again at once.
                await self._clock.sleep(self._lane_wait)
            return len(batch)

    async def _claim(
        self, now: datetime, skip_workspaces: Collection[str] = ()
    ) -> list[outbox_repo.ClaimedMessage]:
        return await self._transaction(
            lambda session: outbox_repo.claim(
                session,
                platform=self.platform,
                now=now,
                lease_until=now + self._lease,
                worker=self.worker,
                limit=self._batch_size,
                skip_workspaces=skip_workspaces,
            ),
            "claiming messages to send",
        )

    async def _send_all(
        self,
        batch: list[outbox_repo.ClaimedMessage],
        deadline: datetime,
        record_sent: SendRecords,
        waiting: list[int],
    ) -> tuple[int, bool]:
        """Send a batch in order, up to ``max_in_flight`` messages at once, one per target.

        A platform answers each send after a round trip; with one send at a
        time, that round trip (and the timer's wake-up) comes between every
        two sends, and a token bucket of one loses the time. Sends to different
        targets may overlap; a target's messages still go one after another
        in the order queued, and after a target's send fails or is put off,
        its later messages wait for the next batch.

        Each send holds a slot of ``record_sent`` from before it starts until
        its record is written, so no more than ``most_unrecorded`` sends are
        ever out without their record: the most a crash repeats.

        Returns (sends tried, whether the batch stopped early). What was not
        tried is added to ``waiting``, to be handed back at once; a send in
        flight when the deliverer stops keeps its claim (whether the platform
        has it is unknown: its lease decides).
        """

        failed_targets: set[str] = set()
        in_flight: dict[str, asyncio.Task[None]] = {}
        started: set[int] = set()
        failures: list[BaseException] = []
        tried = 0
        stopped = False

        def settle(item: outbox_repo.ClaimedMessage, outcome: _Outcome) -> None:
            nonlocal tried, stopped
            if outcome is _Outcome.LEASE_RUNNING_OUT:
                waiting.append(item.id)
                stopped = True
                return
            tried += 1
            if outcome in (_Outcome.RETRY, _Outcome.DEFERRED):
                failed_targets.add(item.target_key)
                if outcome is _Outcome.DEFERRED:
                    waiting.append(item.id)
            elif outcome is not _Outcome.DONE:
                stopped = True

        async def send(
            item: outbox_repo.ClaimedMessage, sending: Coroutine[Any, Any, _Outcome]
        ) -> None:
            nonlocal stopped
            try:
                outcome = await sending
            except asyncio.CancelledError:
                raise
            except BaseException as failure:
                failures.append(failure)  # raised by the batch, once its sends are in
                stopped = True
                return
            finally:
                record_sent.give_back(item)
                if in_flight.get(item.target_key) is asyncio.current_task():
                    del in_flight[item.target_key]
            settle(item, outcome)

        try:
            for item in batch:
                while not stopped and (
                    item.target_key in in_flight or len(in_flight) >= self._max_in_flight
                ):
                    earlier = in_flight.get(item.target_key)
                    await asyncio.wait(
                        [earlier] if earlier is not None else list(in_flight.values()),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                if stopped:
                    break
                if item.target_key in failed_targets:
                    waiting.append(item.id)
                    continue
                if not await record_sent.take_slot():
                    stopped = True  # the database refused a record: send nothing more
                    break
                started.add(item.id)
                try:
                    prepared = await self._prepare_one(item, deadline, record_sent)
                except BaseException:
                    record_sent.give_back(item)
                    raise
                if isinstance(prepared, _Outcome):
                    record_sent.give_back(item)
                    settle(item, prepared)
                elif self._max_in_flight == 1:
                    await send(item, prepared)  # no task needed for one at a time
                else:
                    in_flight[item.target_key] = asyncio.create_task(send(item, prepared))
                if failures:
                    break
            if in_flight:
                await asyncio.wait(list(in_flight.values()))
            if failures:
                raise failures[0]
        except BaseException as stopping:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)
            if isinstance(stopping, Exception | asyncio.CancelledError):
                # Stopped (or failed) in mid-batch: what was not tried yet goes
                # back at once, so a restart need not wait for the lease to end.
                self._untried(batch, started, waiting)
            raise
        self._untried(batch, started, waiting)
        return tried, stopped

    @staticmethod
    def _untried(
        batch: list[outbox_repo.ClaimedMessage], started: set[int], waiting: list[int]
    ) -> None:
        """Add to ``waiting`` the messages of the batch that were never started."""

        handed_back = set(waiting)
        waiting.extend(m.id for m in batch if m.id not in started and m.id not in handed_back)

    async def _record_unrecorded(self) -> bool:
        """Record sends the database refused earlier; False while it still refuses."""

        if not self._unrecorded:
            return True
        try:
            async with outbox_repo.SentRecorder(self._engine) as record_sent:
                for message_id, (item, at, ref) in list(self._unrecorded.items()):
                    self._say_if_lapsed(item, await record_sent(message_id, item.claim, at, ref))
                    del self._unrecorded[message_id]
        except Exception as refused:
            log.warning(
                "still cannot record %d delivered message(s): %s", len(self._unrecorded), refused
            )
            return False
        return True

    async def _hand_back(self, claim: outbox_repo.Claim, message_ids: list[int]) -> None:
        """Release claimed rows not tried; if the database refuses, their lease frees them.

        Rows the claim lost meanwhile (this instance stalled past its lease and
        another took them over) stay as they are, with the one who holds them.
        """

        if not message_ids:
            return
        try:
            released = await self._transaction(
                lambda session: outbox_repo.release(session, message_ids, claim),
                f"handing back {len(message_ids)} message(s)",
            )
        except Exception as refused:
            log.warning(
                "could not hand back %d message(s) now (%s); they go again when their lease ends",
                len(message_ids),
                refused,
            )
            return
        if released < len(message_ids):
            log.warning(
                "%d of %d message(s) to hand back were no longer this instance's: its lease "
                "ran out first (was it paused or starved?); they stay with whoever holds them",
                len(message_ids) - released,
                len(message_ids),
            )

    def _say_if_lapsed(
        self, item: outbox_repo.ClaimedMessage, recorded: outbox_repo.Recorded
    ) -> None:
        """Log a send made under a claim that had lapsed: it may have reached members twice."""

        if recorded is outbox_repo.Recorded.HELD:
            return
        log.warning(
            "outbox message %d (%s) was sent under a claim this instance no longer held "
            "(its lease ran out first); another instance may have sent it too. %s",
            item.id,
            item.idempotency_key,
            "Nobody held it: recorded it as sent."
            if recorded is outbox_repo.Recorded.ADOPTED
            else "Another instance holds it, or it was settled already: left it alone.",
        )

    def _say_lapsed(self, item: outbox_repo.ClaimedMessage, dropped: str) -> None:
        """Log an outcome dropped because another instance now holds (or settled) the message."""

        log.warning(
            "outbox message %d (%s): this instance's claim had lapsed (its lease ran out "
            "first), so its %s was dropped; the message stays with whoever holds it",
            item.id,
            item.idempotency_key,
            dropped,
        )

    async def _prepare_one(
        self,
        item: outbox_repo.ClaimedMessage,
        deadline: datetime,
        record_sent: SendRecords,
    ) -> _Outcome | Coroutine[Any, Any, _Outcome]:
        """Everything before a message's send: its turn, its target, its token.

        Returns what became of it when it is not to be sent now, else the send
        itself (``_send_and_record``), for the caller to await or run alongside
        other sends. Tokens are taken here, one message after another, so the
        bucket has one waiter and credits a late wake-up.
        """

        message = OutgoingMessage.from_dict(item.payload)
        reads_earlier_sends = (
            message.deletes is not None
            or message.replaces is not None
            or (message.target.kind == "thread" and message.target.root_key is not None)
        )
        if reads_earlier_sends and not await record_sent.settle():
            # It looks up what earlier sends left in the database, and their
            # records are not all written: it waits, untried, for the next batch.
            return _Outcome.DEFERRED
        if (
            message.deletes is None
            and message.target.kind == "thread"
            and message.target.root_key is not None
        ):
            resolved = await self._resolve_thread(item, message)
            if resolved is None:
                return _Outcome.RETRY
            message = resolved
        lane = item.target_key if message.visible_to is None else None
        bucket = self._buckets.of(item.workspace_external_id) if self._buckets is not None else None
        # A workspace told to wait (a 429's Retry-After) or a target at its pace is
        # passed over for now: the other workspaces and targets go on meanwhile.
        wait = bucket.paused_for() if bucket is not None else 0.0
        if self._lanes is not None and lane is not None:
            wait = max(wait, self._lanes.wait_time(lane))
        if wait > 0:
            self._lane_wait = wait if self._lane_wait is None else min(self._lane_wait, wait)
            return _Outcome.DEFERRED
        if bucket is not None:
            await bucket.acquire()
        if self._clock.now() >= deadline:
            return _Outcome.LEASE_RUNNING_OUT
        if self._lanes is not None and lane is not None:
            self._lanes.try_acquire(lane)
        return self._send_and_record(item, message, bucket, record_sent)

    async def _send_and_record(
        self,
        item: outbox_repo.ClaimedMessage,
        message: OutgoingMessage,
        bucket: Limiter | None,
        record_sent: SendRecords,
    ) -> _Outcome:
        """Send a message whose turn and token have come; record or settle what became of it."""

        try:
            ref = await self._send(item, message)
        except RateLimited as limited:
            delivery(self.platform, PUT_OFF)
            if bucket is not None:
                bucket.pause(limited.retry_after)
            log.info("%s asked us to slow down for %g s", self.platform, limited.retry_after)
            await self._retry_later(item, limited.retry_after, str(limited), count_attempt=False)
            return _Outcome.PAUSED
        except _OriginalInFlight as waiting:
            await self._retry_later(item, WAIT_FOR_ORIGINAL, str(waiting), count_attempt=False)
            return _Outcome.RETRY
        except MemberUnreachable as closed:
            await self._give_up(item, f"refused by {self.platform}: {closed}")
            await self._note_dms(item.workspace_external_id, closed.member_id, closed=True)
            return _Outcome.DONE
        except PermanentDeliveryError as refused:
            await self._give_up(item, f"refused by {self.platform}: {refused}")
            return _Outcome.DONE
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
            if item.attempts >= self.max_attempts:
                await self._give_up(item, error)
                return _Outcome.RETRY
            delivery(self.platform, RETRIED)
            delay = min(self._max_backoff, self._base_backoff * 2 ** (item.attempts - 1))
            log.info(
                "delivery of %s failed (attempt %d of %d), retrying in %g s: %s",
                item.idempotency_key,
                item.attempts,
                self.max_attempts,
                delay,
                error,
            )
            await self._retry_later(item, delay, error)
            return _Outcome.RETRY
        delivery(self.platform, SENT)
        sent_at = self._clock.now()
        if not await record_sent.add(item, sent_at, ref):
            # The platform has the message; only our note of it failed (a
            # database locked for longer than busy_timeout). The note is kept in
            # self._unrecorded and written before anything else is claimed, so
            # it is never sent twice.
            return _Outcome.NOT_RECORDED
        if message.target.kind == "dm" and message.deletes is None:
            await self._note_dms(item.workspace_external_id, message.target.member_ids[0], False)
        return _Outcome.DONE

    async def _note_dms(self, workspace: str, member_id: str, closed: bool) -> None:
        """Mark a member whose DMs are closed, or clear the mark when one gets through."""

        key = (workspace, member_id)
        if closed == (key in self._dms_closed):
            return
        at = self._clock.now() if closed else None
        try:
            await self._transaction(
                lambda session: members_repo.set_dms_closed(
                    session, self.platform, workspace, member_id, at
                ),
                f"noting {member_id}'s DMs",
            )
        except Exception as refused:
            log.warning("could not note %s's DMs as %s: %s", member_id, closed, refused)
            return
        if closed:
            log.info(
                "%s has closed their DMs to the bot; conveners see it in /convene members",
                member_id,
            )
            self._dms_closed.add(key)
        else:
            self._dms_closed.discard(key)

    async def _send(
        self, item: outbox_repo.ClaimedMessage, message: OutgoingMessage
    ) -> dict[str, Any]:
        """Send a message, or edit the earlier one it replaces.

        An edit changes the message as the last delivered edit left it (an
        edit may add or remove parts, and returns the reference that says so).
        An edit whose original never went out (given up on) is sent as a new
        message: the words matter more than where they land. Later edits
        change that stand-in.

        A message the platform takes in several parts may stop part-way
        (``PartlyDelivered``): what went out is kept with the row, and the next
        try finishes it from there, so no part is sent twice.
        """

        try:
            return await self._send_or_finish(item, message)
        except PartlyDelivered as partly:
            await self._keep_partial(item, partly.ref)
            raise partly.cause from None

    async def _keep_partial(self, item: outbox_repo.ClaimedMessage, ref: dict[str, Any]) -> None:
        try:
            held = await self._transaction(
                lambda session: outbox_repo.keep_partial_ref(session, item.id, item.claim, ref),
                f"noting the parts of {item.idempotency_key} already sent",
            )
        except Exception as refused:
            log.warning(
                "could not note the parts of %s already sent (%s): a retry sends them again",
                item.idempotency_key,
                refused,
            )
            return
        if not held:
            self._say_lapsed(item, "note of the parts already sent")

    async def _send_or_finish(
        self, item: outbox_repo.ClaimedMessage, message: OutgoingMessage
    ) -> dict[str, Any]:
        if message.deletes is not None:
            return await self._take_down(item, message.deletes)
        if item.partial_ref is not None:
            # An earlier try sent the first parts: the edit sends what is missing.
            return await self._adapter.edit(item.workspace_external_id, item.partial_ref, message)
        if message.replaces is not None:
            replaces = message.replaces
            original = await self._transaction(
                lambda session: outbox_repo.ref_to_edit(session, replaces, item.target_key),
                f"reading the message {item.idempotency_key} edits",
            )
            if original is not None:
                return await self._adapter.edit(item.workspace_external_id, original, message)
            log.info(
                "%s edits %s, which was never delivered: sending it as a new message",
                item.idempotency_key,
                message.replaces,
            )
        return await self._adapter.deliver(
            item.workspace_external_id, message, idempotency_key=item.idempotency_key
        )

    async def _take_down(
        self, item: outbox_repo.ClaimedMessage, deleted_key: str
    ) -> dict[str, Any]:
        """Delete the message queued as ``deleted_key`` from the platform.

        The original is found by its key alone (``outbox_repo.ref_to_delete``),
        as its last edit left it. One still being sent is waited for
        (``_OriginalInFlight``); one that never went out has nothing to delete,
        and the delete is done all the same. What is recorded for the delete
        names only the key it deleted: never the member's words, nor where they were.
        """

        found = await self._transaction(
            lambda session: outbox_repo.ref_to_delete(
                session,
                deleted_key,
                platform=self.platform,
                workspace_external_id=item.workspace_external_id,
            ),
            f"reading the message {item.idempotency_key} deletes",
        )
        if found.in_flight:
            raise _OriginalInFlight(f"waiting for {deleted_key} to be sent before deleting it")
        if found.ref is None:
            log.info(
                "%s deletes %s, which never reached %s: nothing to delete",
                item.idempotency_key,
                deleted_key,
                self.platform,
            )
            return {"deleted": deleted_key, "found": False}
        await self._adapter.delete(item.workspace_external_id, found.ref)
        return {"deleted": deleted_key, "found": True}

    async def _resolve_thread(
        self, item: outbox_repo.ClaimedMessage, message: OutgoingMessage
    ) -> OutgoingMessage | None:
        """Point a reply at the delivered root message it belongs under."""

        root_key = message.target.root_key
        assert root_key is not None
        try:
            ref = await self._transaction(
                lambda session: outbox_repo.sent_ref(session, root_key),
                f"reading the thread root of {item.idempotency_key}",
            )
        except DatabaseBusy as busy:
            log.warning("%s: it goes again when its lease ends", busy)
            return None
        if ref is None or "message_id" not in ref:
            await self._give_up(item, f"its thread root {root_key!r} was never delivered")
            return None
        target = Target.thread(
            message.target.channel_id or str(ref.get("channel_id")),
            thread_id=str(ref.get("thread_id") or ref["message_id"]),
        )
        return OutgoingMessage(
            target=target,
            text=message.text,
            buttons=message.buttons,
            visible_to=message.visible_to,
            replaces=message.replaces,
        )

    async def _transaction(self, work: Callable[[AsyncSession], Awaitable[T]], what: str) -> T:
        """One short transaction, run again while the database is busy (``storage.busy``).

        Reads too: on SQLite every transaction begins by taking the write lock.
        """

        async def in_one_transaction() -> T:
            async with self._sessions.begin() as session:
                return await work(session)

        return await retry_when_busy(in_one_transaction, what=what)

    async def _retry_later(
        self,
        item: outbox_repo.ClaimedMessage,
        delay: float,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> None:
        next_attempt_at = self._clock.now() + timedelta(seconds=delay)
        try:
            held = await self._transaction(
                lambda session: outbox_repo.retry_later(
                    session,
                    item.id,
                    item.claim,
                    next_attempt_at=next_attempt_at,
                    error=error,
                    count_attempt=count_attempt,
                ),
                f"putting {item.idempotency_key} off for a retry",
            )
        except DatabaseBusy as busy:
            log.warning("%s: it goes again when its lease ends", busy)
            return
        if not held:
            self._say_lapsed(item, "retry")

    async def _give_up(self, item: outbox_repo.ClaimedMessage, error: str) -> None:
        delivery(self.platform, GIVEN_UP)
        try:
            held = await self._transaction(
                lambda session: outbox_repo.mark_dead(session, item.id, item.claim, error),
                f"giving up on {item.idempotency_key}",
            )
        except DatabaseBusy as busy:
            log.warning("%s: it goes again when its lease ends", busy)
            return
        if not held:
            self._say_lapsed(item, "giving up")
            return
        log.warning(
            "gave up on message %s to %s after %d attempt(s): %s",
            item.idempotency_key,
            item.target_key,
            item.attempts,
            error,
        )
