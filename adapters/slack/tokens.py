"""Each Slack workspace's bot token, read from its installation, cached, refreshed in time.

Installed over OAuth, Convene holds one token per workspace (team). Every
delivery and read asks here for the token of its workspace: the first ask
reads and decrypts the installation, later ones are answered from memory. A
workspace that uninstalls (or installs again) is forgotten at once
(``forget``), so the next call reads the row again, or finds none.

With Slack's token rotation on, a bot token lives twelve hours. One that
expires within ``REFRESH_BEFORE`` is exchanged first (``oauth.v2.access``,
``grant_type=refresh_token``); the refresh token is single-use, so two
instances must never both spend it. The instance that wins one conditional
UPDATE of ``refreshing_until`` refreshes; any other waits for the new token
to appear in the row, and takes over only if the winner's claim runs out
(it died mid-way) or it lets go (Slack refused).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import PermanentDeliveryError, TransientDeliveryError
from bot.clock import Clock
from bot.token_keys import TokenKeys, UnreadableToken
from storage.busy import retry_when_busy
from storage.models import SlackInstallation
from storage.repositories import slack_installations as installations_repo

log = logging.getLogger("convene.slack")

REFRESH_BEFORE = timedelta(minutes=5)
"""A token that expires sooner than this is refreshed before it is used."""
REFRESH_CLAIM = timedelta(seconds=30)
"""How long one instance's claim to refresh lasts: past it, another may take over."""
WAIT_STEP_SECONDS = 0.05
"""How often a waiting instance reads the row again for the token another is fetching."""
WAIT_STEPS = 1200
"""Reads before a waiter gives up (about a minute): the call then fails as transient,
and the outbox tries it again later."""

Refresh = Callable[[str], Awaitable[dict[str, Any]]]
"""``oauth.v2.access`` with ``grant_type=refresh_token``: the refresh token in, Slack's answer
out (``access_token``, ``refresh_token``, ``expires_in``); raises on a refusal."""


@dataclass(frozen=True, slots=True)
class WorkspaceToken:
    """What a call for one workspace needs: its bot token, and the bot's own ids there."""

    team_id: str
    token: str = field(repr=False)
    bot_user_id: str
    bot_id: str
    expires_at: datetime | None
    refresh_token: str | None = field(repr=False)
    installation_id: int
    sealed: str
    """The token as stored (encrypted): a refresh is claimed only while the row still holds
    it, so a token another instance has already replaced is never refreshed again."""


class NotInstalled(PermanentDeliveryError):
    """No installation for the workspace: it never installed Convene, or uninstalled it."""


