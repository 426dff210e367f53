"""Introductions: programmes, who takes part, rounds, groups and the silo map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Avoidance,
    Member,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Participant,
    Programme,
    SiloBridge,
)

ACTIVE = "active"
LEFT = "left"
PAUSED = "paused"

ROUND = "round"
"""``PairingRound.origin`` of a programme's rounds; any other origin is an introduction
made outside the rounds (no programme, number 0), which per-programme readings
(``round_count``, ``rounds``, ``last_introductions``…) never see: they filter on the
programme."""


# -- programmes -------------------------------------------------------------------


async def programmes(session: AsyncSession, workspace_id: int) -> Sequence[Programme]:
    found = await session.exec(
        select(Programme)
        .where(Programme.workspace_id == workspace_id)
        .order_by(col(Programme.channel_name))
    )
    return found.all()


async def programme_in(
    session: AsyncSession, workspace_id: int, channel_id: str
) -> Programme | None:
    found = await session.exec(
        select(Programme).where(
            Programme.workspace_id == workspace_id, Programme.channel_id == channel_id
        )
    )
    return found.first()


async def programme(session: AsyncSession, programme_id: int) -> Programme | None:
    return await session.get(Programme, programme_id)


async def add_programme(session: AsyncSession, programme: Programme) -> Programme:
    session.add(programme)
    await session.flush()
    return programme


# -- participants -----------------------------------------------------------------


async def participant(
    session: AsyncSession, programme_id: int, member_id: int
) -> Participant | None:
    return await session.get(Participant, (programme_id, member_id))


async def save(session: AsyncSession, *rows: object) -> None:
    for row in rows:
        session.add(row)
    await session.flush()


def stage(
    session: AsyncSession, *rows: Programme | Participant | PairingRound | PairingGroupMember
) -> None:
    """Have rows that were changed in place written at the session's next flush or commit.

    Unlike ``save`` this does not flush now: the handler goes on to reply, and
    the whole event's changes are written together when its session commits.
    """

    for row in rows:
        session.add(row)


async def participants(
    session: AsyncSession, programme_id: int
) -> list[tuple[Participant, Member]]:
    found = await session.exec(
        select(Participant, Member)
        .join(Member, col(Member.id) == col(Participant.member_id))
        .where(Participant.programme_id == programme_id)
        .order_by(func.lower(Member.display_name))
    )
    return list(found.all())


async def memberships(session: AsyncSession, member_id: int) -> list[tuple[Participant, Programme]]:
    found = await session.exec(
        select(Participant, Programme)
        .join(Programme, col(Programme.id) == col(Participant.programme_id))
        .where(Participant.member_id == member_id)
        .order_by(col(Programme.channel_name))
    )
    return list(found.all())


# -- avoidances -------------------------------------------------------------------


async def avoid(session: AsyncSession, member_id: int, avoided_id: int, now: datetime) -> bool:
    """Record that one member never wants to meet another; False if already so."""

    if await session.get(Avoidance, (member_id, avoided_id)) is not None:
        return False
    session.add(Avoidance(member_id=member_id, avoided_id=avoided_id, created_at=now))
    await session.flush()
    return True


async def unavoid(session: AsyncSession, member_id: int, avoided_id: int) -> bool:
    row = await session.get(Avoidance, (member_id, avoided_id))
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


async def avoided_by(session: AsyncSession, member_id: int) -> list[Member]:
    """Whom a member asked never to meet, by name (for their own eyes only)."""

    found = await session.exec(
        select(Member)
        .join(Avoidance, col(Avoidance.avoided_id) == col(Member.id))
        .where(Avoidance.member_id == member_id)
        .order_by(func.lower(Member.display_name))
    )
    return list(found.all())


async def avoidances_among(
    session: AsyncSession, member_ids: Iterable[int]
) -> set[tuple[int, int]]:
    ids = list(member_ids)
    if not ids:
        return set()
    found = await session.exec(
        select(Avoidance.member_id, Avoidance.avoided_id).where(
            col(Avoidance.member_id).in_(ids), col(Avoidance.avoided_id).in_(ids)
        )
    )
    return {(min(a, b), max(a, b)) for a, b in found.all()}


# -- rounds and groups -------------------------------------------------------------


async def round_count(session: AsyncSession, programme_id: int) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(PairingRound)
        .where(PairingRound.programme_id == programme_id)
    )
    return int(found.one())


async def rounds(session: AsyncSession, programme_id: int) -> Sequence[PairingRound]:
    found = await session.exec(
        select(PairingRound)
        .where(PairingRound.programme_id == programme_id)
        .order_by(col(PairingRound.number))
    )
    return found.all()


async def rounds_outside(session: AsyncSession, workspace_id: int) -> Sequence[PairingRound]:
    """The introductions a workspace made outside its programmes' rounds, oldest first."""

    found = await session.exec(
        select(PairingRound)
        .where(PairingRound.workspace_id == workspace_id, col(PairingRound.programme_id).is_(None))
        .order_by(col(PairingRound.slot_at), col(PairingRound.id))
    )
    return found.all()


