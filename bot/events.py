"""Events in: what a platform tells Convene, in one platform-neutral shape.

Adapters turn Slack payloads, Discord interactions and shell lines into these
immutable dataclasses; handlers never see a platform's own objects (though
``raw`` keeps the original payload for logging and the rare special need).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PlaceKind(StrEnum):
    CHANNEL = "channel"
    THREAD = "thread"
    DM = "dm"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Place:
    """Where something happened: a channel, a thread in it, a DM or a group."""

    kind: PlaceKind
    channel_id: str
    thread_id: str | None = None
    channel_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Fields every event carries.

    ``event_id`` is the platform's own id for this delivery, used to act once
    when the platform retries.
    """

    platform: str
    workspace_id: str
    actor_id: str
    actor_name: str
    place: Place
    event_id: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    actor_timezone: str | None = None
    """The actor's time zone where the platform tells it (Slack does; Discord does not)."""


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A file a member attached to a message or a command, not yet downloaded.

    ``url`` is where the adapter fetches it (Slack's ``url_private_download``,
    Discord's attachment URL; the memory adapter's own key); ``size`` is in
    bytes as the platform reported it, so a handler can refuse a huge file
    before reading it.
    """

    file_id: str
    name: str
    size: int
    url: str
    content_type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(Event):
    text: str
    files: tuple[IncomingFile, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SlashCommand(Event):
    """``/convene silo add X`` arrives as command ``convene``, text ``silo add X``."""

    command: str
    text: str
    trigger_id: str | None = None
    files: tuple[IncomingFile, ...] = ()
    """Files attached to the command (Discord's attachment options); Slack's slash
    commands carry none, so there a file comes as a message in the bot's DM."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonClicked(Event):
    action_id: str
    value: str
    message_ref: Mapping[str, Any] = field(default_factory=dict)
    trigger_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmitted(Event):
    form_id: str
    values: Mapping[str, str]
    context: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeOpened(Event):
    """A member opened the bot's home (Slack's App Home tab): a moment to show their summary."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceUninstalled(Event):
    """The platform took Convene out of a workspace (Slack's ``app_uninstalled``, or the
    bot's token revoked): no member acted, so ``actor_id`` is empty and no member is made
    for it. It may come twice (both notices, in either order, or a retry)."""

    reason: str = ""
