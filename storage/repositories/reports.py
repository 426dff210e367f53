"""What reports, exports and the monthly digest read: a few grouped statements each.

A report over a year of a 2,000-member workspace must take well under a
second, so every figure is counted by the database (``GROUP BY``) in one
statement per section rather than row by row; the exports read each dataset
in one joined statement (two for members and retro items). Nothing here
decides what a reader may see: ``handlers/landscape`` does (stories only
through ``handlers/shared/stories.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    Member,
    MemberSilo,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Programme,
    Retro,
    RetroItem,
    RetroVote,
    Schedule,
    Silo,
    SiloBridge,
)
from storage.repositories import checkins as checkins_repo
from storage.repositories import commitments as commitments_repo
from storage.repositories import landscape as landscape_repo
from storage.repositories import retros as retros_repo
from storage.repositories.core import execute

ASKED_STATUSES = (checkins_repo.ASKED, checkins_repo.ANSWERED, checkins_repo.MISSED)
"""A prompt counts as asked once it reached the member, as ``/checkin report`` counts it:
a run the member skipped on purpose, or was never asked in, is neither asked nor missed."""

NOT_MADE = (commitments_repo.PROPOSED, commitments_repo.DECLINED)
"""A commitment asked of someone who has not accepted it (or declined) was not made."""


def _rows(result: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result.all()]


def _in_period(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return conditions


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    id: int
    channel_id: str
    channel_name: str


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One check-in run: how many members were asked and how many answered."""

    run_id: int
    checkin: str
    channel_name: str
    run_date: str
    opened_at: datetime
    asked: int
    answered: int


async def checkin_runs(
    session: AsyncSession,
    workspace_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    channel_id: str | None = None,
) -> list[RunFigures]:
    """Every run opened in the period (of check-ins in ``channel_id``, when given), oldest first.

    Each run's prompts are counted by their own subqueries, which walk the run's
    prompts in key order: grouping a year's 100,000 prompts under each run's
    name and date sorted all of them first, three times slower (``bench/report.py``).
    """

    def prompts(*statuses: str) -> Any:
        return (
            select_columns(func.count())
            .where(
                col(CheckinPrompt.run_id) == col(CheckinRun.id),
                col(CheckinPrompt.status).in_(statuses),
            )
            .scalar_subquery()
        )

    query = (
        select_columns(
            col(CheckinRun.id),
            col(Checkin.name),
            col(Checkin.channel_name),
            col(CheckinRun.run_date),
            col(CheckinRun.opened_at),
            prompts(*ASKED_STATUSES),
            prompts(checkins_repo.ANSWERED),
        )
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .where(
            col(Checkin.workspace_id) == workspace_id,
            *_in_period(col(CheckinRun.opened_at), since, until),
        )
        .order_by(col(CheckinRun.run_date), col(Checkin.name), col(CheckinRun.id))
    )
    if channel_id is not None:
        query = query.where(col(Checkin.channel_id) == channel_id)
    found = await execute(session, query)
    return [
        RunFigures(int(i), str(n), str(ch), str(d), at, int(a), int(b))
        for i, n, ch, d, at, a, b in _rows(found)
    ]


@dataclass(frozen=True, slots=True)
class RoundFigures:
    """One round of introductions: groups sent, groups where someone said they met.

    An introduction made outside the rounds is a round of its own: no programme
    (``programme`` is None), number 0, one group, its ``origin`` saying how it came.
    """

    round_id: int
    programme: str | None
    number: int
    slot_at: datetime
    groups: int
    met: int
    people: int
    origin: str = "round"

    @property
    def outside(self) -> bool:
        """Made outside the rounds (a convener's suggestion, a member's ask)."""

        return self.programme is None