async def pairing_round(session: AsyncSession, round_id: int) -> PairingRound | None:
    return await session.get(PairingRound, round_id)


async def rounds_together(
    session: AsyncSession,
    workspace_id: int,
    member_ids: Sequence[int],
    *,
    outside: bool = False,
    limit: int | None = None,
) -> Sequence[PairingRound]:
    """The rounds of the workspace (in a programme or not; only those outside the rounds
    when ``outside``) with a group holding every one of ``member_ids``, newest first."""

    ids = sorted(set(member_ids))
    if not ids:
        return []
    groups = (
        select(PairingGroupMember.group_id)
        .where(col(PairingGroupMember.member_id).in_(ids))
        .group_by(col(PairingGroupMember.group_id))
        .having(func.count() == len(ids))
    )
    query = (
        select(PairingRound)
        .join(PairingGroup, col(PairingGroup.round_id) == col(PairingRound.id))
        .where(PairingRound.workspace_id == workspace_id, col(PairingGroup.id).in_(groups))
        .order_by(col(PairingRound.slot_at).desc(), col(PairingRound.id).desc())
    )
    if outside:
        query = query.where(col(PairingRound.programme_id).is_(None))
    if limit is not None:
        query = query.limit(limit)
    return (await session.exec(query)).all()


async def add_round(session: AsyncSession, pairing_round: PairingRound) -> PairingRound:
    session.add(pairing_round)
    await session.flush()
    return pairing_round


async def add_group(
    session: AsyncSession,
    *,
    round_id: int,
    workspace_id: int,
    member_ids: Sequence[int],
    starter: str,
    reasons: dict[str, object],
    bridges: Iterable[tuple[int, int]],
) -> PairingGroup:
    group = PairingGroup(round_id=round_id, starter=starter, reasons=reasons)
    session.add(group)
    await session.flush()
    assert group.id is not None
    for member_id in member_ids:
        session.add(PairingGroupMember(group_id=group.id, member_id=member_id))
    for silo_a, silo_b in sorted(set(bridges)):
        session.add(
            SiloBridge(
                group_id=group.id,
                silo_a=min(silo_a, silo_b),
                silo_b=max(silo_a, silo_b),
                workspace_id=workspace_id,
                round_id=round_id,
            )
        )
    await session.flush()
    return group


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: PairingGroup
    pairing_round: PairingRound
    members: tuple[PairingGroupMember, ...]


async def groups_of_rounds(session: AsyncSession, round_ids: Sequence[int]) -> list[GroupRow]:
    if not round_ids:
        return []
    found = await session.exec(
        select(PairingGroup, PairingRound, PairingGroupMember)
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .join(PairingGroupMember, col(PairingGroupMember.group_id) == col(PairingGroup.id))
        .where(col(PairingGroup.round_id).in_(list(round_ids)))
        .order_by(col(PairingRound.number), col(PairingGroup.id), col(PairingGroupMember.member_id))
    )
    grouped: dict[int, tuple[PairingGroup, PairingRound, list[PairingGroupMember]]] = {}
    for group, pairing_round, member in found.all():
        assert group.id is not None
        grouped.setdefault(group.id, (group, pairing_round, []))[2].append(member)
    return [GroupRow(g, r, tuple(m)) for g, r, m in grouped.values()]


