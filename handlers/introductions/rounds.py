"""Running a round of introductions, and the follow-ups a few days later.

A round gathers who takes part from storage, leaves out whoever was
introduced within the programme's minimum gap (unless the convener insists),
asks the pure matching engine (``handlers.introductions.matching``) for groups,
records them and the silo pairs they bridge, and queues one introduction per
group: a group DM where the platform has them, otherwise one DM to each member
(chosen by capability). Everything happens in the slot's (or command's) one
transaction, and every message has an idempotency key built from the round and
group, so a replayed slot sends nothing twice.

A programme with topic affinity on (``--affinity on``) also reads what its
members wrote (``handlers/shared/passages.py``: check-in answers of the
workspace's last N weeks, ``/pairing about`` lines and take-aways, as their
authors allowed; nothing of members who opted out of suggestions) and gives
the engine each pair's affinity (``handlers/shared/topics.py``). A group
holding such a pair is told what the two wrote, in one more line after "Why
you", quoting only what may be quoted to members.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import Capabilities
from bot.context import JobContext
from bot.markup import mention, plain
from bot.messages import Button, OutgoingMessage, Target
from bot.outbox import Outbox
from handlers.introductions import gap, matching, resting
from handlers.introductions.names import listed
from handlers.introductions.resting import IGNORED_FOLLOWUPS_BEFORE_PAUSE
from handlers.introductions.round_dates import week_index
from handlers.introductions.times import describe_window, shared_windows, utc_offset_minutes
from handlers.shared.bridges import read_mix, shared_pairs
from handlers.shared.kinds import kind_key
from handlers.shared.passages import DEFAULT_WEEKS, load_passages, window
from handlers.shared.text import plural
from handlers.shared.topics import THRESHOLD, Match, Passage, match, snippet
from storage.models import (
    Member,
    PairingRound,
    Participant,
    Programme,
    Silo,
    Workspace,
)
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo
from storage.repositories import workspace_settings as settings_repo

log = logging.getLogger("convene.pairings")

ROUND_JOB = "pairing.round"
FOLLOWUP_JOB = "pairing.followups"
HISTORY_ROUNDS = 12

DEFAULT_STARTERS = (
    "What is one thing your part of the organisation does that the other would find surprising?",
    "What problem are you each working on that someone outside your team could help with?",
    "What does a good week look like in your job, and what gets in the way?",
    "What is something you learned recently that changed how you work?",
    "Which decision made elsewhere in the organisation affects your work most?",
)


@dataclass(frozen=True, slots=True)
class RoundSummary:
    number: int
    participants: int
    groups: int
    new_bridges: int
    note: str
    unplaced: int = 0
    """Members taking part whom no group could take (a lone member, or avoidances)."""
    sat_out: tuple[str, ...] = ()
    """Who sat the round out, introduced within the programme's minimum gap."""
    insisted: tuple[str, ...] = ()
    """Who was introduced within the gap all the same, because the convener insisted."""
    auto_paused: tuple[str, ...] = ()
    """Who is paused for unanswered follow-ups once the round is done."""

    @property
    def too_few(self) -> bool:
        """Whether the round found nobody, or not everyone, to pair."""

        return self.groups == 0 or self.unplaced > 0


@dataclass(frozen=True, slots=True)
class Person:
    member: Member
    silos: tuple[Silo, ...]
    about: str | None


