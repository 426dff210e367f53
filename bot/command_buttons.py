"""Buttons that run a command line, as if the member who presses typed it.

A refusal can offer the corrected command as a button: "/convene member add
alice --tz GMT" is answered with ``[Europe/London]``, whose press runs
"/convene member add alice --tz Europe/London". The press goes through the
same reading of words and the same convener check as a typed command, as the
member who pressed, so a button can do nothing its presser could not type.

The whole line rides in the button's value, so it must fit every platform:
Discord's ``custom_id`` holds 100 characters, the server's id (up to 20
digits) and the action's id included. A longer line is not a button: the
refusal shows it to copy instead.
"""

from __future__ import annotations

from dataclasses import fields

from bot.events import ButtonClicked, Event, SlashCommand
from bot.messages import Button

RUN_COMMAND = "command.run"
LONGEST_LINE = 64
"""A line's characters, without its slash: 100 less a 20-digit server id, the
action id with a repeat mark and two separators, with room to spare."""


def command_button(label: str, line: str) -> Button | None:
    """A button running ``line`` ("/convene me tz Europe/London"); None when it is too long."""

    value = line.strip().removeprefix("/")
    return Button(label, RUN_COMMAND, value) if len(value) <= LONGEST_LINE else None


def typed_command(event: Event) -> tuple[str, str]:
    """The command and its words, typed or carried by a button: ("convene", "me tz UTC")."""

    if isinstance(event, SlashCommand):
        return event.command, event.text
    if isinstance(event, ButtonClicked) and event.action_id == RUN_COMMAND:
        command, _, text = event.value.strip().partition(" ")
        return command, text
    raise TypeError(f"{type(event).__name__} carries no command")


def as_slash_command(event: Event) -> SlashCommand:
    """A command event as typed: itself, or the command a ``RUN_COMMAND`` button carries,
    with the press's place, member and event id (a press acts once, like a typed line)."""

    if isinstance(event, SlashCommand):
        return event
    command, text = typed_command(event)
    base = {f.name: getattr(event, f.name) for f in fields(Event)}
    trigger_id = event.trigger_id if isinstance(event, ButtonClicked) else None
    return SlashCommand(**base, command=command, text=text, trigger_id=trigger_id)
