"""``/convene pairing met``: a convener records a meeting members told them about in person.

Many people never press ``[We met]``; they mention it in the corridor. A
convener marks their group met (``outcome = "met"`` with ``met_marked_by``), so
the landscape counts the bridge. Only members who have not said otherwise are
marked: one who answered ``[We won't]`` is asked about first (``--anyway`` or the
button overrides), one who answered ``[Not yet]`` has met since. Marking twice
changes nothing and says so.

Introductions made outside the rounds (a convener's suggestion, a member's
ask) have no programme and no round number. Without ``#CHANNEL`` or
``--round``, the command marks the latest introduction that put all the named
members together: when that one was made outside the rounds, it is the one
marked (a convener who suggested Ana and Bea, then heard they met, types
``/convene pairing met @ana @bea``). Naming a channel or a round always means
that programme's rounds, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from bot.commands import Args
from bot.context import Context
from bot.errors import UserError
from bot.events import ButtonClicked
from bot.markup import plain
from bot.messages import Button
from bot.permissions import require_convener
from bot.words import quoted
from handlers.introductions.names import listed
from handlers.introductions.programmes import programme_meant
from handlers.shared.members import find_member, workspace_id
from handlers.shared.origins import the_introduction
from storage.models import Member, PairingGroupMember, PairingRound, Programme
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo
from storage.repositories.pairings import GroupRow

MET = "/convene pairing met @MEMBER [@MEMBER] [#CHANNEL] [--round N] [--anyway]"
MARK_ANYWAY = "pairing.met.anyway"
ANYWAY_LABEL = "Mark met anyway"


async def mark_met(context: Context, args: Args) -> None:
    named = [await find_member(context, args["member"], MET)]
    if args.get("other_member"):
        other = await find_member(context, args["other_member"], MET)
        if other.id != named[0].id:
            named.append(other)
    ids = {m.id for m in named if m.id is not None}
    found = await _outside_meant(context, args, ids)
    if found is not None:
        where = the_introduction(found.pairing_round.origin, found.pairing_round.slot_at)
        command = _command(named)
    else:
        programme = await programme_meant(context, args.get("channel"), MET)
        pairing_round = await _round_meant(context, programme, args)
        found = await _their_group(context, programme, pairing_round, named)
        where = _where(programme, pairing_round)
        command = _command(named, programme, pairing_round)
    said_no = [p for p in found.members if p.member_id in ids and p.outcome == "wont"]
    if said_no and not args.flag("anyway"):
        value = f"{found.group.id}:" + ",".join(str(i) for i in sorted(ids))
        raise UserError(
            f"{_names(said_no, await _display_names(context))} answered We won't "
            f"({where}), so I marked nothing. If they met after all: "
            f"[{ANYWAY_LABEL}], or {command} --anyway",
            buttons=[Button(ANYWAY_LABEL, MARK_ANYWAY, value)],
        )
    await _mark(context, where, found, ids)


async def _outside_meant(context: Context, args: Args, member_ids: set[int]) -> GroupRow | None:
    """The introduction made outside the rounds that the command means, if it means one:
    with no channel or round named, the latest introduction holding every member named,
    when that one had no programme."""

    if args.get("channel") or args.get("round") is not None:
        return None
    found = await pairings_repo.rounds_together(
        context.session, workspace_id(context), sorted(member_ids), limit=1
    )
    latest = found[0] if found else None
    if latest is None or latest.programme_id is not None or latest.id is None:
        return None
    rows = await pairings_repo.groups_of_rounds(context.session, [latest.id])
    return next(
        (r for r in rows if member_ids <= {p.member_id for p in r.members}),
        None,
    )


def _where(programme: Programme, pairing_round: PairingRound) -> str:
    return f"round {pairing_round.number} of #{programme.channel_name}"


def _command(
    named: Sequence[Member],
    programme: Programme | None = None,
    pairing_round: PairingRound | None = None,
) -> str:
    """The command that marks these members met in this round, as a convener types it
    (with no programme: the latest introduction of theirs, made outside the rounds)."""

    where = (
        [f"#{programme.channel_name}", f"--round {pairing_round.number}"]
        if programme is not None and pairing_round is not None
        else []
    )
    return " ".join(["/convene pairing met", *(_typed(m) for m in named), *where])


def _typed(member: Member) -> str:
    return plain(quoted(member.display_name))


async def _round_meant(context: Context, programme: Programme, args: Args) -> PairingRound:
    """The round named by ``--round N``, else the programme's latest."""

    assert programme.id is not None
    rounds = list(await pairings_repo.rounds(context.session, programme.id))
    channel = f"#{programme.channel_name}"
    if not rounds:
        raise UserError(
            f"No round has run in {channel} yet, so nobody there has been introduced. "
            f"Run one with /convene pairing round now {channel}"
        )
    typed = args.get("round")
    if typed is None:
        return rounds[-1]
    number = typed.strip().lstrip("#")
    found = next((r for r in rounds if str(r.number) == number), None)
    if found is None:
        span = "1" if len(rounds) == 1 else f"1 to {rounds[-1].number}"
        raise args.refusal(
            f"--round {plain(typed)}: {channel} has had {len(rounds)} "
            f"round{'s' if len(rounds) != 1 else ''}, numbered {span}.",
            {"round": str(rounds[-1].number)},
        )
    return found