async def run_round(
    session: AsyncSession,
    *,
    workspace: Workspace,
    programme: Programme,
    slot: datetime,
    outbox: Outbox,
    capabilities: Capabilities,
    insist: bool = False,
) -> RoundSummary:
    """Run one round at ``slot``; ``insist`` also introduces members within the minimum gap."""

    assert workspace.id is not None and programme.id is not None
    number = await pairings_repo.round_count(session, programme.id) + 1
    people = await _people(session, workspace.id, programme)
    joined = await pairings_repo.participants(session, programme.id)
    await _wake_the_rested(joined, programme, slot, outbox, number)
    await _pause_the_silent(session, joined, programme, outbox, number)
    ready = [p.member_id for p, _ in joined if taking_part(p)]
    recent = await gap.sitting_out(session, programme, ready, slot)
    eligible = ready if insist else [m for m in ready if m not in recent]
    sat_out = () if insist else _names(people, recent)
    insisted = _names(people, recent) if insist else ()
    silo_kinds = {
        silo.id: kind_key(silo.kind)
        for person in people.values()
        for silo in person.silos
        if silo.id
    }
    topics = await _topics(session, workspace.id, programme, eligible, slot)
    past = await pairings_repo.rounds(session, programme.id)
    history_rows = await pairings_repo.groups_of_rounds(
        session, [r.id for r in past[-HISTORY_ROUNDS:] if r.id is not None]
    )
    lately_outside = await _introduced_outside(session, workspace.id, programme, slot)
    result = matching.match_round(
        matching.RoundInput(
            members=tuple(
                matching.RoundMember(
                    id=member_id,
                    silos=frozenset(s.id for s in people[member_id].silos if s.id is not None),
                    utc_offset_minutes=utc_offset_minutes(people[member_id].member.timezone, slot),
                )
                for member_id in eligible
            ),
            silo_kinds=silo_kinds,
            rules=_rules(programme, number),
            exclusions=frozenset(await pairings_repo.avoidances_among(session, eligible)),
            history=_history(past[-HISTORY_ROUNDS:], history_rows) + lately_outside,
            connections=await _connections(session, workspace.id),
            shared=shared_pairs(
                [s.id for s in person.silos if s.id is not None] for person in people.values()
            ),
            affinity={pair: found.score for pair, found in topics.items()},
        )
    )
    pairing_round = await pairings_repo.add_round(
        session,
        PairingRound(
            workspace_id=workspace.id,
            programme_id=programme.id,
            number=number,
            slot_at=slot,
            participants=len(eligible),
        ),
    )
    assert pairing_round.id is not None
    new_bridges = 0
    for index, group in enumerate(result.groups):
        starter = _starter(programme, number, index)
        members = [people[m] for m in group.members]
        topic = topics.get(frozenset(group.affinity_pair)) if group.affinity_pair else None
        row = await pairings_repo.add_group(
            session,
            round_id=pairing_round.id,
            workspace_id=workspace.id,
            member_ids=group.members,
            starter=starter,
            reasons={
                "new_bridges": [list(pair) for pair in group.new_bridges],
                "known_bridges": [list(b.silos) for b in group.known_bridges],
                "met_before": [list(m.members) for m in group.met_before],
                **({"affinity": round(topic.score, 3)} if topic is not None else {}),
            },
            bridges=_silo_pairs(members),
        )
        new_bridges += len(group.new_bridges)
        await _introduce(
            outbox,
            capabilities,
            programme,
            number,
            row.id or 0,
            members,
            group,
            starter,
            slot,
            topic,
        )
    if len(eligible) >= 2:
        why_not = "everyone left was someone you asked not to meet"
    elif sat_out:
        why_not = (
            f"everyone else taking part was introduced {gap.lately(programme)}, "
            "so there was nobody to meet"
        )
    else:
        why_not = "you were the only one taking part, so there was nobody to meet"
    for member_id in result.unplaced:
        await outbox.send(
            f"pairing:{programme.id}:round:{number}:unplaced:{member_id}",
            OutgoingMessage(
                Target.dm(people[member_id].member.platform_user_id),
                f"No introduction for you this round in #{programme.channel_name}: {why_not}. "
                "You will be in the next one.",
            ),
        )
    programme.next_starter = (programme.next_starter + len(result.groups)) % max(
        1, len(programme.starters or DEFAULT_STARTERS)
    )
    pairings_repo.stage(session, programme)
    summary = RoundSummary(
        number,
        len(eligible),
        len(result.groups),
        new_bridges,
        result.note,
        unplaced=len(result.unplaced),
        sat_out=sat_out,
        insisted=insisted,
        auto_paused=tuple(m.display_name for p, m in joined if p.status == pairings_repo.PAUSED),
    )
    await outbox.send(
        f"pairing:{programme.id}:round:{number}:summary",
        OutgoingMessage(
            Target.channel(programme.channel_id), _summary_text(programme, summary, capabilities)
        ),
    )
    return summary


def taking_part(participant: Participant) -> bool:
    """In, and not resting: neither paused by themselves nor paused automatically."""

    return participant.status == pairings_repo.ACTIVE and participant.paused_until is None


