"""The landscape: silos, members and conveners, and how they are connected."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare this job's commands, buttons, forms and jobs, then what it adds to others'.

    Imported here, not at the top, so that importing one module of the job
    (a phrase parser, a report) does not load the whole job.
    """

    from handlers.landscape import hooks, imports, kinds, removal
    from handlers.landscape.commands import register as register_commands

    register_commands(registry)
    kinds.register(registry)
    removal.register(registry)
    imports.register(registry)
    hooks.register(registry)

    from handlers.landscape.map_command import MAP_COMMAND

    registry.command(MAP_COMMAND)

    from handlers.landscape import dashboard

    dashboard.register(registry)

    from handlers.landscape import digest, exports, report

    report.register(registry)
    exports.register(registry)
    digest.register(registry)
