"""What a handler receives: one typed context per event or schedule slot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit_trail
from bot.adapter import Capabilities, ChannelMember, FileUnavailable
from bot.clock import Clock
from bot.config import Settings
from bot.events import Event, IncomingFile, PlaceKind
from bot.hooks import Hook, Payload
from bot.messages import Button, FileAttachment, Form, OutgoingMessage, Target
from bot.outbox import Outbox
from storage.models import Member, Schedule, Workspace

FormOpener = Callable[[Event, Form], Awaitable[None]]
ChannelFinder = Callable[[str, str], Awaitable[str | None]]
ChannelLister = Callable[[str, str], Awaitable[list[ChannelMember]]]
SiloGrouper = Callable[[str, str, str | None], Awaitable[dict[str, list[ChannelMember]]]]
FileReader = Callable[[str, IncomingFile], Awaitable[bytes]]
ZoneChanged = Callable[["Context", Member], Awaitable[str | None]]
"""Re-plan what one job does at a member's local time; a sentence for them if anything moved."""
Listener = Callable[["Context", Payload], Awaitable[None]]
JobListener = Callable[["JobContext", Payload], Awaitable[None]]


@dataclass
class Hooks:
    """What the jobs registered to take part in each other's work (``bot.hooks``), in order."""

    zone_changed: list[ZoneChanged] = field(default_factory=list)
    listeners: dict[str, list[Listener[Any]]] = field(default_factory=dict)
    job_listeners: dict[str, list[JobListener[Any]]] = field(default_factory=dict)
    """What listens when a schedule or timer's work reaches a hook (a check-in run closing
    at its time), apart because a job has no event, actor or reply."""

    def listen(self, hook: Hook[Payload], listener: Listener[Payload]) -> None:
        self.listeners.setdefault(hook.name, []).append(listener)

    def listen_in_jobs(self, hook: Hook[Payload], listener: JobListener[Payload]) -> None:
        self.job_listeners.setdefault(hook.name, []).append(listener)


