"""Slack installations and OAuth states kept in Convene's database, for bolt's OAuth flow.

bolt's own SQLAlchemy store keeps tokens in plain text and opens its own
(synchronous) engine; these implement the interfaces bolt's flow calls
(``AsyncInstallationStore``, ``AsyncOAuthStateStore``) over Convene's own
sessions, with the bot token and refresh token encrypted (``bot.token_keys``)
before they reach a row. What Slack says at install that is not secret (team
and organisation names, the token's type) goes in ``details``; a user token or
an incoming webhook's URL, which Convene never asks for, is never kept.

Installing (again) clears the workspace's ``uninstalled_at``: a workspace that
removed Convene and came back within the grace period keeps its data, and its
schedules run again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.token_keys import TokenKeys
from storage.busy import retry_when_busy
from storage.models import SlackInstallation
from storage.repositories import slack_installations as installations_repo
from storage.repositories import workspaces as workspaces_repo

log = logging.getLogger("convene.slack")

PLATFORM = "slack"
STATE_SECONDS = 600
"""How long an install page's ``state`` may wait for its redirect (bolt's default)."""
DETAILS = ("team_name", "enterprise_name", "enterprise_url", "token_type")
"""What an installation keeps beside its columns: names and kinds, nothing secret."""


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _moment(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class ConveneInstallationStore(AsyncInstallationStore):
    """Bot installations, one per workspace (team), tokens encrypted.

    ``on_change(team_id)`` runs after a save or delete is committed, so that
    the adapter drops what it had cached for that workspace.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        keys: TokenKeys,
        *,
        on_change: Callable[[str], None] = lambda team_id: None,
    ) -> None:
        self._sessions = sessions
        self._keys = keys
        self._on_change = on_change

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self._save(
            installation.to_bot(),
            installer=installation.user_id or "",
            more={
                "enterprise_url": installation.enterprise_url,
                "token_type": installation.token_type,
            },
        )
        if installation.user_token:
            log.info("Slack handed over a user token at install; Convene does not keep it")

    async def async_save_bot(self, bot: Bot) -> None:
        await self._save(bot, installer=None, more={})

    async def _save(self, bot: Bot, *, installer: str | None, more: dict[str, Any]) -> None:
        team_id = bot.team_id or ""
        enterprise_id = bot.enterprise_id or ""
        values: dict[str, Any] = {
            "is_enterprise_install": bool(bot.is_enterprise_install),
            "app_id": bot.app_id or "",
            "bot_id": bot.bot_id or "",
            "bot_user_id": bot.bot_user_id or "",
            "bot_scopes": ",".join(bot.bot_scopes or ()),
            "bot_token": self._keys.encrypt(bot.bot_token),
            "bot_refresh_token": (
                self._keys.encrypt(bot.bot_refresh_token) if bot.bot_refresh_token else None
            ),
            "bot_token_expires_at": _moment(bot.bot_token_expires_at),
            "details": {
                key: value
                for key in DETAILS
                if isinstance(value := more.get(key, getattr(bot, key, None)), str) and value
            },
            "installed_at": datetime.fromtimestamp(bot.installed_at, UTC),
        }
        if installer is not None:
            values["installer_user_id"] = installer

        async def save() -> None:
            async with self._sessions.begin() as session:
                await installations_repo.save(
                    session, team_id=team_id, enterprise_id=enterprise_id, values=values
                )
                if await workspaces_repo.mark_installed(session, PLATFORM, team_id):
                    log.info("Convene is installed again in Slack workspace %s", team_id)

        await retry_when_busy(save, what=f"saving the Slack installation of {team_id}")
        self._on_change(team_id)
        log.info("saved the Slack installation of workspace %s", team_id)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        row = await self._row(enterprise_id, team_id)
        if row is None:
            return None
        return Bot(
            app_id=row.app_id or None,
            enterprise_id=row.enterprise_id or None,
            enterprise_name=row.details.get("enterprise_name"),
            team_id=row.team_id or None,
            team_name=row.details.get("team_name"),
            bot_token=self._keys.decrypt(row.bot_token),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            bot_scopes=row.bot_scopes,
            bot_refresh_token=(
                self._keys.decrypt(row.bot_refresh_token) if row.bot_refresh_token else None
            ),
            bot_token_expires_at=_epoch(row.bot_token_expires_at),
            is_enterprise_install=row.is_enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The workspace's bot installation (Convene keeps no user's own installation)."""

        row = await self._row(enterprise_id, team_id)
        if row is None or (user_id is not None and user_id != row.installer_user_id):
            return None
        bot = await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        assert bot is not None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            enterprise_name=bot.enterprise_name,
            enterprise_url=row.details.get("enterprise_url"),
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            user_id=row.installer_user_id,
            is_enterprise_install=bot.is_enterprise_install,
            token_type=row.details.get("token_type"),
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.delete(team_id or "", enterprise_id or "")

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self.delete(team_id or "", enterprise_id or "")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.delete(team_id or "", enterprise_id or "")

    async def delete(self, team_id: str, enterprise_id: str = "") -> bool:
        """Delete the workspace's tokens at once; True when there were some."""

        async def remove() -> int:
            async with self._sessions.begin() as session:
                return await installations_repo.delete_installation(session, team_id, enterprise_id)

        gone = await retry_when_busy(remove, what=f"deleting the Slack tokens of {team_id}")
        self._on_change(team_id)
        if gone:
            log.info("deleted the Slack tokens of workspace %s", team_id)
        return bool(gone)

    async def _row(
        self, enterprise_id: str | None, team_id: str | None
    ) -> SlackInstallation | None:
        async with self._sessions() as session:
            return await installations_repo.find(session, team_id or "", enterprise_id or "")

    @property
    def rotating(self) -> bool:
        """Whether several keys are set (a new one put in front of the old)."""

        return self._keys.count > 1

    async def rotate_keys(self) -> int:
        """Write every stored token again with the newest key; how many installations.

        Run after putting a new key in front of ``CONVENE_SECRET_KEY``: once it
        has, the older keys can be dropped.
        """

        async with self._sessions.begin() as session:
            rows = await installations_repo.every(session)
            for row in rows:
                assert row.id is not None
                await installations_repo.rewrite_tokens(
                    session,
                    row.id,
                    bot_token=self._keys.rotate(row.bot_token),
                    bot_refresh_token=(
                        self._keys.rotate(row.bot_refresh_token) if row.bot_refresh_token else None
                    ),
                )
        return len(rows)


class ConveneOAuthStateStore(AsyncOAuthStateStore):
    """The ``state`` of each install page, used once by its redirect within ten minutes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        expires_at = self._clock.now() + timedelta(seconds=STATE_SECONDS)

        async def issue() -> None:
            async with self._sessions.begin() as session:
                await installations_repo.add_state(session, state, expires_at)

        await retry_when_busy(issue, what="keeping an OAuth state")
        return state

    async def async_consume(self, state: str) -> bool:
        now = self._clock.now()

        async def consume() -> bool:
            async with self._sessions.begin() as session:
                return await installations_repo.consume_state(session, state, now)

        return await retry_when_busy(consume, what="using an OAuth state")
