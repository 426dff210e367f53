"""Slack's HTTP mode: the Events API, interactivity and slash commands on one endpoint.

aiohttp serves ``/slack/events``; each request goes through the bolt app of
``listeners``, which checks its signature, acknowledges it and hands its event
over after the ack, so the answer to Slack never waits for Convene's work.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from adapters.slack.listeners import build_bolt_app
from adapters.slack.sink import EventSink

PATH = "/slack/events"


class SlackHttpServer:
    """The endpoint Slack posts to, on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, sink: EventSink, *, host: str, port: int) -> None:
        self._sink = sink
        self._bolt = build_bolt_app(sink)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self._sink.acks_in_flight += 1
        try:
            answer = await self._bolt.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(answer)
        finally:
            self._sink.acks_in_flight -= 1

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