@dataclass
class Context:
    """Everything a handler may use for one event.

    The session's transaction spans the whole handler: data changes and the
    messages queued through ``outbox`` commit together, or not at all.
    """

    event: Event
    workspace: Workspace
    actor: Member
    session: AsyncSession
    clock: Clock
    outbox: Outbox
    capabilities: Capabilities
    settings: Settings
    open_form_on_platform: FormOpener
    find_channel_on_platform: ChannelFinder
    list_channel_on_platform: ChannelLister
    silo_groups_on_platform: SiloGrouper | None = None
    read_file_on_platform: FileReader | None = None
    hooks: Hooks = field(default_factory=Hooks)
    _replies: int = field(default=0)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def here(self) -> Target:
        """The place the event happened, as a target for an answer."""

        place = self.event.place
        if place.kind is PlaceKind.DM:
            return Target.dm(self.actor.platform_user_id)
        if place.kind is PlaceKind.THREAD and place.thread_id is not None:
            return Target.thread(place.channel_id, thread_id=place.thread_id)
        return Target.channel(place.channel_id)

    async def reply(
        self,
        text: str,
        buttons: Sequence[Button] = (),
        *,
        private: bool = True,
        files: Sequence[FileAttachment] = (),
    ) -> None:
        """Answer the member where they spoke.

        ``private`` replies are shown only to them where the platform allows
        (a command's answer in a busy channel should not spam everyone).
        A reply with ``files`` (a map, a report) cannot be private on any
        platform, so outside a DM it goes to the member's DM, and a short
        private note where they asked says so.
        """

        self._replies += 1
        key = f"event:{self.event.platform}:{self.event.event_id}:reply:{self._replies}"
        audit_trail.files_sent(self.session, [file.name for file in files])
        if files and self.event.place.kind is not PlaceKind.DM and private:
            await self.outbox.send(
                key,
                OutgoingMessage(
                    target=self.here(),
                    text="I sent it to you in a direct message.",
                    visible_to=self.actor.platform_user_id,
                ),
            )
            self._replies += 1
            key = f"event:{self.event.platform}:{self.event.event_id}:reply:{self._replies}"
            target = Target.dm(self.actor.platform_user_id)
        else:
            target = self.here()
        await self.outbox.send(
            key,
            OutgoingMessage(
                target=target,
                text=text,
                buttons=tuple(buttons),
                visible_to=self.actor.platform_user_id if private and not files else None,
                files=tuple(files),
            ),
        )

    async def send(
        self,
        key: str,
        target: Target,
        text: str,
        buttons: Sequence[Button] = (),
        *,
        files: Sequence[FileAttachment] = (),
    ) -> None:
        audit_trail.files_sent(self.session, [file.name for file in files])
        await self.outbox.send(
            key,
            OutgoingMessage(target=target, text=text, buttons=tuple(buttons), files=tuple(files)),
        )

    async def audit(self, action: str, *, subject: str = "", member: Member | None = None) -> None:
        """Write this convener action in the audit log in its own words, instead of the
        command's words and values the core would write (``bot.audit_trail``).

        ``subject`` is never member-typed text (an answer, a topic): a name of a
        check-in, retro or programme, a channel, a setting and its value. A member
        acted on is ``member``, named when the log is read.
        """

        assert self.workspace.id is not None
        await audit_trail.record(
            self.session,
            workspace_id=self.workspace.id,
            actor_id=self.actor.id,
            action=action,
            subject=subject,
            member_id=None if member is None else member.id,
            at=self.now,
        )

    async def read_file(self, file: IncomingFile) -> bytes:
        """The bytes of a file the member attached (a read made before the transaction).

        Raises ``FileUnavailable`` with a sentence for the member when it cannot be had.
        """

        if self.read_file_on_platform is None:
            raise FileUnavailable("I cannot read files here.")
        return await self.read_file_on_platform(self.event.workspace_id, file)

    async def open_form(self, form: Form) -> None:
        await self.open_form_on_platform(self.event, form)

    async def find_channel(self, reference: str) -> str | None:
        """Ask the platform which channel a member named (a read, nothing sent)."""

        return await self.find_channel_on_platform(self.event.workspace_id, reference)

    async def channel_members(self, channel_id: str) -> list[ChannelMember]:
        """Who is in a channel, as the platform says (a read, nothing sent)."""

        return await self.list_channel_on_platform(self.event.workspace_id, channel_id)

    async def silo_groups(self, source: str, detail: str | None) -> dict[str, list[ChannelMember]]:
        """The platform's own groups of people (user groups, a profile field, roles), by name.

        Only for a source in ``capabilities.silo_sources``; a read, nothing sent.
        """

        if self.silo_groups_on_platform is None:
            return {}
        return await self.silo_groups_on_platform(self.event.workspace_id, source, detail)

    async def zone_changed(self, member: Member) -> list[str]:
        """Tell every job that ``member``'s time zone changed (already set on the row).

        What the jobs planned at the member's local time follows them; the
        answer is one sentence for each job that moved something.
        """

        notes = [await replan(self, member) for replan in self.hooks.zone_changed]
        return [note for note in notes if note]

    async def announce(self, hook: Hook[Payload], payload: Payload) -> None:
        """Let the jobs listening to ``hook`` add their part, now, in this transaction."""

        for listener in self.hooks.listeners.get(hook.name, ()):
            await listener(self, payload)


@dataclass
class JobContext:
    """Everything a schedule or timer handler may use for one slot.

    ``schedule`` is the recurring schedule that fired, or None for a one-off
    timer; ``subject_id`` says what either is about (a programme, a run).
    """

    schedule: Schedule | None
    subject_id: int | None
    slot: datetime
    workspace: Workspace
    session: AsyncSession
    clock: Clock
    outbox: Outbox
    capabilities: Capabilities
    settings: Settings
    list_channel_on_platform: ChannelLister
    hooks: Hooks = field(default_factory=Hooks)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    async def announce(self, hook: Hook[Payload], payload: Payload) -> None:
        """Let the jobs listening to ``hook`` in jobs add their part, now, in this transaction."""

        for listener in self.hooks.job_listeners.get(hook.name, ()):
            await listener(self, payload)

    async def channel_members(self, channel_id: str) -> list[ChannelMember]:
        return await self.list_channel_on_platform(self.workspace.external_id, channel_id)