async def pairing_rounds(
    session: AsyncSession,
    workspace_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    programme_id: int | None = None,
) -> list[RoundFigures]:
    """Every round held in the period (of one programme, when given), oldest first.

    Counted per round by subqueries on the round's own groups (as
    ``checkin_runs`` counts), not by grouping every member of every group.
    Without a programme, the introductions made outside the rounds are rows too.
    """

    of_round = col(PairingGroup.round_id) == col(PairingRound.id)
    places = col(PairingGroupMember.group_id) == col(PairingGroup.id)
    groups = select_columns(func.count()).where(of_round).scalar_subquery()
    met = (
        select_columns(func.count(func.distinct(col(PairingGroupMember.group_id))))
        .join(PairingGroup, places)
        .where(of_round, col(PairingGroupMember.outcome) == "met")
        .scalar_subquery()
    )
    people = (
        select_columns(func.count())
        .select_from(PairingGroupMember)
        .join(PairingGroup, places)
        .where(of_round)
        .scalar_subquery()
    )
    query = (
        select_columns(
            col(PairingRound.id),
            col(Programme.channel_name),
            col(PairingRound.number),
            col(PairingRound.slot_at),
            groups,
            met,
            people,
            col(PairingRound.origin),
        )
        .select_from(PairingRound)
        .outerjoin(Programme, col(Programme.id) == col(PairingRound.programme_id))
        .where(
            col(PairingRound.workspace_id) == workspace_id,
            *_in_period(col(PairingRound.slot_at), since, until),
        )
        .order_by(
            col(PairingRound.slot_at),
            func.coalesce(col(Programme.channel_name), ""),
            col(PairingRound.id),
        )
    )
    if programme_id is not None:
        query = query.where(col(PairingRound.programme_id) == programme_id)
    found = await execute(session, query)
    return [
        RoundFigures(
            int(i), None if p is None else str(p), int(n), at, int(g), int(m), int(people), str(o)
        )
        for i, p, n, at, g, m, people, o in _rows(found)
    ]


@dataclass(frozen=True, slots=True)
class CommitmentCount:
    """How many commitments made in the period share a status (and the rest of the key)."""

    status: str
    done_on_time: bool | None
    from_retro: bool
    overdue: bool
    """Due before ``today`` (still open ones are late)."""
    count: int


async def commitment_counts(
    session: AsyncSession,
    workspace_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    today: str,
    channel_id: str | None = None,
) -> list[CommitmentCount]:
    """Commitments made in the period (accepted ones: not proposed or declined), counted."""

    from_retro = col(Commitment.retro_id).is_not(None)
    overdue = and_(col(Commitment.due_on).is_not(None), col(Commitment.due_on) < today)
    overdue_flag = case((overdue, 1), else_=0)
    retro_flag = case((from_retro, 1), else_=0)
    query = (
        select_columns(
            col(Commitment.status),
            col(Commitment.done_on_time),
            retro_flag,
            overdue_flag,
            func.count(),
        )
        .where(
            col(Commitment.workspace_id) == workspace_id,
            col(Commitment.status).not_in(NOT_MADE),
            *_in_period(col(Commitment.created_at), since, until),
        )
        .group_by(col(Commitment.status), col(Commitment.done_on_time), retro_flag, overdue_flag)
    )
    if channel_id is not None:
        query = query.where(col(Commitment.channel_id) == channel_id)
    found = await execute(session, query)
    return [
        CommitmentCount(str(s), None if t is None else bool(t), bool(r), bool(o), int(n))
        for s, t, r, o, n in _rows(found)
    ]


@dataclass(frozen=True, slots=True)
class RetroFigures:
    """One retro: its items, the commitments made from it, and how many of those are done."""

    retro_id: int
    name: str
    channel_name: str
    opened_at: datetime
    closed_at: datetime | None
    status: str
    items: int
    actions: int
    actions_done: int


