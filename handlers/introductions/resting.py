"""Members paused automatically, and the convener's ``[Resume them]``.

A member who leaves three follow-ups in a row unanswered is paused by the
round (``rounds._pause_the_silent``) rather than introduced to someone who
will wait in vain. They are not gone: a convener who sees a round find too
few people to pair, or reads ``/convene pairing status``, gets their names
and one button that puts them back, and each of them is told so in a short
message that says how to step out again. Their unanswered follow-ups are
counted afresh from then on (``Participant.joined_at`` moves), so the next
round does not pause them again at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Context
from bot.events import ButtonClicked
from bot.messages import Button, OutgoingMessage, Target
from bot.permissions import require_convener
from handlers.introductions.names import listed
from handlers.introductions.round_dates import next_round, when
from storage.models import Member, Participant, Programme
from storage.repositories import pairings as pairings_repo

IGNORED_FOLLOWUPS_BEFORE_PAUSE = 3
RESUME_ACTION = "pairing.resume"
BUTTON_LABEL_LIMIT = 75
"""Slack's limit on a button's text (Discord's is 80)."""


def auto_paused(joined: Sequence[tuple[Participant, Member]]) -> list[Member]:
    """The members of a programme paused for unanswered follow-ups (not by their own pause)."""

    return [member for participant, member in joined if participant.status == pairings_repo.PAUSED]


def note(names: Sequence[str]) -> str:
    """The line a convener reads about them, above the button."""

    each = "each of them" if len(names) > 1 else "them"
    return (
        f"Paused automatically after {IGNORED_FOLLOWUPS_BEFORE_PAUSE} unanswered follow-ups: "
        f"{listed(names)}. Resuming puts them back in the next round, with a short message "
        f"to {each}."
    )


def resume_button(programme: Programme, *, named: bool = False) -> Button:
    """``[Resume them]``, or ``[Resume them in #channel]`` where several programmes are shown."""

    label = f"Resume them in #{programme.channel_name}" if named else "Resume them"
    if len(label) > BUTTON_LABEL_LIMIT:
        label = label[: BUTTON_LABEL_LIMIT - 1] + "…"
    return Button(label, RESUME_ACTION, str(programme.id), "primary")


async def resume_clicked(context: Context) -> None:
    """Put every member paused automatically in the button's programme back in, and tell each."""

    event = context.event
    assert isinstance(event, ButtonClicked)
    await require_convener(context.session, context.actor, "resume members' introductions")
    programme = await pairings_repo.programme(
        context.session, int(event.value) if event.value.isdigit() else 0
    )
    if programme is None or programme.workspace_id != context.workspace.id:
        await context.reply("Those introductions no longer exist; nobody was resumed.")
        return
    assert programme.id is not None
    joined = await pairings_repo.participants(context.session, programme.id)
    paused = [(p, m) for p, m in joined if p.status == pairings_repo.PAUSED]
    if not paused:
        await context.reply(
            f"Nobody in #{programme.channel_name} is paused automatically any more: "
            "they have come back by themselves, or were resumed already."
        )
        return
    upcoming = next_round(programme, context.now)
    for participant, member in paused:
        participant.status = pairings_repo.ACTIVE
        participant.paused_until = None
        participant.joined_at = context.now  # their unanswered follow-ups count afresh
        pairings_repo.stage(context.session, participant)
        await context.send(
            f"event:{event.platform}:{event.event_id}:resumed:{member.id}",
            Target.dm(member.platform_user_id),
            f"You are back in the introductions in #{programme.channel_name}: a convener "
            "resumed you after your automatic pause. Next round: "
            f"{when(upcoming, member.timezone or 'UTC')}. Rather not? Take a break with "
            "/pairing pause 2w, or stop with /pairing leave.",
        )
    names = [m.display_name for _, m in paused]
    await context.reply(
        f"Resumed {listed(names)} in #{programme.channel_name}; each has a message saying so. "
        f"Next round: {when(upcoming, context.actor.timezone or programme.timezone)}."
    )


def conveners_message(
    conveners_note: str, programme: Programme, names: Sequence[str], target: Target
) -> OutgoingMessage:
    """A convener's DM after a scheduled round that found too few to pair."""

    return OutgoingMessage(target, f"{conveners_note}\n{note(names)}", (resume_button(programme),))
