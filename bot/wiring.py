"""The one place that knows every concrete handler and adapter.

``bot`` imports no handler or adapter anywhere else; adding a job or a
platform to Convene means adding its module here.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import nullcontext
from typing import TextIO

from adapters.shell import FILES_DIR_NAME, ShellAdapter, lines_from, lines_of, script_start
from adapters.shell import PLATFORM as SHELL_PLATFORM
from adapters.shell import WORKSPACE_ID as SHELL_WORKSPACE_ID
from adapters.shell_terminal import (
    HISTORY_FILE_NAME,
    above_prompt,
    is_terminal,
    prompt_text,
    terminal_session,
    typed_lines,
    warnings_above_prompt,
)
from bot import __version__
from bot.adapter import Adapter
from bot.app import ConveneApp
from bot.clock import Clock, ManualClock, OffsetClock, SystemClock
from bot.config import Settings
from bot.local_files import beside_database
from bot.registry import Registry
from handlers import (
    checkins,
    commitments,
    introductions,
    landscape,
    opportunities,
    privacy,
    profile,
    retros,
)

# ``convene simulate`` (bot/cli.py) reaches the pairing simulation through here.
from handlers.introductions.simulation import OrganisationError as OrganisationError
from handlers.introductions.simulation import SimulatedProgramme as SimulatedProgramme
from handlers.introductions.simulation import format_report as format_report
from handlers.introductions.simulation import read_answers_file as read_answers_file
from handlers.introductions.simulation import read_meet_rate as read_meet_rate
from handlers.introductions.simulation import read_mix_option as read_mix_option
from handlers.introductions.simulation import read_organisation as read_organisation
from handlers.introductions.simulation import read_size as read_size
from handlers.introductions.simulation import simulate as simulate

# ``convene export`` (bot/cli_export.py) reads the datasets through here.
from handlers.landscape import exports as exports

# ``convene import members`` (bot/cli_import.py) reaches the members file through here.
from handlers.landscape import member_import as member_import
from handlers.landscape import members_file as members_file

# ``convene opportunities`` (bot/cli_opportunities.py) reads an answers file through here.
from handlers.opportunities import offline as offline

SHELL_WORKSPACE = (SHELL_PLATFORM, SHELL_WORKSPACE_ID)
"""The shell's workspace (platform, id): where ``convene import members`` imports by default."""


def build_adapters(settings: Settings, clock: Clock, registry: Registry) -> list[Adapter]:
    """The platform adapters the config asks for (the shell runs apart, in ``run_shell``)."""

    adapters: list[Adapter] = []
    if "slack" in settings.convene.adapters:
        from adapters.slack.adapter import SlackAdapter

        adapters.append(SlackAdapter(settings.slack, clock=clock))
    if "discord" in settings.convene.adapters:
        from adapters.discord.adapter import DiscordAdapter

        adapters.append(
            DiscordAdapter(settings.discord, commands=registry.commands.commands, clock=clock)
        )
    return adapters


async def run_platforms(settings: Settings, stop: asyncio.Event) -> int:
    """Run Convene on Slack and Discord, as the config asks, until ``stop`` is set."""

    clock = SystemClock()
    registry = build_registry()
    app = ConveneApp(
        settings,
        build_adapters(settings, clock, registry),
        registry,
        clock,
        bootstrap_conveners={
            platform: frozenset(settings.convene.conveners) for platform in ("slack", "discord")
        },
    )
    connect_suggestions(app)
    connect_database(app)
    try:
        await app.start(background=True)
        freeze_start_up()
        await stop.wait()
    finally:
        await app.stop()
    return 0


def freeze_start_up() -> None:
    """Move what start-up made (imports, the app) out of the garbage collector's way.

    A full collection walks every object, and the imports (SQLAlchemy, numpy,
    bolt, discord.py) make hundreds of thousands that live as long as the
    process: frozen, a full collection takes about 10 ms instead of 100, which
    otherwise stalls the loop that acknowledges Slack and Discord (measured in
    bench.slack_events).
    """

    gc.collect()
    gc.freeze()


def connect_database(app: ConveneApp) -> None:
    """Give adapters that keep platform state in Convene's database (Slack's installations
    over OAuth, the encrypted tokens) the app's sessions."""

    for adapter in app.adapters.values():
        use_database = getattr(adapter, "use_database", None)
        if use_database is not None:
            use_database(app.sessions, app.settings.privacy)


