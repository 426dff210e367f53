"""Convene on the Slack adapter, against the fake Slack on loopback.

In HTTP mode (the default) requests go in as Slack sends them, signed with
the signing secret, to the adapter's real endpoint. In Socket Mode
(``mode="socket"``) the same payloads go down the fake's WebSocket as
envelopes, and each call returns once the adapter has acknowledged the
envelope and Convene has done its work. Either way, what Convene sends out
is read from the fake's record of Web API calls::

    async with slack_convene(sqlite_url) as rig:
        answer = await rig.command("U1", "/convene", "silo add Radiotherapy")
        assert answer.status == 200
        assert "Added the silo" in rig.fake.calls("chat.postEphemeral")[-1]["text"]
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlmodel import select

from adapters.slack.adapter import SlackAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Secret, Settings, SlackSection
from bot.registry import Registry
from bot.wiring import build_registry
from storage.models import ProcessedEvent
from tests.support.fake_slack import FakeSlack, SocketEnvelopeType

SIGNING_SECRET = "test-signing-secret"
DEFAULT_START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
_triggers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Answer:
    """The HTTP answer, or in Socket Mode 200 and the acknowledgement's payload as JSON."""

    status: int
    body: str


def signature(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def dm_event(user: str, text: str, ts: str) -> dict[str, Any]:
    """A member's message in their DM with the bot, as the Events API sends it."""

    return {
        "type": "message",
        "channel": f"D{user}",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
    }


def dm_file_event(
    user: str, files: list[dict[str, Any]], ts: str, text: str = ""
) -> dict[str, Any]:
    """A member's message with files in their DM with the bot (``subtype: file_share``),
    each file as ``FakeSlack.add_file`` made it."""

    return {**dm_event(user, text, ts), "subtype": "file_share", "files": files, "upload": False}


@dataclass
class SlackRig:
    app: ConveneApp
    adapter: SlackAdapter
    fake: FakeSlack
    clock: ManualClock
    http: aiohttp.ClientSession
    mode: str = "http"
    envelopes: list[str] = field(default_factory=list)

    async def through_socket(
        self,
        envelope_type: SocketEnvelopeType,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Answer:
        """One envelope down the Socket Mode connection, then Convene's work after the ack."""

        envelope_id = await self.fake.socket_send(
            envelope_type, payload, retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        self.envelopes.append(envelope_id)
        ack = await self.fake.socket_ack(envelope_id)
        await self.settle()
        return Answer(200, "" if ack.payload is None else json.dumps(ack.payload))

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        secret: str = SIGNING_SECRET,
        timestamp: str | None = None,
    ) -> Answer:
        """One signed request to the adapter's endpoint, then Convene's work after the ack."""

        stamp = timestamp or str(int(time.time()))
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(body, stamp, secret),
            **(headers or {}),
        }
        async with self.http.post(self.adapter.url, data=body.encode(), headers=sent) as response:
            answer = Answer(response.status, await response.text())
        await self.settle()
        return answer

    async def settle(self) -> None:
        await self.adapter.wait_idle()
        await self.app.settle()

    async def command(
        self,
        user: str,
        command: str,
        text: str,
        *,
        channel: str = "C1",
        secret: str = SIGNING_SECRET,
        timestamp: str | None = None,
    ) -> Answer:
        form = {
            "token": "legacy",
            "team_id": self.fake.team_id,
            "team_domain": "convene",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.fake.app_id,
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": f"trigger.{next(_triggers)}",
        }
        if self.mode == "socket":
            if secret != SIGNING_SECRET or timestamp is not None:
                raise ValueError("Socket Mode envelopes carry no signature or timestamp")
            return await self.through_socket("slash_commands", form)
        return await self.post(
            urlencode(form),
            "application/x-www-form-urlencoded",
            secret=secret,
            timestamp=timestamp,
        )

    async def interact(self, payload: dict[str, Any]) -> Answer:
        if self.mode == "socket":
            return await self.through_socket("interactive", payload)
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    async def click(self, user: str, message: dict[str, Any], label: str) -> Answer:
        """Press the button labelled ``label`` on a message the fake recorded."""

        for block in message.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("type") == "button" and element["text"]["text"] == label:
                    channel = str(message.get("channel", "C1"))
                    return await self.interact(
                        {
                            "type": "block_actions",
                            "team": {"id": self.fake.team_id, "domain": "convene"},
                            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
                            "api_app_id": self.fake.app_id,
                            "trigger_id": f"trigger.{next(_triggers)}",
                            "container": {
                                "type": "message",
                                "message_ts": message.get("ts"),
                                "channel_id": channel,
                            },
                            "channel": {"id": channel},
                            "message": {
                                "ts": message.get("ts"),
                                "thread_ts": message.get("thread_ts"),
                            },
                            "actions": [
                                {
                                    "type": "button",
                                    "action_id": element["action_id"],
                                    "block_id": "b",
                                    "value": element.get("value", ""),
                                    "action_ts": str(time.time()),
                                }
                            ],
                        }
                    )
        raise LookupError(f"no button labelled {label!r} on that message")

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, str]) -> Answer:
        """Submit a modal the fake recorded (``views.open``), with values by field name."""

        state: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                continue
            name = block["block_id"]
            element = block["element"]
            if element["type"] == "static_select":
                state[name] = {
                    "value": {
                        "type": "static_select",
                        "selected_option": {"value": values.get(name, "")},
                    }
                }
            else:
                state[name] = {"value": {"type": "plain_text_input", "value": values.get(name)}}
        return await self.interact(
            {
                "type": "view_submission",
                "team": {"id": self.fake.team_id, "domain": "convene"},
                "user": {"id": user, "username": user.lower(), "team_id": self.fake.team_id},
                "api_app_id": self.fake.app_id,
                "trigger_id": f"trigger.{next(_triggers)}",
                "view": {
                    **view,
                    "id": f"V{next(_triggers)}",
                    "hash": "h",
                    "state": {"values": state},
                },
            }
        )

    async def event(
        self, event: dict[str, Any], *, event_id: str, retry: int | None = None
    ) -> Answer:
        body = {
            "token": "legacy",
            "team_id": self.fake.team_id,
            "api_app_id": self.fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
        if self.mode == "socket":
            return await self.through_socket(
                "events_api",
                body,
                retry_attempt=retry or 0,
                retry_reason="timeout" if retry else "",
            )
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(json.dumps(body), "application/json", headers=headers)

    async def event_with_retries(
        self, event: dict[str, Any], *, event_id: str, retries: int = 3
    ) -> list[Answer]:
        """An event, then Slack's retries of it (as when Slack missed the first ack)."""

        answers = [await self.event(event, event_id=event_id)]
        for retry in range(1, retries + 1):
            answers.append(await self.event(event, event_id=event_id, retry=retry))
        return answers

    async def times_recorded(self, event_id: str) -> int:
        """How many times Convene recorded an Events API event as processed."""

        async with self.app.sessions() as session:
            ids = (await session.exec(select(ProcessedEvent.event_id))).all()
        return ids.count(f"event:{event_id}")

    def posted(self, text: str) -> list[dict[str, Any]]:
        """Messages posted (not ephemeral) whose text holds ``text``, as sent (Slack took them)."""

        return [
            m
            for m in self.fake.accepted_calls("chat.postMessage")
            if text in str(m.get("text", ""))
        ]

    def told(self, user: str) -> list[str]:
        """What was said to one member only: ephemeral replies and DMs that Slack took
        (a call Slack refused said nothing to anyone)."""

        said = [
            str(m.get("text", ""))
            for m in self.fake.accepted_calls("chat.postEphemeral")
            if m.get("user") == user
        ]
        said += [
            str(m.get("text", ""))
            for m in self.fake.accepted_calls("chat.postMessage")
            if m.get("channel") in (user, f"D{user}")
        ]
        return said

    def dms(self, user: str) -> list[dict[str, Any]]:
        """Messages Slack took for one member's DM (``chat.postMessage`` to their user id)."""

        return [m for m in self.fake.accepted_calls("chat.postMessage") if m["channel"] == user]

    def ephemeral_to(self, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages Slack took for one member."""

        return [m for m in self.fake.accepted_calls("chat.postEphemeral") if m["user"] == user]

    def in_thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """What the bot posted under a thread."""

        return [
            m
            for m in self.fake.accepted_calls("chat.postMessage")
            if m["channel"] == channel and m.get("thread_ts") == thread_ts
        ]

    def last_view(self) -> dict[str, Any]:
        """The modal opened last."""

        opened = self.fake.accepted_calls("views.open")
        assert opened, "no modal was opened"
        view: dict[str, Any] = opened[-1]["view"]
        return view

    def message(self, conversation: str, text: str) -> dict[str, Any]:
        """The bot's latest message in a conversation whose text (as last updated) holds
        ``text``, with the ``channel`` and ``ts`` Slack sends with a click on it.

        A user id stands for the DM with that member (``D`` + the id in the fake).
        """

        channel = f"D{conversation}" if conversation[:1] in ("U", "W") else conversation
        found = [m for m in self.fake.history(channel) if text in str(m.get("text", ""))]
        if not found:
            raise LookupError(f"no message holding {text!r} in {channel}")
        return {**found[-1], "channel": channel}

    async def advance_to(self, when: datetime) -> None:
        """Move the clock to ``when``, firing each schedule and timer at its own time."""

        await self.app.advance_clock_to(when)
        await self.settle()


@asynccontextmanager
async def slack_convene(
    database_url: str,
    *,
    start: datetime = DEFAULT_START,
    conveners: tuple[str, ...] = ("U1",),
    mode: str = "http",
    app_token: str | None = None,
    registry: Registry | None = None,
) -> AsyncIterator[SlackRig]:
    """Convene with the fake's world: alice (U1, London, a convener), bob (U2, New York)
    and kenji (U3, Tokyo), all in #general (C1).

    ``mode`` is "http" (a signed endpoint) or "socket" (Socket Mode, with the
    fake's app token unless ``app_token`` says otherwise, and no signing
    secret, which Socket Mode does not need). ``registry`` replaces Convene's handlers
    (a test's own, added to ``build_registry()``'s).
    """

    if mode not in ("http", "socket"):
        raise ValueError(f"mode must be 'http' or 'socket', not {mode!r}")

    async with FakeSlack() as fake:
        fake.add_user("U1", "alice", tz="Europe/London")
        fake.add_user("U2", "bob", tz="America/New_York")
        fake.add_user("U3", "kenji", tz="Asia/Tokyo")
        fake.add_channel("C1", "general", ["U1", "U2", "U3"])
        settings = Settings(
            convene=ConveneSection(
                database_url=database_url,
                conveners=list(conveners),
                instance_id="test",
                adapters=["slack"],
                welcome=False,  # as in tests.support.harness: a scenario sees its own steps
            ),
            slack=SlackSection(
                bot_token=Secret(fake.bot_token),
                app_token=Secret(fake.app_token if app_token is None else app_token),
                signing_secret=Secret(SIGNING_SECRET if mode == "http" else ""),
                mode=mode,
                api_base_url=fake.base_url,
                http_host="127.0.0.1",
            ),
        )
        clock = ManualClock(start)
        adapter = SlackAdapter(settings.slack, http_port=0, clock=clock)
        app = ConveneApp(settings, [adapter], registry or build_registry(), clock)
        try:
            await app.start(background=False)
            async with aiohttp.ClientSession() as http:
                yield SlackRig(app, adapter, fake, clock, http, mode=mode)
        finally:
            await app.stop()
