"""``convene export``: the workspace's data as CSV or JSON files in a folder.

The same datasets as ``/convene export`` in chat (``handlers.landscape.exports``
says what each holds and leaves out: answers only in ``checkins``, learning
stories only as their authors shared them), read from the configured
database and written one file per dataset (``members.csv``…) into ``--out``,
which is made if missing.

Friendly on purpose: ``--what`` and ``--format`` are checked before the
database is opened; a folder that already holds one of the files is left
alone unless ``--force`` (nothing is half-written: each file is written whole
beside its name, then moved into place); a database that does not exist is
not created. Every refusal is one line on standard error and exit status 2.

One workspace per export, as ``convene import`` chooses it: ``--workspace``
(its name or platform id), else the database's only workspace, else the
shell's when the config runs the shell alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.wiring import exports
    from storage.models import Workspace

REFUSED = 2
DATASETS_HELP = "members, silos, introductions, checkins, commitments, retros, stories"


class _Refused(Exception):
    """Why nothing was exported, in one line."""


def add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write the workspace's data to CSV or JSON files",
        description="Write the workspace's data to a folder, one CSV or JSON file per "
        f"dataset ({DATASETS_HELP}). Learning stories are only those their authors shared.",
    )
    export.add_argument(
        "--what",
        metavar="DATASETS",
        action="append",
        default=[],
        help=f"which datasets: {DATASETS_HELP}, or all (the default); repeat it or separate "
        "them with commas",
    )
    export.add_argument("--format", metavar="csv|json", default="csv", help="default csv")
    export.add_argument(
        "--out", metavar="DIR", required=True, help="the folder to write into (made if missing)"
    )
    export.add_argument(
        "--workspace",
        metavar="NAME",
        help="the workspace to export, by name or platform id (default: the database's only one)",
    )
    export.add_argument(
        "--force", action="store_true", help="replace files of the same names already in DIR"
    )


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_failures import stopped_by
    from bot.wiring import exports
    from storage.busy import DatabaseBusy
    from storage.opening import DatabaseUnavailable, MigrationFailed

    try:
        names, format_name = exports.read_choice(args.what, args.format)
    except exports.BadExportChoice as wrong:
        print(f"convene: {wrong}", file=sys.stderr)
        return REFUSED
    out = Path(args.out)
    try:
        _check_folder(out, [f"{name}.{format_name}" for name in names], force=args.force)
        files, workspace = asyncio.run(_read(settings, args.workspace, names, format_name))
        _write(out, files)
    except _Refused as refused:
        print(f"convene: {refused}", file=sys.stderr)
        return REFUSED
    except (DatabaseUnavailable, MigrationFailed, DatabaseBusy) as failure:
        return stopped_by(failure, starting=False)
    listed = ", ".join(f.described() for f in files)
    print(f"Exported {workspace!r} to {out}: {listed}.")
    return 0


def _check_folder(out: Path, names: list[str], *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise _Refused(f"{out} is a file, not a folder: choose another --out")
    taken = [name for name in names if (out / name).exists()]
    if taken and not force:
        raise _Refused(
            f"{out / taken[0]} already exists, so nothing was written: add --force to "
            "replace the files, or choose another --out folder"
        )


async def _read(
    settings: Settings, asked: str | None, names: list[str], format_name: str
) -> tuple[list[exports.ExportFile], str]:
    from bot.wiring import exports
    from storage import migrate
    from storage.engine import create_engine, session_factory

    url = settings.convene.database_url
    _check_database_exists(url)
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        async with session_factory(engine)() as session:
            workspace = await _workspace(session, asked, settings)
            assert workspace.id is not None
            files = await exports.export_files(session, workspace.id, names, format_name)
    finally:
        await engine.dispose()
    return files, workspace.name


def _check_database_exists(url: str) -> None:
    """A SQLite file that is not there is a mistyped path, not a database to make empty."""

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return
    if name.startswith("file:"):
        return
    if not Path(name).exists():
        raise _Refused(
            f"there is no database at {Path(name).absolute()}: run the export where Convene "
            "runs, or point [convene] database_url (or $CONVENE_DATABASE_URL) at its database"
        )


async def _workspace(session: AsyncSession, asked: str | None, settings: Settings) -> Workspace:
    from bot.wiring import SHELL_WORKSPACE
    from storage.repositories import workspaces as workspaces_repo

    every = await workspaces_repo.every(session)
    if not every:
        raise _Refused("this database holds no workspace yet, so there is nothing to export")
    if asked is not None:
        wanted = asked.strip().casefold()
        found = [w for w in every if wanted in (w.external_id.casefold(), w.name.casefold())]
        if len(found) == 1:
            return found[0]
        raise _Refused(f"no single workspace is called {asked!r} here; {_choices(every)}")
    if len(every) == 1:
        return every[0]
    if settings.convene.adapters == ["shell"]:
        shell = [w for w in every if (w.platform, w.external_id) == SHELL_WORKSPACE]
        if shell:
            return shell[0]
    raise _Refused(f"this database holds {len(every)} workspaces; {_choices(every)}")


def _choices(every: list[Workspace]) -> str:
    named = ", ".join(f"{w.name!r} ({w.platform} {w.external_id})" for w in every)
    return f"say which with --workspace NAME: {named}"


def _write(out: Path, files: list[exports.ExportFile]) -> None:
    """Each file written whole beside its name, then moved into place."""

    try:
        out.mkdir(parents=True, exist_ok=True)
        for file in files:
            target = out / file.name
            partial = out / f".{file.name}.partial"
            try:
                partial.write_bytes(file.data)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
    except OSError as problem:
        raise _Refused(
            f"cannot write into {out}: {problem.strerror or problem}; choose another --out"
        ) from None