class WorkspaceTokens:
    """Tokens by team id, over Convene's sessions (``refresh`` is None without rotation)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        keys: TokenKeys,
        clock: Clock,
        *,
        refresh: Refresh | None,
    ) -> None:
        self._sessions = sessions
        self._keys = keys
        self._clock = clock
        self._refresh = refresh
        self._known: dict[str, WorkspaceToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, team_id: str) -> None:
        """Drop what is cached for a workspace (uninstalled, or installed again)."""

        self._known.pop(team_id, None)

    def known(self, team_id: str) -> WorkspaceToken | None:
        """The cached token of a workspace, without asking the database (None if not read yet)."""

        return self._known.get(team_id)

    async def of(self, team_id: str) -> WorkspaceToken:
        """The workspace's token, fresh enough to use now (``NotInstalled`` when there is none)."""

        known = self._known.get(team_id)
        if known is not None and not self._expiring(known):
            return known
        async with self._locks.setdefault(team_id, asyncio.Lock()):
            known = self._known.get(team_id)
            if known is None or self._expiring(known):
                known = await self._fresh(team_id)
                self._known[team_id] = known
            return known

    def _expiring(self, token: WorkspaceToken) -> bool:
        return (
            self._refresh is not None
            and token.refresh_token is not None
            and token.expires_at is not None
            and token.expires_at - self._clock.now() < REFRESH_BEFORE
        )

    async def _fresh(self, team_id: str) -> WorkspaceToken:
        token = await self._read(team_id)
        for _ in range(WAIT_STEPS):
            if not self._expiring(token):
                return token
            now = self._clock.now()
            if await self._claim(token, now):
                return await self._exchange(token)
            # Another instance is refreshing: wait for its token to reach the row. (Real
            # time: it is another process's work, which the injectable clock does not move.)
            await asyncio.sleep(WAIT_STEP_SECONDS)
            token = await self._read(team_id)
        raise TransientDeliveryError(
            f"another instance has been refreshing Slack workspace {team_id}'s token for "
            "a minute; trying again later"
        )

    async def _read(self, team_id: str) -> WorkspaceToken:
        async def read() -> SlackInstallation | None:
            async with self._sessions() as session:
                return await installations_repo.find(session, team_id)

        row = await retry_when_busy(read, what=f"reading the Slack installation of {team_id}")
        if row is None:
            raise NotInstalled(
                f"Convene is not installed in Slack workspace {team_id} (uninstalled, or "
                "never installed): install it from /slack/install"
            )
        assert row.id is not None
        try:
            return WorkspaceToken(
                team_id=team_id,
                token=self._keys.decrypt(row.bot_token),
                bot_user_id=row.bot_user_id,
                bot_id=row.bot_id,
                expires_at=row.bot_token_expires_at,
                refresh_token=(
                    self._keys.decrypt(row.bot_refresh_token) if row.bot_refresh_token else None
                ),
                installation_id=row.id,
                sealed=row.bot_token,
            )
        except UnreadableToken as unreadable:
            log.error("Slack workspace %s: %s", team_id, unreadable)
            raise PermanentDeliveryError(str(unreadable)) from None

    async def _claim(self, token: WorkspaceToken, now: datetime) -> bool:
        async def claim() -> bool:
            async with self._sessions.begin() as session:
                return await installations_repo.take_refresh(
                    session,
                    token.installation_id,
                    bot_token=token.sealed,
                    now=now,
                    until=now + REFRESH_CLAIM,
                )

        return await retry_when_busy(claim, what="claiming a Slack token's refresh")

    async def _exchange(self, token: WorkspaceToken) -> WorkspaceToken:
        """Spend the refresh token (this instance holds the claim), keep the new pair."""

        assert self._refresh is not None and token.refresh_token is not None
        try:
            answer = await self._refresh(token.refresh_token)
        except BaseException:
            await self._let_go(token)
            raise
        new_token = str(answer["access_token"])
        new_refresh = str(answer.get("refresh_token") or token.refresh_token)
        expires_in = answer.get("expires_in")
        expires_at = (
            self._clock.now() + timedelta(seconds=int(expires_in))
            if isinstance(expires_in, int)
            else None
        )

        sealed = self._keys.encrypt(new_token)

        async def keep() -> None:
            async with self._sessions.begin() as session:
                await installations_repo.store_refreshed(
                    session,
                    token.installation_id,
                    bot_token=sealed,
                    bot_refresh_token=self._keys.encrypt(new_refresh),
                    expires_at=expires_at,
                )

        await retry_when_busy(keep, what="keeping a refreshed Slack token")
        log.info("refreshed the bot token of Slack workspace %s", token.team_id)
        return WorkspaceToken(
            team_id=token.team_id,
            token=new_token,
            bot_user_id=token.bot_user_id,
            bot_id=token.bot_id,
            expires_at=expires_at,
            refresh_token=new_refresh,
            installation_id=token.installation_id,
            sealed=sealed,
        )

    async def _let_go(self, token: WorkspaceToken) -> None:
        async def let_go() -> None:
            async with self._sessions.begin() as session:
                await installations_repo.let_go_of_refresh(session, token.installation_id)

        try:
            await retry_when_busy(let_go, what="letting go of a Slack token's refresh")
        except Exception:
            log.exception("could not let go of the refresh claim; it runs out by itself")
