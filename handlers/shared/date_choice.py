"""A date typed in numbers that could be two dates ("3/12") is asked about, never guessed.

Any reader of dates raises ``AmbiguousDate`` with both readings. The
dispatcher rolls back what the command wrote, as for any refusal, and lets
the refusal answer (``UserError.answer``): it keeps the command as typed
(a ``FormDraft`` row, whose JSON holds a command as well as a form) and
answers with one button per reading, ``[Thu 3 December] [Fri 12 March
2027]``. A press runs the command again as its member typed it, where they
typed it, with the chosen date written unmistakably (2026-12-03) in place of
the numbers; the command's own checks run again as if it had just been typed.

A button carries only the kept command's id, key and the date
("12:Xy3k_Q:2026-12-03"),
so it fits Discord's 100-character ``custom_id`` whatever the command's
length. Where the refused thing was not a command (a form's field), the
refusal's words ask for the month as a word instead.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from bot.command_buttons import typed_command
from bot.commands import parse_args, split_plain, split_words
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.events import ButtonClicked, Place, PlaceKind, SlashCommand
from bot.form_drafts import KEPT_FOR
from bot.messages import Button
from bot.permissions import require_convener
from bot.registry import Registry
from storage.models import FormDraft
from storage.repositories import form_drafts as drafts_repo

PICK_DATE = "date.pick"
KEPT_COMMAND = "date.command"
"""The ``form_id`` inside a draft that keeps a command, not a form."""
STALE = (
    "That question has been answered already, or was asked more than "
    f"{KEPT_FOR.days} days ago; type the command again, with the date written like 3 Dec."
)


def long_date(day: date, today: date) -> str:
    """ "Thursday 3 December", with the year when it is not this one."""

    year = "" if day.year == today.year else f" {day.year}"
    return f"{day:%A} {day.day} {day:%B}{year}"


def button_label(day: date, today: date) -> str:
    """ "Thu 3 December", with the year when it is not this one."""

    year = "" if day.year == today.year else f" {day.year}"
    return f"{day:%a} {day.day} {day:%B}{year}"


class AmbiguousDate(UsageError):
    """Numbers that make two dates ("3/12": 3 December or 12 March): the member chooses.

    ``words`` are the numbers as typed; ``readings`` the two dates, the
    workspace's own order first; ``today`` the member's, for the labels.
    """

    def __init__(
        self, words: str, readings: tuple[date, date], today: date, *, usage: str | None = None
    ) -> None:
        self.words = words
        self.readings = readings
        self.today = today
        first, second = readings
        super().__init__(
            f"{words} could be {long_date(first, today)} or {long_date(second, today)}; "
            f"write the month as a word, like {first.day} {first:%b} or {second.day} {second:%b}.",
            usage=usage,
        )

    async def answer(self, context: Context) -> None:
        """Keep the command and ask with a button per reading; a form's field is told why."""

        try:
            command, text = typed_command(context.event)
        except TypeError:
            await super().answer(context)
            return
        assert context.workspace.id is not None and context.actor.id is not None
        await drafts_repo.forget_older_than(context.session, context.now - KEPT_FOR)
        draft = await drafts_repo.add(
            context.session,
            FormDraft(
                workspace_id=context.workspace.id,
                member_id=context.actor.id,
                form=_kept(command, text, self.words, context.event.place),
                field="date",
                reason=self.message,
                created_at=context.now,
            ),
        )
        first, second = self.readings
        await context.reply(
            f"{self.words} could be {long_date(first, self.today)} or "
            f"{long_date(second, self.today)}. Which do you mean? Nothing is saved until "
            "you choose.",
            [
                Button(
                    button_label(day, self.today),
                    PICK_DATE,
                    drafts_repo.button_value(draft, day.isoformat()),
                )
                for day in self.readings
            ],
        )


def _kept(command: str, text: str, words: str, place: Place) -> dict[str, Any]:
    return {
        "form_id": KEPT_COMMAND,
        "context": "",
        "command": command,
        "text": text,
        "words": words,
        "place": {
            "kind": place.kind.value,
            "channel_id": place.channel_id,
            "thread_id": place.thread_id,
            "channel_name": place.channel_name,
        },
    }


def with_date(text: str, words: str, day: date) -> str | None:
    """The command's words with the last ``words`` standing alone replaced by ``day``."""

    found = list(re.finditer(rf"(?<![\w/.\-]){re.escape(words)}(?![\w/\-]|\.\d)", text, re.I))
    if not found:
        return None
    last = found[-1]
    return f"{text[: last.start()]}{day.isoformat()}{text[last.end() :]}"


async def run_as_typed(registry: Registry, context: Context) -> None:
    """Run the context's slash command as the dispatcher runs a typed one."""

    event = context.event
    assert isinstance(event, SlashCommand)
    table = registry.commands
    as_typed = table.match(event.command, event.text.split())
    free = as_typed is not None and as_typed[0].free_text
    words = split_plain(event.text) if free else split_words(event.text)
    found = table.match(event.command, words)
    if found is None:
        raise UserError(STALE)
    spec, rest = found
    args = parse_args(spec, rest)
    if spec.convener_only:
        await require_convener(context.session, context.actor, f"use {spec.words}")
    await spec.handler(context, args)


def register(registry: Registry) -> None:
    """The button that finishes a command with the date its member chose."""

    async def date_chosen(context: Context) -> None:
        event = context.event
        assert isinstance(event, ButtonClicked)
        found = await drafts_repo.named(context.session, event.value, context.workspace.id)
        if found is None or len(found[1]) != 1:
            raise UserError(STALE)
        draft, (iso,) = found
        try:
            day = date.fromisoformat(iso)
        except ValueError:
            raise UserError(STALE) from None
        if draft.form.get("form_id") != KEPT_COMMAND or draft.created_at < context.now - KEPT_FOR:
            raise UserError(STALE)
        if draft.member_id != context.actor.id:
            raise UserError("That question is about someone else's command; only they can answer.")
        kept = draft.form
        text = with_date(str(kept["text"]), str(kept["words"]), day)
        if (
            text is None
            or draft.id is None
            or not await drafts_repo.take(context.session, draft.id)
        ):
            raise UserError(STALE)
        where = kept["place"]
        command = SlashCommand(
            platform=event.platform,
            workspace_id=event.workspace_id,
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            place=Place(
                PlaceKind(where["kind"]),
                str(where["channel_id"]),
                thread_id=where["thread_id"],
                channel_name=where["channel_name"],
            ),
            event_id=event.event_id,
            raw=event.raw,
            actor_timezone=event.actor_timezone,
            command=str(kept["command"]),
            text=text,
            trigger_id=event.trigger_id,
        )
        await run_as_typed(registry, replace(context, event=command))

    registry.button(PICK_DATE, date_chosen)
