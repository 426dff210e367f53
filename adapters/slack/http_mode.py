"""Slack's HTTP mode: the Events API, interactivity and slash commands on one endpoint.

aiohttp serves ``/slack/events``. Each request's signature is checked on its
raw bytes first (``request_check``): a request Slack did not sign is answered
401 and goes no further. A signed body is then read here, not by bolt (whose
reading misroutes a slash command holding the word "payload" and fails on a
body that is not UTF-8 or not JSON): one that cannot be read is answered 400
with one warning. Slash commands, clicks, submissions and members' messages
are then read and handed over directly (``direct``); the rest go through the
bolt app of ``listeners``. Either way each is acknowledged once its event is
kept, and the answer to Slack never waits for Convene's work.

Installed over OAuth (``[slack] client_id``), the same server also answers
``GET /slack/install`` (the page with the "Add to Slack" link and its state)
and ``GET /slack/oauth_redirect`` (where Slack sends the installer back with a
code), both through bolt's OAuth flow (``oauth``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack import direct
from adapters.slack.listeners import build_bolt_app
from adapters.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from adapters.slack.request_check import MalformedRequest, read_body, signature_problem
from adapters.slack.sink import EventSink

log = logging.getLogger("convene.slack")

PATH = "/slack/events"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


def _bolt_request(request: web.Request, text: str, body: dict[str, Any]) -> AsyncBoltRequest:
    """A bolt request carrying the body as read here, so bolt never parses the raw form.

    bolt takes an already parsed body only in its Socket Mode shape; the mode
    is then set back to HTTP, so that bolt still checks the signature on
    ``raw_body`` (a second check of what ``signature_problem`` passed).
    """

    try:
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=dict(request.headers),
            mode="socket_mode",
        )
    except (AttributeError, TypeError, KeyError, IndexError, ValueError):
        raise MalformedRequest("its fields are not of the types Slack sends") from None
    bolt_request.raw_body = text
    bolt_request.mode = "http"
    return bolt_request


class SlackHttpServer:
    """The endpoint Slack posts to, on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, sink: EventSink, *, host: str, port: int) -> None:
        self._sink = sink
        self._bolt = build_bolt_app(sink)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.install_url = ""
        """The install page (installed over OAuth), once started."""

    async def _handle(self, request: web.Request) -> web.Response:
        self._sink.acks_in_flight += 1
        try:
            raw = await request.read()
            refused = signature_problem(
                self._sink.signing_secret,
                raw,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                now=time.time(),
            )
            if refused is not None:
                log.info("refused a request to %s that Slack did not sign: %s", PATH, refused)
                return web.json_response({"error": "invalid request"}, status=401)
            try:
                text, body = read_body(raw, request.headers.get("Content-Type"))
            except MalformedRequest as unreadable:
                log.warning("refused a signed Slack request: %s (answered 400)", unreadable)
                return web.json_response({"error": "malformed request"}, status=400)
            status = await direct.hand_over(self._sink, body)
            if status is not None:
                return web.Response(status=status, body=b"", content_type="text/plain")
            try:
                bolt_request = _bolt_request(request, text, body)
            except MalformedRequest as unreadable:
                log.warning("refused a signed Slack request: %s (answered 400)", unreadable)
                return web.json_response({"error": "malformed request"}, status=400)
            answer = await self._bolt.async_dispatch(bolt_request)
            return await to_aiohttp_response(answer)
        finally:
            self._sink.acks_in_flight -= 1

    async def _install(self, request: web.Request) -> web.Response:
        """The install page, or (at the redirect) the end of an install: bolt's OAuth flow."""

        flow = self._bolt.oauth_flow
        assert flow is not None
        bolt_request = AsyncBoltRequest(
            body="", query=request.query_string, headers=dict(request.headers)
        )
        if request.path == INSTALL_PATH:
            answer = await flow.handle_installation(bolt_request)
        else:
            answer = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(answer)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        if self._sink.serve_beside is not None:
            self._sink.serve_beside(app)
        if self._bolt.oauth_flow is not None:
            app.router.add_get(INSTALL_PATH, self._install)
            app.router.add_get(REDIRECT_PATH, self._install)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        addresses = self._runner.addresses
        port = int(addresses[0][1]) if addresses else self._port
        self.url = f"http://{self._host}:{port}{PATH}"
        if self._bolt.oauth_flow is not None:
            self.install_url = f"http://{self._host}:{port}{INSTALL_PATH}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
