"""The audit log: what conveners changed, removed or exported, one row each.

A row names members only by id (``actor_id``, ``subject_member_id``); their names
are read when the log is read, so a member forgotten later reads as "a former
member" and the log itself never held their name.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEntry, Member

FORMER_MEMBER = "a former member"
ACTION_LENGTH = 64
SUBJECT_LENGTH = 300


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One row as read: the names of who acted and on whom, as they are now."""

    created_at: datetime
    actor: str
    action: str
    subject: str
    subject_member: str | None


async def record(
    session: AsyncSession,
    *,
    workspace_id: int,
    actor_id: int | None,
    action: str,
    subject: str = "",
    subject_member_id: int | None = None,
    at: datetime,
) -> AuditEntry:
    """Write one row in the caller's transaction (rolled back with the action it records)."""

    entry = AuditEntry(
        workspace_id=workspace_id,
        actor_id=actor_id,
        action=_cut(action, ACTION_LENGTH),
        subject=_cut(subject, SUBJECT_LENGTH),
        subject_member_id=subject_member_id,
        created_at=at,
    )
    session.add(entry)
    await session.flush()
    return entry


async def lines_since(
    session: AsyncSession, workspace_id: int, since: datetime | None, *, limit: int
) -> tuple[list[AuditLine], int]:
    """The newest ``limit`` rows from ``since`` (None: all), newest first, and how many
    rows there are in that period in all."""

    actor = aliased(Member)
    subject = aliased(Member)
    query = (
        select(AuditEntry, actor, subject)
        .join(actor, col(actor.id) == col(AuditEntry.actor_id), isouter=True)
        .join(subject, col(subject.id) == col(AuditEntry.subject_member_id), isouter=True)
        .where(AuditEntry.workspace_id == workspace_id)
    )
    counting = select(func.count()).where(col(AuditEntry.workspace_id) == workspace_id)
    if since is not None:
        query = query.where(col(AuditEntry.created_at) >= since)
        counting = counting.where(col(AuditEntry.created_at) >= since)
    rows = await session.exec(
        query.order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc()).limit(limit)
    )
    lines = [
        AuditLine(
            created_at=entry.created_at,
            actor=_name(who),
            action=entry.action,
            subject=entry.subject,
            subject_member=None if entry.subject_member_id is None else _name(whom),
        )
        for entry, who, whom in rows.all()
    ]
    total = (await session.exec(counting.select_from(AuditEntry))).one()
    return lines, int(total)


async def by_actor(session: AsyncSession, actor_id: int) -> Sequence[AuditEntry]:
    """What one convener did, oldest first (their own export holds it)."""

    found = await session.exec(
        select(AuditEntry)
        .where(AuditEntry.actor_id == actor_id)
        .order_by(col(AuditEntry.created_at), col(AuditEntry.id))
    )
    return found.all()


async def members_named(
    session: AsyncSession, workspace_id: int, references: Collection[str]
) -> dict[str, int]:
    """Which of these words name a member of the workspace (by platform id or display
    name, any case), with the member's id: so that a name typed in a command is kept
    as the member's id, never as text that would outlive their forgetting."""

    if not references:
        return {}
    keys = {reference.casefold() for reference in references}
    found = await session.exec(
        select(Member).where(
            Member.workspace_id == workspace_id,
            col(Member.erased_at).is_(None),
            (col(Member.platform_user_id).in_(list(references)))
            | (func.lower(Member.display_name).in_(list(keys))),
        )
    )
    named: dict[str, int] = {}
    members = found.all()
    for reference in references:
        for member in members:
            if member.id is not None and reference.casefold() in (
                member.platform_user_id.casefold(),
                member.display_name.casefold(),
            ):
                named[reference] = member.id
                break
    return named


def _name(member: Member | None) -> str:
    if member is None or member.erased_at is not None:
        return FORMER_MEMBER
    return member.display_name


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
