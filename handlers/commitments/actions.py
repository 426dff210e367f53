"""What can happen to a commitment, whoever asks: a command, a button, a form, a retro.

Every change is checked first (it exists, it is yours, it is still open),
then made, its reminders re-planned, and, where it was made in a channel or
thread and not privately, told there, so the people it was promised to see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.context import Context
from bot.errors import UserError
from bot.events import PlaceKind
from bot.markup import has_control_characters, plain
from bot.messages import Button, OutgoingMessage, Target
from handlers.commitments import reminders
from handlers.shared.dates import due_text
from handlers.shared.text import member_reference
from handlers.shared.zones import zone_named
from storage.models import Commitment, Member
from storage.repositories import commitments as commitments_repo
from storage.repositories import members as members_repo

MAX_COMMITMENT = 300
MAX_NOTE = 300
LIST_HINT = "/commit list shows yours"
ADD_DUE_DATE = "commitment.add_due"
LARGEST_NUMBER = 2**31 - 1
"""Numbers and row ids are 32-bit columns: anything larger names no commitment."""


@dataclass(frozen=True, slots=True)
class MadeIn:
    """Where a commitment was made, so that its news goes back there."""

    channel_id: str | None = None
    thread_id: str | None = None
    thread_root_key: str | None = None
    retro_id: int | None = None
    item_id: int | None = None


def made_here(context: Context) -> MadeIn:
    place = context.event.place
    if place.kind is PlaceKind.CHANNEL:
        return MadeIn(channel_id=place.channel_id)
    if place.kind is PlaceKind.THREAD:
        return MadeIn(channel_id=place.channel_id, thread_id=place.thread_id)
    return MadeIn()


def local_now(member: Member | None, context: Context) -> datetime:
    """The member's wall clock now, in their own time zone."""

    return context.now.astimezone(zone_named(reminders.owner_zone_name(member)))


def local_today(member: Member | None, context: Context) -> date:
    return local_now(member, context).date()


def clean_text(text: str, what: str = "The commitment") -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserError(
            f"{what} is empty; say what you will do, like /commit Draft the checklist by Friday."
        )
    if has_control_characters(text.replace("\n", " ")):
        raise UserError(f"{what} holds control characters; write it as plain text.")
    if len(cleaned) > MAX_COMMITMENT:
        raise UserError(
            f"{what} is {len(cleaned):,} characters long; keep it to {MAX_COMMITMENT} "
            "(one clear action; the detail can live in a document)."
        )
    return cleaned


def clean_note(text: str) -> str:
    note = " ".join(text.split())
    if not note:
        raise UserError("Say what the update is, like /commit update 12 blocked: waiting for IT.")
    if has_control_characters(text.replace("\n", " ")):
        raise UserError("The update holds control characters; write it as plain text.")
    if len(note) > MAX_NOTE:
        raise UserError(f"The update is {len(note):,} characters long; keep it to {MAX_NOTE}.")
    return note


def describe(commitment: Commitment, today: date | None = None) -> str:
    """ "*Text* (commitment 4, due Friday 4 December)"; the due date's year shown when it is not
    ``today``'s, or else the year of the commitment's latest change (when the message is written).
    """

    year_of = today or commitment.updated_at.date()
    due = (
        f"due {due_text(date.fromisoformat(commitment.due_on), year_of)}"
        if commitment.due_on
        else "no due date"
    )
    return f"*{plain(commitment.text)}* (commitment {commitment.number}, {due})"


# -- finding one ------------------------------------------------------------------------
#
# Members see and type a commitment's number, counted within their workspace; buttons
# and forms carry its row id, which they never see. Either way the commitment found
# must be of the actor's own workspace.


async def known(context: Context, number: int) -> Commitment:
    """The commitment of the actor's workspace with the number they typed."""

    assert context.workspace.id is not None
    commitment = (
        await commitments_repo.numbered(context.session, context.workspace.id, number)
        if 0 < number <= LARGEST_NUMBER
        else None
    )
    if commitment is None:
        mine = await commitments_repo.of_owner(context.session, context.actor.id or 0)
        have = ", ".join(str(c.number) for c in mine) or "none yet"
        raise UserError(f"There is no commitment {number}. Your open ones: {have} ({LIST_HINT}).")
    return commitment


