"""The convener's console: ``/convene help`` and ``/convene status``."""

from __future__ import annotations

from bot import __version__
from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.registry import Registry
from handlers.shared.help import make_help
from handlers.shared.text import plural
from storage.repositories import events as events_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import schedules as schedules_repo
from storage.repositories import silos as silos_repo


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


COMMANDS = (
    CommandSpec(
        path=("convene", "status"),
        handler=status,
        summary="See queued and undeliverable messages, schedules and recent failures.",
        usage="/convene status",
        example="/convene status",
        convener_only=True,
        group="Landscape (conveners)",
    ),
)
"""The convener's console, listed after ``/convene help``."""


def register(registry: Registry) -> None:
    """Declare ``/convene help`` (first, so help lists itself first) and the console."""

    for spec in (make_help(registry), *COMMANDS):
        registry.command(spec)
