"""The outbox table's hot paths, written in SQLAlchemy Core.

Enqueueing and delivery are the busiest writes Convene makes (a check-in
fans out one DM per member), so they batch: one multi-row INSERT per
transaction, one claim per batch, and one small UPDATE per delivered message.

Every write to a claimed row names the claim (``Claim``: the worker and the
end of its lease) and touches the row only while that claim still holds it.
An instance stalled past its lease (SIGSTOP, a long pause) has lost its rows
to another instance by the time it wakes; what it then hands back, retries or
gives up on must not undo the other's work.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage
from storage.repositories.core import execute, insert_ignoring_conflicts, table_of

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
DEAD = "dead"

outbox: Table = table_of(OutboxMessage)
_UNSENT = (PENDING, SENDING)


@dataclass(frozen=True, slots=True)
class NewMessage:
    idempotency_key: str
    platform: str
    workspace_external_id: str
    target_key: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim of a batch of rows: who made it and when its lease ends.

    A row is claimed again only once its lease has run out or it was handed
    back, and a worker's leases are all one length on a clock that moves
    forward, so a worker's later claim of a row always ends later: the pair
    tells this claim from every other one of the row, the worker's own
    included. A row is held by this claim while it is ``sending`` with both.
    """

    worker: str
    lease_until: datetime


class Recorded(enum.Enum):
    """What became of a send recorded with ``SentRecorder``."""

    HELD = "recorded under the claim that sent it"
    ADOPTED = "the claim had lapsed, but nobody held or had sent the message: recorded as sent"
    LEFT = "the claim had lapsed and another claim holds the row, or it is settled: left alone"


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: int
    idempotency_key: str
    platform: str
    workspace_external_id: str
    target_key: str
    payload: dict[str, Any]
    attempts: int
    claim: Claim
    partial_ref: dict[str, Any] | None = None
    """What an earlier try sent of a message that goes out in several parts
    (``keep_partial_ref``); None when nothing of it went out yet."""


