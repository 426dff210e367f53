"""Everything Convene holds about one member, gathered for ``/convene me export``.

The answer is plain data (lists of dicts, ISO dates) that the handler writes as
JSON: a member's right of access is to what is stored, so this reads the
tables rather than what any report shows. Other members appear only by name,
and only where the row is the member's own (the people they were introduced
to, the owner of a commitment they asked for); nobody else's words are in it.
Anonymous retro items are not here: only the running bot can prove which are
theirs (the retros job adds them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    AuditEntry,
    Avoidance,
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    Member,
    MemberSilo,
    Opportunity,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Participant,
    Programme,
    Retro,
    RetroItem,
    Silo,
)
from storage.repositories.core import execute, table_of

Section = list[dict[str, Any]]


def _rows(result: Any) -> list[Any]:
    """A Core result's rows as plain tuples (typed loosely: their shape is the query's)."""

    return [tuple(row) for row in result.all()]


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def of_member(session: AsyncSession, member: Member) -> dict[str, Any]:
    """The member's data by kind, in a stable order (oldest first within a kind)."""

    assert member.id is not None
    return {
        "profile": {
            "name": member.display_name,
            "platform_user_id": member.platform_user_id,
            "time_zone": member.timezone,
            "email": member.email,
            "convener": member.is_convener,
            "suggestions": "off" if member.suggestions_off_at is not None else "on",
            "known_since": _when(member.created_at),
        },
        "silos": await _silos(session, member.id),
        "programmes": await _programmes(session, member.id),
        "introductions": await _introductions(session, member.id),
        "checkin_answers": await _answers(session, member.id),
        "commitments": await _commitments(session, member.id),
        "commitments_asked_of_others": await _asked(session, member.id),
        "retro_items": await _retro_items(session, member.id),
        "avoiding": await _avoiding(session, member.id),
        "suggestions_naming_you": await _suggestions(session, member.id),
        "convener_actions": await _audit(session, member.id),
    }


async def _silos(session: AsyncSession, member_id: int) -> Section:
    silos, links = table_of(Silo), table_of(MemberSilo)
    rows = await execute(
        session,
        select(silos.c.name, silos.c.kind)
        .join(links, links.c.silo_id == silos.c.id)
        .where(links.c.member_id == member_id)
        .order_by(silos.c.name),
    )
    return [{"name": name, "kind": kind} for name, kind in _rows(rows)]


async def _programmes(session: AsyncSession, member_id: int) -> Section:
    places, programmes = table_of(Participant), table_of(Programme)
    rows = await execute(
        session,
        select(
            programmes.c.channel_name,
            places.c.status,
            places.c.paused_until,
            places.c.about,
            places.c.joined_at,
        )
        .join(programmes, programmes.c.id == places.c.programme_id)
        .where(places.c.member_id == member_id)
        .order_by(places.c.joined_at),
    )
    return [
        {
            "channel": channel,
            "status": status,
            "paused_until": _when(paused),
            "about": about,
            "joined": _when(joined),
        }
        for channel, status, paused, about, joined in _rows(rows)
    ]


async def _introductions(session: AsyncSession, member_id: int) -> Section:
    places, rounds = table_of(PairingGroupMember), table_of(PairingRound)
    groups = places.c.group_id
    pairing_groups = table_of(PairingGroup)
    mine = await execute(
        session,
        select(
            places.c.group_id,
            rounds.c.slot_at,
            rounds.c.origin,
            places.c.outcome,
            places.c.answered_at,
            places.c.learning,
            places.c.learning_consent,
        )
        .join(pairing_groups, pairing_groups.c.id == places.c.group_id)
        .join(rounds, rounds.c.id == pairing_groups.c.round_id)
        .where(places.c.member_id == member_id)
        .order_by(rounds.c.slot_at, places.c.group_id),
    )
    found = _rows(mine)
    others: dict[int, list[str]] = {}
    if found:
        members = table_of(Member)
        names = await execute(
            session,
            select(groups, members.c.display_name)
            .join(members, members.c.id == places.c.member_id)
            .where(groups.in_([row[0] for row in found]), places.c.member_id != member_id)
            .order_by(members.c.display_name),
        )
        for group_id, name in _rows(names):
            others.setdefault(int(group_id), []).append(name)
    return [
        {
            "date": _when(slot_at),
            "origin": origin,
            "with": others.get(int(group_id), []),
            "outcome": outcome,
            "answered": _when(answered),
            "take_away": learning,
            "take_away_shared": consent if learning else None,
        }
        for group_id, slot_at, origin, outcome, answered, learning, consent in found
    ]


