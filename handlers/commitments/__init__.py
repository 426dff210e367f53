"""Commitments: "I will X by Friday", reminders at the owner's 09:00, news where it was made."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare this job's commands, buttons, forms and jobs, then what it adds to others'.

    Imported here, not at the top, so that importing one module of the job
    (a phrase parser, a report) does not load the whole job.
    """

    from handlers.commitments import hooks, retro_actions
    from handlers.commitments.commands import register as register_commands

    register_commands(registry)
    retro_actions.register(registry)
    hooks.register(registry)
