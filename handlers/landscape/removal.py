"""Removing a member: asked first, with what goes, what stays and the one choice, then done.

Removing a member forgets them, as ``/convene me forget`` does: their answers,
take-aways, places and links are deleted, their name leaves every row and
message Convene keeps, and their introductions stay counted on the landscape
without it. The convener chooses what happens to what they did for the team:
``[Remove, keep their contributions]`` keeps the commitments they own and the
retro items they wrote, shown as "a former member"'s; ``[Remove and erase
everything]`` deletes those too. The convener reads all of it before anything
happens; ``[Cancel]`` changes nothing. Conveners are not removed this way: they
step down first, and nobody removes themselves.
"""

from __future__ import annotations

from datetime import date

from bot.commands import Args
from bot.context import Context
from bot.errors import UserError
from bot.events import ButtonClicked
from bot.markup import plain
from bot.messages import Button
from bot.permissions import require_convener
from bot.registry import Registry
from handlers.shared.dates import due_text
from handlers.shared.forgetting import forget, messages_going, what_went_and_stayed
from handlers.shared.members import find_member, workspace_id
from handlers.shared.text import listed, plural
from storage.models import Commitment, Member
from storage.repositories import footprints as footprints_repo
from storage.repositories import members as members_repo
from storage.repositories.erasure import Erasure

MEMBER_REMOVE = "/convene member remove NAME"
REMOVE = "member.remove"
"""Remove, keeping their contributions (the button's value: the member's id)."""
ERASE = "member.erase"
"""Remove and erase everything."""
KEEP = "member.keep"
"""Cancel: the member stays."""
LISTED_COMMITMENTS = 5


async def member_remove(context: Context, args: Args) -> None:
    """Say what removing the member deletes and keeps, with the choice and ``[Cancel]``."""

    member = await find_member(context, args["name"], MEMBER_REMOVE)
    await _check_removable(context, member)
    footprint = await footprints_repo.of_member(context.session, member)
    ask = f"Remove {plain(member.display_name)} from Convene?"
    goes = _what_goes(footprint)
    if len(goes) == 1:
        lines = [f"{ask} Either way this deletes {goes[0]}."]
    else:
        lines = [f"{ask} Either way this deletes:", *(f"- {part}" for part in goes)]
    answered = footprint.checkin_answers or footprint.learnings
    lines.append(
        "Their name leaves everything Convene keeps"
        + (
            ", and messages Convene posted with their answers are taken off the platform."
            if answered
            else "."
        )
        + (
            f" Their part in {plural(footprint.introductions, 'introduction')} stays counted "
            "on the landscape, without their name."
            if footprint.introductions
            else ""
        )
    )
    lines.append(_the_choice(footprint, context.now.date()))
    lines.append("Nothing is removed until you press Remove.")
    value = str(member.id)
    await context.reply(
        "\n".join(lines),
        [
            Button("Remove, keep their contributions", REMOVE, value, "danger"),
            Button("Remove and erase everything", ERASE, value, "danger"),
            Button("Cancel", KEEP, value),
        ],
    )


async def removal_confirmed(context: Context) -> None:
    """``[Remove, keep their contributions]``."""

    await _remove(context, keep_contributions=True)


async def erasure_confirmed(context: Context) -> None:
    """``[Remove and erase everything]``."""

    await _remove(context, keep_contributions=False)


async def _remove(context: Context, *, keep_contributions: bool) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "remove a member")
    member = await members_repo.get(
        context.session, int(event.value) if event.value.isdigit() else 0
    )
    if member is None or member.workspace_id != workspace_id(context) or member.erased_at:
        await context.reply("That member was already removed; nothing more to do.")
        return
    await _check_removable(context, member)
    erasure = await forget(context, member, keep_contributions=keep_contributions)
    kept = "kept their contributions" if keep_contributions else "erased everything"
    await context.audit("member remove", subject=f"({kept})", member=member)
    await context.reply(removed_text(erasure))


