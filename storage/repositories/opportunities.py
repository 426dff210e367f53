"""What members wrote that may say what they need or offer, and the suggestions made from it.

Reads check-in answers (with the questions as each run asked them), the
``/pairing about`` lines, introductions' take-aways, who opted out of
suggestions and who was introduced lately; writes and decides suggestions
(``Opportunity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Avoidance,
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Member,
    Opportunity,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Participant,
    Programme,
)

PENDING = "pending"
INTRODUCED = "introduced"
NOT_NOW = "not_now"
NEVER = "never"
ANSWERED = "answered"


class RunQuestions(NamedTuple):
    run_id: int
    checkin_id: int
    questions: list[dict[str, Any]]


class AnswerRow(NamedTuple):
    """One member's answers to one run, in the order of the run's questions."""

    member_id: int
    run_id: int
    answers: list[str]
    answered_at: datetime | None


async def runs_since(
    session: AsyncSession, workspace_id: int, since: datetime
) -> dict[int, RunQuestions]:
    """The workspace's check-in runs opened since ``since``, with the questions they asked."""

    found = await session.exec(
        select(CheckinRun.id, CheckinRun.checkin_id, CheckinRun.questions)
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .where(Checkin.workspace_id == workspace_id, CheckinRun.opened_at >= since)
    )
    return {
        int(run_id): RunQuestions(int(run_id), int(checkin_id), list(questions or []))
        for run_id, checkin_id, questions in found.all()
        if run_id is not None
    }


async def answers_of_runs(session: AsyncSession, run_ids: Sequence[int]) -> list[AnswerRow]:
    """Every answered prompt of these runs."""

    if not run_ids:
        return []
    found = await session.exec(
        select(
            CheckinPrompt.member_id,
            CheckinPrompt.run_id,
            CheckinPrompt.answers,
            CheckinPrompt.answered_at,
        ).where(col(CheckinPrompt.run_id).in_(list(run_ids)), CheckinPrompt.status == ANSWERED)
    )
    return [AnswerRow(int(m), int(r), list(a or []), at) for m, r, a, at in found.all()]


class AboutRow(NamedTuple):
    member_id: int
    about: str
    joined_at: datetime


async def abouts(session: AsyncSession, workspace_id: int) -> list[AboutRow]:
    """Each ``/pairing about`` line of the workspace's programmes (a member's latest one)."""

    found = await session.exec(
        select(Participant.member_id, Participant.about, Participant.joined_at)
        .join(Programme, col(Programme.id) == col(Participant.programme_id))
        .where(
            Programme.workspace_id == workspace_id,
            col(Participant.about).is_not(None),
            col(Participant.about) != "",
        )
        .order_by(col(Participant.joined_at))
    )
    latest: dict[int, AboutRow] = {}
    for member_id, about, joined_at in found.all():
        latest[int(member_id)] = AboutRow(int(member_id), str(about), joined_at)
    return list(latest.values())


async def opted_out(session: AsyncSession, workspace_id: int) -> set[int]:
    """Members who asked not to be suggested (``/pairing suggest off``)."""

    found = await session.exec(
        select(Member.id).where(
            Member.workspace_id == workspace_id, col(Member.suggestions_off_at).is_not(None)
        )
    )
    return {int(m) for m in found.all() if m is not None}


async def introduced_since(
    session: AsyncSession, workspace_id: int, since: datetime
) -> set[frozenset[int]]:
    """Every pair of members put in one group since ``since``, in rounds or outside them."""

    found = await session.exec(
        select(PairingGroupMember.group_id, PairingGroupMember.member_id)
        .join(PairingGroup, col(PairingGroup.id) == col(PairingGroupMember.group_id))
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .where(PairingRound.workspace_id == workspace_id, PairingRound.slot_at >= since)
    )
    groups: dict[int, list[int]] = {}
    for group_id, member_id in found.all():
        groups.setdefault(int(group_id), []).append(int(member_id))
    pairs: set[frozenset[int]] = set()
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.add(frozenset((a, b)))
    return pairs


async def avoidances(session: AsyncSession, workspace_id: int) -> set[frozenset[int]]:
    """Pairs where one asked never to be grouped with the other (``/pairing avoid``)."""

    found = await session.exec(
        select(Avoidance.member_id, Avoidance.avoided_id)
        .join(Member, col(Member.id) == col(Avoidance.member_id))
        .where(Member.workspace_id == workspace_id)
    )
    return {frozenset((int(a), int(b))) for a, b in found.all()}


async def held_back(
    session: AsyncSession, workspace_id: int, since: datetime
) -> set[frozenset[int]]:
    """Pairs not to suggest again: waiting for a convener, "Never these two" at any time,
    or "Not now" and introduced ones decided since ``since``."""

    found = await session.exec(
        select(Opportunity.need_member_id, Opportunity.offer_member_id).where(
            Opportunity.workspace_id == workspace_id,
            or_(
                col(Opportunity.status).in_([PENDING, NEVER]),
                and_(
                    col(Opportunity.status).in_([NOT_NOW, INTRODUCED]),
                    col(Opportunity.decided_at) >= since,
                ),
            ),
        )
    )
    return {frozenset((int(a), int(b))) for a, b in found.all()}


async def add_many(session: AsyncSession, rows: Iterable[Opportunity]) -> list[Opportunity]:
    """Keep new suggestions; each comes back with its id."""

    kept = list(rows)
    session.add_all(kept)
    await session.flush()
    return kept


async def get(session: AsyncSession, opportunity_id: int) -> Opportunity | None:
    return await session.get(Opportunity, opportunity_id)


async def pending(session: AsyncSession, workspace_id: int) -> Sequence[Opportunity]:
    """Suggestions no convener has decided yet, best first."""

    found = await session.exec(
        select(Opportunity)
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == PENDING)
        .order_by(col(Opportunity.score).desc(), col(Opportunity.id))
    )
    return found.all()


def stage(session: AsyncSession, *rows: object) -> None:
    """Have these changed rows written with the transaction."""

    session.add_all(rows)
