"""Slack's everyday requests, acknowledged and handed over without going through bolt.

Nearly everything Slack sends a busy workspace is a slash command, a button
click, a modal submission or an Events API message, and for those bolt's
routing (middleware chain, listener matching, arguments built by
introspection for every listener) cost about as much CPU as the rest of the
request path together (``bench.slack_events``). With one bot token there is
nothing for bolt to decide about them: the signature was checked already
(HTTP mode, ``request_check``) or is not needed (Socket Mode), the
workspace's bot is the one from ``auth.test``, and the listeners only read
the payload and hand the event over. So they are read here, with the same
readers and the same answers as the bolt listeners (``listeners``): 200 once
the event is kept, 400 with one warning for a payload Convene cannot read.

Everything else still goes to bolt: installs over OAuth (each request's
workspace and bot come from ``authorize``), URL verification, SSL checks,
``app_rate_limited``, uninstalls, and any kind not named here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from adapters.slack.inbound import (
    UnreadablePayload,
    action_event,
    command_event,
    home_opened_event,
    member_joined_event,
    message_event,
    view_event,
)
from adapters.slack.sink import EventSink
from bot.events import Event

log = logging.getLogger("convene.slack")

Reader = Callable[[], Event | None]


def _event_reader(sink: EventSink, body: dict[str, Any]) -> Reader | None:
    """The Events API callbacks read here: members' messages, joins, App Home opened."""

    event = body.get("event")
    if not isinstance(event, dict):
        return None
    kind = event.get("type")
    if kind == "message":
        return lambda: message_event(body, sink.bot_user_id)
    # bolt drops an event of the bot's own (but not its joining a channel): so does this.
    if kind == "app_home_opened":
        if sink.bot_user_id is not None and event.get("user") == sink.bot_user_id:
            return lambda: None
        return lambda: home_opened_event(body)
    if kind == "member_joined_channel":
        return lambda: member_joined_event(body)
    return None


def _reader(sink: EventSink, body: dict[str, Any]) -> Reader | None:
    """How to read ``body`` here, or None when bolt must route it."""

    if sink.oauth is not None:
        return None
    if "command" in body:
        return lambda: command_event(body)
    kind = body.get("type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            return None  # bolt's listener would not match it; let bolt answer as it does
        return lambda: action_event(body)
    if kind == "view_submission" and isinstance(body.get("view"), dict):
        return lambda: view_event(body)
    if kind == "event_callback":
        return _event_reader(sink, body)
    return None


def _kind(body: dict[str, Any]) -> str:
    return "slash command" if "command" in body else str(body.get("type"))


async def hand_over(sink: EventSink, body: dict[str, Any]) -> int | None:
    """Read and hand over an everyday request; the status to answer, or None for bolt.

    Returns once the event is kept (``EventSink.after_ack``), as a bolt
    listener does, so the answer still leaves only after that.
    """

    read = _reader(sink, body)
    if read is None:
        return None
    try:
        event = read()
    except UnreadablePayload as unreadable:
        log.warning(
            "refused a Slack %s Convene cannot read: %s (answered 400)", _kind(body), unreadable
        )
        return 400
    if event is None:
        return 200
    try:
        await sink.after_ack(event)
    except Exception as failed:
        log.error("handling a Slack %s failed", _kind(body), exc_info=failed)
        return 500
    return 200
