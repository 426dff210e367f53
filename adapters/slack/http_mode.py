"""Slack's HTTP mode: the Events API, interactivity and slash commands on one endpoint.

bolt's ``AsyncApp`` checks each request's signature (a forged or stale one is
answered 401 and never reaches Convene) and routes it by kind; every listener
acknowledges first and hands the event over after the ack, so the answer to
Slack never waits for Convene's work. aiohttp serves ``/slack/events``.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp

from adapters.slack.inbound import (
    action_event,
    command_event,
    home_opened_event,
    member_joined_event,
    message_event,
    view_event,
)

if TYPE_CHECKING:
    from adapters.slack.adapter import SlackAdapter

log = logging.getLogger("convene.slack")
PATH = "/slack/events"
_ANY = re.compile(".*")


def _quiet_logger() -> logging.Logger:
    """bolt logs a request's body when its signature fails; keep that out of the logs."""

    quiet = logging.getLogger("convene.slack.bolt")
    quiet.setLevel(logging.WARNING)
    return quiet


def build_bolt_app(adapter: SlackAdapter) -> AsyncApp:
    app = AsyncApp(
        client=adapter.client,
        signing_secret=adapter.signing_secret,
        logger=_quiet_logger(),
        # The listeners only ack and queue the event, so running them before the
        # response delays nothing and spares bolt's 10 ms poll for the ack.
        process_before_response=True,
        ignoring_self_events_enabled=True,
    )

    @app.command(_ANY)
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        adapter.after_ack(command_event(body))

    @app.action(_ANY)
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = action_event(body)
        if event is not None:
            adapter.after_ack(event)

    @app.view(_ANY)
    async def on_view(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        adapter.after_ack(view_event(body))

    @app.event("message")
    async def on_message(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = message_event(body, adapter.bot_user_id)
        if event is not None:
            adapter.after_ack(event)

    @app.event("member_joined_channel")
    async def on_member_joined(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = member_joined_event(body)
        if event is not None:
            adapter.after_ack(event)

    @app.event("app_home_opened")
    async def on_home_opened(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = home_opened_event(body)
        if event is not None:
            adapter.after_ack(event)

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


class SlackHttpServer:
    """The endpoint Slack posts to, on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, adapter: SlackAdapter, *, host: str, port: int) -> None:
        self._adapter = adapter
        self._bolt = build_bolt_app(adapter)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self._adapter.acks_in_flight += 1
        try:
            answer = await self._bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(answer)
        finally:
            self._adapter.acks_in_flight -= 1

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        addresses = self._runner.addresses
        port = int(addresses[0][1]) if addresses else self._port
        self.url = f"http://{self._host}:{port}{PATH}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
