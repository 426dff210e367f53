"""A member's own commands and home, and the convener's help and status."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare help and status, ``/convene me`` and the home view."""

    from handlers.profile import commands, convener, home

    convener.register(registry)
    commands.register(registry)
    home.register(registry)