async def expected(
    session: AsyncSession, programme: Programme, slot: datetime
) -> list[tuple[Participant, Member]]:
    """Who a round at ``slot`` would take before the minimum gap, as ``run_round`` will find.

    Those whose own pause is over by then are in; those the round would pause
    for unanswered follow-ups are not. Nothing is changed.
    """

    assert programme.id is not None
    joined = await pairings_repo.participants(session, programme.id)
    ready = [
        (p, m)
        for p, m in joined
        if p.status == pairings_repo.ACTIVE and (p.paused_until is None or p.paused_until <= slot)
    ]
    streaks = await pairings_repo.unanswered_streaks(
        session, programme.id, [p.member_id for p, _ in ready]
    )
    return [
        (p, m) for p, m in ready if streaks.get(p.member_id, 0) < IGNORED_FOLLOWUPS_BEFORE_PAUSE
    ]


def _names(people: dict[int, Person], member_ids: Iterable[int]) -> tuple[str, ...]:
    return tuple(sorted((people[m].member.display_name for m in member_ids), key=str.lower))


def _summary_text(programme: Programme, summary: RoundSummary, capabilities: Capabilities) -> str:
    """The channel's line about a round: counts only, never who sat it out."""

    head = f"Round {summary.number} of introductions in #{programme.channel_name}: "
    resting = len(summary.sat_out)
    rested = (
        f"{plural(resting, 'person', 'people')} introduced {gap.lately(programme)} "
        f"{'sits' if resting == 1 else 'sit'} this one out"
    )
    if summary.groups == 0 and resting:
        left = (
            ""
            if summary.participants == 0
            else f", which left {plural(summary.participants, 'person', 'people')}, "
            "not enough for a group"
        )
        return (
            f"{head}no groups this time: {rested}{left}. Those who sat out are in the next round."
        )
    if summary.groups == 0:
        return (
            f"{head}{summary.participants or 'nobody'} taking part, not enough for a group. "
            "Join with /pairing join and invite a colleague from another team."
        )
    bridges = (
        f" and {plural(summary.new_bridges, 'new bridge')} between silos"
        if summary.new_bridges
        else ""
    )
    also = f"; {rested}" if resting else ""
    return (
        f"{head}{plural(summary.participants, 'person', 'people')} in "
        f"{plural(summary.groups, 'group')}{bridges}{also}. {_where_groups_meet(capabilities)}"
    )


def _where_groups_meet(capabilities: Capabilities) -> str:
    """Where members find their group, as ``_send_group`` sends it."""

    if capabilities.group_dm or not capabilities.private_threads:
        return "Check your DMs!"
    return "Each group has a private thread in this channel: look for yours in the threads list!"


async def _people(
    session: AsyncSession, workspace_id: int, programme: Programme
) -> dict[int, Person]:
    assert programme.id is not None
    about = {
        p.member_id: p.about for p, _ in await pairings_repo.participants(session, programme.id)
    }
    return {
        row.member.id: Person(row.member, row.silos, about.get(row.member.id))
        for row in await members_repo.list_with_silos(session, workspace_id)
        if row.member.id is not None
    }


async def _topics(
    session: AsyncSession,
    workspace_id: int,
    programme: Programme,
    eligible: Sequence[int],
    slot: datetime,
) -> dict[frozenset[int], Match]:
    """With topic affinity on: for each pair of ``eligible`` members whose need and offer
    match, the best such match (its score is the pair's affinity); otherwise nothing.

    The same reading as ``topics.affinity`` (which gives only the scores): the
    passages of the workspace's last ``opportunity_weeks`` weeks, of these
    members only, so how rare a word is is read from what they wrote.
    """

    if not programme.affinity or len(eligible) < 2:
        return {}
    settings = await settings_repo.get(session, workspace_id)
    since = window(slot, settings.opportunity_weeks or DEFAULT_WEEKS)
    taking_part_now = set(eligible)
    written: list[Passage] = [
        p
        for p in await load_passages(session, workspace_id, since=since)
        if p.member_id in taking_part_now
    ]
    if not written:
        return {}
    found = match(
        written, allowed=lambda _a, _b: True, threshold=THRESHOLD, per_member=len(written)
    )
    return {pair.members: pair for pair in found}


