"""The bolt app both ways in share: check a request, acknowledge it, then hand it over.

bolt's ``AsyncApp`` checks each request's signature (a forged or stale one is
answered 401 and never reaches Convene) and routes it by kind; every listener
acknowledges first and hands the event over after the ack, so the answer to
Slack never waits for Convene's work. Handing over waits only for the event
to be kept in the inbox (a batched write): bolt sends the acknowledgement
when the listener returns, so Slack never has an ack for an event that a
killed process could lose. HTTP mode (``http_mode``) feeds it
requests from its endpoint, Socket Mode (``socket_mode``) envelopes from its
WebSocket.

Two things are answered before any listener: Slack's notice that it is
dropping events (``app_rate_limited``, which has no listener kind of its own
in bolt), and a payload whose fields are not of the types Slack sends, which
is answered 400 with one warning instead of bolt's 500 and traceback.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse

from adapters.slack.inbound import (
    UnreadablePayload,
    action_event,
    command_event,
    home_opened_event,
    member_joined_event,
    message_event,
    uninstalled_event,
    view_event,
)
from adapters.slack.sink import EventSink

log = logging.getLogger("convene.slack")
_SAME_TOKEN_TWICE = warning_client_prioritized_and_token_skipped()
_ANY = re.compile(".*")
_ID = re.compile(r"[A-Z0-9]{1,20}")
_KIND = re.compile(r"[a-z_]{1,40}")


def _quiet_logger() -> logging.Logger:
    """bolt logs a request's body when its signature fails; keep that out of the logs.

    bolt also reads $SLACK_BOT_TOKEN, as Convene's config does, and warns at
    every start that the client's token wins over it: the same token, so
    that warning is dropped too.
    """

    quiet = logging.getLogger("convene.slack.bolt")
    quiet.setLevel(logging.WARNING)
    quiet.filters[:] = [lambda record: record.getMessage() != _SAME_TOKEN_TWICE]
    return quiet


def _kind(body: dict[str, Any]) -> str:
    """What a request is, for a log line: its type, or "slash command"; never its content."""

    if "command" in body:
        return "slash command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and _KIND.fullmatch(kind) else "request"


def _raised_in_bolt(error: BaseException) -> bool:
    """Whether bolt's own code raised, reading a payload it did not expect."""

    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and "/slack_bolt/" in frames[-1].filename.replace("\\", "/")


def _rate_limited_notice(body: dict[str, Any]) -> str:
    """Slack's ``app_rate_limited`` as one line: the workspace and the minute, nothing else."""

    team = body.get("team_id")
    minute = body.get("minute_rate_limited")
    when = (
        f"{datetime.fromtimestamp(minute, UTC):%Y-%m-%d %H:%M} UTC (minute_rate_limited={minute})"
        if isinstance(minute, int) and 0 <= minute < 2**33
        else f"an unknown minute (minute_rate_limited={minute!r:.20})"
    )
    return (
        f"Slack dropped events for workspace "
        f"{team if isinstance(team, str) and _ID.fullmatch(team) else '?'}: the app went over "
        f"the Events API's rate limit from {when}; events in that time were not delivered"
    )


def build_bolt_app(sink: EventSink) -> AsyncApp:
    """One bolt app whose listeners acknowledge each request, then hand its event to ``sink``."""

    installs: dict[str, Any] = {}
    if sink.oauth is not None:
        # Installed over OAuth: bolt's install flow with Convene's stores, and each
        # request authorized with its workspace's token (``oauth``).
        settings, authorize = sink.oauth
        installs = {"oauth_settings": settings, "authorize": authorize}
    app = AsyncApp(
        client=sink.client,
        signing_secret=sink.signing_secret,
        logger=_quiet_logger(),
        # The listeners only ack and queue the event, so running them before the
        # response delays nothing and spares bolt's 10 ms poll for the ack.
        process_before_response=True,
        ignoring_self_events_enabled=True,
        **installs,
    )

    @app.use
    async def on_rate_limited(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        # Slack documents this envelope for the Events API URL; bolt has no listener kind for it.
        if body.get("type") != "app_rate_limited":
            await next()
            return None
        log.warning("%s", _rate_limited_notice(body))
        return BoltResponse(status=200, body="")

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        if isinstance(error, UnreadablePayload) or _raised_in_bolt(error):
            log.warning(
                "refused a Slack %s Convene cannot read: %s (answered 400)",
                _kind(body),
                error
                if isinstance(error, UnreadablePayload)
                else f"bolt met a field of the wrong type ({type(error).__name__})",
            )
            return BoltResponse(status=400, body="")
        log.error("handling a Slack %s failed", _kind(body), exc_info=error)
        return BoltResponse(status=500, body="")

    @app.command(_ANY)
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await sink.after_ack(command_event(body))

    @app.action(_ANY)
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = action_event(body)
        if event is not None:
            await sink.after_ack(event)

    @app.view(_ANY)
    async def on_view(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await sink.after_ack(view_event(body))

    @app.event("message")
    async def on_message(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        # The bot's own id in this workspace (each has its own, installed over OAuth).
        event = message_event(body, context.bot_user_id or sink.bot_user_id)
        if event is not None:
            await sink.after_ack(event)

    @app.event("member_joined_channel")
    async def on_member_joined(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = member_joined_event(body)
        if event is not None:
            await sink.after_ack(event)

    @app.event("app_home_opened")
    async def on_home_opened(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = home_opened_event(body)
        if event is not None:
            await sink.after_ack(event)

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    async def on_uninstalled(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = uninstalled_event(body)
        if event is None:
            return  # only members' own tokens revoked: the bot's still works
        # Its tokens go at once, before the event is handled (their deletion is not
        # Convene's work to retry: nothing may use them from now on).
        await sink.forget_workspace(event.workspace_id)
        log.warning(
            "Slack says Convene was removed from workspace %s (%s): its tokens are deleted, "
            "its schedules stop, and its data is deleted after the grace period unless it "
            "is installed again",
            event.workspace_id,
            event.reason,
        )
        await sink.after_ack(event)

    @app.event(_ANY)
    async def on_other_event(ack: Any) -> None:
        await ack()

    return app
