"""The deliverer: drains the outbox to one adapter, politely and durably.

It claims a batch of due messages (in order per target), waits for the
adapter's token bucket, sends one message at a time, and records each send in
its own short transaction the moment the platform answers. So a crash repeats
at most the single message that was in flight, and a restart resumes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
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
from bot.ratelimit import Lanes, TokenBucket
from bot.waiting import wake_or_timeout
from storage.busy import DatabaseBusy, retry_when_busy
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo

log = logging.getLogger("convene.outbox")

T = TypeVar("T")

WAIT_FOR_ORIGINAL = 30.0
"""Seconds a delete waits, each time, for the message it deletes to be sent (or given up on)."""


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
        caps = adapter.capabilities
        self._bucket = (
            TokenBucket(clock, caps.rate_per_second, caps.burst) if caps.rate_per_second else None
        )
        self._lanes = (
            Lanes(clock, caps.per_target_rate, caps.per_target_burst)
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
            if self._bucket is not None:
                # Sit out a pause (a Retry-After) before claiming rather than
                # while holding a lease on rows that cannot be sent yet.
                wait = self._bucket.wait_time()
                if wait > 0:
                    await self._clock.sleep(wait)
            if not await self._record_unrecorded():
                return 0
            now = self._clock.now()
            try:
                batch = await self._transaction(
                    lambda session: outbox_repo.claim(
                        session,
                        platform=self.platform,
                        now=now,
                        lease_until=now + self._lease,
                        worker=self.worker,
                        limit=self._batch_size,
                    ),
                    "claiming messages to send",
                )
            except DatabaseBusy as busy:
                log.warning("%s: they wait for the next look", busy)
                return 0
            if not batch:
                return 0
            # Once half the lease is gone, hand the rest back and claim afresh:
            # another instance may take over a row whose lease ran out, so
            # sending one that late could deliver it twice.
            deadline = now + self._lease / 2
            failed_targets: set[str] = set()
            waiting: list[int] = []  # passed over for their target's pace
            next_up = 0  # batch[next_up:] has not been tried
            self._lane_wait = None
            try:
                async with outbox_repo.SentRecorder(self._engine) as record_sent:
                    for index, item in enumerate(batch):
                        next_up = index + 1
                        if item.target_key in failed_targets:
                            waiting.append(item.id)
                            continue
                        outcome = await self._deliver_one(item, deadline, record_sent)
                        if outcome in (_Outcome.RETRY, _Outcome.DEFERRED):
                            failed_targets.add(item.target_key)
                            if outcome is _Outcome.DEFERRED:
                                waiting.append(item.id)
                        elif outcome is not _Outcome.DONE:
                            # A 429 paused the whole platform, the lease is running
                            # out, or the database would not take the record: hand
                            # back the rest of the batch.
                            tried = index if outcome is _Outcome.LEASE_RUNNING_OUT else index + 1
                            waiting.extend(m.id for m in batch[tried:])
                            next_up = len(batch)
                            return tried
            except (Exception, asyncio.CancelledError):
                # Stopped (or failed) in mid-batch: what was not tried yet goes
                # back at once, so a restart need not wait for the lease to end.
                # The message in flight, if any, keeps its claim: whether the
                # platform has it is unknown, and its lease decides.
                waiting.extend(m.id for m in batch[next_up:])
                raise
            finally:
                await self._hand_back(batch[0].claim, waiting)
            if len(waiting) == len(batch) and self._lane_wait is not None:
                # Every target here is waiting for its pace: sleep until the
                # first may go rather than claim the same rows again at once.
                await self._clock.sleep(self._lane_wait)
            return len(batch)

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

    async def _deliver_one(
        self,
        item: outbox_repo.ClaimedMessage,
        deadline: datetime,
        record_sent: outbox_repo.SentRecorder,
    ) -> _Outcome:
        message = OutgoingMessage.from_dict(item.payload)
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
        if self._lanes is not None and lane is not None:
            wait = self._lanes.wait_time(lane)
            if wait > 0:
                self._lane_wait = wait if self._lane_wait is None else min(self._lane_wait, wait)
                return _Outcome.DEFERRED
        if self._bucket is not None:
            await self._bucket.acquire()
        if self._clock.now() >= deadline:
            return _Outcome.LEASE_RUNNING_OUT
        if self._lanes is not None and lane is not None:
            self._lanes.try_acquire(lane)
        try:
            ref = await self._send(item, message)
        except RateLimited as limited:
            if self._bucket is not None:
                self._bucket.pause(limited.retry_after)
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
        sent_at = self._clock.now()
        try:
            recorded = await record_sent(item.id, item.claim, sent_at, ref)
        except Exception as refused:
            # The platform has the message; only our note of it failed (a
            # database locked for longer than busy_timeout). Keep the note and
            # write it before claiming anything else, so it is never sent twice.
            log.warning(
                "delivered %s but could not record it yet: %s", item.idempotency_key, refused
            )
            self._unrecorded[item.id] = (item, sent_at, ref)
            return _Outcome.NOT_RECORDED
        self._say_if_lapsed(item, recorded)
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
