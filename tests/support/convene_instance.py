"""``convene run`` in a process of its own, on the fake platform over loopback HTTP.

Run from the repository root::

    python -m tests.support.convene_instance --platform-url http://127.0.0.1:PORT \\
        --rate 15 -- --config chaos.toml run

Everything after ``--`` is the ``convene`` command line, run by the real
``bot.cli.main``: the config file, the app, its scheduler and deliverers,
its signal handling. The one thing added is a platform named ``fake`` that
the config may list in ``[convene] adapters``: ``HttpPlatformAdapter``
pointed at ``--platform-url``, naming this process (its pid) in a header of
every request. Tests start several of these against one
database and kill, pause and restart them (``tests.support.chaos``).
"""

from __future__ import annotations

import argparse
import os
import sys

import bot.config
import bot.wiring
from bot.adapter import Adapter
from bot.clock import Clock
from bot.config import Settings
from bot.registry import Registry
from tests.support.http_platform_adapter import HttpPlatformAdapter
from tests.support.outbox import PLATFORM

PROCESS_HEADER = "X-Convene-Process"
"""Each request names the process that sent it, so the platform can tell instances apart."""


def with_fake_platform(platform_url: str, rate: float | None) -> None:
    """Teach this process's Convene the ``fake`` adapter (config check and wiring)."""

    # The config check reads the module's tuple of adapter names when it runs.
    bot.config.KNOWN_ADAPTERS = (*bot.config.KNOWN_ADAPTERS, PLATFORM)  # type: ignore[assignment]
    build_real_adapters = bot.wiring.build_adapters

    def build_adapters(settings: Settings, clock: Clock, registry: Registry) -> list[Adapter]:
        adapters = build_real_adapters(settings, clock, registry)
        if PLATFORM in settings.convene.adapters:
            adapters.append(
                HttpPlatformAdapter(
                    platform_url,
                    platform=PLATFORM,
                    rate_per_second=rate,
                    headers={PROCESS_HEADER: str(os.getpid())},
                )
            )
        return adapters

    bot.wiring.build_adapters = build_adapters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform-url", required=True)
    parser.add_argument("--rate", type=float, default=None, help="messages a second (no limit)")
    parser.add_argument("convene", nargs=argparse.REMAINDER, help="-- then convene's arguments")
    args = parser.parse_args(argv)
    convene_args = args.convene[1:] if args.convene[:1] == ["--"] else args.convene
    with_fake_platform(args.platform_url, args.rate)

    from bot.cli import main as convene

    return convene(convene_args)


if __name__ == "__main__":
    sys.exit(main())
