"""A date typed in numbers that could be two dates ("3/12") is asked about, never guessed.

Any reader of dates raises ``AmbiguousDate`` with both readings. The
dispatcher rolls back what the command wrote, as for any refusal, and lets
the refusal answer (``UserError.answer``): it offers one button per reading,
``[Thu 3 December] [Fri 12 March 2027]``, each the command as its member typed
it with the chosen date written unmistakably (2026-12-03) in place of the
numbers. Both lines are kept together (``bot.command_buttons``, asking
``DATE``): a press runs one as its member typed it, where they typed it, and
the command's own checks run again as if it had just been typed; the other
reading goes with it. Where the refused thing was not a command (a form's
field), the refusal's words ask for the month as a word instead.
"""

from __future__ import annotations

import re
from datetime import date

from bot.command_buttons import Question, buttons_for, command_button, command_of
from bot.context import Context
from bot.errors import UsageError
from bot.registry import Registry
from storage.repositories.form_drafts import KEPT_FOR

PICK_DATE = "date.pick"
STALE = (
    "That question has been answered already, or was asked more than "
    f"{KEPT_FOR.days} days ago; type the command again, with the date written like 3 Dec."
)
DATE = Question(
    PICK_DATE,
    answered=STALE,
    not_yours="That question is about someone else's command; only they can answer.",
)
"""The buttons of the readings of one date: one press, by the member who typed it."""


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
        """Offer a button per reading, each the command with that date; a form's field, or
        a command whose numbers cannot be found again, is told why instead."""

        typed = await command_of(context)
        lines = [
            with_date(typed.text, self.words, day) if typed is not None else None
            for day in self.readings
        ]
        if typed is None or None in lines:
            await super().answer(context)
            return
        first, second = self.readings
        offered = [
            command_button(button_label(day, self.today), f"/{typed.command} {text}", asked=DATE)
            for day, text in zip(self.readings, lines, strict=True)
        ]
        await context.reply(
            f"{self.words} could be {long_date(first, self.today)} or "
            f"{long_date(second, self.today)}. Which do you mean? Nothing is saved until "
            "you choose.",
            await buttons_for(context, offered),
        )


def with_date(text: str, words: str, day: date) -> str | None:
    """The command's words with the last ``words`` standing alone replaced by ``day``."""

    found = list(re.finditer(rf"(?<![\w/.\-]){re.escape(words)}(?![\w/\-]|\.\d)", text, re.I))
    if not found:
        return None
    last = found[-1]
    return f"{text[: last.start()]}{day.isoformat()}{text[last.end() :]}"


def register(registry: Registry) -> None:
    """The buttons that finish a command with the date its member chose."""

    registry.kept_question(DATE)
