"""``/COMMAND help`` for each of Convene's commands, declared by the job that owns COMMAND.

The text is built when asked, from every command registered by then, so a
job's help lists what all the jobs added under its command word.
"""

from __future__ import annotations

from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.help import help_text
from bot.registry import Registry


def make_help(registry: Registry, command: str = "convene", group: str = "Everyone") -> CommandSpec:
    """``/COMMAND help``: the commands under COMMAND this member may use."""

    async def show_help(context: Context, args: Args) -> None:
        await context.reply(help_text(registry.commands, command, context.actor))

    return CommandSpec(
        path=(command, "help"),
        handler=show_help,
        summary="List the commands you may use.",
        usage=f"/{command} help",
        example=f"/{command} help",
        group=group,
    )
