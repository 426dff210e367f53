"""The ``convene`` command: run, db upgrade, check-config, simulate, --version.

Only the parser and the config are imported up front, so that ``--version``
and ``check-config`` answer at once; each command imports what it runs (the
app and its wiring, the database, the simulation) when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import __version__
from bot.cli_failures import stopped_by
from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.log_destinations import LogSetup

log = logging.getLogger("convene")


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
    _add_simulate(commands)
    from bot.cli_export import add_export
    from bot.cli_import import add_import
    from bot.cli_opportunities import add_opportunities

    add_export(commands)
    add_import(commands)
    add_opportunities(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "opportunities":
        from bot.cli_opportunities import run_opportunities

        return run_opportunities(args)
    try:
        settings = load_settings(args.config)
    except ConfigError as problem:
        print(f"convene: {problem}", file=sys.stderr)
        return 2
    logs = _configure_logging(settings, shell=_runs_the_shell(args, settings))
    try:
        return _command(parser, args, settings)
    finally:
        logs.undo()


def _runs_the_shell(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether this command is the shell's chat, whose log goes to a file, not between its lines."""

    return args.command == "run" and (
        args.script is not None or "shell" in settings.convene.adapters
    )


def _command(parser: argparse.ArgumentParser, args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "check-config":
        print(_describe(settings))
        return 0
    if args.command == "db":
        if args.db_command != "upgrade":
            parser.parse_args(["db", "--help"])
            return 2
        try:
            return asyncio.run(_db_upgrade(settings))
        except Exception as failure:
            return stopped_by(failure, starting=False)
    if args.command == "run":
        return _leave(_run(settings, args.script))
    if args.command == "export":
        from bot.cli_export import run_export

        return run_export(args, settings)
    if args.command == "import":
        from bot.cli_import import run_import

        return run_import(args, settings)
    parser.print_help()
    return 2


def _run(settings: Settings, script_name: str | None) -> int:
    """``convene run``: the shell (interactive or a transcript), or the platforms."""

    script = Path(script_name) if script_name else None
    if script is not None and not script.is_file():
        print(f"convene: no such script file: {script}", file=sys.stderr)
        return 2
    try:
        script_lines = _read_script(script) if script else None
    except OSError as unreadable:
        print(
            f"convene: cannot read the script {script}: {unreadable.strerror or unreadable}",
            file=sys.stderr,
        )
        return 2
    platforms = [a for a in settings.convene.adapters if a != "shell"]
    from bot import event_loop

    try:
        event_loop.loop_factory()
    except ValueError as wrong:
        print(f"convene: {wrong}", file=sys.stderr)
        return 2
    if platforms and (script_lines is not None or "shell" in settings.convene.adapters):
        print(
            f"convene: {settings.source}: [convene] adapters: run the shell on its own, "
            f"or {', '.join(platforms)} without it",
            file=sys.stderr,
        )
        return 2

    from bot.wiring import run_shell

    try:
        if platforms:
            return event_loop.run(_run_platforms(settings))
        return asyncio.run(run_shell(settings, script_lines, sys.stdin, sys.stdout))
    except KeyboardInterrupt:
        print("\nBye. Everything is saved.", file=sys.stderr)
        return 0
    except Exception as failure:
        return stopped_by(failure, starting=True)


STUCK_THREAD_GRACE_SECONDS = 5.0


def _leave(code: int) -> int:
    """Return ``code``, or end the process with it if a worker thread would keep it alive.

    Everything Convene wrote is committed or rolled back by now. But a stop
    that lands while a database statement is in flight (Ctrl-C just after a
    reply) can leave a driver's worker thread (aiosqlite runs one per
    connection, not as a daemon) waiting on a connection nobody will close,
    and the interpreter would wait for it for ever at exit. So each such
    thread gets a few seconds to finish, and then the process leaves anyway.
    """

    deadline = time.monotonic() + STUCK_THREAD_GRACE_SECONDS
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [
        thread.name
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
    ]
    if stuck:
        log.warning(
            "leaving without waiting for %d stuck worker thread%s",
            len(stuck),
            "" if len(stuck) == 1 else "s",
        )
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _read_script(script: Path) -> list[str]:
    """A transcript's lines; bytes that are not UTF-8 are kept for the shell to refuse.

    Decoded with ``surrogateescape`` rather than refused whole: the shell
    answers the one line that holds them, and the rest of the script runs. A
    byte-order mark (a file saved by Notepad) is dropped.
    """

    return script.read_bytes().decode("utf-8-sig", errors="surrogateescape").splitlines()


async def _run_platforms(settings: Settings) -> int:
    """Run until SIGINT or SIGTERM, then stop cleanly (deliveries resume on the next start)."""

    from bot.wiring import run_platforms

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    return await run_platforms(settings, stop)


def _add_simulate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate_command = commands.add_parser(
        "simulate",
        help="show what rounds of introductions would bridge in an organisation",
        description="Run rounds of a programme of introductions on an organisation, each group "
        "meeting with some probability, and print for each round the share of bridges (pairs "
        "of silos of one kind, or of kinds crossed by --mix; never silos someone stands in "
        "together) met and introduced so far, and with --groups who met whom.",
    )
    simulate_command.add_argument(
        "--org",
        metavar="FILE.csv",
        required=True,
        help="a CSV with the header member,silos,timezone; silos as kind:name separated by ;",
    )
    simulate_command.add_argument("--rounds", metavar="N", default="8", help="default 8")
    simulate_command.add_argument("--seed", metavar="N", default="1", help="default 1")
    simulate_command.add_argument(
        "--size", metavar="2|3|4", default="2", help="people in a group, default 2 (pairs)"
    )
    simulate_command.add_argument(
        "--mix",
        metavar="KINDS",
        help="kinds to bridge, as a programme takes them: team,organisation (each kind among "
        "itself), team+profession (a crossing); default every kind",
    )
    simulate_command.add_argument(
        "--meet-rate",
        metavar="R",
        default="0.6",
        help="the share of groups that meet, 0 to 1, default 0.6 (drawn from --seed)",
    )
    simulate_command.add_argument(
        "--groups", action="store_true", help="print each round's groups and the bridges they make"
    )
    simulate_command.add_argument(
        "--answers",
        metavar="FILE.csv",
        help="check-in answers (member,silos,question,answer[,kind]) to compare rounds without "
        "and with topic affinity (--affinity on): groups joining a need to an offer, bridges met",
    )
    simulate_command.add_argument("--json", action="store_true", help="print one JSON object")


def _simulate(args: argparse.Namespace) -> int:
    from bot.wiring import (
        OrganisationError,
        SimulatedProgramme,
        format_report,
        read_answers_file,
        read_meet_rate,
        read_mix_option,
        read_organisation,
        read_size,
        simulate,
    )

    try:
        rounds = _whole_number(args.rounds, "--rounds")
        seed = _whole_number(args.seed, "--seed")
        size = read_size(args.size)
        meet_rate = read_meet_rate(args.meet_rate)
        organisation = read_organisation(Path(args.org))
        answers = read_answers_file(Path(args.answers), organisation) if args.answers else None
        programme = SimulatedProgramme(size, read_mix_option(args.mix, organisation), meet_rate)
        progress = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
        report = simulate(
            organisation,
            rounds,
            seed,
            progress,
            programme=programme,
            with_groups=args.groups,
            answers=answers,
        )
    except OrganisationError as problem:
        print(f"convene: {problem}", file=sys.stderr)
        return 2
    if progress is not None:
        progress.clear()
    print(json.dumps(report.as_json()) if args.json else format_report(report))
    return 0


def _whole_number(value: str, option: str) -> int:
    from bot.wiring import OrganisationError

    try:
        return int(value)
    except ValueError:
        example = "8" if option == "--rounds" else "1"
        raise OrganisationError(
            f"{option} takes a whole number, not {value!r}; e.g. {option} {example}"
        ) from None


class _ProgressBar:
    """``simulating [#####.....] 4/8 rounds`` on one terminal line."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\rsimulating [{bar}] {done}/{total} rounds")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
        self.stream.flush()


def _configure_logging(settings: Settings, *, shell: bool = False) -> LogSetup:
    """The shell's log to a file, a server's to standard error (``bot.log_destinations``)."""

    from bot.log_destinations import send_logs

    return send_logs(settings, shell=shell)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # loaded already: the config check reads the URL

    return make_url(url).render_as_string(hide_password=True)


def _describe(settings: Settings) -> str:
    return (
        f"Config OK ({settings.source}): adapters {', '.join(settings.convene.adapters)}; "
        f"database {_safe_url(settings.convene.database_url)}; instance "
        f"{settings.convene.instance_id or 'named by each process (host-pid-random)'}."
    )


async def _db_upgrade(settings: Settings) -> int:
    from storage import migrate
    from storage.engine import create_engine

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
