"""Retention: what members wrote is kept a set number of months, then deleted.

``[privacy] retain_answers_months`` says how long; a daily job calls
``prune`` for each workspace, in one transaction. What goes is the words,
not the facts around them: a check-in prompt keeps its status (so who took
part still counts), a follow-up keeps whether they met (so the landscape
keeps its introductions), a retro keeps its name and close, and commitments
made from its actions stay. Convene's own copies of what it sent (outbox rows
already sent or given up on) hold those words too, so they go on the same
clock; a message still waiting to go out is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    Opportunity,
    OutboxMessage,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Retro,
    RetroItem,
    RetroVote,
    Workspace,
)
from storage.repositories import workspace_settings as settings_repo
from storage.repositories.core import execute, table_of

_SETTLED = ("sent", "dead")
"""Outbox rows that will not be sent again (pending and sending rows are never pruned)."""

_prompts = table_of(CheckinPrompt)
_items = table_of(RetroItem)
_votes = table_of(RetroVote)
_commitments = table_of(Commitment)
_group_members = table_of(PairingGroupMember)
_opportunities = table_of(Opportunity)
_outbox = table_of(OutboxMessage)


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one workspace's prune deleted, by kind."""

    answers: int = 0
    """Check-in prompts whose answers were cleared."""
    retro_items: int = 0
    learnings: int = 0
    """Follow-up take-aways (learning stories) cleared."""
    suggestion_texts: int = 0
    """Suggestions of who should meet whose quoted answers were cleared."""
    messages: int = 0
    """Convene's copies of messages it sent (or gave up on)."""

    def as_counts(self) -> dict[str, int]:
        return {
            "answers": self.answers,
            "retro_items": self.retro_items,
            "learnings": self.learnings,
            "suggestion_texts": self.suggestion_texts,
            "messages": self.messages,
        }


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the
    month's last day where it has none)."""

    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last_day = _days_in(year, month)
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _days_in(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - datetime(year, month, 1)).days


async def prune(session: AsyncSession, workspace: Workspace, *, before: datetime) -> Pruned:
    """Delete what members wrote before ``before`` in one workspace (the caller's transaction).

    - check-in answers of prompts answered (or, never answered, closed) before it:
      ``answers`` becomes empty, the prompt's status stays;
    - the items (and votes) of retros closed before it; commitments made from
      those items stay, no longer pointing at them;
    - follow-up take-aways answered before it (whether they met stays);
    - the quoted answers of suggestions made before it;
    - outbox rows sent or given up on before it.
    """

    wid = workspace.id
    assert wid is not None
    return Pruned(
        answers=await _clear_answers(session, wid, before),
        retro_items=await _delete_retro_items(session, wid, before),
        learnings=await _clear_learnings(session, wid, before),
        suggestion_texts=await _clear_suggestion_texts(session, wid, before),
        messages=await _delete_messages(session, workspace, before),
    )


async def _clear_answers(session: AsyncSession, wid: int, before: datetime) -> int:
    runs = (
        select(col(CheckinRun.id))
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .where(col(Checkin.workspace_id) == wid)
    )
    cleared = await execute(
        session,
        update(_prompts)
        .where(
            _prompts.c.run_id.in_(runs),
            func.coalesce(_prompts.c.answered_at, _prompts.c.close_at) < before,
            # PostgreSQL's json has no equality: compare the stored text ("[]" when empty).
            cast(_prompts.c.answers, Text) != "[]",
        )
        .values(answers=[]),
    )
    return int(cleared.rowcount)


async def _delete_retro_items(session: AsyncSession, wid: int, before: datetime) -> int:
    old_retros = select(col(Retro.id)).where(
        col(Retro.workspace_id) == wid, col(Retro.closed_at) < before
    )
    items = select(_items.c.id).where(_items.c.retro_id.in_(old_retros))
    await execute(session, delete(_votes).where(_votes.c.retro_id.in_(old_retros)))
    await execute(
        session,
        update(_commitments)
        .where(_commitments.c.workspace_id == wid, _commitments.c.item_id.in_(items))
        .values(item_id=None),
    )
    deleted = await execute(session, delete(_items).where(_items.c.retro_id.in_(old_retros)))
    return int(deleted.rowcount)


async def _clear_learnings(session: AsyncSession, wid: int, before: datetime) -> int:
    old_groups = (
        select(col(PairingGroup.id))
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .where(col(PairingRound.workspace_id) == wid)
    )
    cleared = await execute(
        session,
        update(_group_members)
        .where(
            _group_members.c.group_id.in_(old_groups),
            _group_members.c.learning.is_not(None),
            _group_members.c.answered_at < before,
        )
        .values(learning=None),
    )
    return int(cleared.rowcount)


async def _clear_suggestion_texts(session: AsyncSession, wid: int, before: datetime) -> int:
    cleared = await execute(
        session,
        update(_opportunities)
        .where(
            _opportunities.c.workspace_id == wid,
            _opportunities.c.created_at < before,
            or_(_opportunities.c.need_text != "", _opportunities.c.offer_text != ""),
        )
        .values(need_text="", offer_text=""),
    )
    return int(cleared.rowcount)


async def _delete_messages(session: AsyncSession, workspace: Workspace, before: datetime) -> int:
    deleted = await execute(
        session,
        delete(_outbox).where(
            _outbox.c.platform == workspace.platform,
            _outbox.c.workspace_external_id == workspace.external_id,
            _outbox.c.status.in_(_SETTLED),
            func.coalesce(_outbox.c.sent_at, _outbox.c.created_at) < before,
        ),
    )
    return int(deleted.rowcount)


async def pruned_on(session: AsyncSession, workspace_id: int) -> datetime | None:
    """When the workspace was last pruned (None: never)."""

    return (await settings_repo.get(session, workspace_id)).last_prune_at


async def record(session: AsyncSession, workspace_id: int, at: datetime, pruned: Pruned) -> None:
    """Note the prune for ``/convene status`` (in the prune's transaction)."""

    settings = await settings_repo.get(session, workspace_id)
    settings.last_prune_at = at
    settings.last_prune_counts = pruned.as_counts()
    session.add(settings)
    await session.flush()


async def last_prune(
    session: AsyncSession, workspace_id: int
) -> tuple[datetime | None, dict[str, Any]]:
    """When the workspace was last pruned and what that deleted, by kind."""

    settings = await settings_repo.get(session, workspace_id)
    return settings.last_prune_at, dict(settings.last_prune_counts or {})
