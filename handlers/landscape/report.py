"""``/convene report``: what Convene did for the landscape, to take to a board.

A short summary in the chat, and the whole report as a Markdown file with
its figures as CSV files attached (in the convener's DM when asked in a
channel: files cannot be shown to one member only). The period is the last
three months unless ``--since`` says otherwise (``--since all`` for
everything); the heading always says which period it is.
"""

from __future__ import annotations

from datetime import datetime

from bot.commands import Args, CommandSpec, Option
from bot.context import Context
from bot.errors import UsageError
from bot.markup import plain
from bot.messages import FileAttachment
from bot.registry import Registry
from handlers.landscape.report_data import Report, Scope, gather
from handlers.landscape.report_text import markdown, summary, tables
from handlers.landscape.tables import CONTENT_TYPES, to_csv
from handlers.shared.channels import channel_id
from handlers.shared.members import workspace_id
from handlers.shared.periods import read_since
from storage.repositories import pairings as pairings_repo
from storage.repositories.reports import ProgrammeRow

GROUP = "Landscape (conveners)"
REPORT = "/convene report [--since 3mo] [--programme #CHANNEL]"
DEFAULT_SINCE = "3mo"


def read_period(value: str | None, now: datetime, usage: str) -> datetime | None:
    """Where a report starts: three months back by default, None for ``--since all``."""

    typed = DEFAULT_SINCE if value is None or not value.strip() else value
    return read_since(typed, now, usage)


async def find_programme(context: Context, reference: str, usage: str) -> ProgrammeRow:
    """The programme in the channel a convener named, found as every command finds a
    channel (``handlers/shared/channels.py``)."""

    wid = workspace_id(context)
    programme = await pairings_repo.programme_in(
        context.session, wid, await channel_id(context, reference, usage)
    )
    if programme is not None:
        assert programme.id is not None
        return ProgrammeRow(programme.id, programme.channel_id, programme.channel_name)
    found = await pairings_repo.programmes(context.session, wid)
    if not found:
        raise UsageError(
            f"There is no programme of introductions yet, so none in {plain(reference)}. "
            "Leave out --programme to report on everything.",
            usage=usage,
        )
    names = ", ".join(f"#{p.channel_name}" for p in found)
    raise UsageError(
        f"There is no programme of introductions in {plain(reference)}. Programmes: {names}.",
        usage=usage,
    )


def report_files(report: Report) -> list[FileAttachment]:
    """The Markdown report and its CSV tables, named for the day the period ends."""

    prefix = f"convene-report-{report.made_at.date().isoformat()}"
    files = [
        FileAttachment(
            f"{prefix}.md",
            CONTENT_TYPES["md"],
            markdown(report).encode("utf-8"),
            title="Convene report",
        )
    ]
    files.extend(
        FileAttachment(table.file_name("csv", f"{prefix}-"), CONTENT_TYPES["csv"], to_csv(table))
        for table in tables(report)
    )
    return files


async def report_command(context: Context, args: Args) -> None:
    wid = workspace_id(context)
    since = read_period(args.get("since"), context.now, REPORT)
    programme = (
        await find_programme(context, args["programme"], REPORT) if args.get("programme") else None
    )
    report = await gather(
        context.session,
        wid,
        context.workspace.name,
        Scope(since, context.now, programme),
        context.now,
    )
    await context.reply(
        summary(report) + "\nThe full report (Markdown) and its tables (CSV) are attached.",
        files=report_files(report),
    )


REPORT_COMMAND = CommandSpec(
    path=("convene", "report"),
    handler=report_command,
    summary="A report to take to a board: check-ins, introductions, bridges, stories, "
    "commitments, retros (files attached).",
    usage=REPORT,
    example="/convene report --since 6mo --programme #general",
    params=(Option("since", "PERIOD"), Option("programme", "#CHANNEL")),
    convener_only=True,
    group=GROUP,
)


def register(registry: Registry) -> None:
    registry.command(REPORT_COMMAND)