def _rules(programme: Programme, number: int) -> matching.RoundRules:
    """The programme's settings as the engine reads them, its mix in the kinds' one spelling."""

    assert programme.id is not None
    mix = read_mix(programme.mix_kinds)
    return matching.RoundRules(
        group_size=programme.group_size,
        mix_kinds=None if mix.kinds is None else frozenset(kind_key(k) for k in mix.kinds),
        crossings=frozenset(
            frozenset(kind_key(k) for k in crossing)
            for crossing in mix.crossings
            if len({kind_key(k) for k in crossing}) == 2
        ),
        ban_rounds=programme.ban_rounds,
        affinity_weight=matching.AFFINITY if programme.affinity else 0,
        seed=programme.id * 1_000_003 + number,
    )


async def _connections(
    session: AsyncSession, workspace_id: int
) -> dict[matching.SiloPair, matching.Connection]:
    """What introductions did across each silo pair: introduced, and met (``Connection``)."""

    outcomes = await pairings_repo.connection_outcomes(session, workspace_id)
    return {
        pair: matching.Connection(introduced, met) for pair, (introduced, met) in outcomes.items()
    }


async def _introduced_outside(
    session: AsyncSession, workspace_id: int, programme: Programme, slot: datetime
) -> tuple[tuple[matching.MemberGroup, ...], ...]:
    """Groups introduced outside the rounds (a suggestion, a member's ask) within the
    programme's ban, read by the engine as the latest round: two people a convener
    has just introduced are not introduced again by the next round."""

    since = slot - timedelta(weeks=programme.ban_rounds * max(1, programme.every_weeks))
    recent = [
        r.id
        for r in await pairings_repo.rounds_outside(session, workspace_id)
        if r.id is not None and r.slot_at >= since
    ]
    if not recent:
        return ()
    rows = await pairings_repo.groups_of_rounds(session, recent)
    return (tuple(tuple(m.member_id for m in row.members) for row in rows),)


def _history(
    past: Sequence[PairingRound], rows: Sequence[pairings_repo.GroupRow]
) -> tuple[tuple[matching.MemberGroup, ...], ...]:
    by_round: dict[int, list[matching.MemberGroup]] = {r.id or 0: [] for r in past}
    for row in rows:
        by_round.setdefault(row.pairing_round.id or 0, []).append(
            tuple(m.member_id for m in row.members)
        )
    return tuple(tuple(by_round[r.id or 0]) for r in past)


def _silo_pairs(members: Sequence[Person]) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for i, first in enumerate(members):
        for second in members[i + 1 :]:
            for a in first.silos:
                for b in second.silos:
                    if a.id is not None and b.id is not None and a.id != b.id:
                        pairs.add((min(a.id, b.id), max(a.id, b.id)))
    return pairs


def _starter(programme: Programme, number: int, index: int) -> str:
    starters = programme.starters or list(DEFAULT_STARTERS)
    return starters[(programme.next_starter + index) % len(starters)]


async def _wake_the_rested(
    joined: Sequence[tuple[Participant, Member]],
    programme: Programme,
    now: datetime,
    outbox: Outbox,
    number: int,
) -> None:
    for participant, member in joined:
        if participant.paused_until is not None and participant.paused_until <= now:
            participant.paused_until = None
            await outbox.send(
                f"pairing:{programme.id}:round:{number}:resumed:{member.id}",
                OutgoingMessage(
                    Target.dm(member.platform_user_id),
                    f"Welcome back: your pause is over, and you are in this round's "
                    f"introductions in #{programme.channel_name}.",
                ),
            )


async def _pause_the_silent(
    session: AsyncSession,
    joined: Sequence[tuple[Participant, Member]],
    programme: Programme,
    outbox: Outbox,
    number: int,
) -> None:
    assert programme.id is not None
    active = [p.member_id for p, _ in joined if p.status == pairings_repo.ACTIVE]
    streaks = await pairings_repo.unanswered_streaks(session, programme.id, active)
    for participant, member in joined:
        if streaks.get(participant.member_id, 0) < IGNORED_FOLLOWUPS_BEFORE_PAUSE:
            continue
        if participant.status != pairings_repo.ACTIVE:
            continue
        participant.status = pairings_repo.PAUSED
        pairings_repo.stage(session, participant)
        await outbox.send(
            f"pairing:{programme.id}:round:{number}:auto-paused:{member.id}",
            OutgoingMessage(
                Target.dm(member.platform_user_id),
                "You have not answered your last three introduction follow-ups, so I have "
                f"paused your introductions in #{programme.channel_name} for now. Whenever "
                f"you want to meet people again, type /pairing join #{programme.channel_name}",
            ),
        )


