"""Which gateway connections (shards) this instance runs, and which servers they carry.

Discord splits a bot's servers over its shards: a server's events go down
shard ``(guild_id >> 22) % shard_count`` only, and DMs down shard 0 only.
With ``[discord] shard_count`` and ``shard_ids`` several Convene instances
share the work: each runs its own shards through discord.py's
``AutoShardedClient(shard_count=..., shard_ids=...)`` and sees only those
servers' events and cache. Anything else (a delivery, a scheduled round, a
DM answer for a server on another instance's shard) reaches a server over
REST, which every instance can do.

Discord starts one session per rate-limit key (``shard_id % max_concurrency``,
``max_concurrency`` 1 for most bots) every five seconds: discord.py waits five
seconds before each further shard of one instance, and an instance whose
IDENTIFY comes too soon after another's is answered INVALID_SESSION and
identifies again five seconds later, so instances may start together.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.config import DiscordSection


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard a server's events come down (Discord's sharding formula)."""

    return (guild_id >> 22) % shard_count if shard_count > 1 else 0


def client_kind(settings: DiscordSection) -> tuple[type[discord.Client], dict[str, Any]]:
    """The discord.py client class for these settings, and the shard options it takes.

    ``shard_count`` set: exactly those shards (``shard_ids``, else all of
    them), connected without asking Discord for a recommendation. Only
    ``sharded``: as many shards as Discord recommends, all here. Neither: one
    plain connection.
    """

    if settings.shard_count > 0:
        options: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids:
            options["shard_ids"] = sorted(settings.shard_ids)
        return discord.AutoShardedClient, options
    if settings.sharded:
        return discord.AutoShardedClient, {}
    return discord.Client, {}


IDENTIFY_SPACING = 5.0
"""Seconds discord.py waits before identifying each further shard of one client."""


def ready_within(settings: DiscordSection, first: float) -> float:
    """How long to wait for READY: ``first`` for one shard, five seconds more for each
    further shard here (with ``sharded`` alone Discord decides, so it cannot be known)."""

    if settings.shard_count <= 0:
        return first
    here = len(settings.shard_ids) or settings.shard_count
    return first + IDENTIFY_SPACING * (here - 1)


def described(settings: DiscordSection) -> str:
    """The shards this instance runs, for the start-up log line."""

    if settings.shard_count <= 0:
        return "as many shards as Discord recommends" if settings.sharded else "one connection"
    mine = settings.shard_ids or list(range(settings.shard_count))
    return f"shard(s) {', '.join(str(s) for s in sorted(mine))} of {settings.shard_count}"
