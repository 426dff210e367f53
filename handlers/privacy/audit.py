"""``/convene audit``: what conveners changed, removed or exported, newest first.

Conveners can do a lot to other people's data (remove a member, export the
workspace), so each of them can read what all of them did. The rows are written
by the core (``bot.audit_trail``) whatever the command; this module only reads
them, in the reader's time zone, in one message that fits every platform.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.commands import Args, CommandSpec, Option
from bot.context import Context
from bot.markup import plain
from bot.registry import Registry
from handlers.shared.periods import read_since
from handlers.shared.zones import zone_named
from storage.repositories import audit as audit_repo

USAGE = "/convene audit [--since 30d]"
DEFAULT_PERIOD = "30d"
MAX_CHARS = 1900
"""One message on every platform: Discord takes 2,000 characters, a Slack section 3,000."""
MAX_ROWS = 200
"""Read at most this many rows: more would never fit in one message anyway."""


async def show_audit(context: Context, args: Args) -> None:
    assert context.workspace.id is not None
    typed = args.get("since")
    since = read_since(typed or DEFAULT_PERIOD, context.now, USAGE)
    lines, total = await audit_repo.lines_since(
        context.session, context.workspace.id, since, limit=MAX_ROWS
    )
    zone = context.actor.timezone or "UTC"
    period = _period(typed, since)
    if not lines:
        await context.reply(
            f"Nothing in the audit log {period}: no convener changed, removed or exported "
            "anything. A longer period: /convene audit --since 1y"
        )
        return
    heading = f"What conveners did {period}, newest first (times in {zone}):"
    shown: list[str] = []
    length = len(heading)
    for line in lines:
        text = _line(line, zone)
        if length + len(text) + 1 > MAX_CHARS - 120:  # room for the last line
            break
        shown.append(text)
        length += len(text) + 1
    left = total - len(shown)
    if left:
        oldest = lines[len(shown) - 1].created_at
        days = max(1, math.floor((context.now - oldest) / timedelta(days=1)))
        shown.append(
            f"{left} more, older, not shown: use --since {days}d to see a shorter period whole."
        )
    await context.reply("\n".join([heading, *shown]))


def _line(line: audit_repo.AuditLine, zone: str) -> str:
    """ "6 Dec 14:02 Ana: member remove: Ben (kept their contributions)"."""

    try:
        local = line.created_at.astimezone(zone_named(zone))
    except (ValueError, KeyError):
        local = line.created_at
    what = " ".join(part for part in (line.subject_member, line.subject) if part)
    said = f"{plain(line.action)}: {plain(what)}" if what else plain(line.action)
    return f"{local.day} {local:%b %H:%M} {plain(line.actor)}: {said}"


def _period(typed: str | None, since: datetime | None) -> str:
    if since is None:
        return "since the beginning"
    if typed is None:
        return "in the last 30 days"
    return f"since {since.day} {since:%b %Y}"


AUDIT_COMMAND = CommandSpec(
    path=("convene", "audit"),
    handler=show_audit,
    summary="What conveners changed, removed or exported, and when (newest first).",
    usage=USAGE,
    example="/convene audit --since 7d",
    params=(Option("since", "PERIOD"),),
    convener_only=True,
    group="Landscape (conveners)",
)


def register(registry: Registry) -> None:
    """``/convene audit``; the rows themselves are written by the core."""

    registry.command(AUDIT_COMMAND)
