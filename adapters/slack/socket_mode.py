"""Slack's Socket Mode: the same traffic as HTTP mode, over a WebSocket Convene opens.

Socket Mode needs no public endpoint: Convene asks ``apps.connections.open``
(with the app-level ``xapp-`` token) for a WebSocket URL and Slack pushes
envelopes down it (slash commands, interactions, Events API callbacks).
Each envelope is routed through the very bolt ``AsyncApp`` that HTTP mode
uses (``listeners.build_bolt_app``), so its listeners acknowledge first and
hand the event to Convene after the ack; bolt's ``AsyncSocketModeHandler``
sends that acknowledgement back on the socket. An envelope no listener takes is
acknowledged all the same, or Slack would redeliver it and show the member
an error.

Slack's WebSocket URL comes from ``[slack] api_base_url`` like every other
call, so tests and proxies can point it elsewhere. ``start`` returns once
Slack has said ``hello`` on the new connection; a refused app token fails it
at once with the reason instead of leaving slack_sdk's client retrying
forever. Once connected, the client answers Slack's pings, pings back, and
reconnects by itself when Slack asks (``disconnect``) or the link goes stale.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import (
    run_async_bolt_app,
    send_async_response,
)
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import direct
from adapters.slack.listeners import build_bolt_app
from adapters.slack.sink import EventSink
from bot.adapter import PlatformUnavailable

log = logging.getLogger("convene.slack")

# How long start() waits for the WebSocket and Slack's hello before giving up.
CONNECT_TIMEOUT = 30.0
# slack_sdk pings this often and reconnects after four intervals without a pong.
PING_INTERVAL = 10.0


def _client_logger() -> logging.Logger:
    """slack_sdk's client logs every envelope (members' words) at DEBUG; keep to INFO,
    or to Convene's own level when that is higher."""

    quiet = logging.getLogger("convene.slack.socket")
    quiet.setLevel(max(logging.INFO, logging.getLogger("convene").getEffectiveLevel()))
    return quiet


class _AckingHandler(AsyncSocketModeHandler):
    """bolt's handler, but an envelope that no listener took is acknowledged too.

    bolt sends no acknowledgement when dispatch is not a 200 (no listener
    matched, or one failed before its ack): Slack would then redeliver the
    event, or tell the member the app did not respond. Everyday envelopes are
    read and handed over without bolt (``direct``).
    """

    def __init__(self, sink: EventSink, **kwargs: Any) -> None:
        super().__init__(build_bolt_app(sink), **kwargs)
        self._sink = sink

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.time()
        payload = req.payload
        status = await direct.hand_over(self._sink, payload) if isinstance(payload, dict) else None
        answer: BoltResponse = (
            BoltResponse(status=status, body="")
            if status is not None
            else await run_async_bolt_app(self.app, req)
        )
        if answer.status != 200:
            log.info(
                "acknowledging a Slack %s envelope bolt did not take (status %s)",
                req.type,
                answer.status,
            )
            answer = BoltResponse(status=200, body="")
        await send_async_response(client, req, answer, started)


class SlackSocketConnection:
    """One Socket Mode connection feeding ``sink``, authenticated by ``app_token``."""

    def __init__(self, sink: EventSink, *, app_token: str) -> None:
        self._sink = sink
        self._app_token = app_token
        self._handler: _AckingHandler | None = None
        self._hello: asyncio.Event | None = None

    @property
    def connected(self) -> bool:
        """Whether Slack has said hello on a connection that is still open."""

        if self._handler is None or self._hello is None or not self._hello.is_set():
            return False
        session = self._handler.client.current_session
        return session is not None and not session.closed

    async def start(self) -> None:
        """Open the connection; return once Slack has said hello, or raise PlatformUnavailable."""

        if not self._app_token:
            raise PlatformUnavailable("Socket Mode needs an app-level token; set SLACK_APP_TOKEN")
        base_url = self._sink.api_base_url
        self._hello = asyncio.Event()
        handler = _AckingHandler(
            self._sink,
            app_token=self._app_token,
            logger=_client_logger(),
            # Its own client: the app token is the Bearer for apps.connections.open.
            web_client=AsyncWebClient(base_url=base_url),
            ping_interval=PING_INTERVAL,
        )
        self._handler = handler
        client = handler.client
        client.message_listeners.append(self._on_message)
        try:
            try:
                # Asked here rather than in connect(), which retries a refusal forever.
                client.wss_uri = await client.issue_new_wss_url()
            except SlackApiError as failed:
                error = failed.response.get("error")
                raise PlatformUnavailable(
                    f"Slack refused the app-level token ({error}); check SLACK_APP_TOKEN: "
                    "Socket Mode needs an xapp- token with the connections:write scope"
                ) from None
            except (TimeoutError, aiohttp.ClientError) as failed:
                raise PlatformUnavailable(
                    f"could not reach Slack at {base_url} to open Socket Mode: {failed}"
                ) from None
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await client.connect()  # type: ignore[no-untyped-call]
                    await self._hello.wait()
            except TimeoutError:
                raise PlatformUnavailable(
                    f"Slack's Socket Mode WebSocket did not open within {CONNECT_TIMEOUT:g} s"
                ) from None
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close the connection and wait for the client's tasks to end (idempotent)."""

        handler, self._handler = self._handler, None
        if handler is None:
            return
        client = handler.client
        try:
            await client.close()  # type: ignore[no-untyped-call]
        except Exception:
            log.exception("closing the Socket Mode connection failed")
        running = [
            task
            for task in (
                client.message_processor,
                client.current_session_monitor,
                client.message_receiver,
            )
            if task is not None
        ]
        await asyncio.gather(*running, return_exceptions=True)

    async def _on_message(
        self, client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None
    ) -> None:
        if message.get("type") == "hello" and self._hello is not None:
            if not self._hello.is_set():
                log.info(
                    "Slack said hello on Socket Mode (%s connection(s) open)",
                    message.get("num_connections"),
                )
            self._hello.set()
