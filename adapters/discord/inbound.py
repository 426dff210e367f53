"""Turning Discord's interactions and messages into Convene's platform-neutral events.

A server (guild) is a Convene workspace. An interaction in a DM carries no
server, so every button and form Convene sends names its server in its
``custom_id`` (see ``render.custom_id``); a message typed in a DM is
put in the server Convene last wrote to that member from. The event id is the
interaction's or the message's snowflake, which Discord never reuses, so a
replayed gateway event acts once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from adapters.discord.commands import (
    CommandSet,
    attached_files,
    command_text,
    invoked,
    resolved_names,
)
from adapters.discord.render import parse_custom_id, submitted_values
from bot.events import (
    ButtonClicked,
    Event,
    FormSubmitted,
    IncomingFile,
    MessagePosted,
    Place,
    PlaceKind,
    SlashCommand,
)

PLATFORM = "discord"
THREAD_TYPES = frozenset(
    {
        discord.ChannelType.news_thread,
        discord.ChannelType.public_thread,
        discord.ChannelType.private_thread,
    }
)


def display_name(user: discord.abc.User) -> str:
    """The name a member goes by in this server: nickname, then global name, then username."""

    return str(getattr(user, "display_name", None) or user.name)


def place_of(channel: Any, channel_id: int | None, *, is_dm: bool) -> Place:
    """Where an interaction or message happened; a thread names its parent channel."""

    if is_dm:
        return Place(PlaceKind.DM, str(channel_id or ""))
    channel_type = getattr(channel, "type", None)
    if channel_type in THREAD_TYPES:
        parent = getattr(channel, "parent_id", None)
        return Place(PlaceKind.THREAD, str(parent or channel_id), thread_id=str(channel_id))
    return Place(
        PlaceKind.CHANNEL, str(channel_id or ""), channel_name=getattr(channel, "name", None)
    )


def where(place: Place) -> str:
    """The Discord channel id a place is (a thread is a channel of its own)."""

    return place.thread_id or place.channel_id


def interaction_event(
    interaction: discord.Interaction[Any], commands: CommandSet, dm_workspace: str | None
) -> Event | None:
    """The event for a command, click or form submission; None for what Convene does not know."""

    data: Mapping[str, Any] = interaction.data or {}
    is_dm = interaction.guild_id is None
    place = place_of(interaction.channel, interaction.channel_id, is_dm=is_dm)
    user = interaction.user
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "actor_id": str(user.id),
        "actor_name": display_name(user),
        "place": place,
        "event_id": f"interaction:{interaction.id}",
        "raw": {"interaction_id": str(interaction.id), "data": dict(data)},
    }
    workspace = str(interaction.guild_id) if interaction.guild_id else (dm_workspace or "")
    if interaction.type is discord.InteractionType.application_command:
        names, given, _ = invoked(data)
        spec = commands.spec_for(names)
        if spec is None or not workspace:
            return None
        return SlashCommand(
            workspace_id=workspace,
            command=spec.path[0],
            text=command_text(spec, given, resolved_names(data)),
            files=attached_files(data, given),
            **common,
        )
    if interaction.type is discord.InteractionType.component:
        coded_workspace, action, value = parse_custom_id(str(data.get("custom_id", "")))
        chosen = data.get("values")
        if chosen:  # a select: the choice is the value
            value = str(chosen[0])
        message = interaction.message
        ref = {"message_id": str(message.id), "channel_id": where(place)} if message else {}
        return ButtonClicked(
            workspace_id=workspace if not is_dm else coded_workspace or workspace,
            action_id=action,
            value=value,
            message_ref=ref,
            **common,
        )
    if interaction.type is discord.InteractionType.modal_submit:
        coded_workspace, form_id, context = parse_custom_id(str(data.get("custom_id", "")))
        return FormSubmitted(
            workspace_id=workspace if not is_dm else coded_workspace or workspace,
            form_id=form_id,
            values=submitted_values(list(data.get("components") or [])),
            context=context,
            **common,
        )
    return None


def message_event(message: discord.Message, workspace: str | None) -> MessagePosted | None:
    """A member's message in a DM, a channel or a thread; None for bots and system messages."""

    if message.author.bot or message.type not in (
        discord.MessageType.default,
        discord.MessageType.reply,
    ):
        return None
    is_dm = message.guild is None
    workspace = str(message.guild.id) if message.guild else workspace
    if not workspace:
        return None
    return MessagePosted(
        platform=PLATFORM,
        workspace_id=workspace,
        actor_id=str(message.author.id),
        actor_name=display_name(message.author),
        place=place_of(message.channel, message.channel.id, is_dm=is_dm),
        event_id=f"message:{message.id}",
        raw={"message_id": str(message.id)},
        text=message.content,
        files=tuple(
            IncomingFile(
                file_id=str(attachment.id),
                name=attachment.filename,
                size=attachment.size,
                url=attachment.url,
                content_type=attachment.content_type or "",
            )
            for attachment in message.attachments
        ),
    )