async def pressed(context: Context, row_id: int) -> Commitment:
    """The commitment a button or form names by its row id, only if it is of this workspace."""

    commitment = (
        await commitments_repo.get(context.session, row_id)
        if 0 < row_id <= LARGEST_NUMBER
        else None
    )
    if commitment is None or commitment.workspace_id != context.workspace.id:
        raise UserError("That button belongs to something that no longer exists.")
    return commitment


async def owned(context: Context, commitment: Commitment, doing: str) -> Commitment:
    """The actor's commitment if it is still open, or a refusal that says why not."""

    number = commitment.number
    if commitment.owner_id != context.actor.id:
        names = await commitments_repo.owner_names(context.session, [commitment.owner_id])
        owner = names.get(commitment.owner_id, "someone else")
        raise UserError(
            f"Commitment {number} is {plain(owner)}'s, so only they can {doing}. "
            f"To see yours: /commit list."
        )
    if commitment.status == commitments_repo.PROPOSED:
        raise UserError(
            f"You have not accepted commitment {number} yet; press Accept on the request first."
        )
    if commitment.status not in commitments_repo.ACTIVE:
        raise UserError(
            f"Commitment {number} is already {commitment.status}; there is nothing left to change."
        )
    return commitment


async def owner_named(context: Context, reference: str, usage: str) -> Member:
    assert context.workspace.id is not None
    found = await members_repo.find(
        context.session, context.workspace.id, member_reference(reference)
    )
    if found is None:
        raise UserError(
            f"I do not know anyone called {plain(reference)} here. Name them as @name, "
            "as /convene members lists them.",
            usage=usage,
        )
    return found


# -- telling the room -----------------------------------------------------------------------


def news_target(commitment: Commitment) -> Target | None:
    if commitment.private or commitment.channel_id is None:
        return None
    if commitment.thread_root_key is not None:
        return Target.thread(commitment.channel_id, root_key=commitment.thread_root_key)
    if commitment.thread_id is not None:
        return Target.thread(commitment.channel_id, thread_id=commitment.thread_id)
    return Target.channel(commitment.channel_id)


async def tell_room(context: Context, commitment: Commitment, text: str) -> bool:
    """Post a change where the commitment was made; False when it stays private."""

    commitment.changes += 1
    target = news_target(commitment)
    if target is None:
        return False
    await context.outbox.send(
        f"commitment:{commitment.id}:news:{commitment.changes}", OutgoingMessage(target, text)
    )
    return True


async def _save(context: Context, commitment: Commitment, owner: Member | None) -> None:
    commitment.updated_at = context.now
    await reminders.plan(context.session, commitment, owner, context.now)
    await commitments_repo.save(context.session, commitment)


async def check_cap(context: Context, owner: Member, *, yours: bool) -> None:
    cap = context.settings.commitments.max_open_per_member
    if not cap or owner.id is None:
        return
    count = await commitments_repo.count_active(context.session, owner.id)
    if count >= cap:
        whose = "You have" if yours else f"{plain(owner.display_name)} has"
        raise UserError(
            f"{whose} {count} open commitments already, the most this workspace allows at "
            "once. Finishing or dropping one first makes room (/commit list shows them)."
        )


# -- the changes --------------------------------------------------------------------------