async def _introduce(
    outbox: Outbox,
    capabilities: Capabilities,
    programme: Programme,
    number: int,
    group_id: int,
    members: Sequence[Person],
    group: matching.Group,
    starter: str,
    slot: datetime,
    topic: Match | None = None,
) -> None:
    silos_by_id = {s.id: s for person in members for s in person.silos}
    lines = [f"*Introductions, round {number} of #{programme.channel_name}*", "Meet each other:"]
    for person in members:
        silos = ", ".join(f"{s.name} ({s.kind})" for s in person.silos) or "no silo given"
        zone = person.member.timezone or "time zone not set"
        about = f' "{plain(person.about)}"' if person.about else ""
        lines.append(f"- {mention(person.member.platform_user_id)}: {silos}; {zone}.{about}")
    lines.append("Why you: " + _why(group, silos_by_id))
    if topic is not None:
        lines.append(_topic_line(topic, {p.member.id: p for p in members}))
    lines.append(f"To start: {starter}")
    zones = [p.member.timezone for p in members]
    windows = shared_windows(zones, slot)
    if windows:
        lines.append("Times inside everyone's working hours:")
        lines.extend(f"- {describe_window(w, zones)}" for w in windows)
    else:
        lines.append(
            "Your working hours do not overlap this week: agree a time at either end of the "
            "day, or trade voice notes."
        )
    text = "\n".join(lines)
    ids = tuple(p.member.platform_user_id for p in members)
    key = f"pairing:{programme.id}:round:{number}:group:{group_id}"
    if capabilities.group_dm:
        await outbox.send(key, OutgoingMessage(Target.group(ids), text))
        return
    if capabilities.private_threads:
        # A private thread of the programme's channel, inviting exactly the group
        # (the adapter falls back to one DM each where it cannot open one).
        target = Target.group(ids, channel_id=programme.channel_id)
        await outbox.send(key, OutgoingMessage(target, text))
        return
    for member_id in ids:
        await outbox.send(f"{key}:dm:{member_id}", OutgoingMessage(Target.dm(member_id), text))


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _why(group: matching.Group, silos: dict[int | None, Silo]) -> str:
    """Why these people: the bridges their meeting would build, or has built before.

    The engine names only bridges (silos of one kind, or of kinds the
    programme crosses; never silos someone already stands in together), so
    a member in both Radiotherapy and Trust A is never told those two have
    not met.
    """

    def name(silo_id: int) -> str:
        silo = silos.get(silo_id)
        return silo.name if silo else "a silo"

    if group.new_bridges:
        pairs = [f"{name(a)} and {name(b)}" for a, b in group.new_bridges[:3]]
        return "; ".join(pairs) + " have not met through Convene before."
    if group.known_bridges:
        a, b = group.known_bridges[0].silos
        return (
            f"{name(a)} and {name(b)} have met only "
            f"{_times(group.known_bridges[0].meetings_before)} through Convene: "
            "more bridges make a stronger link."
        )
    if group.met_before:
        return _met_before(group)
    if group.shared_minutes:
        return "You have not met through Convene yet, and your working days line up."
    return "You have not met through Convene yet."


SNIPPET = 160
"""The most of a member's words quoted in an introduction's topic line."""


def _topic_line(found: Match, people: Mapping[int | None, Person]) -> str:
    """What two members of the group wrote that matched: one's need, the other's offer.

    Only what may be quoted to members is quoted (``Passage.quotable``:
    check-in answers, posted with their authors' names, about lines, and
    take-aways shared with a name); a take-away meant for conveners only is
    never quoted, and then the line says only that there is something.
    """

    need_name = plain(people[found.need.member_id].member.display_name)
    offer_name = plain(people[found.offer.member_id].member.display_name)
    need = f'"{plain(snippet(found.need.text, SNIPPET))}"' if found.need.quotable else ""
    offer = f'"{plain(snippet(found.offer.text, SNIPPET))}"' if found.offer.quotable else ""
    head = "Something to talk about: "
    if need and offer:
        return f"{head}{need_name} wrote {need}, and {offer_name} wrote {offer}."
    if need:
        return f"{head}{need_name} wrote {need}, and {offer_name} has worked on something like it."
    if offer:
        return (
            f"{head}{offer_name} wrote {offer}, which may help with something {need_name} "
            "is working on."
        )
    return f"{head}{need_name} could use help with something {offer_name} has worked on."


