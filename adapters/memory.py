"""The memory adapter: a workspace in a list, for tests.

Push events in, read what was delivered. It can wear either platform's
capabilities (``SLACK_LIKE``, ``DISCORD_LIKE``), so handlers are tested on
both paths, and it can be told to fail deliveries to exercise the outbox.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.adapter import (
    Capabilities,
    ChannelMember,
    Dispatch,
    FileUnavailable,
    MessageRef,
    PermanentDeliveryError,
)
from bot.clock import Clock
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
from bot.messages import Form, OutgoingMessage

SLACK_LIKE = Capabilities(group_dm=True, modals=True, threads=True)
DISCORD_LIKE = Capabilities(
    group_dm=False,
    modals=True,
    threads=True,
    private_threads=True,
    max_form_fields=5,
    member_timezones=False,
)


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message as the workspace now shows it (edits replace the words in place).

    ``at`` is the adapter clock's time of the send, when it was given a clock.
    """

    workspace_id: str
    message: OutgoingMessage
    idempotency_key: str
    ref: MessageRef
    at: datetime | None = None
    edits: int = 0

    @property
    def text(self) -> str:
        return self.message.text

    def visible_to(self, member_id: str) -> bool:
        message = self.message
        if message.visible_to is not None:
            return message.visible_to == member_id
        if message.target.kind in ("dm", "group"):
            return member_id in message.target.member_ids
        return True


