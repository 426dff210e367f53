"""The convener's console: ``/convene help`` and ``/convene status``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot import __version__
from bot.commands import Args, CommandSpec
from bot.context import Context
from bot.registry import Registry
from handlers.shared.help import make_help
from handlers.shared.text import plural
from storage.repositories import events as events_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox as outbox_repo
from storage.repositories import retention as retention_repo
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
    lines.append(
        privacy_line(
            context.settings.privacy.retain_answers_months,
            *await retention_repo.last_prune(session, wid),
        )
    )
    await context.reply("\n".join(lines))


PRUNED_KINDS = (
    ("answers", "answer", None),
    ("retro_items", "retro item", None),
    ("learnings", "learning story", "learning stories"),
    ("messages", "old message", None),
)
"""What a prune's counts hold, as the status names them (kinds left out are not shown)."""


def privacy_line(months: int, last_at: datetime | None, counts: dict[str, Any]) -> str:
    """How long members' words are kept, and what the last daily prune deleted."""

    words = "Privacy: check-in answers, retro items and learning stories are kept"
    if months <= 0:
        return f"{words} until a member or convener deletes them."
    kept = f"{words} {plural(months, 'month')}"
    if last_at is None:
        return f"{kept}; not pruned yet."
    deleted = [
        plural(int(counts.get(kind) or 0), word, many)
        for kind, word, many in PRUNED_KINDS
        if counts.get(kind)
    ]
    what = f"{', '.join(deleted)} deleted" if deleted else "nothing was old enough to delete"
    at = last_at.astimezone(UTC)
    return f"{kept}; last pruned {at.day} {at:%b %H:%M} UTC: {what}."


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