def _met_before(group: matching.Group) -> str:
    """Why people who were introduced before meet again: no bridge, and nobody newer."""

    latest = min(meeting.rounds_ago for meeting in group.met_before)
    when = "in the last round" if latest == 1 else f"{latest} rounds ago"
    pairs = len(group.members) * (len(group.members) - 1) // 2
    if len(group.met_before) == pairs:
        return f"You were introduced {when}: a chance to pick up where you left off."
    return f"Some of you were introduced {when}; for the others this is a first meeting."


# -- follow-ups ----------------------------------------------------------------------


async def send_followups(
    session: AsyncSession, programme: Programme, now: datetime, outbox: Outbox
) -> int:
    """Ask each member of rounds old enough whether they met; returns how many asked."""

    assert programme.id is not None
    due = await pairings_repo.rounds_awaiting_followup(
        session, programme.id, now - timedelta(days=programme.followup_days)
    )
    rows = await pairings_repo.groups_of_rounds(session, [r.id for r in due if r.id is not None])
    names = {
        m.member.id: m.member
        for m in await members_repo.list_with_silos(session, programme.workspace_id)
    }
    asked = 0
    for row in rows:
        for place in row.members:
            member = names[place.member_id]
            others = [names[o.member_id].display_name for o in row.members if o is not place]
            await outbox.send(
                f"pairing-followup:{row.group.id}:{place.member_id}",
                OutgoingMessage(
                    Target.dm(member.platform_user_id),
                    f"How did your introduction to {_and(others)} go "
                    f"(round {row.pairing_round.number} in #{programme.channel_name})?",
                    (
                        Button("We met", "pairing.met", str(row.group.id), "primary"),
                        Button("Not yet", "pairing.notyet", str(row.group.id)),
                        Button("We won't", "pairing.wont", str(row.group.id)),
                    ),
                ),
            )
            asked += 1
    for pairing_round in due:
        pairing_round.followups_sent_at = now
        pairings_repo.stage(session, pairing_round)
    return asked


def _and(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# -- schedule jobs ---------------------------------------------------------------------


async def round_job(context: JobContext) -> None:
    programme = await pairings_repo.programme(context.session, context.subject_id or 0)
    if programme is None or programme.status != pairings_repo.ACTIVE:
        return
    if week_index(programme, context.slot) % programme.every_weeks:
        return
    summary = await run_round(
        context.session,
        workspace=context.workspace,
        programme=programme,
        slot=context.slot,
        outbox=context.outbox,
        capabilities=context.capabilities,
    )
    log.info(
        "round %d of programme %s: %d people in %d groups",
        summary.number,
        programme.id,
        summary.participants,
        summary.groups,
    )
    await tell_conveners(context.session, programme, summary, context.outbox)


async def tell_conveners(
    session: AsyncSession, programme: Programme, summary: RoundSummary, outbox: Outbox
) -> None:
    """After a scheduled round that found too few to pair, name who is paused automatically.

    Only then: a round that paired everyone needs nobody's attention, and a
    convener who ran ``round now`` read the same in its answer.
    """

    if not (summary.too_few and summary.auto_paused):
        return
    if summary.groups == 0 and summary.participants == 0:
        found = "made no groups: nobody was taking part"
    elif summary.groups == 0:
        were = "was" if summary.participants == 1 else "were"
        found = (
            f"made no groups: {plural(summary.participants, 'person', 'people')} {were} taking part"
        )
    else:
        found = f"left {plural(summary.unplaced, 'person', 'people')} without a group"
    sat = (
        f"; {listed(summary.sat_out)} sat it out, introduced {gap.lately(programme)}"
        if summary.sat_out
        else ""
    )
    head = f"Round {summary.number} of introductions in #{programme.channel_name} {found}{sat}."
    for convener in await members_repo.conveners(session, programme.workspace_id):
        await outbox.send(
            f"pairing:{programme.id}:round:{summary.number}:conveners:{convener.id}",
            resting.conveners_message(
                head, programme, summary.auto_paused, Target.dm(convener.platform_user_id)
            ),
        )


async def followup_job(context: JobContext) -> None:
    programme = await pairings_repo.programme(context.session, context.subject_id or 0)
    if programme is None:
        return
    await send_followups(context.session, programme, context.slot, context.outbox)
