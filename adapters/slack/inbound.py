"""Turning Slack's payloads into Convene's platform-neutral events.

Each function takes the body Slack sent (a slash command, a button click, a
modal submission, an Events API callback) and returns the event, or None for
what Convene does not act on (the bot's own messages, edits, joins of other
bots). The event id is what makes a retried delivery act once: the Events
API's ``event_id``; for commands and interactions, which Slack does not
retry, their ``trigger_id``. A payload whose fields are not of the types
Slack sends raises ``UnreadablePayload``.

Text a member typed comes in as they typed it (``slack_text``): Slack sends
the text of messages and slash commands with ``& < >`` as entities and its
own markup for mentions and links, which is decoded here once, so that
Convene stores what was typed and its renderers escape it exactly once on
the way out. Modal values arrive as typed and are kept as they are.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from adapters.slack.render import action_id_of, submitted_values
from adapters.slack.slack_text import command_text, member_text, mentioned_user_ids
from bot.adapter import ChannelMember
from bot.events import (
    ButtonClicked,
    Event,
    FormSubmitted,
    HomeOpened,
    IncomingFile,
    MemberJoined,
    MessagePosted,
    Place,
    PlaceKind,
    SlashCommand,
    WorkspaceUninstalled,
)

PLATFORM = "slack"
IGNORED_SUBTYPES = frozenset(
    {"bot_message", "message_changed", "message_deleted", "channel_join", "channel_leave"}
)

MAX_NAMES_LOOKED_UP = 20
"""Mentions in one message whose names are asked of Slack; any further ones keep their id."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


class UnreadablePayload(Exception):
    """A payload whose fields are not of the types Slack sends (says which reader, not what)."""


