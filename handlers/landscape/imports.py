"""``/convene member import``: members and their silos from a CSV file, however it arrives.

Where a command can carry a file (Discord's attachment option) it comes with
the command. Where it cannot (Slack's slash commands carry none), Convene
asks for it in the convener's DM and records that the next file posted there
within 15 minutes is for this (``awaited_files``); a file nobody asked for
gets a question back. Where a file is a path on this computer (the shell),
the command names it. Whichever way, the file is read through the platform
(``context.read_file``) and imported whole or not at all (``member_import``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

from bot.adapter import FileUnavailable
from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.errors import UsageError, UserError
from bot.events import IncomingFile, MessagePosted, PlaceKind, SlashCommand
from bot.markup import plain
from bot.messages import Target
from bot.permissions import require_convener
from bot.registry import Registry
from handlers.landscape.member_import import import_members
from handlers.landscape.members_file import (
    MAX_BYTES,
    MembersFileRefused,
    decode,
    read_members_file,
    too_large,
)
from handlers.shared.members import workspace_id
from storage.repositories import awaited_files as awaited_repo

MEMBER_IMPORT = "/convene member import [FILE.csv]"
PURPOSE = "member-import"
WAIT = timedelta(minutes=15)
FORMAT = (
    "The first line is member,silos,timezone (then, if you like, email and platform_id); "
    "silos are kind:name separated by ;, like team:Oncology;organisation:NHS Trust A."
)
WHAT_IS_IT_FOR = (
    "Thanks, but what is this file for? I was not waiting for one. To add members from a "
    "CSV file, a convener types /convene member import, then sends the file here."
)


async def member_import(context: Context, args: Args) -> None:
    """Import the file attached or named, or ask for it in the convener's DM."""

    event = context.event
    files = event.files if isinstance(event, SlashCommand) else ()
    path = (args.get("path") or "").strip()
    if files:
        await _import(context, _one(files))
    elif path and context.capabilities.local_files:
        # The size is not known before the read (the file is checked once read).
        await _import(context, IncomingFile(path, PurePath(path).name, size=0, url=path))
    elif path:
        raise UsageError(
            "Here I cannot open a file by its name. Type /convene member import alone and "
            "I will ask you for the file in our DM.",
            usage=MEMBER_IMPORT,
        )
    elif context.capabilities.local_files:
        raise UsageError(
            "Which file? Give the path of the CSV file, like: /convene member import "
            "examples/org.csv",
            usage=MEMBER_IMPORT,
        )
    else:
        await _ask_for_the_file(context)


async def _ask_for_the_file(context: Context) -> None:
    assert context.actor.id is not None
    await awaited_repo.expect(
        context.session, workspace_id(context), context.actor.id, PURPOSE, context.now + WAIT
    )
    ask = (
        f"Send me the members CSV file here, in this DM, within {_minutes()} and I will "
        f"import it. {FORMAT}"
    )
    if context.event.place.kind is PlaceKind.DM:
        await context.reply(ask, private=False)
        return
    await context.send(
        f"event:{context.event.platform}:{context.event.event_id}:ask-for-file",
        Target.dm(context.actor.platform_user_id),
        ask,
    )
    await context.reply("I asked you for the file in our DM: send it there.")


def _minutes() -> str:
    return f"{int(WAIT.total_seconds() // 60)} minutes"


def wants_file(event: MessagePosted) -> bool:
    """A file posted in a DM with Convene (decided without I/O)."""

    return event.place.kind is PlaceKind.DM and bool(event.files)


async def file_posted(context: Context) -> None:
    """A file in the DM: imported if Convene asked for it, else a question back."""

    event = context.event
    assert isinstance(event, MessagePosted) and context.actor.id is not None
    awaited = await awaited_repo.awaited(context.session, workspace_id(context), context.actor.id)
    if awaited is None or awaited.purpose != PURPOSE:
        await context.reply(WHAT_IS_IT_FOR, private=False)
        return
    if awaited.expires_at < context.now:
        await awaited_repo.forget(context.session, awaited)
        await context.reply(
            f"I waited {_minutes()} for the members file after /convene member import, then "
            "stopped, so I did not import this one. Type /convene member import again, then "
            "send it here.",
            private=False,
        )
        return
    await require_convener(context.session, context.actor, "import members")
    # A refused file rolls this back too: the corrected file is still awaited.
    await awaited_repo.forget(context.session, awaited)
    await _import(context, _one(event.files))


def _one(files: tuple[IncomingFile, ...]) -> IncomingFile:
    if len(files) > 1:
        raise UserError(
            f"You sent {len(files)} files; send one CSV file at a time, and nothing was imported."
        )
    return files[0]


async def _import(context: Context, file: IncomingFile) -> None:
    """Read the file through the platform and import it whole, or refuse it whole."""

    name = plain(file.name) or "the file"
    if file.size > MAX_BYTES:
        raise UserError(f"{too_large(name, file.size)} Nothing was imported.")
    try:
        data = await context.read_file(file)
    except FileUnavailable as unavailable:
        raise UserError(f"{unavailable} Nothing was imported.") from None
    try:
        members = read_members_file(
            decode(data, name), name, context.workspace.platform, context.now
        )
        summary = await import_members(
            context.session,
            context.workspace,
            members,
            context.now,
            add_kind=lambda kind: f"/convene silo kinds add {kind}, then send the file again",
            zone_moved=context.zone_changed,
        )
    except MembersFileRefused as refused:
        lines = "\n".join(refused.shown())
        raise UserError(f"{refused.summary()}\n{lines}\nFix the file and send it again.") from None
    await context.audit("member import", subject=file.name)
    await context.reply(summary.sentence())


COMMAND = CommandSpec(
    path=("convene", "member", "import"),
    handler=member_import,
    summary="Add members and their silos from a CSV file (checked whole first).",
    usage=MEMBER_IMPORT,
    example="/convene member import",
    params=(Positional("path", required=False, rest=True),),
    convener_only=True,
    group="Landscape (conveners)",
    takes_file=True,  # Discord offers the command a file option
)


def register(registry: Registry) -> None:
    """The command, and the DM route that takes the file Convene asked for."""

    registry.command(COMMAND)
    registry.message(wants_file, file_posted)
