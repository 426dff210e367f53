"""A member's rights over their data: ``/convene me export`` and ``/convene me forget``.

Export sends everything Convene holds about the member as one JSON file to
their DM (never to a channel), with counts of each kind in the message so the
file need not be opened to know what it holds.

Forget asks first, in their DM, saying what goes and what stays; only they may
press ``[Forget me]``. The press forgets them in one transaction
(``handlers.shared.forgetting``) and the question itself becomes the answer:
an edit of a message already in their DM reaches them without Convene keeping
their platform id anywhere, which a new message to them would need.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.errors import UserError
from bot.events import ButtonClicked, PlaceKind
from bot.messages import Button, FileAttachment, Target
from bot.registry import Registry
from handlers.shared.forgetting import (
    MEMBER_EXPORT,
    ExportAsked,
    answer_in_place,
    forget,
    messages_going,
    what_went_and_stayed,
)
from handlers.shared.members import workspace_id
from handlers.shared.text import listed, plural
from storage.models import Member
from storage.repositories import footprints as footprints_repo
from storage.repositories import member_export as export_repo
from storage.repositories import members as members_repo
from storage.repositories.erasure import Erasure

GROUP = "About you"
ME_EXPORT = "/convene me export"
ME_FORGET = "/convene me forget"
FORGET = "me.forget"
"""``[Forget me]``; its value is the member's id and the question's short key."""
CANCEL = "me.forget.cancel"
FILE_NAME = "convene-my-data.json"


# -- export -----------------------------------------------------------------------------------


async def me_export(context: Context, args: Args) -> None:
    """Everything held about the member, as a JSON file in their DM with a summary."""

    member = context.actor
    data = await export_repo.of_member(context.session, member)
    asked = ExportAsked(member)
    await context.announce(MEMBER_EXPORT, asked)
    for kind, rows in asked.sections.items():
        data.setdefault(kind, []).extend(rows)
    document = {
        "exported_at": context.now.isoformat(),
        "workspace": context.workspace.name,
        **data,
    }
    body = json.dumps(document, indent=2, ensure_ascii=False).encode()
    await context.reply(
        export_summary(data),
        files=[FileAttachment(FILE_NAME, "application/json", body, "Your data in Convene")],
    )


def export_summary(data: dict[str, Any]) -> str:
    """The file's contents counted by kind, in words."""

    def count(kind: str) -> int:
        return len(data.get(kind) or ())

    learned = sum(1 for row in data.get("introductions") or () if row.get("take_away"))
    anonymous = sum(1 for row in data.get("retro_items") or () if row.get("anonymous"))
    parts = [
        plural(count("silos"), "silo"),
        plural(count("programmes"), "programme") + " joined",
        plural(count("introductions"), "introduction")
        + (f" ({learned} with what you learned)" if learned else ""),
        plural(count("checkin_answers"), "check-in") + " answered",
        plural(count("commitments"), "commitment")
        + (
            f" and {plural(count('commitments_asked_of_others'), 'commitment')} you asked of others"
            if count("commitments_asked_of_others")
            else ""
        ),
        plural(count("retro_items"), "retro item")
        + (f" ({anonymous} anonymous, shown only to you)" if anonymous else ""),
    ]
    for kind, what in (
        ("avoiding", "member you asked not to meet"),
        ("suggestions_naming_you", "suggestion naming you"),
        ("convener_actions", "convener action"),
    ):
        if count(kind):
            parts.append(plural(count(kind), what))
    return (
        f"Everything Convene holds about you is in {FILE_NAME}: your profile, "
        f"{listed(parts)}. To have it forgotten: {ME_FORGET}"
    )


# -- forget -----------------------------------------------------------------------------------


def _asked_key(member: Member, short: str) -> str:
    return f"member:{member.id}:forget:{short}"


async def me_forget(context: Context, args: Args) -> None:
    """Ask, in the member's DM, whether to forget them: what goes, what stays."""

    member = context.actor
    await _check_can_forget(context, member)
    footprint = await footprints_repo.of_member(context.session, member)
    short = hashlib.sha256(context.event.event_id.encode()).hexdigest()[:16]
    await context.send(
        _asked_key(member, short),
        Target.dm(member.platform_user_id),
        forget_question(footprint),
        [
            Button("Forget me", FORGET, f"{member.id}:{short}", "danger"),
            Button("Cancel", CANCEL, str(member.id)),
        ],
    )
    if context.event.place.kind is not PlaceKind.DM:
        await context.reply("I asked you in a direct message first: nothing is forgotten yet.")


