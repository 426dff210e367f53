"""What a member has in Convene, counted before a convener removes them.

Removing a member forgets them (``storage.repositories.erasure``): what cannot
stand without them is deleted (check-in answers, take-aways, places in
programmes, silo links, suggestions), their introductions stay counted on the
landscape without their name, and the convener chooses whether the commitments
they own and the retro items they wrote stay for the team, shown as "a former
member"'s, or go too. The confirmation says all of it, so nothing disappears
without a word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    CheckinPrompt,
    Commitment,
    Member,
    MemberSilo,
    Opportunity,
    PairingGroupMember,
    Participant,
    RetroItem,
    RetroVote,
)
from storage.repositories import commitments as commitments_repo
from storage.repositories import pairings as pairings_repo


@dataclass(frozen=True, slots=True)
class Footprint:
    """A member's part in Convene: what removing them deletes, what stays, and what the
    convener chooses to keep or erase (their commitments and named retro items)."""

    unfinished_commitments: tuple[Commitment, ...]
    finished_commitments: int
    checkin_answers: int
    introductions: int
    followup_answers: int
    learnings: int
    retro_votes: int
    programmes: int
    silos: int
    retro_items: int
    """Named retro items they wrote: kept as "a former member"'s, or erased."""
    asked_of_others: int
    """Kept: commitments they asked of someone else stay, without who asked."""
    suggestions: int = 0
    """Suggestions that they meet someone (opportunities), waiting or decided."""

    @property
    def commitments(self) -> int:
        """Commitments they own, finished or not: kept or erased, as the convener chooses."""

        return len(self.unfinished_commitments) + self.finished_commitments

    @property
    def contributions(self) -> bool:
        """Whether keeping their contributions keeps anything."""

        return bool(self.commitments or self.retro_items)


async def _count(session: AsyncSession, query: Any) -> int:
    return int((await session.exec(query)).one())


async def of_member(session: AsyncSession, member: Member) -> Footprint:
    member_id = member.id
    assert member_id is not None
    unfinished = (
        await session.exec(
            select(Commitment)
            .where(
                Commitment.owner_id == member_id,
                col(Commitment.status).in_(commitments_repo.UNFINISHED),
            )
            .order_by(col(Commitment.due_on).is_(None), col(Commitment.due_on), col(Commitment.id))
        )
    ).all()
    counted = func.count()
    return Footprint(
        unfinished_commitments=tuple(unfinished),
        finished_commitments=await _count(
            session,
            select(counted)
            .select_from(Commitment)
            .where(
                Commitment.owner_id == member_id,
                col(Commitment.status).not_in(commitments_repo.UNFINISHED),
            ),
        ),
        checkin_answers=await _count(
            session,
            select(counted)
            .select_from(CheckinPrompt)
            .where(
                CheckinPrompt.member_id == member_id,
                col(CheckinPrompt.answered_at).is_not(None),
            ),
        ),
        introductions=await _count(
            session,
            select(counted)
            .select_from(PairingGroupMember)
            .where(PairingGroupMember.member_id == member_id),
        ),
        followup_answers=await _count(
            session,
            select(counted)
            .select_from(PairingGroupMember)
            .where(
                PairingGroupMember.member_id == member_id,
                col(PairingGroupMember.outcome).is_not(None),
            ),
        ),
        learnings=await _count(
            session,
            select(counted)
            .select_from(PairingGroupMember)
            .where(
                PairingGroupMember.member_id == member_id,
                col(PairingGroupMember.learning).is_not(None),
            ),
        ),
        retro_votes=await _count(
            session, select(counted).select_from(RetroVote).where(RetroVote.member_id == member_id)
        ),
        programmes=await _count(
            session,
            select(counted)
            .select_from(Participant)
            .where(Participant.member_id == member_id, Participant.status != pairings_repo.LEFT),
        ),
        silos=await _count(
            session,
            select(counted).select_from(MemberSilo).where(MemberSilo.member_id == member_id),
        ),
        retro_items=await _count(
            session, select(counted).select_from(RetroItem).where(RetroItem.author_id == member_id)
        ),
        asked_of_others=await _count(
            session,
            select(counted)
            .select_from(Commitment)
            .where(Commitment.made_by == member_id, Commitment.owner_id != member_id),
        ),
        suggestions=await _count(
            session,
            select(counted)
            .select_from(Opportunity)
            .where(
                or_(
                    col(Opportunity.need_member_id) == member_id,
                    col(Opportunity.offer_member_id) == member_id,
                )
            ),
        ),
    )