async def group_member(
    session: AsyncSession, group_id: int, member_id: int
) -> PairingGroupMember | None:
    return await session.get(PairingGroupMember, (group_id, member_id))


async def group(session: AsyncSession, group_id: int) -> PairingGroup | None:
    return await session.get(PairingGroup, group_id)


async def rounds_awaiting_followup(
    session: AsyncSession, programme_id: int, started_before: datetime
) -> Sequence[PairingRound]:
    found = await session.exec(
        select(PairingRound)
        .where(
            PairingRound.programme_id == programme_id,
            col(PairingRound.followups_sent_at).is_(None),
            PairingRound.slot_at <= started_before,
        )
        .order_by(col(PairingRound.number))
    )
    return found.all()


async def unanswered_streaks(
    session: AsyncSession, programme_id: int, member_ids: Iterable[int]
) -> dict[int, int]:
    """For each member, how many of their latest follow-ups in a row went unanswered.

    Only rounds since the member last (re)joined count (``Participant.joined_at``
    moves when they come back), so a member resumed after an automatic pause
    starts afresh instead of being paused again by the very next round.
    """

    ids = list(member_ids)
    if not ids:
        return {}
    found = await session.exec(
        select(PairingGroupMember.member_id, PairingGroupMember.outcome)
        .join(PairingGroup, col(PairingGroup.id) == col(PairingGroupMember.group_id))
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .join(
            Participant,
            (col(Participant.programme_id) == col(PairingRound.programme_id))
            & (col(Participant.member_id) == col(PairingGroupMember.member_id)),
        )
        .where(
            PairingRound.programme_id == programme_id,
            col(PairingRound.followups_sent_at).is_not(None),
            col(PairingGroupMember.member_id).in_(ids),
            col(PairingRound.slot_at) >= col(Participant.joined_at),
        )
        .order_by(col(PairingRound.number).desc())
    )
    streaks: dict[int, int] = dict.fromkeys(ids, 0)
    broken: set[int] = set()
    for member_id, outcome in found.all():
        if member_id in broken:
            continue
        if outcome is None:
            streaks[member_id] += 1
        else:
            broken.add(member_id)
    return streaks


async def last_introductions(
    session: AsyncSession, programme_id: int, member_ids: Iterable[int]
) -> dict[int, PairingRound]:
    """For each member, the latest round of this programme that put them in a group."""

    ids = list(member_ids)
    if not ids:
        return {}
    found = await session.exec(
        select(PairingGroupMember.member_id, PairingRound)
        .join(PairingGroup, col(PairingGroup.id) == col(PairingGroupMember.group_id))
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .where(
            PairingRound.programme_id == programme_id,
            col(PairingGroupMember.member_id).in_(ids),
        )
        .order_by(col(PairingRound.number).desc())
    )
    latest: dict[int, PairingRound] = {}
    for member_id, pairing_round in found.all():
        latest.setdefault(member_id, pairing_round)
    return latest


# -- the silo map ------------------------------------------------------------------


async def connection_outcomes(
    session: AsyncSession, workspace_id: int
) -> dict[tuple[int, int], tuple[int, int]]:
    """For each silo pair introductions spanned: (groups introduced, groups that met).

    A group met when at least one of its members answered (or was marked)
    met, as ``landscape.bridges`` reads it. The matching engine favours pairs
    by both: a bridge is built only when people meet, so an introduction
    nobody met counts for less than a meeting (``matching.Connection``).
    """

    met = (
        select(col(PairingGroupMember.group_id))
        .where(
            col(PairingGroupMember.group_id) == col(SiloBridge.group_id),
            col(PairingGroupMember.outcome) == "met",
        )
        .exists()
    )
    found = await session.exec(
        select(
            SiloBridge.silo_a,
            SiloBridge.silo_b,
            func.count(),
            func.sum(case((met, 1), else_=0)),
        )
        .where(SiloBridge.workspace_id == workspace_id)
        .group_by(col(SiloBridge.silo_a), col(SiloBridge.silo_b))
    )
    return {(a, b): (int(n), int(m or 0)) for a, b, n, m in found.all()}
