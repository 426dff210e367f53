"""Introductions made outside the regular rounds: a convener's suggestion, a member's ask.

Another job (opportunities) decides who should meet and announces
``INTRODUCTION_ASKED``; this job makes the introduction as it makes a round's:
it is kept as a round of its own (no programme, number 0, ``origin`` saying
how it came) with one group and the silo pairs it spans, so the landscape
counts it as a bridge under the every-kind rule (two silos of one kind), and
it is sent as a round's are (a group DM where the platform has them, else one
DM each: there is no programme channel for a private thread), with the reason
quoted. ``FOLLOWUP_DAYS`` later a one-off timer asks each member the usual
question, with the usual ``[We met]`` ``[Not yet]`` ``[We won't]`` buttons, so
``followup.py`` and ``/convene pairing met`` take the answer as for any round.

A programme's readings never see these introductions: its round numbers,
its minimum gap (a member introduced two days ago by a suggestion is still
in Monday's round: the gap paces the programme's own rhythm, and a
suggestion answers one need), its unanswered follow-ups that pause a member.

Every message's key is made from the payload's ``key``, and an introduction
already made under that key is found again rather than made twice, so a
replay sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import Capabilities
from bot.context import Context, JobContext
from bot.errors import UserError
from bot.markup import mention, plain
from bot.messages import Button, OutgoingMessage, Target
from bot.outbox import Outbox
from bot.registry import Registry
from handlers.introductions.rounds import DEFAULT_STARTERS, Person, _and, _silo_pairs
from handlers.introductions.times import describe_window, shared_windows
from handlers.shared.bridges import EVERY_KIND, is_bridge, shared_pairs
from handlers.shared.introduction_hooks import ASKED, INTRODUCTION_ASKED, IntroductionAsked
from handlers.shared.origins import the_introduction
from storage.models import Member, PairingRound, Workspace
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo
from storage.repositories import timers as timers_repo

log = logging.getLogger("convene.pairings")

FOLLOWUP_JOB = "pairing.outside.followup"
FOLLOWUP_DAYS = 3
"""As a programme's follow-up comes by default (``Programme.followup_days``)."""


async def introduction_asked(context: Context | JobContext, asked: IntroductionAsked) -> None:
    """``INTRODUCTION_ASKED`` from a member's or convener's press, or reached from a
    schedule's or timer's work: introduce them now."""

    asked.round_id = await introduce(
        context.session,
        asked,
        now=context.now,
        outbox=context.outbox,
        capabilities=context.capabilities,
    )


async def introduce(
    session: AsyncSession,
    asked: IntroductionAsked,
    *,
    now: datetime,
    outbox: Outbox,
    capabilities: Capabilities,
) -> int:
    """Make, send and plan the follow-up of one introduction; returns its round's id.

    Refused (``UserError``, nothing written) when the members are fewer than two
    different people, or one of them has left the workspace.
    """

    workspace = asked.workspace
    assert workspace.id is not None
    members = await _still_here(session, workspace, asked.members)
    ids = [m.id for m in members if m.id is not None]
    made = await _made_before(session, workspace.id, ids, asked.key)
    if made is not None:
        return made
    everyone = await members_repo.list_with_silos(session, workspace.id)
    silos = {row.member.id: row.silos for row in everyone}
    people = [Person(m, silos.get(m.id, ()), None) for m in members]
    spanned = _silo_pairs(people)
    kinds = {silo.id: silo.kind for row in everyone for silo in row.silos if silo.id is not None}
    shared = shared_pairs([s.id for s in row.silos if s.id is not None] for row in everyone)
    known = await pairings_repo.connection_outcomes(session, workspace.id)
    new_bridges = sorted(
        pair
        for pair in spanned
        if pair not in known and is_bridge(pair[0], pair[1], kinds, EVERY_KIND, shared)
    )
    pairing_round = await pairings_repo.add_round(
        session,
        PairingRound(
            workspace_id=workspace.id,
            programme_id=None,
            origin=asked.origin,
            number=0,
            slot_at=now,
            participants=len(members),
        ),
    )
    assert pairing_round.id is not None
    starter = DEFAULT_STARTERS[pairing_round.id % len(DEFAULT_STARTERS)]
    await pairings_repo.add_group(
        session,
        round_id=pairing_round.id,
        workspace_id=workspace.id,
        member_ids=ids,
        starter=starter,
        reasons={
            "origin": asked.origin,
            "new_bridges": [list(pair) for pair in new_bridges],
            "reason": asked.reason,
            "key": asked.key,
            "asked_by": asked.asked_by.id if asked.asked_by is not None else None,
        },
        bridges=spanned,
    )
    await _send(
        outbox,
        capabilities,
        asked.key,
        people,
        lambda reader: _introduction_text(asked, people, starter, now, reader),
    )
    await timers_repo.add_many(
        session,
        workspace_id=workspace.id,
        job=FOLLOWUP_JOB,
        subject_id=pairing_round.id,
        items=[
            timers_repo.NewTimer(
                f"{asked.key}:followup:{pairing_round.id}", now + timedelta(days=FOLLOWUP_DAYS)
            )
        ],
    )
    log.info(
        "introduction %s (%s) made outside the rounds for %d people",
        pairing_round.id,
        asked.origin,
        len(members),
    )
    return pairing_round.id


