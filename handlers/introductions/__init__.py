"""Introductions across silos: programmes, rounds, follow-ups, learning stories."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare this job's commands, buttons, forms and jobs, then what it adds to others'.

    Imported here, not at the top, so that importing one module of the job
    (a phrase parser, a report) does not load the whole job.
    """

    from handlers.introductions import hooks, offround
    from handlers.introductions.commands import register as register_commands

    register_commands(registry)
    hooks.register(registry)
    offround.register(registry)
