"""Convene in Slack over Socket Mode, against the fake Slack's WebSocket on loopback.

The adapter opens its connection with ``apps.connections.open`` at the fake's
base URL; the rig pushes the same payloads as in HTTP mode as envelopes and
waits for each to be acknowledged. What Convene says is read from the fake's
record of Web API calls.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.adapter import SlackAdapter
from bot.config import Secret, SlackSection
from bot.events import Event
from storage.models import Silo
from tests.support.fake_slack import FakeSlack
from tests.support.slack_rig import dm_event, slack_convene


def socket_client_tasks() -> list[asyncio.Task[object]]:
    """slack_sdk's Socket Mode client tasks still running (receiver, monitor, processor)."""

    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and "SocketModeClient" in getattr(task.get_coro(), "__qualname__", "")
    ]


async def test_a_convener_adds_a_silo_with_a_slash_command_and_alone_sees_the_answer(
    database_url: str,
) -> None:
    async with slack_convene(database_url, mode="socket") as rig:
        opened = [r for r in rig.fake.requests if r.method == "apps.connections.open"]
        assert [r.token for r in opened] == ["xapp-test"]
        assert rig.fake.socket_connections == 1

        answer = await rig.command("U1", "/convene", 'silo add "Public Health" --kind organisation')

        assert answer.status == 200
        assert rig.fake.socket_acked == rig.envelopes
        ephemeral = rig.fake.calls("chat.postEphemeral")
        assert len(ephemeral) == 1
        assert ephemeral[0]["user"] == "U1" and ephemeral[0]["channel"] == "C1"
        assert "Added the silo Public Health (organisation)" in ephemeral[0]["text"]
        async with rig.app.sessions() as session:
            silos = (await session.exec(select(Silo))).all()
        assert [s.name for s in silos] == ["Public Health"]


async def test_a_button_opens_a_modal_whose_submission_is_handled(database_url: str) -> None:
    async with slack_convene(database_url, mode="socket") as rig:
        await rig.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
        root = rig.posted("*Retro: Quarter 4*")
        assert len(root) == 1
        root_ts = rig.fake.history("C1")[0]["ts"]

        await rig.click("U2", {**root[0], "ts": root_ts}, "Add item")
        opened = rig.fake.calls("views.open")
        assert len(opened) == 1
        view = opened[0]["view"]
        assert view["type"] == "modal" and view["callback_id"] == "retro.add"

        answer = await rig.submit("U2", view, {"category": "Stop", "text": "Long email chains"})
        # A bare acknowledgement: the modal closes without errors.
        assert (answer.status, answer.body) == (200, "")
        items = rig.posted("*Stop*")
        assert len(items) == 1 and items[0]["thread_ts"] == root_ts
        assert "Long email chains" in items[0]["text"]

        kinds = [e["type"] for e in rig.fake.socket_sent]
        assert kinds == ["slash_commands", "interactive", "interactive"]
        assert rig.fake.socket_acked == rig.envelopes


async def test_an_event_delivered_four_times_by_slacks_retries_acts_once(database_url: str) -> None:
    async with slack_convene(database_url, mode="socket") as rig:
        message = dm_event("U2", "hello", "1700000000.000200")
        answers = await rig.event_with_retries(message, event_id="Ev0001")

        assert [a.status for a in answers] == [200, 200, 200, 200]
        sent = rig.fake.socket_sent
        assert [e["retry_attempt"] for e in sent] == [0, 1, 2, 3]
        assert [e["retry_reason"] for e in sent] == ["", "timeout", "timeout", "timeout"]
        assert len(set(rig.envelopes)) == 4 and rig.fake.socket_acked == rig.envelopes
        assert len(rig.told("U2")) == 1
        assert await rig.times_recorded("Ev0001") == 1


