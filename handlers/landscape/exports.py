"""``/convene export``: the workspace's data as CSV or JSON files in the convener's DM.

The same datasets as ``convene export`` on the command line
(``handlers/landscape/export_data.py`` says what each holds and leaves out);
the command line writes them into a folder, the chat attaches them. A chat
file has a size limit, so a dataset too big for it is refused with the
command that writes it on the server instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands import Args, CommandSpec, Option
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.messages import MAX_FILE_BYTES, FileAttachment
from bot.registry import Registry
from handlers.landscape.export_data import DATASETS, dataset, read_what

# ``convene export`` (bot/cli_export.py) catches it through ``bot.wiring.exports``.
from handlers.landscape.export_data import BadExportChoice as BadExportChoice
from handlers.landscape.tables import CONTENT_TYPES, FORMATS, encoded
from handlers.shared.members import workspace_id
from handlers.shared.text import listed, plural

GROUP = "Landscape (conveners)"
EXPORT = "/convene export [--what members,silos,...] [--format csv|json]"


def read_format(value: str | None) -> str:
    """``csv`` (the default) or ``json``; ``BadExportChoice`` saying so otherwise."""

    chosen = (value or "csv").strip().lower().removeprefix(".")
    if chosen not in FORMATS:
        raise BadExportChoice(f"I can write csv or json, not {value!r}. Try --format json")
    return chosen


def read_choice(what: Sequence[str], format_value: str | None) -> tuple[list[str], str]:
    """The datasets and the format asked for, checked before anything is read."""

    return read_what(what), read_format(format_value)


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str
    data: bytes
    rows: int

    def described(self) -> str:
        return f"{self.name} ({plural(self.rows, 'row')})"


async def export_files(
    session: AsyncSession,
    workspace_id: int,
    names: Sequence[str],
    format_name: str,
    prefix: str = "",
) -> list[ExportFile]:
    """The datasets ``names`` of one workspace as files' names and bytes (``members.csv``…)."""

    files = []
    for name in names:
        table = await dataset(session, workspace_id, name)
        files.append(
            ExportFile(
                table.file_name(format_name, prefix), encoded(table, format_name), len(table.rows)
            )
        )
    return files


async def export_command(context: Context, args: Args) -> None:
    try:
        names, format_name = read_choice(args.many("what"), args.get("format"))
    except BadExportChoice as wrong:
        raise UsageError(str(wrong), usage=EXPORT) from None
    files = await export_files(
        context.session,
        workspace_id(context),
        names,
        format_name,
        prefix=f"convene-{context.now.date().isoformat()}-",
    )
    for file in files:
        if len(file.data) > MAX_FILE_BYTES:
            raise UserError(
                f"{file.name} is {len(file.data) / 1_000_000:.1f} MB, more than a chat file "
                f"may be ({MAX_FILE_BYTES / 1_000_000:.0f} MB), so nothing was sent. On the "
                f"server, run: convene export --what {','.join(names)} --format {format_name} "
                "--out FOLDER"
            )
    await context.reply(
        f"Here is the export as {format_name.upper()}: "
        f"{listed([f.described() for f in files])}. Learning stories are only those their "
        "authors shared.",
        files=[FileAttachment(f.name, CONTENT_TYPES[format_name], f.data) for f in files],
    )


EXPORT_COMMAND = CommandSpec(
    path=("convene", "export"),
    handler=export_command,
    summary="The workspace's data as CSV or JSON files: " + ", ".join(DATASETS) + ".",
    usage=EXPORT,
    example="/convene export --what members,commitments --format csv",
    params=(Option("what", "DATASETS", repeatable=True), Option("format", "csv|json")),
    convener_only=True,
    group=GROUP,
)


def register(registry: Registry) -> None:
    registry.command(EXPORT_COMMAND)
