"""A member's own commands and home, and the convener's help and status."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare help and status, the workspace's settings, ``/convene me`` and the home view,
    and the buttons that finish a command once its member chose which date they meant."""

    from handlers.profile import commands, convener, home, plain_help, settings, welcome
    from handlers.shared import date_choice

    plain_help.register(registry)  # first of every job's DM routes: see plain_help
    convener.register(registry)
    settings.register(registry)
    date_choice.register(registry)
    welcome.register(registry)  # before commands: its zone question is the one asked
    commands.register(registry)
    home.register(registry)