async def make(
    context: Context,
    *,
    owner: Member,
    text: str,
    due: date | None,
    private: bool,
    made_in: MadeIn,
    kept: str | None = None,
    offer_due_date: bool = False,
) -> Commitment:
    """A new commitment: open when the owner makes it, proposed when made for someone else.

    ``kept`` are words after "by" that were no date ("by Dr Smith"), so the
    answer says why there is no due date; ``offer_due_date`` adds a button
    to the owner's answer that gives a commitment without one a due date.
    """

    assert owner.id is not None and context.workspace.id is not None
    for_someone_else = owner.id != context.actor.id
    await check_cap(context, owner, yours=not for_someone_else)
    commitment = await commitments_repo.add(
        context.session,
        Commitment(
            workspace_id=context.workspace.id,
            owner_id=owner.id,
            made_by=context.actor.id,
            text=text,
            due_on=due.isoformat() if due else None,
            status=commitments_repo.PROPOSED if for_someone_else else commitments_repo.OPEN,
            channel_id=made_in.channel_id,
            thread_id=made_in.thread_id,
            thread_root_key=made_in.thread_root_key,
            retro_id=made_in.retro_id,
            item_id=made_in.item_id,
            private=private,
            created_at=context.now,
            updated_at=context.now,
        ),
    )
    await _save(context, commitment, owner)
    asker = plain(context.actor.display_name)
    if for_someone_else:
        await context.outbox.send(
            f"commitment:{commitment.id}:ask",
            OutgoingMessage(
                Target.dm(owner.platform_user_id),
                f"{asker} asks you to commit to "
                f"{describe(commitment, local_today(owner, context))}. Will you take it on?",
                (
                    Button("Accept", "commitment.accept", str(commitment.id), style="primary"),
                    Button("Decline", "commitment.decline", str(commitment.id)),
                ),
            ),
        )
        await tell_room(
            context,
            commitment,
            f"{asker} asked {plain(owner.display_name)} to commit to {describe(commitment)}; "
            "waiting for them to accept.",
        )
        await context.reply(
            f"Asked {plain(owner.display_name)} to commit to {describe(commitment)}. "
            "I will tell you when they answer."
        )
        return commitment
    told = await tell_room(context, commitment, f"{asker} commits to {describe(commitment)}.")
    if due is None and offer_due_date:
        await _offer_due_date(context, commitment, kept, told=told)
    elif not told:
        later = " Reminders come at 09:00 your time the day before and on the day." if due else ""
        await context.reply(
            f"You committed to {describe(commitment, local_today(owner, context))}.{later}"
        )
    return commitment


async def _offer_due_date(
    context: Context, commitment: Commitment, kept: str | None, *, told: bool
) -> None:
    """Say there is no due date (and why, when "by …" was no date), with a button to add one."""

    why = (
        f" {plain(kept)!r} is not a date, so I kept it as part of what you will do." if kept else ""
    )
    head = (
        f"Commitment {commitment.number} has no due date."
        if told
        else f"You committed to {describe(commitment)}."
    )
    await context.reply(
        f"{head}{why} Add a due date when you know it, and I will remind you before it.",
        [Button("Add a due date", ADD_DUE_DATE, str(commitment.id))],
    )


async def answer_request(context: Context, commitment: Commitment, accept: bool) -> None:
    number = commitment.number
    if commitment.owner_id != context.actor.id:
        raise UserError(f"Commitment {number} was not asked of you, so it is not yours to answer.")
    if commitment.status != commitments_repo.PROPOSED:
        raise UserError(
            {
                commitments_repo.DROPPED: f"That request was withdrawn (commitment {number}); "
                "there is nothing to answer.",
                commitments_repo.DECLINED: f"You already declined commitment {number}.",
            }.get(commitment.status, f"You already accepted commitment {number}.")
        )
    if accept:
        await check_cap(context, context.actor, yours=True)
    commitment.status = commitments_repo.OPEN if accept else commitments_repo.DECLINED
    await _save(context, commitment, context.actor)
    name = plain(context.actor.display_name)
    verb = "accepted" if accept else "declined"
    told = await tell_room(context, commitment, f"{name} {verb} {describe(commitment)}.")
    if commitment.made_by is not None and not told:
        asker = await members_repo.get(context.session, commitment.made_by)
        if asker is not None and asker.id != context.actor.id and asker.erased_at is None:
            await context.outbox.send(
                f"commitment:{commitment.id}:answered",
                OutgoingMessage(
                    Target.dm(asker.platform_user_id), f"{name} {verb} {describe(commitment)}."
                ),
            )
    later = " I will remind you at 09:00 your time before it is due." if commitment.due_on else ""
    await context.reply(
        f"You accepted {describe(commitment, local_today(context.actor, context))}.{later}"
        if accept
        else f"You declined {describe(commitment)}; I have let them know."
    )