async def retro_figures(
    session: AsyncSession,
    workspace_id: int,
    *,
    since: datetime | None,
    until: datetime | None,
    channel_id: str | None = None,
) -> list[RetroFigures]:
    """Every retro opened in the period (in ``channel_id``, when given), oldest first."""

    action = case((col(Commitment.status).not_in(NOT_MADE), col(Commitment.id)), else_=None)
    done = case((col(Commitment.status) == commitments_repo.DONE, col(Commitment.id)), else_=None)
    query = (
        select_columns(
            col(Retro.id),
            col(Retro.name),
            col(Retro.channel_name),
            col(Retro.opened_at),
            col(Retro.closed_at),
            col(Retro.status),
            func.count(func.distinct(col(RetroItem.id))),
            func.count(func.distinct(action)),
            func.count(func.distinct(done)),
        )
        .outerjoin(
            RetroItem,
            and_(
                col(RetroItem.retro_id) == col(Retro.id),
                col(RetroItem.status) == retros_repo.POSTED,
            ),
        )
        .outerjoin(Commitment, col(Commitment.retro_id) == col(Retro.id))
        .where(
            col(Retro.workspace_id) == workspace_id,
            *_in_period(col(Retro.opened_at), since, until),
        )
        .group_by(
            col(Retro.id),
            col(Retro.name),
            col(Retro.channel_name),
            col(Retro.opened_at),
            col(Retro.closed_at),
            col(Retro.status),
        )
        .order_by(col(Retro.opened_at), col(Retro.id))
    )
    if channel_id is not None:
        query = query.where(col(Retro.channel_id) == channel_id)
    found = await execute(session, query)
    return [RetroFigures(*row) for row in _rows(found)]


@dataclass(frozen=True, slots=True)
class EarlierPair:
    """A pair of silos some group of a programme spanned before a moment, and whether one met.

    ``programme_id`` is None for the introductions made outside the rounds."""

    programme_id: int | None
    silo_a: int
    silo_b: int
    met: bool


async def pairs_before(
    session: AsyncSession,
    workspace_id: int,
    *,
    before: datetime,
    programme_id: int | None = None,
    kinds: landscape_repo.KindFilter | None = None,
) -> list[EarlierPair]:
    """Every pair of silos introduced by a round before ``before``, one row per programme.

    What a report needs to tell a new bridge from an old one, and no more: no
    counts or dates, so the database only groups (``landscape_repo`` reads the
    period's own bridges in full). The rows are reached as ``bridge_totals``
    reaches them, from the rounds through their groups, by indexes that hold
    all the statement reads; with ``kinds``, only the pairs of silos it keeps.
    """

    rounds = landscape_repo.rounds_in_view(workspace_id, programme_id=programme_id, until=before)
    met_groups = landscape_repo.met_groups_of(rounds)
    met = func.max(case((met_groups.c.group_id.is_not(None), 1), else_=0))
    query = (
        select_columns(
            col(PairingRound.programme_id), col(SiloBridge.silo_a), col(SiloBridge.silo_b), met
        )
        .select_from(PairingRound)
        .join(PairingGroup, col(PairingGroup.round_id) == col(PairingRound.id))
        .join(SiloBridge, col(SiloBridge.group_id) == col(PairingGroup.id))
        .outerjoin(met_groups, met_groups.c.group_id == col(PairingGroup.id))
        .where(col(PairingRound.id).in_(rounds))
        .group_by(col(SiloBridge.silo_a), col(SiloBridge.silo_b), col(PairingRound.programme_id))
    )
    if kinds is not None:
        query = kinds.keep(query)
    found = await execute(session, query)
    return [
        EarlierPair(None if p is None else int(p), int(a), int(b), bool(m))
        for p, a, b, m in _rows(found)
    ]


# -- the exports -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRow:
    member_id: int
    name: str
    platform_id: str
    timezone: str | None
    convener: bool
    joined: datetime
    silos: tuple[tuple[str, str], ...]
    """(kind, name) of each silo the member is in, by name."""


async def member_rows(session: AsyncSession, workspace_id: int) -> list[MemberRow]:
    """Every member with their silos, by name (two statements, whatever the size)."""

    members = await execute(
        session,
        select_columns(
            col(Member.id),
            col(Member.display_name),
            col(Member.platform_user_id),
            col(Member.timezone),
            col(Member.is_convener),
            col(Member.created_at),
        )
        .where(col(Member.workspace_id) == workspace_id)
        .order_by(func.lower(col(Member.display_name)), col(Member.id)),
    )
    links = await execute(
        session,
        select_columns(col(MemberSilo.member_id), col(Silo.kind), col(Silo.name))
        .join(Silo, col(Silo.id) == col(MemberSilo.silo_id))
        .where(col(Silo.workspace_id) == workspace_id)
        .order_by(col(Silo.name_key)),
    )
    silos: dict[int, list[tuple[str, str]]] = {}
    for member_id, kind, name in _rows(links):
        silos.setdefault(int(member_id), []).append((str(kind), str(name)))
    return [
        MemberRow(int(i), str(n), str(p), z, bool(c), at, tuple(silos.get(int(i), ())))
        for i, n, p, z, c, at in _rows(members)
    ]


