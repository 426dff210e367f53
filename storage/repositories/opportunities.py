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

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Avoidance,
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Member,
    MemberSilo,
    Opportunity,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Participant,
    Programme,
    Silo,
)
from storage.repositories.core import execute, table_of

PENDING = "pending"
INTRODUCED = "introduced"
NOT_NOW = "not_now"
NEVER = "never"
ANSWERED = "answered"


class RunQuestions(NamedTuple):
    run_id: int
    checkin_id: int
    questions: list[dict[str, Any]]
    answers_to: str = "thread"
    """Where the check-in's answers go (``Checkin.answers_to``): who may read them."""


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
        select(CheckinRun.id, CheckinRun.checkin_id, CheckinRun.questions, Checkin.answers_to)
        .join(Checkin, col(Checkin.id) == col(CheckinRun.checkin_id))
        .where(Checkin.workspace_id == workspace_id, CheckinRun.opened_at >= since)
    )
    return {
        int(run_id): RunQuestions(int(run_id), int(checkin_id), list(questions or []), answers_to)
        for run_id, checkin_id, questions, answers_to in found.all()
        if run_id is not None
    }


async def answers_of_runs(
    session: AsyncSession, run_ids: Sequence[int], *, after: datetime | None = None
) -> list[AnswerRow]:
    """Every answered prompt of these runs; only those answered after ``after`` when given
    (what was written since an index was built)."""

    if not run_ids:
        return []
    query = select(
        CheckinPrompt.member_id,
        CheckinPrompt.run_id,
        CheckinPrompt.answers,
        CheckinPrompt.answered_at,
    ).where(col(CheckinPrompt.run_id).in_(list(run_ids)), CheckinPrompt.status == ANSWERED)
    if after is not None:
        query = query.where(col(CheckinPrompt.answered_at) > after)
    found = await session.exec(query)
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
    """Pairs not to suggest again: "Never these two" at any time; waiting for a convener,
    "Not now" and introduced ones, made or decided since ``since`` (a suggestion nobody
    decided for the workspace's weeks may be made again, with what is new)."""

    found = await session.exec(
        select(Opportunity.need_member_id, Opportunity.offer_member_id).where(
            Opportunity.workspace_id == workspace_id,
            or_(
                col(Opportunity.status) == NEVER,
                and_(col(Opportunity.status) == PENDING, col(Opportunity.created_at) >= since),
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


async def made_for_run(session: AsyncSession, run_id: int) -> bool:
    """Whether suggestions were already made after this run closed (a replay makes none)."""

    found = await session.exec(select(Opportunity.id).where(Opportunity.run_id == run_id).limit(1))
    return found.first() is not None


async def decide(
    session: AsyncSession, opportunity: Opportunity, status: str, by: int, at: datetime
) -> bool:
    """Decide a pending suggestion, once: False when another press decided it first.

    One conditional UPDATE, so two conveners pressing at the same moment cannot
    both introduce the pair; the row is read again either way.
    """

    decided = await execute(
        session,
        update(Opportunity)
        .where(col(Opportunity.id) == opportunity.id, col(Opportunity.status) == PENDING)
        .values(status=status, decided_by=by, decided_at=at),
    )
    await session.refresh(opportunity)
    return decided.rowcount == 1


# -- asking directly (``/pairing find``, ``/convene who knows``, ``[Introduce us]``) ----------


class AnswersVersion(NamedTuple):
    """What changes whenever the answers of a window change: an answer given, edited or
    deleted (with its member), a run opened or gone out of the window."""

    runs: int
    answered: int
    latest: Any
    edits: int
    private: int = 0
    """The answers' privacy: 1 for each in a conveners-only check-in, 2 in a summary one.
    Answers only ever become more private, so any change makes this grow."""


async def answers_version(
    session: AsyncSession, workspace_id: int, since: datetime
) -> AnswersVersion:
    """One aggregate over the workspace's answered prompts of runs opened since ``since``:
    a cache of what those answers say is current while this stays the same."""

    runs = table_of(CheckinRun)
    prompts = table_of(CheckinPrompt)
    checkins = table_of(Checkin)
    found = await execute(
        session,
        core_select(
            func.count(func.distinct(runs.c.id)).label("runs"),
            func.count(prompts.c.member_id).label("answered"),
            func.max(prompts.c.answered_at).label("latest"),
            func.coalesce(func.sum(prompts.c.edits), 0).label("edits"),
            func.coalesce(
                func.sum(
                    case(
                        (prompts.c.member_id.is_(None), 0),
                        (checkins.c.answers_to == "conveners", 1),
                        (checkins.c.answers_to == "summary", 2),
                        else_=0,
                    )
                ),
                0,
            ).label("private"),
        )
        .select_from(runs)
        .join(checkins, checkins.c.id == runs.c.checkin_id)
        .outerjoin(prompts, and_(prompts.c.run_id == runs.c.id, prompts.c.status == ANSWERED))
        .where(checkins.c.workspace_id == workspace_id, runs.c.opened_at >= since),
    )
    row = found.one()
    return AnswersVersion(
        int(row.runs or 0),
        int(row.answered or 0),
        row.latest,
        int(row.edits or 0),
        int(row.private or 0),
    )


class SiloPlace(NamedTuple):
    member_id: int
    silo_id: int
    kind: str


async def silo_places(
    session: AsyncSession, workspace_id: int, silo_ids: Sequence[int]
) -> list[SiloPlace]:
    """Who stands in these silos of the workspace (one row a member and silo), with each
    silo's kind: a search reads the asker's silos only, not the whole landscape."""

    if not silo_ids:
        return []
    links = table_of(MemberSilo)
    silos = table_of(Silo)
    found = await execute(
        session,
        core_select(links.c.member_id, silos.c.id, silos.c.kind)
        .join(silos, silos.c.id == links.c.silo_id)
        .where(silos.c.workspace_id == workspace_id, silos.c.id.in_(list(silo_ids))),
    )
    return [SiloPlace(int(row.member_id), int(row.id), str(row.kind)) for row in found.all()]


async def introduced_with(
    session: AsyncSession, workspace_id: int, member_id: int, since: datetime
) -> dict[int, datetime]:
    """Whom the member was put in a group with since ``since`` (in rounds or outside
    them), each with the latest such introduction's date."""

    places = table_of(PairingGroupMember)
    mine = places.alias("mine")
    theirs = places.alias("theirs")
    groups = table_of(PairingGroup)
    rounds = table_of(PairingRound)
    found = await execute(
        session,
        core_select(theirs.c.member_id, func.max(rounds.c.slot_at).label("latest"))
        .select_from(mine)
        .join(
            theirs,
            and_(theirs.c.group_id == mine.c.group_id, theirs.c.member_id != mine.c.member_id),
        )
        .join(groups, groups.c.id == mine.c.group_id)
        .join(rounds, rounds.c.id == groups.c.round_id)
        .where(
            mine.c.member_id == member_id,
            rounds.c.workspace_id == workspace_id,
            rounds.c.slot_at >= since,
        )
        .group_by(theirs.c.member_id),
    )
    return {int(row.member_id): row.latest for row in found.all()}


async def avoided_either_way(session: AsyncSession, member_id: int) -> set[int]:
    """Members this one asked never to meet, and those who asked never to meet them."""

    avoidances = table_of(Avoidance)
    found = await execute(
        session,
        core_select(avoidances.c.member_id, avoidances.c.avoided_id).where(
            or_(avoidances.c.member_id == member_id, avoidances.c.avoided_id == member_id)
        ),
    )
    pairs = [(int(row.member_id), int(row.avoided_id)) for row in found.all()]
    return {b if a == member_id else a for a, b in pairs}
