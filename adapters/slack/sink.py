"""What the two ways in (HTTP mode, Socket Mode) need from the adapter they feed.

The transports take requests off the wire and hand each event over once Slack
has its acknowledgement; they know the adapter only through this protocol, so
``adapter`` may import them and they never import it back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aiohttp import web
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.events import Event


class EventSink(Protocol):
    """The adapter as a transport sees it: where acknowledged events go, and how to check them."""

    acks_in_flight: int
    """Requests being acknowledged right now: the adapter's workers hold back while any are."""

    serve_beside: Callable[[web.Application], None] | None
    """Adds other routes to HTTP mode's server (the app's /healthz, /readyz, /metrics)."""

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client bolt is built around (the bot token)."""

    @property
    def signing_secret(self) -> str:
        """What HTTP mode checks each request's signature with."""

    @property
    def bot_user_id(self) -> str | None:
        """The bot's own member id, so that its own messages are not taken as members'."""

    @property
    def oauth(self) -> Any:
        """Installed over OAuth: bolt's ``AsyncOAuthSettings`` and the ``AsyncAuthorize`` that
        gives each request its workspace's token, as a pair; None with one bot token."""

    async def forget_workspace(self, team_id: str) -> None:
        """Slack removed the app from a workspace: delete its tokens now."""

    @property
    def api_base_url(self) -> str:
        """Where Slack's Web API is (Socket Mode asks it for the WebSocket's address)."""

    async def after_ack(self, event: Event) -> None:
        """Take an event the listener has acknowledged.

        Returns once the event is kept in the inbox (durable), before bolt sends
        the acknowledgement; its handling comes after, never waited for here.
        """
