"""``convene import members FILE.csv``: members and their silos from a file, offline.

The same file, checks and words as ``/convene member import`` in chat
(``handlers.landscape.member_import``), written straight into the configured
database: a convener can load an organisation before Convene first runs. A
refused file exits with status 2, its problems by line on standard error,
and nothing written.

Which workspace: ``--workspace`` (its name, or its platform id such as
Slack's T0123), else the shell's when the config runs the shell alone (made
if Convene never ran), else the database's only workspace. A database that
holds several asks for ``--workspace``; one that holds none yet, for Convene
to meet its workspace first (Slack and Discord say who they are only when
Convene connects).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapter import Capabilities, ChannelMember
from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.clock import Clock
    from storage.models import Member, Workspace

REFUSED = 2


class _Refused(Exception):
    """A reason to stop before anything is written, said in one line (or a few)."""


def add_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importing = commands.add_parser(
        "import",
        help="add members and their silos from a CSV file",
        description="Add members and their silos from a CSV file into the configured database.",
    )
    what = importing.add_subparsers(dest="import_what", metavar="WHAT")
    members = what.add_parser(
        "members",
        help="members, their silos and time zones, from a CSV file",
        description="Import members from a CSV file whose header is member,silos,timezone "
        "(then, optionally, email and platform_id); silos as kind:name separated by ;. "
        "Every row is checked first: a file with any problem is refused whole, with its "
        "line numbers, and nothing is written. Importing the same file again changes nothing.",
    )
    members.add_argument("file", metavar="FILE.csv", help="the members file (UTF-8 CSV)")
    members.add_argument(
        "--workspace",
        metavar="NAME",
        help="the workspace to import into, by name or platform id (default: the shell's "
        "when only the shell runs, else the database's only workspace)",
    )
    members.add_argument(
        "--add-kind",
        metavar="KIND",
        action="append",
        default=[],
        help="add a kind of silo on purpose before importing (repeat for several)",
    )


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    if args.import_what != "members":
        print("convene: say what to import: convene import members FILE.csv", file=sys.stderr)
        return REFUSED
    from bot.cli_failures import stopped_by
    from storage.busy import DatabaseBusy
    from storage.opening import DatabaseUnavailable, MigrationFailed

    try:
        return asyncio.run(_import_members(args, settings))
    except _Refused as refused:
        print(f"convene: {refused}", file=sys.stderr)
        return REFUSED
    except (DatabaseUnavailable, MigrationFailed, DatabaseBusy) as failure:
        return stopped_by(failure, starting=False)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _Refused(f"{path}: no such file") from None
    except IsADirectoryError:
        raise _Refused(f"{path}: is a folder, not a CSV file") from None
    except OSError as problem:
        raise _Refused(f"{path}: cannot be read ({problem.strerror or problem})") from None


async def _import_members(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from bot.wiring import member_import, members_file
    from storage import migrate
    from storage.engine import create_engine, session_factory

    path = Path(args.file)
    data = _read(path)
    clock = SystemClock()
    engine = create_engine(settings.convene.database_url)
    try:
        await migrate.upgrade(engine)
        async with session_factory(engine).begin() as session:
            workspace = await _workspace(session, args.workspace, settings, clock)
            assert workspace.id is not None
            try:
                text = members_file.decode(data, str(path))
                added = await member_import.add_kinds(
                    session, workspace.id, args.add_kind, clock.now()
                )
                file = members_file.read_members_file(
                    text, str(path), workspace.platform, clock.now()
                )
                summary = await member_import.import_members(
                    session,
                    workspace,
                    file,
                    clock.now(),
                    add_kind=lambda kind: f"run the import again with --add-kind {kind}",
                    zone_moved=await _replanner(session, workspace, clock),
                )
            except members_file.MembersFileRefused as refused:
                lines = "\n".join(f"  {line}" for line in refused.shown())
                raise _Refused(f"{refused.summary()}\n{lines}") from None
    finally:
        await engine.dispose()
    kinds = f" Added the kind{'s' if len(added) > 1 else ''} {', '.join(added)}." if added else ""
    print(f"{summary.sentence()}{kinds} (workspace {workspace.name!r})")
    return 0


async def _workspace(
    session: AsyncSession, asked: str | None, settings: Settings, clock: Clock
) -> Workspace:
    """The workspace to import into (see the module's docstring)."""

    from bot.wiring import SHELL_WORKSPACE
    from storage.repositories import workspaces as workspaces_repo

    every = await workspaces_repo.every(session)
    shell_only = settings.convene.adapters == ["shell"]
    if asked is not None:
        wanted = asked.strip().casefold()
        found = [w for w in every if wanted in (w.external_id.casefold(), w.name.casefold())]
        if len(found) == 1:
            return found[0]
        shell_named = wanted in ("shell", settings.shell.workspace.casefold())
        if not found and shell_only and shell_named:
            return await workspaces_repo.get_or_create(
                session, *SHELL_WORKSPACE, settings.shell.workspace, clock.now()
            )
        raise _Refused(f"no single workspace is called {asked!r} here; {_choices(every)}")
    if shell_only:
        return await workspaces_repo.get_or_create(
            session, *SHELL_WORKSPACE, settings.shell.workspace, clock.now()
        )
    if len(every) == 1:
        return every[0]
    if not every:
        raise _Refused(
            "this database holds no workspace yet: start Convene (convene run) and type a "
            "command in your workspace once, then import"
        )
    raise _Refused(f"this database holds several workspaces; {_choices(every)}")


def _choices(every: list[Workspace]) -> str:
    if not every:
        return "it holds none yet"
    named = ", ".join(f"{w.name!r} ({w.platform} {w.external_id})" for w in every)
    return f"say which with --workspace NAME: {named}"


async def _replanner(
    session: AsyncSession, workspace: Workspace, clock: Clock
) -> Callable[[Member], Awaitable[object]]:
    """What the jobs plan at a member's local time follows a zone the file changed, as it
    does after ``/convene me tz`` (the jobs' ``zone_changed`` hooks, with a context made
    for the command line: the hooks read and write the store, and send nothing)."""

    from bot.context import Context, Hooks
    from bot.events import Place, PlaceKind, SlashCommand
    from bot.outbox import Outbox

    hooks: list[Hooks] = []  # the jobs' hooks, loaded the first time a zone moved

    async def moved(member: Member) -> None:
        if not hooks:
            from bot.wiring import build_registry

            hooks.append(build_registry().hooks)
        context = Context(
            event=SlashCommand(
                platform=workspace.platform,
                workspace_id=workspace.external_id,
                actor_id="",
                actor_name="convene import",
                place=Place(PlaceKind.DM, ""),
                event_id="convene-import",
                command="convene",
                text="member import",
            ),
            workspace=workspace,
            actor=member,
            session=session,
            clock=clock,
            outbox=Outbox(session, workspace.platform, workspace.external_id, clock),
            capabilities=Capabilities(),
            settings=Settings(),
            open_form_on_platform=_no_form,
            find_channel_on_platform=_no_channel,
            list_channel_on_platform=_nobody_listed,
            hooks=hooks[0],
        )
        await context.zone_changed(member)

    return moved


async def _no_form(*_: object) -> None:
    raise RuntimeError("the command line opens no form")


async def _no_channel(*_: object) -> None:
    return None


async def _nobody_listed(*_: object) -> list[ChannelMember]:
    return []