def _reader(convert: Callable[_P, _R]) -> Callable[_P, _R]:
    """``convert``, with a field of the wrong type raising ``UnreadablePayload``."""

    @functools.wraps(convert)
    def read(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return convert(*args, **kwargs)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as error:
            raise UnreadablePayload(
                f"{convert.__name__} met a field of the wrong type ({type(error).__name__})"
            ) from None

    return read


def _text(fields: dict[str, Any], key: str) -> str:
    """A field Slack sends as a string ("" when absent); any other type is not Slack's."""

    value = fields.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(key)
    return value


def _object(fields: dict[str, Any], key: str) -> dict[str, Any]:
    """A field Slack sends as an object ({} when absent); any other type is not Slack's."""

    value = fields.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(key)
    return value


def _place(channel_id: str, *, channel_type: str = "", thread_ts: str = "") -> Place:
    if channel_type == "im" or channel_id.startswith("D"):
        return Place(PlaceKind.DM, channel_id)
    if channel_type == "mpim" or channel_id.startswith("G"):
        kind = PlaceKind.GROUP
        return Place(kind, channel_id, thread_id=thread_ts or None)
    if thread_ts:
        return Place(PlaceKind.THREAD, channel_id, thread_id=thread_ts)
    return Place(PlaceKind.CHANNEL, channel_id)


@_reader
def command_event(body: dict[str, Any]) -> SlashCommand:
    """A slash command; its text as typed, with Slack's references to members and channels."""

    channel = _text(body, "channel_id")
    place = _place(channel)
    if place.kind is PlaceKind.CHANNEL:
        place = Place(PlaceKind.CHANNEL, channel, channel_name=_text(body, "channel_name") or None)
    user_id = _text(body, "user_id")
    trigger_id = _text(body, "trigger_id")
    return SlashCommand(
        platform=PLATFORM,
        workspace_id=_text(body, "team_id"),
        actor_id=user_id,
        actor_name=_text(body, "user_name") or user_id,
        place=place,
        event_id=f"command:{trigger_id}",
        raw=body,
        command=_text(body, "command").lstrip("/"),
        text=command_text(_text(body, "text")).strip(),
        trigger_id=trigger_id or None,
    )


def _user(body: dict[str, Any]) -> tuple[str, str]:
    user = _object(body, "user")
    user_id = _text(user, "id")
    return user_id, _text(user, "username") or _text(user, "name") or user_id


def _team(body: dict[str, Any]) -> str:
    return _text(_object(body, "team"), "id") or _text(_object(body, "user"), "team_id")


@_reader
def action_event(body: dict[str, Any]) -> ButtonClicked | None:
    actions = body.get("actions") or []
    if not isinstance(actions, list):
        raise TypeError("actions")
    if not actions:
        return None
    action = actions[0]
    if not isinstance(action, dict):
        raise TypeError("action")
    container = _object(body, "container")
    channel = _text(_object(body, "channel"), "id") or _text(container, "channel_id")
    message = _object(body, "message")
    thread_ts = _text(message, "thread_ts")
    message_ts = _text(container, "message_ts") or _text(message, "ts")
    user_id, user_name = _user(body)
    trigger_id = _text(body, "trigger_id")
    value = _text(action, "value")
    return ButtonClicked(
        platform=PLATFORM,
        workspace_id=_team(body),
        actor_id=user_id,
        actor_name=user_name,
        place=_place(channel, thread_ts=thread_ts if thread_ts != message_ts else ""),
        event_id=f"action:{trigger_id or _text(action, 'action_ts')}",
        raw=body,
        action_id=action_id_of(_text(action, "action_id")),
        value="" if value == "-" else value,
        message_ref={"message_id": message_ts, "channel_id": channel},
        trigger_id=trigger_id or None,
    )


@_reader
def view_event(body: dict[str, Any]) -> FormSubmitted:
    """A modal submitted; its values arrive as typed, and are kept so."""

    view = _object(body, "view")
    try:
        metadata = json.loads(_text(view, "private_metadata") or "{}")
    except ValueError:
        metadata = {}
    if not isinstance(metadata, dict):
        metadata = {}
    origin = _object(metadata, "origin")
    user_id, user_name = _user(body)
    channel = _text(origin, "channel_id")
    place = (
        _place(channel, thread_ts=_text(origin, "thread_id"))
        if channel
        else Place(PlaceKind.DM, f"D-{user_id}")
    )
    return FormSubmitted(
        platform=PLATFORM,
        workspace_id=_team(body),
        actor_id=user_id,
        actor_name=user_name,
        place=place,
        event_id=f"view:{_text(view, 'id')}:{_text(view, 'hash')}",
        raw=body,
        form_id=_text(view, "callback_id"),
        values=submitted_values(view),
        context=_text(metadata, "context"),
    )


@_reader
def message_event(body: dict[str, Any], bot_user_id: str | None) -> Event | None:
    """A member's message (in a DM, a channel or a thread); None for bots and edits.

    Its text is what the member typed (``slack_text.member_text``); a mention
    reads ``@`` and the member's id until ``with_mention_names`` finds names.
    A message with files (``subtype: file_share``) carries them, not yet read.
    """

    event = _object(body, "event")
    if event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES or event.get("hidden"):
        return None
    user = _text(event, "user")
    if not user or user == bot_user_id:
        return None
    thread_ts = _text(event, "thread_ts")
    ts = _text(event, "ts")
    return MessagePosted(
        platform=PLATFORM,
        workspace_id=_text(body, "team_id") or _text(event, "team"),
        actor_id=user,
        actor_name=user,
        place=_place(
            _text(event, "channel"),
            channel_type=_text(event, "channel_type"),
            thread_ts=thread_ts if thread_ts != ts else "",
        ),
        event_id=f"event:{_text(body, 'event_id') or ts}",
        raw=body,
        text=member_text(_text(event, "text")),
        files=_files(event),
    )


def _files(event: dict[str, Any]) -> tuple[IncomingFile, ...]:
    """The files a message carries that can be read: a file Slack hides (over a free
    plan's limit, or deleted: a ``tombstone``) has no download URL and is left out."""

    listed = event.get("files")
    if listed is None:
        return ()
    if not isinstance(listed, list):
        raise TypeError("files")
    found = []
    for file in listed:
        if not isinstance(file, dict):
            raise TypeError("file")
        url = _text(file, "url_private_download") or _text(file, "url_private")
        if not url:
            continue
        size = file.get("size") or 0
        if not isinstance(size, int):
            raise TypeError("size")
        found.append(
            IncomingFile(
                file_id=_text(file, "id"),
                name=_text(file, "name") or _text(file, "title") or "file",
                size=size,
                url=url,
                content_type=_text(file, "mimetype"),
            )
        )
    return tuple(found)


def _slack_text(body: Mapping[str, Any]) -> str:
    """A message event's text as Slack sent it (entities, ``<@U123>``)."""

    event = body.get("event")
    text = event.get("text") if isinstance(event, dict) else None
    return text if isinstance(text, str) else ""


async def with_mention_names(
    event: Event, member: Callable[[str], Awaitable[ChannelMember]]
) -> Event:
    """A message whose text mentions members, with each mention as ``@`` and their name.

    Slack's message events carry mentions as bare ids (``<@U123>``); the names
    are looked up (``member``) after the ack, with the actor's own. Stored as
    plain text, a mention reads as the member saw it and pings nobody when
    Convene shows the text again.
    """

    if not isinstance(event, MessagePosted):
        return event
    slack_text = _slack_text(event.raw)
    ids = mentioned_user_ids(slack_text)
    if not ids:
        return event
    names: dict[str, str] = {}
    for user_id in ids[:MAX_NAMES_LOOKED_UP]:
        person = await member(user_id)
        if person.display_name and person.display_name != user_id:
            names[user_id] = person.display_name
    return dataclasses.replace(event, text=member_text(slack_text, names))


@_reader
def member_joined_event(body: dict[str, Any]) -> MemberJoined | None:
    event = _object(body, "event")
    user = _text(event, "user")
    if not user:
        return None
    return MemberJoined(
        platform=PLATFORM,
        workspace_id=_text(body, "team_id") or _text(event, "team"),
        actor_id=user,
        actor_name=user,
        place=Place(PlaceKind.CHANNEL, _text(event, "channel")),
        event_id=f"event:{_text(body, 'event_id')}",
        raw=body,
    )


@_reader
def home_opened_event(body: dict[str, Any]) -> HomeOpened | None:
    """The member opened the App Home's "Home" tab (not its "Messages" tab)."""

    event = _object(body, "event")
    user = _text(event, "user")
    if not user or (_text(event, "tab") or "home") != "home":
        return None
    return HomeOpened(
        platform=PLATFORM,
        workspace_id=_text(body, "team_id"),
        actor_id=user,
        actor_name=user,
        place=Place(PlaceKind.DM, _text(event, "channel") or f"D{user}"),
        event_id=f"event:{_text(body, 'event_id')}",
        raw=body,
    )


@_reader
def uninstalled_event(body: dict[str, Any]) -> WorkspaceUninstalled | None:
    """``app_uninstalled``, or ``tokens_revoked`` naming a bot token: Convene is out of the
    workspace. A ``tokens_revoked`` of members' own tokens only (``oauth``) is not that."""

    event = _object(body, "event")
    kind = _text(event, "type")
    if kind == "tokens_revoked":
        tokens = _object(event, "tokens")
        bots = tokens.get("bot") or []
        if not isinstance(bots, list):
            raise TypeError("bot")
        if not bots:
            return None
    team = _text(body, "team_id")
    if not team:
        return None
    return WorkspaceUninstalled(
        platform=PLATFORM,
        workspace_id=team,
        actor_id="",
        actor_name="Slack",
        place=Place(PlaceKind.CHANNEL, ""),
        event_id=f"event:{_text(body, 'event_id')}",
        raw={"type": kind, "team_id": team},
        reason=kind,
    )
