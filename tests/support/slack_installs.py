"""Convene installed over OAuth in several Slack workspaces, against the fake Slack.

The fake's own workspace is not installed: each workspace a test adds goes
through the install page and the redirect as an installer's browser would
(``install``), and each request after that is signed and names its workspace::

    async with slack_installs(sqlite_url) as rig:
        await rig.install("T1")
        await rig.command("T1", "U1", "/convene", "help")
        assert rig.fake.calls_by_team("chat.postEphemeral")["T1"]
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
from cryptography.fernet import Fernet

from adapters.slack.adapter import SlackAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, PrivacySection, Secret, Settings, SlackSection
from bot.wiring import build_registry, connect_database
from tests.support.fake_slack import FakeSlack
from tests.support.log_leaks import LeakWatch
from tests.support.slack_rig import DEFAULT_START, SIGNING_SECRET, Answer, signature

SECRET_KEY = Fernet.generate_key().decode()
_triggers = itertools.count(1)
_LINK = re.compile(r'<a href="(?P<url>[^"]+)"')


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    body: str
    headers: dict[str, str]


@dataclass
class InstallsRig:
    app: ConveneApp
    adapter: SlackAdapter
    fake: FakeSlack
    clock: ManualClock
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return self.adapter.url.removesuffix("/slack/events")

    async def get(self, path: str, *, cookie: str | None = None) -> Page:
        headers = {"Cookie": cookie} if cookie else {}
        async with self.http.get(
            self.base + path, headers=headers, allow_redirects=False
        ) as response:
            return Page(response.status, await response.text(), dict(response.headers))

    async def install_page(self) -> tuple[str, str]:
        """Open /slack/install: the authorize link's ``state`` and the cookie set with it."""

        page = await self.get("/slack/install")
        assert page.status == 200, page
        found = _LINK.search(page.body)
        assert found is not None, page.body
        link = found["url"].replace("&amp;", "&")
        query = parse_qs(urlsplit(link).query)
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        return query["state"][0], cookie

    async def install(self, team_id: str) -> Page:
        """Install the app in ``team_id``: the page, the approval, the redirect with the code."""

        state, cookie = await self.install_page()
        code = self.fake.approve_install(team_id)
        return await self.get(
            "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie=cookie
        )

    async def post(self, body: str, content_type: str) -> Answer:
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(body, stamp),
        }
        async with self.http.post(self.adapter.url, data=body.encode(), headers=headers) as answer:
            result = Answer(answer.status, await answer.text())
        await self.settle()
        return result

    async def settle(self) -> None:
        await self.adapter.wait_idle()
        await self.app.settle()

    async def command(
        self, team_id: str, user: str, command: str, text: str, *, channel: str = "C1"
    ) -> Answer:
        form = {
            "token": "legacy",
            "team_id": team_id,
            "team_domain": team_id.lower(),
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.fake.app_id,
            # Where bolt answers a workspace Convene is not installed in (recorded).
            "response_url": f"{self.fake.url}/api/response_url",
            "trigger_id": f"trigger.{next(_triggers)}",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def event(self, team_id: str, event: dict[str, Any], *, event_id: str) -> Answer:
        body = {
            "token": "legacy",
            "team_id": team_id,
            "api_app_id": self.fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
        return await self.post(json.dumps(body), "application/json")

    async def uninstall(self, team_id: str, *, event_id: str) -> Answer:
        """Slack's ``app_uninstalled`` (the fake stops taking the workspace's tokens first)."""

        self.fake.revoke(team_id)
        return await self.event(team_id, {"type": "app_uninstalled"}, event_id=event_id)

    async def revoked(self, team_id: str, bot_user_id: str, *, event_id: str) -> Answer:
        """Slack's ``tokens_revoked`` for the workspace's bot token."""

        self.fake.revoke(team_id)
        event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot_user_id]}}
        return await self.event(team_id, event, event_id=event_id)

    async def advance_to(self, when: datetime) -> None:
        await self.app.advance_clock_to(when)
        await self.settle()


@asynccontextmanager
async def slack_installs(
    database_url: str,
    *,
    start: datetime = DEFAULT_START,
    conveners: tuple[str, ...] = ("U1", "W1"),
    token_rotation: bool = False,
    grace_days: int = 30,
    secret_key: str = SECRET_KEY,
    watch: LeakWatch | None = None,
) -> AsyncIterator[InstallsRig]:
    """Convene over OAuth (HTTP mode) with two workspaces the fake knows, neither installed:
    T1 (alice U1, bob U2 in #general, C1; its bot UBOT1) and T2 (vera W1, wes W2 in
    #lobby, C2; its bot UBOT2)."""

    async with FakeSlack(token_rotation=token_rotation) as fake:
        fake.add_workspace("T1", "First Trust", bot_user_id="UBOT1")
        fake.add_workspace("T2", "Second Trust", bot_user_id="UBOT2")
        for user, name in (("U1", "alice"), ("U2", "bob"), ("W1", "vera"), ("W2", "wes")):
            fake.add_user(user, name, tz="Europe/London")
        fake.add_channel("C1", "general", ["U1", "U2"])
        fake.add_channel("C2", "lobby", ["W1", "W2"])
        settings = Settings(
            convene=ConveneSection(
                database_url=database_url,
                conveners=list(conveners),
                instance_id="test",
                adapters=["slack"],
                welcome=False,
            ),
            slack=SlackSection(
                signing_secret=Secret(SIGNING_SECRET),
                mode="http",
                api_base_url=fake.base_url,
                http_host="127.0.0.1",
                client_id=fake.client_id,
                client_secret=Secret(fake.client_secret),
                oauth_base_url=f"{fake.url}/oauth/v2/authorize",
                token_rotation=token_rotation,
            ),
            privacy=PrivacySection(
                secret_key=Secret(secret_key), uninstalled_grace_days=grace_days
            ),
        )
        clock = ManualClock(start)
        adapter = SlackAdapter(settings.slack, http_port=0, clock=clock)
        app = ConveneApp(settings, [adapter], build_registry(), clock)
        connect_database(app)
        try:
            await app.start(background=False)
            async with aiohttp.ClientSession() as http:
                yield InstallsRig(app, adapter, fake, clock, http)
        finally:
            await app.stop()
            if watch is not None:  # the tokens Slack issued must not be in any log line
                watch.secrets.update(fake.issued)
