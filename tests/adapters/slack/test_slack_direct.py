"""Everyday Slack requests take the lean way in, without bolt's routing (``adapters.slack.direct``).

bolt's middleware and listener matching cost as much CPU as the rest of the
request path together, so slash commands, clicks, submissions and members'
messages are read and kept directly; only what needs bolt (URL checks, OAuth
installs, uninstalls, kinds Convene does not read) still goes through it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from tests.support.slack_rig import dm_event, slack_convene


@pytest.fixture
def bolt_dispatches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The kinds of request bolt's router was asked to dispatch, in order."""

    seen: list[str] = []
    dispatch = AsyncApp.async_dispatch

    async def counted(self: AsyncApp, req: AsyncBoltRequest) -> BoltResponse:
        body = req.body
        seen.append(str(body.get("type") or ("command" if "command" in body else "?")))
        return await dispatch(self, req)

    monkeypatch.setattr(AsyncApp, "async_dispatch", counted)
    yield seen


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_command_and_a_dm_are_answered_without_going_through_bolt(
    sqlite_url: str, mode: str, bolt_dispatches: list[str]
) -> None:
    async with slack_convene(sqlite_url, mode=mode) as rig:
        answer = await rig.command("U1", "/convene", "silo add Radiotherapy")
        assert (answer.status, answer.body) == (200, "")
        [added] = rig.ephemeral_to("U1")
        assert "Added the silo Radiotherapy" in added["text"]

        told_before = len(rig.dms("U2"))
        dm = await rig.event(dm_event("U2", "hello", "1700000000.000100"), event_id="EvDirect1")
        assert dm.status == 200
        assert len(rig.dms("U2")) == told_before + 1, "the DM is answered"
        assert await rig.times_recorded("EvDirect1") == 1

        assert bolt_dispatches == []


async def test_a_url_check_still_goes_through_bolt_and_gets_its_challenge_back(
    sqlite_url: str, bolt_dispatches: list[str]
) -> None:
    async with slack_convene(sqlite_url) as rig:
        body = {"token": "legacy", "challenge": "c-123", "type": "url_verification"}
        answer = await rig.post(json.dumps(body), "application/json")
        assert answer.status == 200 and "c-123" in answer.body
        assert bolt_dispatches == ["url_verification"]


async def test_a_dm_whose_text_is_not_text_is_refused_400_with_one_warning(
    sqlite_url: str, bolt_dispatches: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_convene(sqlite_url) as rig:
        event = {**dm_event("U2", "hello", "1700000000.000200"), "text": 42}
        answer = await rig.event(event, event_id="EvDirect2")
        assert answer.status == 400
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert warnings == [
            "refused a Slack event_callback Convene cannot read: "
            "message_event met a field of the wrong type (TypeError) (answered 400)"
        ]
        assert await rig.times_recorded("EvDirect2") == 0
        assert bolt_dispatches == []