async def enqueue(session: AsyncSession, messages: Iterable[NewMessage], now: datetime) -> None:
    """Queue messages in the caller's transaction; a key already queued is skipped."""

    rows = [
        {
            "idempotency_key": m.idempotency_key,
            "platform": m.platform,
            "workspace_external_id": m.workspace_external_id,
            "target_key": m.target_key,
            "payload": m.payload,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for m in messages
    ]
    if not rows:
        return
    statement = insert_ignoring_conflicts(session.get_bind().dialect, outbox, ("idempotency_key",))
    await execute(session, statement, rows)


def _ready(now: datetime, table: Any = outbox) -> Any:
    return or_(
        and_(table.c.status == PENDING, table.c.next_attempt_at <= now),
        and_(table.c.status == SENDING, table.c.lease_until < now),
    )


def _held_by(claim: Claim) -> Any:
    """The rows this claim still holds: nobody took them over, nobody handed them back."""

    return and_(
        outbox.c.status == SENDING,
        outbox.c.claimed_by == claim.worker,
        outbox.c.lease_until == claim.lease_until,
    )


def _waiting(now: datetime) -> Any:
    """Unsent rows that cannot go yet: a retry not due, or a live claim's."""

    return or_(
        and_(outbox.c.status == PENDING, outbox.c.next_attempt_at > now),
        and_(outbox.c.status == SENDING, outbox.c.lease_until >= now),
    )


async def _held_back_from(session: AsyncSession, platform: str, now: datetime) -> dict[str, int]:
    """For each of ``platform``'s targets with an unsent row that cannot go yet, the
    oldest such row's id.

    Every later row of that target is held back: filtering these out before
    the batch's LIMIT keeps one blocked target (a channel waiting out a
    back-off) from filling every batch and starving the others. Such rows are
    few (retries not due, and the rows claims hold), and both index ranges of
    ``ix_outbox_ready`` find them; asking each ready row whether an older row
    holds it back instead cost a search per row, and whole seconds with a
    backlog of tens of thousands.
    """

    found = await execute(
        session,
        select(outbox.c.target_key, func.min(outbox.c.id).label("first"))
        .where(outbox.c.platform == platform, _waiting(now))
        .group_by(outbox.c.target_key),
    )
    return {str(row["target_key"]): int(row["first"]) for row in found.mappings()}


async def claim(
    session: AsyncSession,
    *,
    platform: str,
    now: datetime,
    lease_until: datetime,
    worker: str,
    limit: int,
    skip_workspaces: Collection[str] = (),
) -> list[ClaimedMessage]:
    """Claim the next deliverable messages, never out of order for a target.

    ``skip_workspaces``: workspaces whose messages cannot go now (the platform
    told them to wait), so that their backlog does not fill the batch while
    other workspaces' messages could go.

    A message is deliverable when it is due (or its sender's lease ran out)
    and every older unsent message for its target is deliverable too and
    claimed in the same batch. The batch comes back ordered by id, so
    delivering it in order keeps each target's order.

    On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED`` so
    that instances sharing the database take different rows.
    """

    dialect = session.get_bind().dialect.name
    held_back = await _held_back_from(session, platform, now)
    ready: list[Any] = []
    after = 0
    while len(ready) < limit:
        # Oldest first, a page at a time, until the batch is full of rows that
        # are not held back (usually the first page).
        ready_query = (
            select(outbox.c.id, outbox.c.target_key)
            .where(outbox.c.platform == platform, _ready(now), outbox.c.id > after)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if skip_workspaces:
            ready_query = ready_query.where(
                outbox.c.workspace_external_id.not_in(sorted(skip_workspaces))
            )
        if dialect == "postgresql":
            ready_query = ready_query.with_for_update(skip_locked=True)
        page = (await execute(session, ready_query)).all()
        ready += [row for row in page if held_back.get(row.target_key, row.id) >= row.id]
        if len(page) < limit:
            break
        after = page[-1].id
    ready = ready[:limit]
    if not ready:
        return []
    ready_ids = {row.id for row in ready}
    targets = sorted({row.target_key for row in ready})
    highest = max(ready_ids)

    unsent = (
        await execute(
            session,
            select(outbox.c.id, outbox.c.target_key)
            .where(
                outbox.c.target_key.in_(bindparam("targets", expanding=True)),
                outbox.c.status.in_(_UNSENT),
                outbox.c.id <= highest,
            )
            .order_by(outbox.c.id),
            {"targets": targets},
        )
    ).all()
    blocked: set[str] = set()
    chosen: list[int] = []
    for row in unsent:
        if row.target_key in blocked:
            continue
        if row.id in ready_ids:
            chosen.append(row.id)
        else:
            blocked.add(row.target_key)
    if not chosen:
        return []

    this_claim = Claim(worker, lease_until)
    claimed = (
        await execute(
            session,
            update(outbox)
            .where(outbox.c.id.in_(bindparam("ids", expanding=True)), _ready(now))
            .values(
                status=SENDING,
                claimed_by=worker,
                lease_until=lease_until,
                attempts=outbox.c.attempts + 1,
            )
            .returning(
                outbox.c.id,
                outbox.c.idempotency_key,
                outbox.c.platform,
                outbox.c.workspace_external_id,
                outbox.c.target_key,
                outbox.c.payload,
                outbox.c.attempts,
                outbox.c.message_ref,
            ),
            {"ids": chosen},
        )
    ).all()
    got = {row.id for row in claimed}
    if len(got) != len(chosen):
        # Another instance took some rows between our read and our claim: keep
        # only the in-order prefix for each target and hand the rest back.
        keep: set[int] = set()
        broken: set[str] = set()
        for row in unsent:
            if row.id not in ready_ids or row.target_key in broken:
                continue
            if row.id in got:
                keep.add(row.id)
            else:
                broken.add(row.target_key)
        give_back = sorted(got - keep)
        if give_back:
            await release(session, give_back, this_claim)
        got = keep
    return [
        ClaimedMessage(
            id=row.id,
            idempotency_key=row.idempotency_key,
            platform=row.platform,
            workspace_external_id=row.workspace_external_id,
            target_key=row.target_key,
            payload=row.payload,
            attempts=row.attempts,
            claim=this_claim,
            partial_ref=dict(row.message_ref) if row.message_ref else None,
        )
        for row in sorted(claimed, key=lambda r: r.id)
        if row.id in got
    ]


class SentRecorder:
    """Records delivered messages: a group under one claim in one statement.

    This is the one write the deliverer makes per message, right after the
    platform accepted it, so its cost bounds the outbox's throughput. A
    single UPDATE sent straight to the driver in autocommit mode is its own
    transaction (atomic and durable on both databases) and costs one round
    trip, where the ORM's begin-execute-commit costs several: measured on
    SQLite, about 5,800 records a second against 1,400.

    The record names the claim the message was sent under and is written
    only while that claim holds the row (``Recorded.HELD``, the one-statement
    case). If the claim has lapsed, the message went out all the same: a row
    that no live claim holds and nobody has sent is recorded as sent, so that
    nobody sends it again (``ADOPTED``); a row another live claim holds, or
    one already sent or given up on, is left alone (``LEFT``): a lapsed claim
    never changes what another instance holds. Either way the caller should
    say so in the log.

    Hold one per batch: ``async with SentRecorder(engine) as record``.
    """

    # The claim lapsed: a row still unsent that no live claim holds
    # (sent_at, ref, worker, id, sent_at).
    _UNHELD_SQLITE = (
        "UPDATE outbox SET status = 'sent', sent_at = ?, message_ref = ?, lease_until = NULL, "
        "last_error = NULL, claimed_by = ? WHERE id = ? AND (status = 'pending' "
        "OR (status = 'sending' AND lease_until < ?))"
    )
    _UNHELD_POSTGRES = (
        "UPDATE outbox SET status = 'sent', sent_at = $1, message_ref = $2::json, "
        "lease_until = NULL, last_error = NULL, claimed_by = $3 WHERE id = $4 "
        "AND (status = 'pending' OR (status = 'sending' AND lease_until < $1))"
    )

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._driver: Any = None

    async def __aenter__(self) -> SentRecorder:
        self._connection = await self._engine.connect()
        raw = await self._connection.get_raw_connection()
        self._driver = raw.driver_connection
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def __call__(
        self, message_id: int, claim: Claim, now: datetime, ref: dict[str, Any]
    ) -> Recorded:
        """Record one send (``record_many`` of one)."""

        return (await self.record_many([(message_id, claim, now, ref)]))[message_id]

    async def record_many(
        self, sends: Sequence[tuple[int, Claim, datetime, dict[str, Any]]]
    ) -> dict[int, Recorded]:
        """Record several sends at once: one statement for each claim among them.

        The deliverer's group of sends that answered while the previous group
        was being written (``bot.send_records``). Each row is written only
        while its claim holds it, in one UPDATE that says which rows it
        changed; a row it did not change (a lapsed claim, rare) is then
        recorded alone. Each statement is its own
        transaction: a group is recorded whole or not at all, per claim.
        """

        outcomes: dict[int, Recorded] = {}
        by_claim: dict[Claim, list[tuple[int, datetime, str]]] = {}
        for message_id, claim, at, ref in sends:
            by_claim.setdefault(claim, []).append((message_id, at, json.dumps(ref)))
        for claim, rows in by_claim.items():
            held = await self._record_held(claim, rows)
            for message_id, at, encoded in rows:
                if message_id in held:
                    outcomes[message_id] = Recorded.HELD
                elif await self._record_unheld(message_id, claim, at, encoded):
                    outcomes[message_id] = Recorded.ADOPTED
                else:
                    outcomes[message_id] = Recorded.LEFT
        return outcomes

    async def _record_held(
        self, claim: Claim, rows: Sequence[tuple[int, datetime, str]]
    ) -> set[int]:
        """Record the rows this claim still holds, in one statement; their ids."""

        if self._engine.dialect.name == "sqlite":
            values = ", ".join("(?, ?, ?)" for _ in rows)
            sql = (
                "UPDATE outbox SET status = 'sent', sent_at = v.column2, message_ref = "
                "v.column3, lease_until = NULL, last_error = NULL "
                f"FROM (VALUES {values}) AS v WHERE outbox.id = v.column1 "
                "AND outbox.status = 'sending' AND outbox.claimed_by = ? "
                "AND outbox.lease_until = ? RETURNING outbox.id"
            )
            args: list[Any] = []
            for message_id, at, encoded in rows:
                args += (message_id, _sqlite_stamp(at), encoded)
            args += (claim.worker, _sqlite_stamp(claim.lease_until))
            found = await self._driver.execute_fetchall(sql, args)
            return {int(row[0]) for row in found}
        records = await self._driver.fetch(
            "UPDATE outbox AS o SET status = 'sent', sent_at = v.sent_at, "
            "message_ref = v.ref::json, lease_until = NULL, last_error = NULL "
            "FROM unnest($1::integer[], $2::timestamptz[], $3::text[]) AS v(id, sent_at, ref) "
            "WHERE o.id = v.id AND o.status = 'sending' AND o.claimed_by = $4 "
            "AND o.lease_until = $5 RETURNING o.id",
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            claim.worker,
            claim.lease_until,
        )
        return {int(record[0]) for record in records}

    async def _record_unheld(
        self, message_id: int, claim: Claim, at: datetime, encoded: str
    ) -> bool:
        """Record a send whose claim lapsed, if no live claim holds the row and nobody sent it."""

        if self._engine.dialect.name == "sqlite":
            stamp = _sqlite_stamp(at)
            return await self._sqlite(
                self._UNHELD_SQLITE, (stamp, encoded, claim.worker, message_id, stamp)
            )
        return await self._postgres(self._UNHELD_POSTGRES, (at, encoded, claim.worker, message_id))

    async def _sqlite(self, sql: str, args: tuple[Any, ...]) -> bool:
        """Run an UPDATE on aiosqlite; whether it changed the row."""

        cursor = await self._driver.execute(sql, args)
        changed = int(cursor.rowcount)
        await cursor.close()
        return changed > 0

    async def _postgres(self, sql: str, args: tuple[Any, ...]) -> bool:
        """Run an UPDATE on asyncpg, which answers with the tag "UPDATE <rows>"."""

        tag: str = await self._driver.execute(sql, *args)
        return not tag.endswith(" 0")


def _sqlite_stamp(moment: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime writes (naive UTC, microseconds)."""

    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


async def retry_later(
    session: AsyncSession,
    message_id: int,
    claim: Claim,
    *,
    next_attempt_at: datetime,
    error: str,
    count_attempt: bool = True,
) -> bool:
    """Put a message this claim holds back in the queue until ``next_attempt_at``.

    False (and nothing changed) when the claim no longer holds it.
    """

    values: dict[str, Any] = {
        "status": PENDING,
        "next_attempt_at": next_attempt_at,
        "lease_until": None,
        "claimed_by": None,
        "last_error": error[:2000],
    }
    if not count_attempt:
        values["attempts"] = outbox.c.attempts - 1
    result = await execute(
        session,
        update(outbox).where(outbox.c.id == message_id, _held_by(claim)).values(**values),
    )
    return result.rowcount > 0


async def release(session: AsyncSession, message_ids: Sequence[int], claim: Claim) -> int:
    """Hand claimed messages back untouched (their turn did not come).

    Only the rows this claim still holds go back; returns how many did.
    """

    if not message_ids:
        return 0
    result = await execute(
        session,
        update(outbox)
        .where(outbox.c.id.in_(bindparam("ids", expanding=True)), _held_by(claim))
        .values(
            status=PENDING,
            lease_until=None,
            claimed_by=None,
            attempts=outbox.c.attempts - 1,
        ),
        {"ids": list(message_ids)},
    )
    return result.rowcount


async def mark_dead(session: AsyncSession, message_id: int, claim: Claim, error: str) -> bool:
    """Give up on a message this claim holds; False (nothing changed) when it no longer does."""

    result = await execute(
        session,
        update(outbox)
        .where(outbox.c.id == message_id, _held_by(claim))
        .values(status=DEAD, lease_until=None, last_error=error[:2000]),
    )
    return result.rowcount > 0


async def keep_partial_ref(
    session: AsyncSession, message_id: int, claim: Claim, ref: dict[str, Any]
) -> bool:
    """Note what went out of a message sent in several parts that stopped part-way.

    The row stays unsent; the next try finishes the message from ``ref``
    (``ClaimedMessage.partial_ref``) instead of sending the first parts again.
    False (nothing changed) when the claim no longer holds the row.
    """

    result = await execute(
        session,
        update(outbox).where(outbox.c.id == message_id, _held_by(claim)).values(message_ref=ref),
    )
    return result.rowcount > 0


async def reclaim_own(session: AsyncSession, worker: str) -> int:
    """On start, take back the messages an earlier process of this worker's name was
    sending when it stopped.

    Only an instance_id configured by hand survives a restart (each process
    names itself otherwise, and its predecessor's rows come free when their
    lease ends), and it must belong to one running process at a time: this
    takes the rows from whoever holds the name. Each may or may not have
    reached the platform: the one in flight at a crash can be sent twice,
    never lost.
    """

    result = await execute(
        session,
        update(outbox)
        .where(outbox.c.status == SENDING, outbox.c.claimed_by == worker)
        .values(status=PENDING, lease_until=None, claimed_by=None)
        .returning(outbox.c.id),
    )
    return len(result.all())


async def sent_ref(session: AsyncSession, idempotency_key: str) -> dict[str, Any] | None:
    """The platform reference of a delivered message, by its key."""

    found = await execute(
        session,
        select(outbox.c.message_ref).where(
            outbox.c.idempotency_key == idempotency_key, outbox.c.status == SENT
        ),
    )
    value = found.scalar_one_or_none()
    return dict(value) if value else None


async def ref_to_edit(
    session: AsyncSession, replaced_key: str, target_key: str
) -> dict[str, Any] | None:
    """The platform reference an edit of ``replaced_key`` must change: the message as the
    last delivered edit left it, else as it was first delivered.

    An edit may change the reference (a message sent in several parts gains or
    loses parts), and each edit's row records the reference it returned, so the
    newest delivered row among the original and its edits names the message as
    it now is. When the original was given up on, its first edit went out as a
    new message (a stand-in) and later edits change that one, so a member who
    edits twice sees one message, not two. Edits share the original's target
    (``OutgoingMessage.replaces``): the search keeps to that target's rows.
    """

    found = await execute(
        session,
        select(outbox.c.message_ref)
        .where(
            outbox.c.target_key == target_key,
            outbox.c.status == SENT,
            or_(
                outbox.c.idempotency_key == replaced_key,
                outbox.c.payload["replaces"].as_string() == replaced_key,
            ),
        )
        .order_by(outbox.c.id.desc())
        .limit(1),
    )
    value = found.scalar_one_or_none()
    return dict(value) if value else None


@dataclass(frozen=True, slots=True)
class ToDelete:
    """What a message that deletes an earlier one found of it (``ref_to_delete``)."""

    ref: dict[str, Any] | None
    """The platform reference of the message as it now is; None: nothing of it went out."""
    in_flight: bool = False
    """The original, or an edit of it, is still to be sent: the delete must wait for it."""


async def ref_to_delete(
    session: AsyncSession, deleted_key: str, *, platform: str, workspace_external_id: str
) -> ToDelete:
    """Where the message queued as ``deleted_key`` now is on the platform, to delete it.

    Unlike an edit's search (``ref_to_edit``) this one ignores target keys: a
    forgotten member's message has its target key rewritten ("erased:<id>")
    so that nothing of theirs is left in it. The newest row among the
    original and its edits that reached the platform names the message as it
    now is; a row given up on part-way (dead, with the parts that went out)
    counts, for those parts are there. While any of them is still unsent the
    answer is ``in_flight``. Rows of another workspace or platform never match.
    """

    found = await execute(
        session,
        select(outbox.c.status, outbox.c.message_ref)
        .where(
            outbox.c.platform == platform,
            outbox.c.workspace_external_id == workspace_external_id,
            or_(
                outbox.c.idempotency_key == deleted_key,
                outbox.c.payload["replaces"].as_string() == deleted_key,
            ),
        )
        .order_by(outbox.c.id.desc()),
    )
    rows = found.all()
    if any(row.status in _UNSENT for row in rows):
        return ToDelete(None, in_flight=True)
    for row in rows:
        if row.message_ref and row.status in (SENT, DEAD):
            return ToDelete(dict(row.message_ref))
    return ToDelete(None)


async def status_counts(
    session: AsyncSession, workspace_external_id: str | None = None
) -> dict[str, int]:
    query = select(outbox.c.status, func.count().label("n")).group_by(outbox.c.status)
    if workspace_external_id is not None:
        query = query.where(outbox.c.workspace_external_id == workspace_external_id)
    found = await execute(session, query)
    counts = {PENDING: 0, SENDING: 0, SENT: 0, DEAD: 0}
    for row in found.mappings():
        counts[str(row["status"])] = int(row["n"])
    return counts


async def has_unsent(session: AsyncSession, platform: str) -> bool:
    found = await execute(
        session,
        select(outbox.c.id)
        .where(outbox.c.platform == platform, outbox.c.status.in_(_UNSENT))
        .limit(1),
    )
    return found.first() is not None


async def next_due(session: AsyncSession, platform: str) -> datetime | None:
    """When the earliest waiting message becomes due (for the deliverer's nap).

    Only the oldest unsent message of each target counts: a message queued
    behind one that is waiting for a retry is not due before it, however old
    its own ``next_attempt_at``.
    """

    older = outbox.alias("older")
    found = await execute(
        session,
        select(func.min(outbox.c.next_attempt_at)).where(
            outbox.c.platform == platform,
            outbox.c.status == PENDING,
            ~select(older.c.id)
            .where(
                older.c.target_key == outbox.c.target_key,
                older.c.status.in_(_UNSENT),
                older.c.id < outbox.c.id,
            )
            .exists(),
        ),
    )
    value: datetime | None = found.scalar_one_or_none()
    return value
