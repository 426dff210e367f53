"""Turning Slack's payloads into Convene's platform-neutral events.

Each function takes the body Slack sent (a slash command, a button click, a
modal submission, an Events API callback) and returns the event, or None for
what Convene does not act on (the bot's own messages, edits, joins of other
bots). The event id is what makes a retried delivery act once: the Events
API's ``event_id``; for commands and interactions, which Slack does not
retry, their ``trigger_id``.
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.render import action_id_of, submitted_values
from bot.events import (
    ButtonClicked,
    Event,
    FormSubmitted,
    HomeOpened,
    MemberJoined,
    MessagePosted,
    Place,
    PlaceKind,
    SlashCommand,
)

PLATFORM = "slack"
IGNORED_SUBTYPES = frozenset(
    {"bot_message", "message_changed", "message_deleted", "channel_join", "channel_leave"}
)


def _place(
    channel_id: str, *, channel_type: str | None = None, thread_ts: str | None = None
) -> Place:
    if channel_type == "im" or channel_id.startswith("D"):
        return Place(PlaceKind.DM, channel_id)
    if channel_type == "mpim" or channel_id.startswith("G"):
        kind = PlaceKind.GROUP
        return Place(kind, channel_id, thread_id=thread_ts)
    if thread_ts:
        return Place(PlaceKind.THREAD, channel_id, thread_id=thread_ts)
    return Place(PlaceKind.CHANNEL, channel_id)


def command_event(body: dict[str, Any]) -> SlashCommand:
    channel = str(body.get("channel_id", ""))
    place = _place(channel)
    if place.kind is PlaceKind.CHANNEL:
        place = Place(PlaceKind.CHANNEL, channel, channel_name=body.get("channel_name"))
    return SlashCommand(
        platform=PLATFORM,
        workspace_id=str(body.get("team_id", "")),
        actor_id=str(body.get("user_id", "")),
        actor_name=str(body.get("user_name", "") or body.get("user_id", "")),
        place=place,
        event_id=f"command:{body.get('trigger_id', '')}",
        raw=body,
        command=str(body.get("command", "")).lstrip("/"),
        text=str(body.get("text", "")).strip(),
        trigger_id=body.get("trigger_id"),
    )


def _user(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    user_id = str(user.get("id", ""))
    return user_id, str(user.get("username") or user.get("name") or user_id)


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id") or "")


def action_event(body: dict[str, Any]) -> ButtonClicked | None:
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    message = body.get("message") or {}
    thread_ts = message.get("thread_ts")
    message_ts = str(container.get("message_ts") or message.get("ts") or "")
    user_id, user_name = _user(body)
    return ButtonClicked(
        platform=PLATFORM,
        workspace_id=_team(body),
        actor_id=user_id,
        actor_name=user_name,
        place=_place(channel, thread_ts=thread_ts if thread_ts != message_ts else None),
        event_id=f"action:{body.get('trigger_id') or action.get('action_ts', '')}",
        raw=body,
        action_id=action_id_of(str(action.get("action_id", ""))),
        value="" if action.get("value") == "-" else str(action.get("value", "")),
        message_ref={"message_id": message_ts, "channel_id": channel},
        trigger_id=body.get("trigger_id"),
    )


def view_event(body: dict[str, Any]) -> FormSubmitted:
    view = body.get("view") or {}
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    origin = metadata.get("origin") or {}
    user_id, user_name = _user(body)
    channel = str(origin.get("channel_id") or "")
    place = (
        _place(channel, thread_ts=origin.get("thread_id"))
        if channel
        else Place(PlaceKind.DM, f"D-{user_id}")
    )
    return FormSubmitted(
        platform=PLATFORM,
        workspace_id=_team(body),
        actor_id=user_id,
        actor_name=user_name,
        place=place,
        event_id=f"view:{view.get('id', '')}:{view.get('hash', '')}",
        raw=body,
        form_id=str(view.get("callback_id", "")),
        values=submitted_values(view),
        context=str(metadata.get("context", "")),
    )


def message_event(body: dict[str, Any], bot_user_id: str | None) -> Event | None:
    """A member's message (in a DM, a channel or a thread); None for bots and edits."""

    event = body.get("event") or {}
    if event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES or event.get("hidden"):
        return None
    user = event.get("user")
    if not user or user == bot_user_id:
        return None
    thread_ts = event.get("thread_ts")
    ts = event.get("ts")
    channel = str(event.get("channel", ""))
    return MessagePosted(
        platform=PLATFORM,
        workspace_id=str(body.get("team_id") or event.get("team") or ""),
        actor_id=str(user),
        actor_name=str(user),
        place=_place(
            channel,
            channel_type=event.get("channel_type"),
            thread_ts=thread_ts if thread_ts and thread_ts != ts else None,
        ),
        event_id=f"event:{body.get('event_id', ts)}",
        raw=body,
        text=str(event.get("text", "")),
    )


def member_joined_event(body: dict[str, Any]) -> MemberJoined | None:
    event = body.get("event") or {}
    user = event.get("user")
    if not user:
        return None
    channel = str(event.get("channel", ""))
    return MemberJoined(
        platform=PLATFORM,
        workspace_id=str(body.get("team_id") or event.get("team") or ""),
        actor_id=str(user),
        actor_name=str(user),
        place=Place(PlaceKind.CHANNEL, channel),
        event_id=f"event:{body.get('event_id', '')}",
        raw=body,
    )


def home_opened_event(body: dict[str, Any]) -> HomeOpened | None:
    """The member opened the App Home's "Home" tab (not its "Messages" tab)."""

    event = body.get("event") or {}
    user = event.get("user")
    if not user or event.get("tab", "home") != "home":
        return None
    return HomeOpened(
        platform=PLATFORM,
        workspace_id=str(body.get("team_id") or ""),
        actor_id=str(user),
        actor_name=str(user),
        place=Place(PlaceKind.DM, str(event.get("channel") or f"D{user}")),
        event_id=f"event:{body.get('event_id', '')}",
        raw=body,
    )
