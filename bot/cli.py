"""The ``convene`` command: run, db upgrade, check-config, --version."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.wiring import run_shell
from storage import migrate
from storage.engine import create_engine

log = logging.getLogger("convene")

NOT_YET = {
    "slack": "the Slack adapter is not part of this version yet",
    "discord": "the Discord adapter is not part of this version yet",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convene",
        description="Convene: check-ins, introductions across silos, retros and commitments.",
    )
    parser.add_argument("--version", action="version", version=f"convene {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $CONVENE_CONFIG, else ./convene.toml if present)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="start Convene (the shell adapter by default)")
    run.add_argument(
        "--script",
        metavar="FILE",
        help="play a shell transcript, echoing each line, then exit",
    )
    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", metavar="TASK")
    db_commands.add_parser("upgrade", help="bring the database schema up to date")
    commands.add_parser("check-config", help="read the config, report the first problem")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = load_settings(args.config)
    except ConfigError as problem:
        print(f"convene: {problem}", file=sys.stderr)
        return 2
    _configure_logging(settings)

    if args.command == "check-config":
        print(_describe(settings))
        return 0
    if args.command == "db":
        if args.db_command != "upgrade":
            parser.parse_args(["db", "--help"])
            return 2
        return asyncio.run(_db_upgrade(settings))
    if args.command == "run":
        for adapter in settings.convene.adapters:
            if adapter in NOT_YET:
                print(
                    f"convene: {settings.source}: [convene] adapters: {NOT_YET[adapter]}; "
                    'use adapters = ["shell"]',
                    file=sys.stderr,
                )
                return 2
        script = Path(args.script) if args.script else None
        if script is not None and not script.is_file():
            print(f"convene: no such script file: {script}", file=sys.stderr)
            return 2
        script_lines = script.read_text(encoding="utf-8").splitlines() if script else None
        try:
            return asyncio.run(run_shell(settings, script_lines, sys.stdin, sys.stdout))
        except KeyboardInterrupt:
            print("\nBye. Everything is saved.", file=sys.stderr)
            return 0
        except Exception as failure:
            log.exception("Convene stopped because of an error")
            print(f"convene: stopped by an error: {failure}", file=sys.stderr)
            return 1
    parser.print_help()
    return 2


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.convene.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _describe(settings: Settings) -> str:
    return (
        f"Config OK ({settings.source}): adapters {', '.join(settings.convene.adapters)}; "
        f"database {_safe_url(settings.convene.database_url)}; instance {settings.instance}."
    )


async def _db_upgrade(settings: Settings) -> int:
    engine = create_engine(settings.convene.database_url)
    try:
        await migrate.upgrade(engine)
        revision = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    print(f"Database {_safe_url(settings.convene.database_url)} is at revision {revision} (head).")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