async def _their_group(
    context: Context, programme: Programme, pairing_round: PairingRound, named: Sequence[Member]
) -> GroupRow:
    """The one group of the round that holds every member named, or why there is none."""

    assert pairing_round.id is not None and programme.id is not None
    rows = await pairings_repo.groups_of_rounds(context.session, [pairing_round.id])
    where = _where(programme, pairing_round)
    found: dict[int | None, GroupRow] = {}
    for member in named:
        row = next((r for r in rows if any(p.member_id == member.id for p in r.members)), None)
        if row is None:
            raise UserError(await _not_in_round(context, programme, pairing_round, member))
        found[member.id] = row
    groups = {row.group.id for row in found.values()}
    if len(groups) > 1:
        names = await _display_names(context)
        parts = [
            f"{plain(m.display_name)} was with "
            + listed([names[p.member_id] for p in found[m.id].members if p.member_id != m.id])
            for m in named
        ]
        raise UserError(
            f"{listed([m.display_name for m in named])} were not in the same group in {where}: "
            f"{'; '.join(parts)}. Mark each of them with their own group, e.g. "
            f"{_command(named[:1], programme, pairing_round)}"
        )
    return found[named[0].id]


async def _not_in_round(
    context: Context, programme: Programme, pairing_round: PairingRound, member: Member
) -> str:
    assert programme.id is not None and member.id is not None
    latest = await pairings_repo.last_introductions(context.session, programme.id, [member.id])
    who = plain(member.display_name)
    where = _where(programme, pairing_round)
    last = latest.get(member.id)
    if last is None:
        return (
            f"{who} has not been introduced in #{programme.channel_name} yet, so there is "
            "no meeting to mark."
        )
    return (
        f"{who} was not in a group in {where}. Their latest introduction there was round "
        f"{last.number}: {_command([member], programme, last)}"
    )


async def _display_names(context: Context) -> dict[int, str]:
    assert context.workspace.id is not None
    everyone = await members_repo.of_workspace(context.session, context.workspace.id)
    return {m.id: m.display_name for m in everyone if m.id is not None}


def _names(places: Sequence[PairingGroupMember], names: Mapping[int, str]) -> str:
    return listed([names.get(p.member_id, "someone") for p in places])


async def _mark(context: Context, where: str, row: GroupRow, member_ids: Collection[int]) -> None:
    """Mark the members' places met and say what changed (nothing, when they were)."""

    assert context.actor.id is not None
    names = await _display_names(context)
    places = [p for p in row.members if p.member_id in member_ids]
    others = [p for p in row.members if p.member_id not in member_ids]
    already = [p for p in places if p.outcome == "met"]
    marked = [p for p in places if p.outcome != "met"]
    not_yet = [p for p in marked if p.outcome == "not_yet"]
    said_no = [p for p in marked if p.outcome == "wont"]
    for place in marked:
        place.outcome = "met"
        place.met_marked_by = context.actor.id
        pairings_repo.stage(context.session, place)
    sentences = []
    if marked:
        with_whom = f" (introduced to {_names(others, names)})" if others else ""
        sentences.append(
            f"Marked as met: {_names(marked, names)}{with_whom}, {where}. It counts as met "
            "in /convene pairing stats from now on."
        )
        if not_yet:
            sentences.append(f"{_names(not_yet, names)} had answered Not yet.")
        if said_no:
            sentences.append(f"{_names(said_no, names)} had answered We won't.")
    if already:
        how = "; ".join(_how_already(context, p, names) for p in already)
        sentences.append(f"Already met, so nothing changed: {how}.")
    await context.reply(" ".join(sentences))


def _how_already(context: Context, place: PairingGroupMember, names: Mapping[int, str]) -> str:
    who = plain(names.get(place.member_id, "someone"))
    if place.met_marked_by is None:
        return f"{who} answered We met"
    if place.met_marked_by == context.actor.id:
        return f"you marked {who} met"
    return f"{plain(names.get(place.met_marked_by, 'a convener'))} marked {who} met"


async def anyway_clicked(context: Context) -> None:
    """``[Mark met anyway]``: the members asked about, marked met all the same."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "mark introductions as met")
    group_ref, _, member_refs = event.value.partition(":")
    group = await pairings_repo.group(context.session, int(group_ref) if group_ref.isdigit() else 0)
    row = None
    if group is not None:
        rows = await pairings_repo.groups_of_rounds(context.session, [group.round_id])
        row = next((r for r in rows if r.group.id == group.id), None)
    if row is None or row.pairing_round.workspace_id != context.workspace.id:
        await context.reply("That introduction no longer exists; nothing was marked.")
        return
    pairing_round = row.pairing_round
    if pairing_round.programme_id is None:
        where = the_introduction(pairing_round.origin, pairing_round.slot_at)
    else:
        programme = await pairings_repo.programme(context.session, pairing_round.programme_id)
        if programme is None:
            await context.reply("That introduction no longer exists; nothing was marked.")
            return
        where = _where(programme, pairing_round)
    ids = {int(m) for m in member_refs.split(",") if m.isdigit()}
    if not any(p.member_id in ids for p in row.members):
        await context.reply("Those members are no longer in that introduction; nothing was marked.")
        return
    await _mark(context, where, row, ids)
