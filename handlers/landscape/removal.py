"""Removing a member: asked first, with what goes and what stays, then done on a press.

A member's commitments, check-in answers and follow-up answers cannot stand
without them (the database deletes them with the member), so the convener
reads exactly what will be deleted, and what stays without the member's name,
before anything happens; ``[Cancel]`` changes nothing. Conveners are not
removed this way: they step down first, and nobody removes themselves.
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
from handlers.shared.members import find_member, workspace_id
from handlers.shared.text import listed, plural
from storage.models import Commitment, Member
from storage.repositories import footprints as footprints_repo
from storage.repositories import members as members_repo

MEMBER_REMOVE = "/convene member remove NAME"
REMOVE = "member.remove"
KEEP = "member.keep"
LISTED_COMMITMENTS = 5
LABEL_NAME = 60
"""How much of a name a button label shows (Slack takes 75 characters, Discord 80)."""


async def member_remove(context: Context, args: Args) -> None:
    """Say what removing the member deletes and keeps, with ``[Remove NAME]`` ``[Cancel]``."""

    member = await find_member(context, args["name"], MEMBER_REMOVE)
    await _check_removable(context, member)
    footprint = await footprints_repo.of_member(context.session, member)
    name = plain(member.display_name)
    label = name if len(name) <= LABEL_NAME else name[: LABEL_NAME - 1] + "…"
    goes = _what_goes(footprint, context, listing=True)
    stays = _what_stays(footprint)
    ask = f"Remove {name} from Convene?"
    wait = "Nothing is removed until you press Remove."
    if len(goes) == 1:
        text = f"{ask} This deletes {goes[0]}.{stays} {wait}"
    else:
        lines = [f"{ask} This deletes:", *(f"- {part}" for part in goes)]
        lines.extend([stays.strip(), wait] if stays else [wait])
        text = "\n".join(lines)
    await context.reply(
        text,
        [
            Button(f"Remove {label}", REMOVE, str(member.id), "danger"),
            Button("Cancel", KEEP, str(member.id)),
        ],
    )


async def removal_confirmed(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "remove a member")
    member = await members_repo.get(
        context.session, int(event.value) if event.value.isdigit() else 0
    )
    if member is None or member.workspace_id != workspace_id(context):
        await context.reply("That member was already removed; nothing more to do.")
        return
    await _check_removable(context, member)
    footprint = await footprints_repo.of_member(context.session, member)
    await members_repo.remove(context.session, member)
    await context.reply(
        f"Removed {plain(member.display_name)}: deleted "
        f"{listed(_what_goes(footprint, context, listing=False))}.{_what_stays(footprint)}"
    )


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


def _what_goes(
    footprint: footprints_repo.Footprint, context: Context, *, listing: bool
) -> list[str]:
    """What removing the member deletes, one item each; ``listing`` names their
    unfinished commitments too."""

    today = context.now.date()
    parts: list[str] = []
    unfinished = footprint.unfinished_commitments
    if unfinished:
        counted = plural(len(unfinished), "unfinished commitment")
        if listing:
            shown = [_commitment(c, today) for c in unfinished[:LISTED_COMMITMENTS]]
            if len(unfinished) > LISTED_COMMITMENTS:
                shown.append(f"{len(unfinished) - LISTED_COMMITMENTS} more")
            counted += ": " + "; ".join(shown)
        parts.append(counted)
    if footprint.finished_commitments:
        parts.append(plural(footprint.finished_commitments, "finished commitment"))
    if footprint.checkin_answers:
        parts.append(plural(footprint.checkin_answers, "check-in answer"))
    if footprint.introductions:
        parts.append(f"their part in {plural(footprint.introductions, 'introduction')}")
    if footprint.followup_answers:
        learned = (
            f" ({footprint.learnings} with what they learned)"
            if footprint.learnings and footprint.learnings != footprint.followup_answers
            else (" with what they learned" if footprint.learnings else "")
        )
        parts.append(plural(footprint.followup_answers, "follow-up answer") + learned)
    if footprint.retro_votes:
        parts.append(plural(footprint.retro_votes, "retro vote"))
    if footprint.suggestions:
        parts.append(plural(footprint.suggestions, "suggestion") + " that they meet someone")
    if footprint.programmes:
        parts.append(f"their place in {plural(footprint.programmes, 'introductions programme')}")
    if footprint.silos:
        parts.append(f"their links to {plural(footprint.silos, 'silo')}")
    parts.append("their own settings")
    return parts


def _what_stays(footprint: footprints_repo.Footprint) -> str:
    kept = []
    if footprint.retro_items:
        kept.append(f"{plural(footprint.retro_items, 'retro item')} they wrote, without their name")
    if footprint.asked_of_others:
        kept.append(
            f"{plural(footprint.asked_of_others, 'commitment')} they asked of others, "
            "without who asked"
        )
    stays = f" Kept: {listed(kept)}." if kept else ""
    posted = (
        " What was already posted in channels stays there."
        if footprint.deletes_anything_written or footprint.retro_items
        else ""
    )
    return stays + posted


def _commitment(commitment: Commitment, today: date) -> str:
    due = (
        f"due {due_text(date.fromisoformat(commitment.due_on), today)}"
        if commitment.due_on
        else "no due date"
    )
    state = {"blocked": ", blocked", "proposed": ", not yet accepted"}.get(commitment.status, "")
    return f"*{plain(commitment.text)}* (commitment {commitment.id}, {due}{state})"


def register(registry: Registry) -> None:
    registry.button(REMOVE, removal_confirmed)
    registry.button(KEEP, removal_cancelled)
