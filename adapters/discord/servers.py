"""Servers as this instance sees them: from its shards' cache, else over REST.

With shards spread over instances (``[discord] shard_count`` / ``shard_ids``)
an instance's gateway cache holds only the servers its shards carry. Work
for the others still lands here: the outbox is drained by whichever instance
claims a row, a scheduled round runs wherever its slot was claimed, and a DM
(always on shard 0) may come from a member of a server another instance
carries. Those read the server over REST (``GET /guilds/{guild.id}``, its
channels, its members), which any instance may do. Each request waits for
the adapter's global pace first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.inbound import display_name
from adapters.discord.render import parse_custom_id
from bot.errors import UserError

Pace = Callable[[], Awaitable[None]]

GUILDS_PAGE = 200
"""The most servers ``GET /users/@me/guilds`` lists at once (Discord's maximum)."""
DM_LOOKBACK = 20
"""How many of a DM's latest messages are read for the server Convene last wrote from."""

NOT_THERE = "Convene is not in that Discord server any more."

Channel = discord.abc.GuildChannel | discord.Thread


def name_in(member: dict[str, Any]) -> str:
    """A member's name from a REST guild member: nickname, global name, then username."""

    user = member.get("user") or {}
    return str(member.get("nick") or user.get("global_name") or user.get("username") or "")


class Servers:
    """Looks servers up for the adapter, wherever their shard runs."""

    def __init__(self, client: Callable[[], discord.Client], pace: Pace) -> None:
        self._client = client
        self._pace = pace

    def cached(self, workspace_id: str) -> discord.Guild | None:
        """The server, if one of this instance's shards carries it."""

        if not workspace_id.isdigit():
            return None
        return self._client().get_guild(int(workspace_id))

    def is_cached(self, guild: discord.Guild) -> bool:
        return self._client().get_guild(guild.id) is guild

    async def get(self, workspace_id: str) -> discord.Guild:
        """The server with its roles: cached, else asked of Discord."""

        guild = self.cached(workspace_id)
        if guild is not None:
            return guild
        if not workspace_id.isdigit():
            raise UserError(NOT_THERE)
        await self._pace()
        try:
            return await self._client().fetch_guild(int(workspace_id), with_counts=False)
        except (discord.Forbidden, discord.NotFound):
            raise UserError(NOT_THERE) from None
        except discord.HTTPException as failed:
            raise UserError(
                f"Discord would not describe that server just now ({failed.status}); "
                "try again in a minute."
            ) from None

    async def channel(self, guild: discord.Guild, channel_id: str) -> Channel | None:
        """A channel (a thread: its parent, whose permissions it has), or None if unknown."""

        if not channel_id.isdigit():
            return None
        if self.is_cached(guild):
            return guild.get_channel_or_thread(int(channel_id))
        await self._pace()
        try:
            found = await guild.fetch_channel(int(channel_id))
            if isinstance(found, discord.Thread):
                await self._pace()
                return await guild.fetch_channel(found.parent_id)
        except discord.HTTPException:
            return None
        return found

    async def text_channels(self, guild: discord.Guild) -> list[discord.TextChannel]:
        if self.is_cached(guild):
            return guild.text_channels
        await self._pace()
        try:
            channels = await guild.fetch_channels()
        except discord.HTTPException as failed:
            raise UserError(
                f"Discord would not list that server's channels just now ({failed.status}); "
                "name the channel as #channel from the list Discord offers."
            ) from None
        return [c for c in channels if isinstance(c, discord.TextChannel)]

    async def member_name(self, workspace_id: str, member_id: str) -> str | None:
        """A member's name in a server (None: not a member, or not known)."""

        if not (workspace_id.isdigit() and member_id.isdigit()):
            return None
        guild = self.cached(workspace_id)
        if guild is not None:
            member = guild.get_member(int(member_id))
            if member is not None:
                return display_name(member)
        await self._pace()
        try:
            found = await self._client().http.get_member(int(workspace_id), int(member_id))
        except discord.HTTPException:
            return None
        return name_in(dict(found)) or None

    async def last_wrote_from(self, channel_id: str) -> str | None:
        """The server named by the buttons of Convene's latest message in a DM.

        Every button carries its server in its ``custom_id``; whichever instance
        sent the message, one read of the DM's latest messages finds it.
        """

        client = self._client()
        if not channel_id.isdigit() or client.user is None:
            return None
        await self._pace()
        try:
            recent = await client.http.logs_from(int(channel_id), DM_LOOKBACK)
        except discord.HTTPException:
            return None
        for message in recent:  # newest first
            if str(message.get("author", {}).get("id")) != str(client.user.id):
                continue
            named = _named_server(list(message.get("components") or []))
            if named:
                return named
        return None

    async def shared_with(self, user_id: str) -> str | None:
        """The first server the bot shares with a member, for a DM that names none.

        This instance's servers first (their member cache, then one REST call
        each); then the bot's other servers, listed a page at a time.
        """

        if not user_id.isdigit():
            return None
        client = self._client()
        tried: set[int] = set()
        for guild in client.guilds:
            tried.add(guild.id)
            if guild.get_member(int(user_id)) is not None:
                return str(guild.id)
        for guild_id in sorted(tried):
            if await self._is_member(guild_id, user_id):
                return str(guild_id)
        after: int | None = None
        while True:
            await self._pace()
            try:
                page = await client.http.get_guilds(GUILDS_PAGE, after=after, with_counts=False)
            except discord.HTTPException:
                return None
            for listed in page:
                guild_id = int(listed["id"])
                if guild_id not in tried and await self._is_member(guild_id, user_id):
                    return str(guild_id)
            if len(page) < GUILDS_PAGE:
                return None
            after = int(page[-1]["id"])

    async def _is_member(self, guild_id: int, user_id: str) -> bool:
        await self._pace()
        try:
            await self._client().http.get_member(guild_id, int(user_id))
        except discord.HTTPException:
            return False
        return True


def _named_server(components: list[Any]) -> str | None:
    """The server the first ``custom_id`` in these components (and their rows) names."""

    for component in components:
        if not isinstance(component, dict):
            continue
        made = component.get("custom_id")
        if isinstance(made, str):
            workspace = parse_custom_id(made)[0]
            if workspace.isdigit():
                return workspace
        inner = _named_server(list(component.get("components") or []))
        if inner:
            return inner
    return None