def forget_question(footprint: footprints_repo.Footprint) -> str:
    goes: list[str] = []
    if footprint.checkin_answers:
        goes.append(plural(footprint.checkin_answers, "check-in answer"))
    if footprint.learnings:
        goes.append(f"what you learned from {plural(footprint.learnings, 'introduction')}")
    if footprint.suggestions:
        goes.append(plural(footprint.suggestions, "suggestion") + " that you meet someone")
    if footprint.programmes:
        goes.append(f"your place in {plural(footprint.programmes, 'introductions programme')}")
    if footprint.silos:
        goes.append(f"your links to {plural(footprint.silos, 'silo')}")
    goes.append("your name, time zone and settings")
    stays: list[str] = []
    if footprint.commitments:
        stays.append(f"{plural(footprint.commitments, 'commitment')} you own (no more reminders)")
    if footprint.retro_items:
        stays.append(f"{plural(footprint.retro_items, 'retro item')} you wrote")
    if footprint.introductions:
        stays.append(
            f"your {plural(footprint.introductions, 'introduction')}, counted on the landscape"
        )
    kept = f" Kept for your team, shown as a former member's: {listed(stays)}." if stays else ""
    return (
        f"Forget you? Convene deletes {listed(goes)}, and takes messages it posted with your "
        f"answers off the platform.{kept} Anonymous retro items stay anonymous. This cannot "
        f"be undone; to keep a copy first, type {ME_EXPORT}."
    )


async def forget_confirmed(context: Context) -> None:
    """``[Forget me]``: forget the member who asked, and turn the question into the answer."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    member_id, _, short = event.value.partition(":")
    member = context.actor
    if not member_id.isdigit() or int(member_id) != member.id:
        raise UserError(
            "Only the member who asked to be forgotten can press that; nothing was changed. "
            f"To be forgotten yourself, type {ME_FORGET}."
        )
    await _check_can_forget(context, member)
    erasure = await forget(context, member, keep_contributions=True)
    await answer_in_place(context, erasure, _asked_key(member, short), forgotten_text(erasure))


def forgotten_text(erasure: Erasure) -> str:
    """What forgetting did, for the member (who is no longer named anywhere)."""

    deleted, kept = what_went_and_stayed(erasure, "your")
    deleted.append("your name, time zone and settings")
    going = messages_going(erasure, "your")
    text = f"Convene has forgotten you. Deleted: {listed(deleted)}.{going}"
    if kept:
        text += f" Kept for your team as a former member's: {listed(kept)}."
    return text + " If you use Convene again, it meets you as someone new."


async def forget_cancelled(context: Context) -> None:
    event = context.event
    assert isinstance(event, ButtonClicked)
    if event.value != str(context.actor.id):
        raise UserError("Only the member who asked to be forgotten can press that.")
    await context.reply("Cancelled: nothing was forgotten.")


async def _check_can_forget(context: Context, member: Member) -> None:
    """The only convener stays until someone else can run Convene."""

    if not member.is_convener:
        return
    conveners = await members_repo.conveners(context.session, workspace_id(context))
    if not any(c.id != member.id for c in conveners):
        raise UserError(
            "You are the only convener, so forgetting you would leave nobody to run Convene. "
            "Make someone else a convener first (/convene convener add NAME), then "
            f"{ME_FORGET}."
        )


COMMANDS = (
    CommandSpec(
        path=("convene", "me", "export"),
        handler=me_export,
        summary="Get everything Convene holds about you, as a file in your DM.",
        usage=ME_EXPORT,
        example=ME_EXPORT,
        group=GROUP,
    ),
    CommandSpec(
        path=("convene", "me", "forget"),
        handler=me_forget,
        summary="Have Convene forget you (asks first).",
        usage=ME_FORGET,
        example=ME_FORGET,
        group=GROUP,
    ),
)


def register(registry: Registry) -> None:
    """Declare the two commands and the forget question's buttons."""

    for spec in COMMANDS:
        registry.command(spec)
    registry.button(FORGET, forget_confirmed)
    registry.button(CANCEL, forget_cancelled)