@dataclass
class MemoryAdapter:
    platform: str = "memory"
    capabilities: Capabilities = SLACK_LIKE
    workspace_id: str = "T-memory"
    delivered: list[Delivered] = field(default_factory=list)
    forms_opened: list[tuple[Event, Form]] = field(default_factory=list)
    channel_members: dict[str, list[ChannelMember]] = field(default_factory=dict)
    failures: deque[Exception] = field(default_factory=deque)
    channels: set[str] = field(default_factory=lambda: {"general", "random"})
    groups: dict[str, dict[str, list[ChannelMember]]] = field(default_factory=dict)
    """What ``silo_groups`` answers, by source ("usergroups", "roles", ...)."""
    clock: Clock | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    """What ``download_file`` answers, by the file's url (``attach`` puts files here)."""
    deleted: list[Delivered] = field(default_factory=list)
    """Messages taken off the workspace (``delete``), as they read before, in order."""
    _dispatch: Dispatch | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch

    async def stop(self) -> None:
        self._dispatch = None

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        if self.failures:
            raise self.failures.popleft()
        number = next(self._ids)
        target = message.target
        ref: dict[str, Any] = {
            "message_id": str(number),
            "channel_id": target.channel_id or f"D-{'+'.join(target.member_ids)}",
        }
        if target.thread_id:
            ref["thread_id"] = target.thread_id
        at = self.clock.now() if self.clock is not None else None
        self.delivered.append(Delivered(workspace_id, message, idempotency_key, ref, at))
        return ref

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        if self.failures:
            raise self.failures.popleft()
        for index, item in enumerate(self.delivered):
            if item.ref.get("message_id") == ref.get("message_id"):
                self.delivered[index] = replace(
                    item,
                    message=replace(item.message, text=message.text, buttons=message.buttons),
                    edits=item.edits + 1,
                )
                return item.ref
        raise PermanentDeliveryError(f"message {ref.get('message_id')} does not exist")

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        """Take the message off ``delivered`` (into ``deleted``); one gone already is fine."""

        if self.failures:
            raise self.failures.popleft()
        for index, item in enumerate(self.delivered):
            if item.ref.get("message_id") == ref.get("message_id"):
                self.deleted.append(self.delivered.pop(index))
                return

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        return f"D-{member_id}"

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        return "G-" + "+".join(sorted(member_ids))

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        return list(self.channel_members.get(channel_id, []))

    async def open_form(self, event: Event, form: Form) -> None:
        self.forms_opened.append((event, form))

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        return dict(self.groups.get(source if detail is None else f"{source}:{detail}", {}))

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        name = reference.removeprefix("#")
        return name if name in self.channels else None

    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        if file.url not in self.files:
            raise FileUnavailable(f"{file.name} is no longer there; attach it again.")
        return self.files[file.url]

    def attach(self, name: str, data: bytes, content_type: str = "text/csv") -> IncomingFile:
        """A file a member is about to attach to a command or a message."""

        url = f"memory://files/{len(self.files) + 1}/{name}"
        self.files[url] = data
        return IncomingFile(
            file_id=f"F{len(self.files)}",
            name=name,
            size=len(data),
            url=url,
            content_type=content_type,
        )

    # -- pushing events in ----------------------------------------------------

    async def push(self, event: Event) -> None:
        if self._dispatch is None:
            raise RuntimeError("the memory adapter has not been started")
        await self._dispatch(event)

    def _base(self, actor: str, place: Place, event_id: str | None) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "workspace_id": self.workspace_id,
            "actor_id": actor,
            "actor_name": actor,
            "place": place,
            "event_id": event_id or f"{self.platform}-{next(_event_ids)}",
        }

    @staticmethod
    def channel(name: str = "general") -> Place:
        return Place(PlaceKind.CHANNEL, name, channel_name=name)

    @staticmethod
    def dm(actor: str) -> Place:
        return Place(PlaceKind.DM, f"D-{actor}")

    async def command(
        self,
        actor: str,
        line: str,
        *,
        place: Place | None = None,
        event_id: str | None = None,
        files: tuple[IncomingFile, ...] = (),
    ) -> None:
        """``await adapter.command("alice", "/convene me")``."""

        if not line.startswith("/"):
            raise ValueError("a command starts with /")
        command, _, text = line[1:].partition(" ")
        await self.push(
            SlashCommand(
                **self._base(actor, place or self.channel(), event_id),
                command=command,
                text=text.strip(),
                files=files,
            )
        )

    async def say(
        self,
        actor: str,
        text: str,
        *,
        place: Place | None = None,
        event_id: str | None = None,
        files: tuple[IncomingFile, ...] = (),
    ) -> None:
        await self.push(
            MessagePosted(
                **self._base(actor, place or self.channel(), event_id), text=text, files=files
            )
        )

    async def click(
        self, actor: str, label: str, *, on: str | None = None, event_id: str | None = None
    ) -> None:
        """Press the button with this label on the newest message the actor can see
        (whose text holds ``on``, when given)."""

        for item in reversed(self.delivered):
            if not item.visible_to(actor) or (on is not None and on not in item.text):
                continue
            for button in item.message.buttons:
                if button.label.lower() == label.lower():
                    place = self.channel(item.message.target.channel_id or "general")
                    if item.message.target.kind in ("dm", "group"):
                        place = self.dm(actor)
                    await self.push(
                        ButtonClicked(
                            **self._base(actor, place, event_id),
                            action_id=button.action_id,
                            value=button.value,
                            message_ref=item.ref,
                        )
                    )
                    return
        raise LookupError(f"{actor} can see no button labelled {label!r}")

    async def submit(
        self, actor: str, form: Form, values: dict[str, str], *, event_id: str | None = None
    ) -> None:
        await self.push(
            FormSubmitted(
                **self._base(actor, self.dm(actor), event_id),
                form_id=form.form_id,
                values=values,
                context=form.context,
            )
        )

    # -- reading what went out --------------------------------------------------

    def texts(self) -> list[str]:
        return [item.text for item in self.delivered]

    def seen_by(self, member_id: str) -> list[Delivered]:
        return [item for item in self.delivered if item.visible_to(member_id)]

    def last_text(self) -> str:
        if not self.delivered:
            raise LookupError("nothing has been delivered")
        return self.delivered[-1].text


_event_ids = itertools.count(1)
