"""Installing Convene in any number of Slack workspaces: bolt's OAuth flow, Convene's stores.

With ``[slack] client_id`` set, HTTP mode also serves ``/slack/install`` (a
page with "Add to Slack", whose link carries a one-use ``state``) and
``/slack/oauth_redirect`` (where Slack sends the installer back with a code:
bolt checks the state, exchanges the code with ``oauth.v2.access`` and saves
the installation through ``installations``). Each request Slack signs then
names its workspace, and ``InstalledAuthorize`` gives bolt that workspace's
token from ``tokens`` (cached, refreshed in time), never asking Slack
``auth.test`` per request as bolt's own authorize would, and never
refreshing a token outside the guard that keeps two instances from
spending the same refresh token.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack.tokens import NotInstalled, WorkspaceTokens
from bot.adapter import DeliveryError
from bot.config import SlackSection

log = logging.getLogger("convene.slack")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "mpim:write",
    "im:history",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
    "usergroups:read",
    "users.profile:read",
    "files:write",
    "files:read",
)
"""The bot scopes of slack-manifest-http.yaml (a test keeps them alike): what an install
asks for when ``[slack] scopes`` is empty."""


def oauth_settings(
    settings: SlackSection,
    installations: AsyncInstallationStore,
    states: AsyncOAuthStateStore,
) -> AsyncOAuthSettings:
    """bolt's OAuth settings: Convene's paths, stores and scopes; no user scopes."""

    return AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret.reveal(),
        scopes=list(settings.scopes or DEFAULT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.oauth_base_url,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=states,
        logger=logging.getLogger("convene.slack.bolt"),
    )


class InstalledAuthorize(AsyncAuthorize):
    """bolt's per-request authorize, answered from Convene's tokens for the workspace."""

    def __init__(self, tokens: WorkspaceTokens) -> None:
        # AsyncAuthorize's own __init__ does nothing (and is untyped).
        self._tokens = tokens

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        if not team_id:
            return None
        try:
            found = await self._tokens.of(team_id)
        except NotInstalled:
            log.warning(
                "a request from Slack workspace %s, where Convene is not installed", team_id
            )
            return None
        except DeliveryError as failed:
            log.warning("no token for Slack workspace %s just now: %s", team_id, failed)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=found.token,
            bot_id=found.bot_id,
            bot_user_id=found.bot_user_id,
            user_id=user_id,
        )


def refresh_answer(answer: Any) -> dict[str, Any]:
    """The fields of an ``oauth.v2.access`` refresh that ``WorkspaceTokens`` keeps."""

    return {
        "access_token": answer.get("access_token"),
        "refresh_token": answer.get("refresh_token"),
        "expires_in": answer.get("expires_in"),
    }