async def _still_here(
    session: AsyncSession, workspace: Workspace, members: Sequence[Member]
) -> list[Member]:
    """The members as they are now, or why there is no introduction to make."""

    found: list[Member] = []
    for member in members:
        now = await members_repo.get(session, member.id) if member.id is not None else None
        if now is None or now.workspace_id != workspace.id or now.erased_at is not None:
            raise UserError(
                f"{plain(member.display_name)} is no longer a member here, so I introduced nobody."
            )
        if any(m.id == now.id for m in found):
            continue
        found.append(now)
    if len(found) < 2:
        raise UserError(
            "An introduction needs two different people, and only "
            f"{plain(found[0].display_name) if found else 'nobody'} was named, so I introduced "
            "nobody."
        )
    return found


async def _made_before(
    session: AsyncSession, workspace_id: int, member_ids: Sequence[int], key: str
) -> int | None:
    """The round of an introduction already made under ``key`` (a replay), if any."""

    rounds = await pairings_repo.rounds_together(session, workspace_id, member_ids, outside=True)
    rows = await pairings_repo.groups_of_rounds(session, [r.id for r in rounds if r.id])
    return next((row.pairing_round.id for row in rows if row.group.reasons.get("key") == key), None)


def _introduction_text(
    asked: IntroductionAsked,
    people: Sequence[Person],
    starter: str,
    now: datetime,
    reader: Member | None = None,
) -> str:
    """The introduction as ``reader`` reads it in their own DM (None: the group's message).

    The member who asked reads that they asked, not that someone asked to meet them.
    """

    asker = asked.asked_by
    if asked.origin == ASKED and asker is not None and reader is not None and reader.id == asker.id:
        others = [p.member.display_name for p in people if p.member.id != asker.id]
        head = f"*You asked to meet {plain(' and '.join(others))}*"
    elif asked.origin == ASKED and asker is not None:
        head = f"*{plain(asker.display_name)} asked to meet you*"
    elif asked.asked_by is not None:
        head = f"*An introduction from {plain(asked.asked_by.display_name)}*"
    else:
        head = "*An introduction from a convener*"
    lines = [head, "Meet each other:"]
    for person in people:
        silos = ", ".join(f"{s.name} ({s.kind})" for s in person.silos) or "no silo given"
        zone = person.member.timezone or "time zone not set"
        lines.append(f"- {mention(person.member.platform_user_id)}: {silos}; {zone}.")
    lines.append("Why you: " + asked.reason)
    lines.append(f"To start: {starter}")
    zones = [p.member.timezone for p in people]
    windows = shared_windows(zones, now)
    if windows:
        lines.append("Times inside everyone's working hours:")
        lines.extend(f"- {describe_window(w, zones)}" for w in windows)
    else:
        lines.append(
            "Your working hours do not overlap this week: agree a time at either end of the "
            "day, or trade voice notes."
        )
    return "\n".join(lines)


async def _send(
    outbox: Outbox,
    capabilities: Capabilities,
    key: str,
    people: Sequence[Person],
    text_for: Callable[[Member | None], str],
) -> None:
    """A group DM where the platform has them; else one DM each (no programme channel
    to open a private thread in), each as its reader reads it."""

    ids = tuple(p.member.platform_user_id for p in people)
    if capabilities.group_dm:
        await outbox.send(f"{key}:introduction", OutgoingMessage(Target.group(ids), text_for(None)))
        return
    for person in people:
        member_id = person.member.platform_user_id
        await outbox.send(
            f"{key}:introduction:dm:{member_id}",
            OutgoingMessage(Target.dm(member_id), text_for(person.member)),
        )


# -- the follow-up ----------------------------------------------------------------------


async def followup_job(context: JobContext) -> None:
    """``FOLLOWUP_DAYS`` after an introduction outside the rounds: did you meet?"""

    pairing_round = await pairings_repo.pairing_round(context.session, context.subject_id or 0)
    if (
        pairing_round is None
        or pairing_round.workspace_id != context.workspace.id
        or pairing_round.programme_id is not None
        or pairing_round.followups_sent_at is not None
    ):
        return
    await send_followups(context.session, pairing_round, context.now, context.outbox)


async def send_followups(
    session: AsyncSession, pairing_round: PairingRound, now: datetime, outbox: Outbox
) -> int:
    """Ask each member whether they met, as a round's follow-up asks; returns how many."""

    assert pairing_round.id is not None
    rows = await pairings_repo.groups_of_rounds(session, [pairing_round.id])
    names = {m.id: m for m in await members_repo.of_workspace(session, pairing_round.workspace_id)}
    which = the_introduction(pairing_round.origin, pairing_round.slot_at)
    asked = 0
    for row in rows:
        for place in row.members:
            member = names.get(place.member_id)
            if member is None:
                continue
            others = [
                names[o.member_id].display_name
                for o in row.members
                if o is not place and o.member_id in names
            ]
            await outbox.send(
                f"pairing-followup:{row.group.id}:{place.member_id}",
                OutgoingMessage(
                    Target.dm(member.platform_user_id),
                    f"How did your introduction to {plain(_and(others))} go ({which})?",
                    (
                        Button("We met", "pairing.met", str(row.group.id), "primary"),
                        Button("Not yet", "pairing.notyet", str(row.group.id)),
                        Button("We won't", "pairing.wont", str(row.group.id)),
                    ),
                ),
            )
            asked += 1
    pairing_round.followups_sent_at = now
    pairings_repo.stage(session, pairing_round)
    return asked


def register(registry: Registry) -> None:
    registry.listen(INTRODUCTION_ASKED, introduction_asked)
    registry.listen_in_jobs(INTRODUCTION_ASKED, introduction_asked)
    registry.job(FOLLOWUP_JOB, followup_job)