@dataclass(frozen=True, slots=True)
class IntroductionRow:
    """A member's place in one introduction, and what they answered at the follow-up.

    ``programme`` is None (and ``round_number`` 0) for an introduction made outside
    the rounds; ``origin`` says how it came."""

    programme: str | None
    round_number: int
    slot_at: datetime
    group_id: int
    name: str
    platform_id: str
    outcome: str | None
    answered_at: datetime | None
    origin: str


async def introduction_rows(session: AsyncSession, workspace_id: int) -> list[IntroductionRow]:
    """Every member of every group, oldest round first (learnings are not read here), the
    introductions made outside the rounds among them."""

    found = await execute(
        session,
        select_columns(
            col(Programme.channel_name),
            col(PairingRound.number),
            col(PairingRound.slot_at),
            col(PairingGroup.id),
            col(Member.display_name),
            col(Member.platform_user_id),
            col(PairingGroupMember.outcome),
            col(PairingGroupMember.answered_at),
            col(PairingRound.origin),
        )
        .join(PairingGroup, col(PairingGroup.id) == col(PairingGroupMember.group_id))
        .join(PairingRound, col(PairingRound.id) == col(PairingGroup.round_id))
        .outerjoin(Programme, col(Programme.id) == col(PairingRound.programme_id))
        .join(Member, col(Member.id) == col(PairingGroupMember.member_id))
        .where(col(PairingRound.workspace_id) == workspace_id)
        .order_by(
            col(PairingRound.slot_at),
            func.coalesce(col(Programme.channel_name), ""),
            col(PairingGroup.id),
            func.lower(col(Member.display_name)),
        ),
    )
    return [IntroductionRow(*row) for row in _rows(found)]


@dataclass(frozen=True, slots=True)
class PromptRow:
    """One member's part in one check-in run, with the run's questions and their answers."""

    checkin: str
    channel_name: str
    run_date: str
    questions: list[dict[str, Any]]
    name: str
    platform_id: str
    status: str
    asked_at: datetime | None
    answered_at: datetime | None
    answers: list[str]
    answers_to: str = "thread"
    """Where the check-in's answers go (``Checkin.answers_to``)."""


async def prompt_rows(session: AsyncSession, workspace_id: int) -> list[PromptRow]:
    """Every prompt of every run, oldest run first."""

    found = await execute(
        session,
        select_columns(
            col(Checkin.name),
            col(Checkin.channel_name),
            col(CheckinRun.run_date),
            col(CheckinRun.questions),
            col(Member.display_name),
            col(Member.platform_user_id),
            col(CheckinPrompt.status),
            col(CheckinPrompt.asked_at),
            col(CheckinPrompt.answered_at),
            col(CheckinPrompt.answers),
            col(Checkin.answers_to),
        )
        .join(CheckinRun, col(CheckinRun.id) == col(CheckinPrompt.run_id))
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .join(Member, col(Member.id) == col(CheckinPrompt.member_id))
        .where(col(Checkin.workspace_id) == workspace_id)
        .order_by(
            col(CheckinRun.run_date),
            col(Checkin.name),
            func.lower(col(Member.display_name)),
        ),
    )
    return [
        PromptRow(c, ch, d, list(q or []), n, p, s, asked, answered, list(a or []), to)
        for c, ch, d, q, n, p, s, asked, answered, a, to in _rows(found)
    ]


@dataclass(frozen=True, slots=True)
class CommitmentRow:
    number: int
    owner: str
    owner_platform_id: str
    made_by: str | None
    text: str
    due_on: str | None
    status: str
    private: bool
    created_at: datetime
    done_at: datetime | None
    done_on_time: bool | None
    retro: str | None