def connect_suggestions(app: ConveneApp) -> None:
    """Give adapters that autocomplete (Discord) their read of the store."""

    from bot.suggestions import Suggestions

    for adapter in app.adapters.values():
        if hasattr(adapter, "suggest"):
            adapter.suggest = Suggestions(
                app.sessions, adapter.platform, app.registry.suggestion_sources
            )


def build_registry() -> Registry:
    registry = Registry()
    for module in (
        profile,
        landscape,
        introductions,
        checkins,
        retros,
        commitments,
        opportunities,
        privacy,
    ):
        module.register(registry)
    return registry


async def run_shell(
    settings: Settings, script_lines: list[str] | None, stdin: TextIO, stdout: TextIO
) -> int:
    """Run Convene on the shell adapter, interactively or from a transcript.

    A person at a terminal gets line editing, a history and a prompt
    (``adapters.shell_terminal``); a pipe and a script are read line by line.
    """

    scripted = script_lines is not None
    clock: ManualClock | OffsetClock = (
        ManualClock(script_start(script_lines)) if script_lines is not None else OffsetClock()
    )
    terminal = (
        terminal_session(
            beside_database(settings.convene.database_url, HISTORY_FILE_NAME), stdin, stdout
        )
        if not scripted and is_terminal(stdin, stdout)
        else None
    )
    shell_settings = settings.shell
    shell = ShellAdapter(
        stdout if terminal is None else above_prompt(stdout, terminal.app),
        channel=shell_settings.channel,
        operator=shell_settings.operator,
        workspace_name=shell_settings.workspace,
        echo=scripted,
        files_dir=beside_database(settings.convene.database_url, FILES_DIR_NAME),
    )
    conveners = frozenset({shell_settings.operator, *settings.convene.conveners})
    app = ConveneApp(
        settings, [shell], build_registry(), clock, bootstrap_conveners={"shell": conveners}
    )
    stopped = asyncio.Event()
    if not scripted:
        _stop_on_signals(stopped)
    warnings = warnings_above_prompt(terminal.app) if terminal is not None else nullcontext()
    try:
        # Inside the try: a start that fails (a database that cannot be opened)
        # still disposes of the engine, whose connection thread would outlive the loop.
        await app.start(background=not scripted)
        await app.ensure_member(
            platform=shell.platform,
            workspace_external_id=SHELL_WORKSPACE_ID,
            workspace_name=shell_settings.workspace,
            platform_user_id=shell_settings.operator,
            display_name=shell_settings.operator,
            timezone=shell_settings.timezone,
            convener=True,
        )
        shell.print(
            f"Convene {__version__}: shell workspace {shell_settings.workspace!r}, "
            f"channel #{shell_settings.channel}. You are {shell_settings.operator!r}, "
            "the first convener. Type help for the commands, :help for the shell's grammar."
        )
        if script_lines is not None:
            lines = lines_of(script_lines)
        elif terminal is not None:
            lines = _until(stopped, typed_lines(terminal, lambda: prompt_text(shell), stopped))
        else:
            lines = _until(stopped, lines_from(stdin))
        with warnings:
            async for line in lines:
                keep_going = await shell.handle_line(line, app.advance_clock_to, clock.now())
                await app.settle()
                if not keep_going:
                    break
    finally:
        await app.stop()
        if not scripted:
            _stop_on_signals(None)
    if stopped.is_set():
        print("\nBye. Everything is saved.", file=sys.stderr)
    return 0


def _stop_on_signals(stopped: asyncio.Event | None) -> None:
    """Ctrl-C (SIGINT) and SIGTERM set ``stopped``; with None, the defaults come back.

    A stop asked for this way is a flag the line loop reads between lines, not
    a cancellation thrown into whatever is running: the line being handled is
    finished and its replies delivered, then the app stops cleanly. (A
    cancellation landing in the middle of a statement could leave the process
    waiting at exit, which is what the Ctrl-C test once caught.)
    """

    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        if stopped is None:
            loop.remove_signal_handler(number)
        else:
            loop.add_signal_handler(number, stopped.set)


async def _until(stopped: asyncio.Event, lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The lines typed, until the input ends or ``stopped`` is set."""

    iterator = aiter(lines)
    stop_asked = asyncio.ensure_future(stopped.wait())
    try:
        while not stopped.is_set():
            next_line = asyncio.ensure_future(anext(iterator))
            await asyncio.wait({next_line, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
            if not next_line.done():
                next_line.cancel()
                return
            try:
                yield next_line.result()
            except StopAsyncIteration:
                return
    finally:
        stop_asked.cancel()