async def _answers(session: AsyncSession, member_id: int) -> Section:
    prompts, runs, checkins = table_of(CheckinPrompt), table_of(CheckinRun), table_of(Checkin)
    rows = await execute(
        session,
        select(
            checkins.c.name,
            checkins.c.answers_to,
            runs.c.run_date,
            runs.c.questions,
            prompts.c.status,
            prompts.c.answered_at,
            prompts.c.answers,
            prompts.c.quote_ok,
        )
        .join(runs, runs.c.id == prompts.c.run_id)
        .join(checkins, checkins.c.id == runs.c.checkin_id)
        .where(prompts.c.member_id == member_id)
        .order_by(runs.c.run_date, checkins.c.name),
    )
    section: Section = []
    for name, answers_to, run_date, questions, status, answered, answers, quote_ok in _rows(rows):
        if not answers:
            continue
        asked = [str((q or {}).get("text", "")) for q in questions or ()]
        section.append(
            {
                "checkin": name,
                "date": run_date,
                "status": status,
                "answered": _when(answered),
                "answers_went_to": answers_to,
                "may_be_quoted_without_name": bool(quote_ok),
                "answers": [
                    {"question": asked[i] if i < len(asked) else "", "answer": answer}
                    for i, answer in enumerate(answers)
                ],
            }
        )
    return section


def _commitment(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "text": row.text,
        "due": row.due_on,
        "status": row.status,
        "note": row.note,
        "made": _when(row.created_at),
        "done": _when(row.done_at),
    }


async def _commitments(session: AsyncSession, member_id: int) -> Section:
    commitments = table_of(Commitment)
    rows = await execute(
        session,
        select(commitments).where(commitments.c.owner_id == member_id).order_by(commitments.c.id),
    )
    return [_commitment(row) for row in rows.all()]


async def _asked(session: AsyncSession, member_id: int) -> Section:
    commitments, members = table_of(Commitment), table_of(Member)
    rows = await execute(
        session,
        select(commitments, members.c.display_name.label("owner"))
        .join(members, members.c.id == commitments.c.owner_id)
        .where(commitments.c.made_by == member_id, commitments.c.owner_id != member_id)
        .order_by(commitments.c.id),
    )
    return [{**_commitment(row), "owner": row.owner} for row in rows.all()]


async def _retro_items(session: AsyncSession, member_id: int) -> Section:
    items, retros = table_of(RetroItem), table_of(Retro)
    rows = await execute(
        session,
        select(retros.c.name, items.c.category, items.c.text, items.c.status, items.c.created_at)
        .join(retros, retros.c.id == items.c.retro_id)
        .where(items.c.author_id == member_id)
        .order_by(items.c.retro_id, items.c.number),
    )
    return [
        {
            "retro": retro,
            "category": category,
            "text": text,
            "status": status,
            "written": _when(created),
            "anonymous": False,
        }
        for retro, category, text, status, created in _rows(rows)
    ]


async def _avoiding(session: AsyncSession, member_id: int) -> Section:
    avoidances, members = table_of(Avoidance), table_of(Member)
    rows = await execute(
        session,
        select(members.c.display_name, avoidances.c.created_at)
        .join(members, members.c.id == avoidances.c.avoided_id)
        .where(avoidances.c.member_id == member_id)
        .order_by(avoidances.c.created_at),
    )
    return [{"never_with": name, "since": _when(since)} for name, since in _rows(rows)]


async def _suggestions(session: AsyncSession, member_id: int) -> Section:
    """Suggestions that they meet someone: their own words only, never the other's."""

    table = table_of(Opportunity)
    rows = await execute(
        session,
        select(
            table.c.need_member_id,
            table.c.need_text,
            table.c.need_source,
            table.c.offer_text,
            table.c.offer_source,
            table.c.status,
            table.c.created_at,
        )
        .where(or_(table.c.need_member_id == member_id, table.c.offer_member_id == member_id))
        .order_by(table.c.id),
    )
    section: Section = []
    for need_member, need_text, need_source, offer_text, offer_source, status, made in _rows(rows):
        mine = need_member == member_id
        section.append(
            {
                "as": "need" if mine else "offer",
                "your_words": need_text if mine else offer_text,
                "from": need_source if mine else offer_source,
                "status": status,
                "made": _when(made),
            }
        )
    return section


async def _audit(session: AsyncSession, member_id: int) -> Section:
    entries = table_of(AuditEntry)
    rows = await execute(
        session,
        select(entries.c.action, entries.c.subject, entries.c.created_at)
        .where(entries.c.actor_id == member_id)
        .order_by(entries.c.created_at, entries.c.id),
    )
    return [
        {"action": action, "subject": subject, "when": _when(at)}
        for action, subject, at in _rows(rows)
    ]