async def commitment_rows(session: AsyncSession, workspace_id: int) -> list[CommitmentRow]:
    """Every commitment, by number, with its owner, who made it and the retro it came from."""

    maker = aliased(Member)
    found = await execute(
        session,
        select_columns(
            col(Commitment.number),
            col(Member.display_name),
            col(Member.platform_user_id),
            col(maker.display_name),
            col(Commitment.text),
            col(Commitment.due_on),
            col(Commitment.status),
            col(Commitment.private),
            col(Commitment.created_at),
            col(Commitment.done_at),
            col(Commitment.done_on_time),
            col(Retro.name),
        )
        .join(Member, col(Member.id) == col(Commitment.owner_id))
        .outerjoin(maker, col(maker.id) == col(Commitment.made_by))
        .outerjoin(Retro, col(Retro.id) == col(Commitment.retro_id))
        .where(col(Commitment.workspace_id) == workspace_id)
        .order_by(col(Commitment.number)),
    )
    return [
        CommitmentRow(int(i), str(o), str(p), m, str(t), d, str(s), bool(pr), at, done, on_time, r)
        for i, o, p, m, t, d, s, pr, at, done, on_time, r in _rows(found)
    ]


@dataclass(frozen=True, slots=True)
class RetroItemRow:
    """One item of a retro (or the retro alone, when it has none), with its votes."""

    retro: str
    channel_name: str
    format: str
    anonymous: bool
    opened_at: datetime
    closed_at: datetime | None
    status: str
    item_id: int | None
    number: int | None
    category: str | None
    text: str | None
    author: str | None
    votes: int
    commitments: tuple[int, ...]


async def retro_item_rows(session: AsyncSession, workspace_id: int) -> list[RetroItemRow]:
    """Every retro with its posted items (withdrawn ones are not the retro's any more)."""

    votes = (
        select_columns(col(RetroVote.item_id), func.count().label("votes"))
        .group_by(col(RetroVote.item_id))
        .subquery()
    )
    found = await execute(
        session,
        select_columns(
            col(Retro.name),
            col(Retro.channel_name),
            col(Retro.format),
            col(Retro.anonymous),
            col(Retro.opened_at),
            col(Retro.closed_at),
            col(Retro.status),
            col(RetroItem.id),
            col(RetroItem.number),
            col(RetroItem.category),
            col(RetroItem.text),
            col(Member.display_name),
            func.coalesce(votes.c.votes, 0),
        )
        .outerjoin(
            RetroItem,
            and_(
                col(RetroItem.retro_id) == col(Retro.id),
                col(RetroItem.status) == retros_repo.POSTED,
            ),
        )
        .outerjoin(Member, col(Member.id) == col(RetroItem.author_id))
        .outerjoin(votes, votes.c.item_id == col(RetroItem.id))
        .where(col(Retro.workspace_id) == workspace_id)
        .order_by(col(Retro.opened_at), col(Retro.id), col(RetroItem.number)),
    )
    made = await execute(
        session,
        select_columns(col(Commitment.item_id), col(Commitment.number))
        .where(
            col(Commitment.workspace_id) == workspace_id,
            col(Commitment.item_id).is_not(None),
            col(Commitment.status).not_in(NOT_MADE),
        )
        .order_by(col(Commitment.number)),
    )
    by_item: dict[int, list[int]] = {}
    for item_id, number in _rows(made):
        by_item.setdefault(int(item_id), []).append(int(number))
    return [
        RetroItemRow(
            str(name),
            str(channel),
            str(fmt),
            bool(anonymous),
            opened,
            closed,
            str(status),
            None if item is None else int(item),
            number,
            category,
            text,
            None if anonymous else author,
            int(vote_count),
            tuple(by_item.get(int(item), ())) if item is not None else (),
        )
        for (
            name,
            channel,
            fmt,
            anonymous,
            opened,
            closed,
            status,
            item,
            number,
            category,
            text,
            author,
            vote_count,
        ) in _rows(found)
    ]


# -- the monthly digest ------------------------------------------------------------------------


async def has_schedule(session: AsyncSession, workspace_id: int, job: str) -> bool:
    """Whether the workspace has a schedule for ``job`` (the digest's is made once, lazily)."""

    found = await execute(
        session,
        select_columns(literal(1))
        .select_from(Schedule)
        .where(col(Schedule.workspace_id) == workspace_id, col(Schedule.job) == job)
        .limit(1),
    )
    return found.first() is not None