def removed_text(erasure: Erasure) -> str:
    """What a removal did, without the name it took away."""

    deleted, kept = what_went_and_stayed(erasure, "their")
    deleted.append("their own settings")
    text = f"Removed, and their name is gone from Convene: deleted {listed(deleted)}."
    if kept:
        text += f" Kept for the team as a former member's: {listed(kept)}, with no reminders."
    return text + messages_going(erasure, "their")


async def removal_cancelled(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    member = await members_repo.get(
        context.session, int(event.value) if event.value.isdigit() else 0
    )
    who = plain(member.display_name) if member is not None else "They"
    await context.reply(f"Cancelled: {who} stays, with everything of theirs; nothing was removed.")


async def _check_removable(context: Context, member: Member) -> None:
    """Nobody removes themselves, and a convener steps down before being removed."""

    name = plain(member.display_name)
    conveners = await members_repo.conveners(context.session, workspace_id(context))
    others = [plain(c.display_name) for c in conveners if c.id != member.id]
    if member.id == context.actor.id:
        if not others:
            raise UserError(
                "You are the only convener, so removing you would leave nobody to run Convene. "
                "Make someone else a convener first (/convene convener add NAME); they can "
                "then remove you if you wish."
            )
        raise UserError(
            f"You cannot remove yourself. {listed(others, 'or')} can: first "
            f"/convene convener remove {name}, then /convene member remove {name}."
        )
    if member.is_convener:
        raise UserError(
            f"{name} is a convener. To remove them, first /convene convener remove {name}, "
            f"then /convene member remove {name}."
        )


def _what_goes(footprint: footprints_repo.Footprint) -> list[str]:
    """What removing the member deletes whichever they choose, one item each."""

    parts: list[str] = []
    if footprint.checkin_answers:
        parts.append(plural(footprint.checkin_answers, "check-in answer"))
    if footprint.learnings:
        parts.append(
            f"what they learned from {plural(footprint.learnings, 'introduction')} "
            "(their take-aways)"
        )
    if footprint.suggestions:
        parts.append(plural(footprint.suggestions, "suggestion") + " that they meet someone")
    if footprint.programmes:
        parts.append(f"their place in {plural(footprint.programmes, 'introductions programme')}")
    if footprint.silos:
        parts.append(f"their links to {plural(footprint.silos, 'silo')}")
    parts.append("their own settings")
    return parts


def _the_choice(footprint: footprints_repo.Footprint, today: date) -> str:
    """What the two Remove buttons decide: the commitments they own and their retro items."""

    if not footprint.contributions:
        return (
            "They own no commitments and wrote no retro items under their name, so both "
            "Remove buttons do the same."
        )
    theirs: list[str] = []
    if footprint.commitments:
        counted = plural(footprint.commitments, "commitment")
        unfinished = footprint.unfinished_commitments
        if unfinished:
            shown = [_commitment(c, today) for c in unfinished[:LISTED_COMMITMENTS]]
            if len(unfinished) > LISTED_COMMITMENTS:
                shown.append(f"{len(unfinished) - LISTED_COMMITMENTS} more")
            counted += f" ({len(unfinished)} unfinished: {'; '.join(shown)})"
        theirs.append(counted)
    if footprint.retro_items:
        theirs.append(f"{plural(footprint.retro_items, 'retro item')} they wrote")
    return (
        f"Their {listed(theirs)}: keep their contributions, and they stay for the team, "
        "shown as a former member's, with no more reminders; erase everything, and they "
        "are deleted too."
    )


def _commitment(commitment: Commitment, today: date) -> str:
    due = (
        f"due {due_text(date.fromisoformat(commitment.due_on), today)}"
        if commitment.due_on
        else "no due date"
    )
    state = {"blocked": ", blocked", "proposed": ", not yet accepted"}.get(commitment.status, "")
    return f"*{plain(commitment.text)}* (commitment {commitment.number}, {due}{state})"


def register(registry: Registry) -> None:
    registry.button(REMOVE, removal_confirmed)
    registry.button(ERASE, erasure_confirmed)
    registry.button(KEEP, removal_cancelled)