async def test_every_envelope_is_acknowledged_even_those_no_listener_takes(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url, mode="socket") as rig:
        # The bot's own message, an event Convene ignores, and an interaction
        # no listener is registered for (a global shortcut).
        await rig.event(
            {"type": "message", "channel": "DU2", "user": "UBOT", "text": "hi", "ts": "1.1"},
            event_id="Ev-own",
        )
        await rig.event({"type": "reaction_added", "user": "U2", "reaction": "+1"}, event_id="Ev-r")
        shortcut = await rig.through_socket(
            "interactive",
            {
                "type": "shortcut",
                "callback_id": "nothing_registered",
                "trigger_id": "trigger.shortcut",
                "user": {"id": "U2", "username": "bob", "team_id": rig.fake.team_id},
                "team": {"id": rig.fake.team_id, "domain": "convene"},
            },
        )

        assert shortcut.status == 200
        assert len(rig.envelopes) == 3
        assert rig.fake.socket_acked == rig.envelopes
        assert rig.fake.calls("chat.postMessage") == []


async def test_slack_asking_for_a_new_connection_is_followed_and_traffic_goes_on(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url, mode="socket") as rig:
        await rig.fake.socket_disconnect("refresh_requested")

        assert rig.fake.socket_connects == 2 and rig.fake.socket_connections == 1
        opened = [r for r in rig.fake.requests if r.method == "apps.connections.open"]
        assert len(opened) == 2
        await rig.command("U1", "/convene", "silo add Radiography")
        assert any("Added the silo Radiography" in said for said in rig.told("U1"))


async def test_a_wrong_app_token_fails_start_clearly_and_does_not_retry(sqlite_url: str) -> None:
    with pytest.raises(RuntimeError, match=r"refused the app-level token \(invalid_auth\)"):
        async with slack_convene(sqlite_url, mode="socket", app_token="xapp-wrong") as rig:
            pytest.fail(f"started with a wrong app token: {rig}")

    # Nothing is left running that could try again: the client's tasks have ended.
    assert socket_client_tasks() == []


async def test_a_refused_app_token_is_asked_once_and_never_connects() -> None:
    async with FakeSlack() as fake:
        adapter = SlackAdapter(
            SlackSection(
                bot_token=Secret(fake.bot_token),
                app_token=Secret("xapp-revoked"),
                mode="socket",
                api_base_url=fake.base_url,
            )
        )

        async def dispatch(event: Event) -> None:
            raise AssertionError(f"nothing should be dispatched: {event}")

        with pytest.raises(RuntimeError, match="check SLACK_APP_TOKEN"):
            await adapter.start(dispatch)
        await adapter.stop()

        assert len(fake.calls("apps.connections.open")) == 1
        assert fake.socket_connects == 0
        assert socket_client_tasks() == []


async def test_the_fake_hands_socket_urls_only_for_an_app_token_and_each_once() -> None:
    async with FakeSlack() as fake:
        bot = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)
        with pytest.raises(SlackApiError) as refused:
            await bot.apps_connections_open(app_token=fake.bot_token)
        assert refused.value.response["error"] == "not_allowed_token_type"

        opened = await bot.apps_connections_open(app_token=fake.app_token)
        url = str(opened["url"])
        assert url.startswith(f"ws://127.0.0.1:{fake.port}/link/?ticket=")
        async with aiohttp.ClientSession() as http:
            # autoping off, as slack_sdk's client has it: its pings' pongs reach the reader.
            async with http.ws_connect(url, autoping=False) as socket:
                hello = json.loads((await socket.receive()).data)
                assert hello["type"] == "hello" and hello["num_connections"] == 1
                await socket.ping(b"sdk-ping-pong:1700000000.5")
                pong = await socket.receive()
                assert (pong.type, pong.data) == (
                    aiohttp.WSMsgType.PONG,
                    b"sdk-ping-pong:1700000000.5",
                )
                envelope_id = await fake.socket_send("events_api", {"event": {"type": "x"}})
                envelope = json.loads((await socket.receive()).data)
                assert envelope["envelope_id"] == envelope_id
                assert envelope["accepts_response_payload"] is False
                await socket.send_str(json.dumps({"envelope_id": envelope_id}))
                ack = await fake.socket_ack(envelope_id)
                assert ack.payload is None and fake.socket_acked == [envelope_id]
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await http.ws_connect(url)  # the ticket was used
