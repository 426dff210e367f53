"""Reminding owners of their commitments, at 09:00 in their own time zone.

A commitment due on a date is reminded the day before, on the day, and once
a week while it is overdue, each time at the owner's 09:00. Each commitment
keeps its next reminder moment (``remind_at``); a one-off timer wakes a sweep
at each distinct moment, and the sweep reminds every commitment whose moment
has come, in one transaction, with keys that make a replay send nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import JobContext
from bot.markup import plain
from bot.messages import Button, OutgoingMessage, Target
from handlers.shared.dates import due_text
from handlers.shared.text import plural
from handlers.shared.zones import zone_named
from storage.models import Commitment, Member
from storage.repositories import commitments as commitments_repo
from storage.repositories import timers as timers_repo

log = logging.getLogger("convene.commitments")

REMIND_JOB = "commitment.remind"
REMIND_HOUR = 9
SWEEP_LIMIT = 5000


def owner_zone_name(member: Member | None) -> str:
    return (member.timezone if member is not None else None) or "UTC"


def _nine(day: date, zone_name: str) -> datetime:
    return datetime.combine(day, time(REMIND_HOUR)).replace(tzinfo=zone_named(zone_name))


def next_reminder(due_on: str | None, zone_name: str, after: datetime) -> datetime | None:
    """The owner's next 09:00 reminder after ``after``: the day before, the day, then weekly."""

    if due_on is None:
        return None
    due = date.fromisoformat(due_on)
    for day in (due - timedelta(days=1), due):
        moment = _nine(day, zone_name)
        if moment > after:
            return moment.astimezone(UTC)
    local_today = after.astimezone(zone_named(zone_name)).date()
    weeks = max(1, (local_today - due).days // 7)
    for extra in range(weeks, weeks + 3):
        moment = _nine(due + timedelta(weeks=extra), zone_name)
        if moment > after:
            return moment.astimezone(UTC)
    return None  # pragma: no cover - three weeks ahead always holds a later 09:00


def _sweep_key(workspace_id: int, moment: datetime) -> str:
    return f"commitments:{workspace_id}:remind:{moment.astimezone(UTC).isoformat()}"


async def wake_at(session: AsyncSession, workspace_id: int, moments: Iterable[datetime]) -> None:
    """Make sure a sweep runs at each of these moments (a moment already planned is kept)."""

    distinct = sorted({m.astimezone(UTC) for m in moments})
    await timers_repo.add_many(
        session,
        workspace_id=workspace_id,
        job=REMIND_JOB,
        subject_id=None,
        items=(timers_repo.NewTimer(_sweep_key(workspace_id, m), m) for m in distinct),
    )


async def plan(
    session: AsyncSession, commitment: Commitment, owner: Member | None, now: datetime
) -> None:
    """Set the commitment's next reminder from its due date and status (none when closed)."""

    if commitment.status not in commitments_repo.ACTIVE:
        commitment.remind_at = None
        return
    commitment.remind_at = next_reminder(commitment.due_on, owner_zone_name(owner), now)
    if commitment.remind_at is not None:
        await wake_at(session, commitment.workspace_id, [commitment.remind_at])


async def replan_owner(session: AsyncSession, member: Member, now: datetime) -> int:
    """After an owner moves time zone, their reminders come at their new 09:00."""

    assert member.id is not None
    moved = 0
    for commitment in await commitments_repo.remindable_of_owner(session, member.id):
        await plan(session, commitment, member, now)
        await commitments_repo.save(session, commitment)
        moved += 1
    return moved


def status_buttons(commitment_id: int) -> tuple[Button, ...]:
    value = str(commitment_id)
    return (
        Button("Done", "commitment.done", value, style="primary"),
        Button("Need more time", "commitment.more_time", value),
        Button("Blocked", "commitment.blocked", value),
        Button("Drop", "commitment.drop", value, style="danger"),
    )


def reminder_text(
    number: int, text: str, due_on: str, status: str, note: str | None, local_day: date
) -> str:
    due = date.fromisoformat(due_on)
    late = (local_day - due).days
    if late < 0:
        when = f"is due tomorrow ({due_text(due)})"
    elif late == 0:
        when = "is due today"
    else:
        weeks = late // 7
        span = plural(weeks, "week") if weeks else plural(late, "day")
        when = f"was due {due_text(due, local_day)} ({span} ago)"
    blocked = f" It is marked blocked: {plain(note or '')}." if status == "blocked" else ""
    return f"Reminder: *{plain(text)}* (commitment {number}) {when}.{blocked} How is it going?"


async def remind_job(context: JobContext) -> None:
    """Send every reminder whose moment has come, and plan each one's next."""

    workspace_id = context.workspace.id
    assert workspace_id is not None
    now = context.now
    due = await commitments_repo.reminders_due(context.session, workspace_id, now, SWEEP_LIMIT)
    if not due:
        return
    messages = []
    updates: list[tuple[int, datetime | None]] = []
    for item in due:
        zone_name = item.owner_timezone or "UTC"
        local_day = now.astimezone(zone_named(zone_name)).date()  # late sweeps say it as it is
        messages.append(
            (
                f"commitment:{item.commitment_id}:remind:{item.remind_at.isoformat()}",
                OutgoingMessage(
                    Target.dm(item.owner_platform_id),
                    reminder_text(
                        item.number,
                        item.text,
                        item.due_on,
                        item.status,
                        item.note,
                        local_day,
                    ),
                    status_buttons(item.commitment_id),
                ),
            )
        )
        updates.append(
            (item.commitment_id, next_reminder(item.due_on, zone_name, max(now, item.remind_at)))
        )
    await context.outbox.send_many(messages)
    await commitments_repo.set_next_reminders(context.session, updates)
    later = [at for _, at in updates if at is not None]
    if len(due) == SWEEP_LIMIT:
        later.append(now + timedelta(seconds=1))  # more than one sweep takes: go on
    await wake_at(context.session, workspace_id, later)
    log.info("reminded %d commitments in workspace %s", len(due), workspace_id)
