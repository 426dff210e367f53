"""Buttons that finish a refused command, as if the member who presses typed it.

A refusal can offer the corrected command as a button: "/convene member add
alice --tz GMT" is answered with ``[Europe/London]``, whose press runs
"/convene member add alice --tz Europe/London". The press goes through the
dispatcher's own reading of words and convener check, as the member who
pressed, so a button can do nothing its presser could not type.

A short line rides whole in the button's value (Discord's ``custom_id`` holds
100 characters, the server's id and the action's id included): like a
command shown to copy, it may be pressed by anyone who sees it, any number of
times. A longer line, or one a ``Question`` asks about (which date "3/12"
meant, which kind a typo meant), is kept instead: one ``FormDraft`` row holds
the lines a refusal offers and where the command was typed, and each button
names the row, a random key (SQLite hands a deleted row's id out again) and
its line: "12:Xy3k_Qa:0". A kept line runs once, only for the member who was
refused, where they typed it; running one lets the row's other lines go, and
a later press is answered in the question's own words.

What is kept is written when the refusal answers (``CommandChoice.answer``,
or any refusal's ``answer`` calling ``buttons_for``), in the fresh transaction
that follows the rollback of the command's own writes: the kept row is all a
refusal writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from bot.context import Context
from bot.errors import UserError
from bot.events import ButtonClicked, Event, Place, PlaceKind, SlashCommand
from bot.messages import Button
from storage.models import FormDraft
from storage.repositories import form_drafts as drafts_repo
from storage.repositories.form_drafts import KEPT_FOR

RUN_COMMAND = "command.run"
"""The action of a button carrying its whole line."""
LONGEST_LINE = 64
"""A line's characters, without its slash: 100 less a 20-digit server id, the
action id with a repeat mark and two separators, with room to spare."""
KEPT_COMMAND = "command.kept"
"""The ``form_id`` in a draft's JSON that keeps command lines, not a form; and the
action of the buttons that run a line kept only because it was too long."""

Step = Callable[[Context, str], Awaitable[None]]
"""Run before a kept line, with what its button was given (the kind to add first)."""


@dataclass(frozen=True, slots=True)
class Question:
    """What a kept line's buttons ask: their action, and the words a press is answered
    with once the question was answered or let go, or by another member.

    ``first``, when given, runs before the line (as the presser, in the same
    transaction, after the command's convener check), with the ``first`` of
    the button pressed. A question's buttons are routed by the dispatcher once
    the registry knows it (``Registry.kept_question``).
    """

    action_id: str
    answered: str
    not_yours: str
    first: Step | None = None


KEPT_LINE = Question(
    KEPT_COMMAND,
    answered=(
        "That command has been run already from its button, or was kept more than "
        f"{KEPT_FOR.days} days ago; type it again if it is still needed."
    ),
    not_yours="That command is someone else's; only the member who typed it can finish it here.",
)
"""The question of a line kept only because it was too long for its button."""


@dataclass(frozen=True, slots=True)
class CommandButton:
    """A button that runs ``line`` ("/convene me tz Europe/London") when pressed.

    Without ``asked`` it rides inline where it fits and is kept otherwise;
    with it, it is always kept, pressed once, and answered in its words.
    """

    label: str
    line: str
    style: Literal["primary", "danger"] | None = None
    asked: Question | None = None
    first: str = ""


Offered = Button | CommandButton
"""What a refusal may offer: a button of a job's own, or a command to finish."""


def command_button(
    label: str,
    line: str,
    *,
    style: Literal["primary", "danger"] | None = None,
    asked: Question | None = None,
    first: str = "",
) -> CommandButton:
    """A button that runs ``line`` as its presser, whatever its length."""

    return CommandButton(label, line.strip().removeprefix("/"), style, asked, first)


def inline(button: CommandButton) -> Button | None:
    """The button carrying its whole line, where it fits and no question keeps it."""

    if button.asked is not None or len(button.line) > LONGEST_LINE:
        return None
    return Button(button.label, RUN_COMMAND, button.line, button.style)


class CommandChoice(UserError):
    """A refusal offering buttons that finish the command (``offered``), kept as needed.

    ``buttons`` holds only the ready-made ones; the rest are made, and kept,
    when the refusal answers.
    """

    def __init__(
        self, message: str, offered: Sequence[Offered], *, usage: str | None = None
    ) -> None:
        super().__init__(
            message, usage=usage, buttons=[b for b in offered if isinstance(b, Button)]
        )
        self.offered = tuple(offered)

    async def answer(self, context: Context) -> None:
        await context.reply(self.reply_text(), await buttons_for(context, self.offered))


async def buttons_for(context: Context, offered: Sequence[Offered]) -> list[Button]:
    """The buttons to send: those that need keeping kept together in one row, so that
    running one of them lets the others go."""

    made: list[Button | None] = [
        button if isinstance(button, Button) else inline(button) for button in offered
    ]
    waiting = [
        (index, button)
        for index, button in enumerate(offered)
        if isinstance(button, CommandButton) and made[index] is None
    ]
    if waiting:
        draft = await _keep(context, [button for _, button in waiting])
        for number, (index, button) in enumerate(waiting):
            action = (button.asked or KEPT_LINE).action_id
            value = drafts_repo.button_value(draft, str(number))
            made[index] = Button(button.label, action, value, button.style)
    return [button for button in made if button is not None]


async def _keep(context: Context, buttons: Sequence[CommandButton]) -> FormDraft:
    assert context.workspace.id is not None and context.actor.id is not None
    typed = await command_of(context)
    place = typed.place if typed is not None else context.event.place
    await drafts_repo.forget_older_than(context.session, context.now - KEPT_FOR)
    return await drafts_repo.add(
        context.session,
        FormDraft(
            workspace_id=context.workspace.id,
            member_id=context.actor.id,
            form={
                "form_id": KEPT_COMMAND,
                "context": "",
                "lines": [{"line": b.line, "first": b.first} for b in buttons],
                "place": {
                    "kind": place.kind.value,
                    "channel_id": place.channel_id,
                    "thread_id": place.thread_id,
                    "channel_name": place.channel_name,
                },
            },
            field="command",
            reason="a command kept for its buttons",
            created_at=context.now,
        ),
    )


async def _kept(context: Context) -> tuple[FormDraft, dict[str, Any]] | None:
    """The kept row a pressed button names, and its line; None when there is none."""

    event = context.event
    if not isinstance(event, ButtonClicked):
        return None
    found = await drafts_repo.named(context.session, event.value, context.workspace.id)
    if found is None or found[0].form.get("form_id") != KEPT_COMMAND:
        return None
    draft, more = found
    lines = draft.form.get("lines") or []
    if len(more) != 1 or not more[0].isdigit() or int(more[0]) >= len(lines):
        return None
    return draft, dict(lines[int(more[0])])


def _as_typed(event: Event, line: str, place: Place | None = None) -> SlashCommand:
    """The command ``line`` as typed by the event's member, with the event's id
    (a press acts once, like a typed line), where ``place`` says or where it happened."""

    command, _, text = line.strip().removeprefix("/").partition(" ")
    base = {f.name: getattr(event, f.name) for f in fields(Event)}
    if place is not None:
        base["place"] = place
    trigger_id = event.trigger_id if isinstance(event, ButtonClicked) else None
    return SlashCommand(**base, command=command, text=text, trigger_id=trigger_id)


def _place(kept: dict[str, Any]) -> Place:
    return Place(
        PlaceKind(kept["kind"]),
        str(kept["channel_id"]),
        thread_id=kept["thread_id"],
        channel_name=kept["channel_name"],
    )


def as_slash_command(event: Event) -> SlashCommand:
    """A command event as typed: itself, or the command an inline button carries."""

    if isinstance(event, SlashCommand):
        return event
    if isinstance(event, ButtonClicked) and event.action_id == RUN_COMMAND:
        return _as_typed(event, event.value)
    raise TypeError(f"{type(event).__name__} carries no command")


async def command_of(context: Context) -> SlashCommand | None:
    """The command this event typed, or its button ran (inline or kept); None for others.

    For a refusal's answer, whose context is the event as it came in."""

    event = context.event
    if isinstance(event, SlashCommand):
        return event
    if isinstance(event, ButtonClicked) and event.action_id == RUN_COMMAND:
        return as_slash_command(event)
    found = await _kept(context)
    if found is None:
        return None
    draft, kept = found
    return _as_typed(event, str(kept["line"]), _place(draft.form["place"]))


async def pressed(context: Context, question: Question) -> tuple[SlashCommand, str]:
    """The kept command a press of ``question``'s button runs, and its button's ``first``.

    Only its member may press it, once (the row is taken: its other buttons go
    too) and within ``KEPT_FOR``; other presses are answered in the question's
    words and run nothing.
    """

    found = await _kept(context)
    if found is None or found[0].created_at < context.now - KEPT_FOR:
        raise UserError(question.answered)
    draft, kept = found
    if draft.member_id != context.actor.id:
        raise UserError(question.not_yours)
    if draft.id is None or not await drafts_repo.take(context.session, draft.id):
        raise UserError(question.answered)
    line = _as_typed(context.event, str(kept["line"]), _place(draft.form["place"]))
    return line, str(kept.get("first") or "")
