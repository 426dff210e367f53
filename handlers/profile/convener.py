"""The convener's console: ``/convene help`` and ``/convene status``."""

from __future__ import annotations

from bot import __version__
from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.help import help_text
from bot.registry import Registry
from handlers.shared.text import plural
from storage.repositories import events as events_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import silos as silos_repo


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


async def status(context: Context, args: Args) -> None:
    """A health check a convener can read: queues, schedules, failures."""

    assert context.workspace.id is not None
    session = context.session
    wid = context.workspace.id
    counts = await outbox_repo.status_counts(session, context.workspace.external_id)
    failures = await events_repo.recent_failures(session, wid, limit=3)
    failure_total = await events_repo.failure_count(session, wid)
    lines = [
        f"Convene {__version__} · {plural(await members_repo.count(session, wid), 'member')}, "
        f"{plural(len(await silos_repo.all_names(session, wid)), 'silo')}, "
        f"{plural(await schedules_repo.count_active(session, wid), 'active schedule')}.",
        f"Outbox: {counts['sent']} sent, {counts['pending'] + counts['sending']} waiting, "
        f"{counts['dead']} undeliverable.",
    ]
    if counts["dead"]:
        lines.append(
            "Undeliverable messages were given up on after repeated failures; the log "
            "names each one."
        )
    if failures:
        lines.append(f"{plural(failure_total, 'failure')} so far; the latest:")
        lines.extend(
            f"  {f.created_at:%Y-%m-%d %H:%M} UTC, reference {f.event_id}: {f.summary[:120]}"
            for f in failures
        )
    else:
        lines.append("No command has failed.")
    await context.reply("\n".join(lines))


def register(registry: Registry) -> None:
    registry.command(make_help(registry))
    registry.command(
        CommandSpec(
            path=("convene", "status"),
            handler=status,
            summary="See queued and undeliverable messages, schedules and recent failures.",
            usage="/convene status",
            example="/convene status",
            convener_only=True,
            group="Landscape (conveners)",
        )
    )
