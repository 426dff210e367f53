"""What reaches Slack's HTTP endpoint, read as Slack means it and nothing else.

A request is Slack's only when its signature holds on the raw bytes (401
otherwise, before anything is read); a signed body Convene cannot read is
answered 400 with one warning that names no content and shows no traceback;
a slash command is a slash command whatever its words; and Slack's notice
that it is dropping events is taken, not refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.events import Event
from storage.models import ProcessedEvent, Silo
from tests.support.slack_rig import SIGNING_SECRET, Answer, SlackRig, slack_convene

MARK = "SECRETWORD"
"""Put in every body below: it must never reach a log line."""
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signed(
    raw: bytes, content_type: str, *, stamp: str | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    """Headers as Slack sends them: the signature over the raw bytes, whatever they are."""

    stamp = str(int(time.time())) if stamp is None else stamp
    base = b"v0:" + stamp.encode() + b":" + raw
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


async def post_raw(rig: SlackRig, raw: bytes, headers: dict[str, str]) -> Answer:
    async with rig.http.post(rig.adapter.url, data=raw, headers=headers) as response:
        answer = Answer(response.status, await response.text())
    await rig.settle()
    return answer


def handed_over(rig: SlackRig, monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """Every event the transport hands to the adapter from now on."""

    events: list[Event] = []
    take = rig.adapter.after_ack

    async def spy(event: Event) -> None:
        events.append(event)
        await take(event)

    monkeypatch.setattr(rig.adapter, "after_ack", spy)
    return events


async def nothing_stored_or_sent(rig: SlackRig) -> None:
    async with rig.app.sessions() as session:
        processed = (await session.exec(select(func.count()).select_from(ProcessedEvent))).one()
    assert processed == 0
    for method in ("chat.postMessage", "chat.postEphemeral", "views.open"):
        assert rig.fake.calls(method) == []


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.exc_text or r.stack_info]


def at_least(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= level]


def command_form(rig: SlackRig, **fields: str) -> dict[str, str]:
    form = {
        "token": "legacy",
        "team_id": rig.fake.team_id,
        "team_domain": "convene",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "alice",
        "command": "/convene",
        "text": "silo add Radiology",
        "api_app_id": rig.fake.app_id,
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": f"trigger.{time.monotonic_ns()}",
    }
    return {**form, **fields}


async def silo_names(rig: SlackRig) -> list[str]:
    async with rig.app.sessions() as session:
        return sorted(s.name for s in (await session.exec(select(Silo))).all())


# -- 1. a slash command is a slash command, whatever its words ----------------------------------

PAYLOAD_WORDS = {
    "text": {"text": 'silo add "payload team"'},
    "channel name": {"text": 'silo add "payload team"', "channel_name": "payload-team"},
    "user name": {"text": 'silo add "payload team"', "user_name": "payload"},
    "text of a form field": {"text": 'silo add "payload=1"'},
}


@pytest.mark.parametrize("where", list(PAYLOAD_WORDS))
async def test_a_slash_command_saying_payload_is_handled_like_any_other(
    sqlite_url: str, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with slack_convene(sqlite_url) as rig:
        form = command_form(rig, **PAYLOAD_WORDS[where])
        answer = await rig.post(urlencode(form), FORM)

        assert answer.status == 200
        expected = "payload=1" if where == "text of a form field" else "payload team"
        assert await silo_names(rig) == [expected]
        [said] = rig.ephemeral_to("U1")
        assert f"Added the silo {expected}" in said["text"]
    assert at_least(caplog, logging.WARNING) == []


async def test_a_slash_command_saying_payload_is_handled_over_socket_mode_too(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url, mode="socket") as rig:
        form = command_form(rig, text='silo add "payload team"', channel_name="payload-team")
        answer = await rig.through_socket("slash_commands", form)

        assert answer.status == 200
        assert await silo_names(rig) == ["payload team"]


# -- 2. the signature first, then a body that reads ----------------------------------------------

MALFORMED: dict[str, tuple[bytes, str]] = {
    "JSON that does not parse": (
        b'{"type": "event_callback", "event": {"text": "' + MARK.encode(),
        JSON,
    ),
    "a JSON array": (b'["' + MARK.encode() + b'"]', JSON),
    "a JSON string": (b'"' + MARK.encode() + b'"', JSON),
    "JSON null": (b"null", JSON),
    "a JSON object without a type": (json.dumps({"text": MARK}).encode(), JSON),
    "bytes that are not UTF-8": (b"\xff\xfe" + MARK.encode() + b"\xc3\x28", JSON),
    "a form that is not UTF-8": (b"command=%2Fconvene&text=" + MARK.encode() + b"\xff", FORM),
    "a payload that is not JSON": (urlencode({"payload": "{" + MARK}).encode(), FORM),
    "a payload that is a JSON array": (
        urlencode({"payload": json.dumps([MARK])}).encode(),
        FORM,
    ),
    "a form that is neither command nor payload": (urlencode({"text": MARK}).encode(), FORM),
    "an empty body": (b"", FORM),
    "an event that is not an object": (
        json.dumps({"type": "event_callback", "event_id": "Ev1", "event": MARK}).encode(),
        JSON,
    ),
    "a message event whose fields have the wrong types": (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": "Ev2",
                "event": {"type": "message", "user": "U1", "channel": ["C1"], "text": MARK},
            }
        ).encode(),
        JSON,
    ),
    "a click whose actions are not a list": (
        urlencode(
            {
                "payload": json.dumps(
                    {
                        "type": "block_actions",
                        "team": {"id": "T0001"},
                        "user": {"id": "U1"},
                        "actions": MARK,
                    }
                )
            }
        ).encode(),
        FORM,
    ),
    "a modal submission whose view is not an object": (
        urlencode(
            {
                "payload": json.dumps(
                    {"type": "view_submission", "team": {"id": "T0001"}, "view": MARK}
                )
            }
        ).encode(),
        FORM,
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_signed_body_convene_cannot_read_gets_400_and_one_warning_without_content(
    sqlite_url: str,
    case: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw, content_type = MALFORMED[case]
    async with slack_convene(sqlite_url) as rig:
        events = handed_over(rig, monkeypatch)
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        answer = await post_raw(rig, raw, signed(raw, content_type))

        assert answer.status == 400, answer
        assert events == []
        await nothing_stored_or_sent(rig)
    warnings = at_least(caplog, logging.WARNING)
    assert [r.levelno for r in warnings] == [logging.WARNING], caplog.text
    assert tracebacks(caplog) == []
    assert MARK not in caplog.text


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_an_unsigned_body_is_refused_with_401_before_it_is_read(
    sqlite_url: str,
    case: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw, content_type = MALFORMED[case]
    async with slack_convene(sqlite_url) as rig:
        events = handed_over(rig, monkeypatch)
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        answer = await post_raw(rig, raw, signed(raw, content_type, secret="not-the-secret"))

        assert answer.status == 401, answer
        assert events == []
        await nothing_stored_or_sent(rig)
    assert at_least(caplog, logging.WARNING) == []
    assert tracebacks(caplog) == []
    assert MARK not in caplog.text


BAD_SIGNATURES: dict[str, dict[str, str]] = {
    "a timestamp that is not a number": {"stamp": "soon"},
    "a timestamp with a sign": {"stamp": f"+{int(time.time())}"},
    "a timestamp of digits Python reads but Slack never sends": {"stamp": "١٢٣"},
    "a stale timestamp": {"stamp": str(int(time.time()) - 3600)},
    "a timestamp from the future": {"stamp": str(int(time.time()) + 3600)},
}


@pytest.mark.parametrize("case", list(BAD_SIGNATURES))
async def test_a_timestamp_that_is_not_now_is_refused_with_401_whatever_the_signature(
    sqlite_url: str, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_convene(sqlite_url) as rig:
        raw = urlencode(command_form(rig, text=f"silo add {MARK}")).encode()
        headers = signed(raw, FORM, stamp=BAD_SIGNATURES[case]["stamp"])
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        answer = await post_raw(rig, raw, headers)

        assert answer.status == 401
        assert await silo_names(rig) == []
        await nothing_stored_or_sent(rig)
    assert at_least(caplog, logging.WARNING) == []
    assert tracebacks(caplog) == []
    assert MARK not in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": FORM},
        {"Content-Type": FORM, "X-Slack-Request-Timestamp": "1"},
        {"Content-Type": FORM, "X-Slack-Signature": "v0=" + "0" * 64},
        {"Content-Type": FORM, "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=é"},
    ],
    ids=["no signature", "a timestamp alone", "a signature alone", "a signature not hex"],
)
async def test_a_request_without_a_whole_signature_is_refused_with_401(
    sqlite_url: str, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_convene(sqlite_url) as rig:
        raw = urlencode(command_form(rig, text=f"silo add {MARK}")).encode()
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        answer = await post_raw(rig, raw, headers)

        assert answer.status == 401
        assert await silo_names(rig) == []
    assert tracebacks(caplog) == [] and at_least(caplog, logging.WARNING) == []
    assert MARK not in caplog.text


# -- 4. Slack saying it drops events --------------------------------------------------------------


def rate_limited(rig: SlackRig) -> dict[str, Any]:
    """The envelope as Slack documents it (https://api.slack.com/events/app_rate_limited)."""

    return {
        "token": "legacy",
        "type": "app_rate_limited",
        "team_id": rig.fake.team_id,
        "minute_rate_limited": 1518467820,
        "api_app_id": rig.fake.app_id,
    }


async def test_slack_saying_it_drops_events_is_taken_with_200_and_one_line(
    sqlite_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with slack_convene(sqlite_url) as rig:
        events = handed_over(rig, monkeypatch)
        caplog.clear()
        caplog.set_level(logging.INFO)
        answer = await rig.post(json.dumps(rate_limited(rig)), JSON)

        assert answer.status == 200
        assert events == []
        await nothing_stored_or_sent(rig)
    [line] = [r for r in caplog.records if r.levelno >= logging.INFO]
    said = line.getMessage()
    assert "Slack dropped events" in said
    assert "T0001" in said and "1518467820" in said and "2018-02-12 20:37 UTC" in said
    assert tracebacks(caplog) == []


async def test_slack_saying_it_drops_events_over_socket_mode_is_acknowledged_and_logged(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_convene(sqlite_url, mode="socket") as rig:
        caplog.clear()
        caplog.set_level(logging.INFO)
        answer = await rig.through_socket("events_api", rate_limited(rig))

        assert answer.status == 200
        assert rig.fake.socket_acked == rig.envelopes
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert [s for s in said if "Slack dropped events for workspace T0001" in s] != []
    assert not any("did not take" in s for s in said)
