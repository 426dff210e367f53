"""The bolt app both ways in share: check a request, acknowledge it, then hand it over.

bolt's ``AsyncApp`` checks each request's signature (a forged or stale one is
answered 401 and never reaches Convene) and routes it by kind; every listener
acknowledges first and hands the event over after the ack, so the answer to
Slack never waits for Convene's work. HTTP mode (``http_mode``) feeds it
requests from its endpoint, Socket Mode (``socket_mode``) envelopes from its
WebSocket.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from adapters.slack.inbound import (
    action_event,
    command_event,
    home_opened_event,
    member_joined_event,
    message_event,
    view_event,
)
from adapters.slack.sink import EventSink

log = logging.getLogger("convene.slack")
_ANY = re.compile(".*")


def _quiet_logger() -> logging.Logger:
    """bolt logs a request's body when its signature fails; keep that out of the logs."""

    quiet = logging.getLogger("convene.slack.bolt")
    quiet.setLevel(logging.WARNING)
    return quiet


def build_bolt_app(sink: EventSink) -> AsyncApp:
    """One bolt app whose listeners acknowledge each request, then hand its event to ``sink``."""

    app = AsyncApp(
        client=sink.client,
        signing_secret=sink.signing_secret,
        logger=_quiet_logger(),
        # The listeners only ack and queue the event, so running them before the
        # response delays nothing and spares bolt's 10 ms poll for the ack.
        process_before_response=True,
        ignoring_self_events_enabled=True,
    )

    @app.command(_ANY)
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        sink.after_ack(command_event(body))

    @app.action(_ANY)
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = action_event(body)
        if event is not None:
            sink.after_ack(event)

    @app.view(_ANY)
    async def on_view(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        sink.after_ack(view_event(body))

    @app.event("message")
    async def on_message(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = message_event(body, sink.bot_user_id)
        if event is not None:
            sink.after_ack(event)

    @app.event("member_joined_channel")
    async def on_member_joined(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = member_joined_event(body)
        if event is not None:
            sink.after_ack(event)

    @app.event("app_home_opened")
    async def on_home_opened(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = home_opened_event(body)
        if event is not None:
            sink.after_ack(event)

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    async def on_uninstalled(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        log.error(
            "Slack says Convene was removed from workspace %s (%s): its token no longer "
            "works, so messages to it will fail until the app is installed again and "
            "SLACK_BOT_TOKEN is updated",
            body.get("team_id"),
            (body.get("event") or {}).get("type"),
        )

    @app.event(_ANY)
    async def on_other_event(ack: Any) -> None:
        await ack()

    return app
