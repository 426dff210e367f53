"""The conveners' dashboard: its tokens, and the few counts its pages show.

A token is kept only as the SHA-256 of what the convener holds (the link or
the cookie), so a copy of the database opens nothing. A link is claimed with
one conditional UPDATE, so two browsers opening it at once cannot both get
in. The counts are grouped in SQL: a year of rounds or check-in runs is a
few hundred rows, whatever the size of the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, case, delete, func, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    DashboardToken,
    Member,
    MemberSilo,
    Workspace,
)
from storage.repositories.core import execute

LINK = "link"
SESSION = "session"

ASKED_STATUSES = ("asked", "answered", "missed")
"""A check-in prompt that reached the member (as ``/convene checkin report`` counts)."""


def _rows(found: CursorResult[Any]) -> list[Any]:
    """The rows of a Core statement, to unpack by position."""

    return list(found.all())


# -- tokens -----------------------------------------------------------------------------


async def add_token(
    session: AsyncSession,
    *,
    token_hash: str,
    workspace_id: int,
    member_id: int,
    purpose: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        DashboardToken(
            token_hash=token_hash,
            workspace_id=workspace_id,
            member_id=member_id,
            purpose=purpose,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def forget_expired(session: AsyncSession, now: datetime) -> None:
    """Drop links and sessions past their time: they open nothing any more."""

    await execute(session, delete(DashboardToken).where(col(DashboardToken.expires_at) <= now))


async def claim_link(session: AsyncSession, token_hash: str, now: datetime) -> bool:
    """Mark an unused, unexpired link used; False when it was not (or another got it first)."""

    claimed = await execute(
        session,
        update(DashboardToken)
        .where(
            col(DashboardToken.token_hash) == token_hash,
            col(DashboardToken.purpose) == LINK,
            col(DashboardToken.used_at).is_(None),
            col(DashboardToken.expires_at) > now,
        )
        .values(used_at=now),
    )
    return claimed.rowcount == 1


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a token belongs to, as they are now."""

    workspace_id: int
    workspace_name: str
    member_id: int
    display_name: str
    is_convener: bool
    expires_at: datetime
    used_at: datetime | None


async def holder(session: AsyncSession, token_hash: str, purpose: str) -> Holder | None:
    found = await execute(
        session,
        select(
            col(DashboardToken.workspace_id),
            col(Workspace.name),
            col(DashboardToken.member_id),
            col(Member.display_name),
            col(Member.is_convener),
            col(DashboardToken.expires_at),
            col(DashboardToken.used_at),
        )
        .join(Member, col(Member.id) == col(DashboardToken.member_id))
        .join(Workspace, col(Workspace.id) == col(DashboardToken.workspace_id))
        .where(
            col(DashboardToken.token_hash) == token_hash,
            col(DashboardToken.purpose) == purpose,
            # A member moved to another workspace is nobody here.
            col(Member.workspace_id) == col(DashboardToken.workspace_id),
        ),
    )
    row: Any = found.first()
    if row is None:
        return None
    wid, workspace, mid, name, convener, expires, used = row
    return Holder(int(wid), str(workspace), int(mid), str(name), bool(convener), expires, used)


async def revoke(session: AsyncSession, workspace_id: int, member_id: int, now: datetime) -> int:
    """Close every link and session of one convener; how many could still open something."""

    mine = and_(
        col(DashboardToken.workspace_id) == workspace_id,
        col(DashboardToken.member_id) == member_id,
    )
    still_open = await execute(
        session,
        select(func.count()).where(
            mine,
            col(DashboardToken.expires_at) > now,
            (col(DashboardToken.purpose) == SESSION) | col(DashboardToken.used_at).is_(None),
        ),
    )
    counted = int(still_open.scalar_one())
    await execute(session, delete(DashboardToken).where(mine))
    return counted


# -- what the pages show ----------------------------------------------------------------


async def silo_member_names(session: AsyncSession, workspace_id: int) -> dict[int, list[str]]:
    """The names of each silo's members, by silo id, in alphabetical order."""

    found = await execute(
        session,
        select(col(MemberSilo.silo_id), col(Member.display_name))
        .join(Member, col(Member.id) == col(MemberSilo.member_id))
        .where(col(Member.workspace_id) == workspace_id),
    )
    names: dict[int, list[str]] = {}
    for silo_id, name in _rows(found):
        names.setdefault(int(silo_id), []).append(str(name))
    for listed in names.values():
        listed.sort(key=str.casefold)
    return names


@dataclass(frozen=True, slots=True)
class RunRow:
    checkin: str
    channel: str
    run_date: str
    """The local date the run was for (ISO)."""
    status: str
    asked: int
    answered: int
    skipped: int


async def checkin_runs(session: AsyncSession, workspace_id: int, limit: int) -> list[RunRow]:
    """The newest ``limit`` check-in runs of the workspace, newest first, with how many
    members were asked, answered and skipped."""

    status = col(CheckinPrompt.status)
    found = await execute(
        session,
        select(
            col(Checkin.name),
            col(Checkin.channel_name),
            col(CheckinRun.run_date),
            col(CheckinRun.status),
            func.coalesce(func.sum(case((status.in_(ASKED_STATUSES), 1), else_=0)), 0),
            func.coalesce(func.sum(case((status == "answered", 1), else_=0)), 0),
            func.coalesce(func.sum(case((status == "skipped", 1), else_=0)), 0),
        )
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .outerjoin(CheckinPrompt, col(CheckinPrompt.run_id) == col(CheckinRun.id))
        .where(col(Checkin.workspace_id) == workspace_id)
        .group_by(
            col(CheckinRun.id),
            col(Checkin.name),
            col(Checkin.channel_name),
            col(CheckinRun.run_date),
            col(CheckinRun.status),
            col(CheckinRun.opened_at),
        )
        .order_by(col(CheckinRun.opened_at).desc(), col(CheckinRun.id).desc())
        .limit(limit),
    )
    return [
        RunRow(str(n), str(c), str(d), str(s), int(a), int(r), int(k))
        for n, c, d, s, a, r, k in _rows(found)
    ]


@dataclass(frozen=True, slots=True)
class CommitmentCounts:
    by_status: dict[str, int]
    done_on_time: int


async def commitment_counts(session: AsyncSession, workspace_id: int) -> CommitmentCounts:
    """How many commitments of the workspace are in each status, and how many were done
    on time."""

    found = await execute(
        session,
        select(
            col(Commitment.status),
            func.count(),
            func.coalesce(func.sum(case((col(Commitment.done_on_time).is_(True), 1), else_=0)), 0),
        )
        .where(col(Commitment.workspace_id) == workspace_id)
        .group_by(col(Commitment.status)),
    )
    by_status: dict[str, int] = {}
    on_time = 0
    for status, count, timely in _rows(found):
        by_status[str(status)] = int(count)
        on_time += int(timely)
    return CommitmentCounts(by_status, on_time)