async def finish(context: Context, commitment: Commitment) -> None:
    commitment = await owned(context, commitment, "mark it done")
    today = local_today(context.actor, context)
    on_time = commitment.due_on is None or today.isoformat() <= commitment.due_on
    commitment.status = commitments_repo.DONE
    commitment.done_at = context.now
    commitment.done_on_time = on_time
    commitment.note = None
    await _save(context, commitment, context.actor)
    late = "" if on_time else " (after its due date)"
    await tell_room(
        context,
        commitment,
        f"Done: {plain(context.actor.display_name)} finished {describe(commitment)}{late}.",
    )
    await context.reply(f"Marked done: {describe(commitment, today)}. Well done!")


async def move(context: Context, commitment: Commitment, due: date) -> None:
    commitment = await owned(context, commitment, "move it")
    if commitment.due_on == due.isoformat():
        raise UserError(f"Commitment {commitment.number} is already due {due_text(due)}.")
    before = commitment.due_on
    commitment.due_on = due.isoformat()
    await _save(context, commitment, context.actor)
    name = plain(context.actor.display_name)
    mine = describe(commitment, local_today(context.actor, context))
    if before is None:
        await tell_room(context, commitment, f"{name} gave a due date to {describe(commitment)}.")
        await context.reply(f"Due date added: {mine}. I will remind you the day before.")
        return
    was = f"; it was due {due_text(date.fromisoformat(before))}"
    await tell_room(context, commitment, f"Moved: {name}'s {describe(commitment)}{was}.")
    await context.reply(f"Moved: {mine}{was}.")


async def block(context: Context, commitment: Commitment, why: str) -> None:
    commitment = await owned(context, commitment, "update it")
    note = clean_note(why)
    commitment.status = commitments_repo.BLOCKED
    commitment.note = note
    await _save(context, commitment, context.actor)
    await tell_room(
        context,
        commitment,
        f"Blocked: {plain(context.actor.display_name)}'s {describe(commitment)}: {plain(note)}.",
    )
    await context.reply(
        f"Marked blocked: {plain(note)}. "
        f"When it moves again: /commit update {commitment.number} unblocked"
    )


async def update(context: Context, commitment: Commitment, words: str) -> None:
    """``blocked: why`` marks it blocked; ``unblocked`` opens it again; anything else is a note."""

    head, colon, rest = words.partition(":")
    lowered = head.strip().lower()
    if lowered == "blocked":
        await block(context, commitment, rest if colon else "no reason given")
        return
    commitment = await owned(context, commitment, "update it")
    name = plain(context.actor.display_name)
    if lowered in ("unblocked", "on track", "open", "going again") and not colon:
        if commitment.status != commitments_repo.BLOCKED:
            raise UserError(f"Commitment {commitment.number} is not blocked; nothing to clear.")
        commitment.status = commitments_repo.OPEN
        commitment.note = None
        news = f"Unblocked: {name}'s {describe(commitment)} is moving again."
    else:
        note = clean_note(words)
        if commitment.status == commitments_repo.BLOCKED:
            commitment.note = note
        news = f"Update on {name}'s {describe(commitment)}: {plain(note)}"
    await _save(context, commitment, context.actor)
    told = await tell_room(context, commitment, news)
    await context.reply("Update posted." if told else "Update noted.")


async def drop(context: Context, commitment: Commitment) -> None:
    if commitment.status == commitments_repo.PROPOSED and commitment.made_by == context.actor.id:
        commitment.status = commitments_repo.DROPPED
        await _save(context, commitment, None)
        await tell_room(context, commitment, f"Withdrawn: the request {describe(commitment)}.")
        await context.reply(f"Withdrew your request {describe(commitment)}.")
        return
    commitment = await owned(context, commitment, "drop it")
    commitment.status = commitments_repo.DROPPED
    await _save(context, commitment, context.actor)
    await tell_room(
        context,
        commitment,
        f"Dropped: {plain(context.actor.display_name)} let go of {describe(commitment)}.",
    )
    await context.reply(f"Dropped {describe(commitment)}. It is fine to let go of things.")
