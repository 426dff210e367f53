"""The one entry point for incoming events, whatever the transport.

``dispatch`` is what the shell, the memory adapter, Slack and Discord all
call. For each event it: decides (without I/O) whether anything answers it;
records the platform's event id under a UNIQUE constraint in the same
transaction as the work, so a retried delivery acts once; runs the handler;
and turns mistakes into replies: a ``UserError`` rolls back and answers in one
line (a ``FieldProblem``, one form field refused, asks that field again and
keeps what was typed), any other exception rolls back, is logged with the
event id, is kept for ``/convene status``, and the member hears that the
convener has been told.

An event kept in the inbox (acknowledged to the platform before it was
handled) has its row deleted by the same transaction that records it as
processed, so it is handled once whichever instance gets to it. What the
handler asks the platform (a channel's members, a channel's id, user
groups) is read before the transaction, not inside it (``platform_reads``).
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit_trail, audit_words, command_buttons, form_drafts
from bot.adapter import Adapter
from bot.clock import Clock
from bot.command_buttons import RUN_COMMAND, Question, as_slash_command
from bot.commands import CommandSpec, parse_args, split_plain, split_words
from bot.config import Settings
from bot.context import Context
from bot.errors import FieldProblem, UsageError, UserError
from bot.events import (
    ButtonClicked,
    Event,
    FormSubmitted,
    MessagePosted,
    PlaceKind,
    SlashCommand,
    WorkspaceUninstalled,
)
from bot.help import unknown_command_text
from bot.known_workspaces import KnownWorkspaces
from bot.messages import Form, OutgoingMessage, Target
from bot.metrics import event_handled, handler_failed
from bot.outbox import Outbox
from bot.permissions import require_convener
from bot.platform_reads import acted, before_transaction, read_first
from bot.registry import Handler, Registry
from bot.words import TYPE_INSTEAD
from storage.busy import retry_when_busy
from storage.models import Member, Workspace
from storage.repositories import events as events_repo
from storage.repositories import inbox as inbox_repo
from storage.repositories import members as members_repo

log = logging.getLogger("convene.dispatch")

FAILURE_REPLY = (
    "Sorry, something went wrong on my side and I could not do that. "
    "The convener has been told (reference {ref})."
)


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        registry: Registry,
        settings: Settings,
        adapters: Mapping[str, Adapter],
        on_queued: Callable[[str], None] = lambda platform: None,
        bootstrap_conveners: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self._bootstrap = dict(bootstrap_conveners or {})
        self._sessions = sessions
        self._clock = clock
        self._registry = registry
        form_drafts.register(registry)  # the core's [Fix …] button for forms kept as drafts
        if command_buttons.KEPT_COMMAND not in registry.kept_questions:
            registry.kept_question(command_buttons.KEPT_LINE)  # a command too long for a button
        self._settings = settings
        self._adapters = adapters
        self._on_queued = on_queued
        self._workspaces = KnownWorkspaces()
        self._writing = _writer_gate(sessions)

    def wants(self, event: Event) -> bool:
        """Whether anything answers this event (decided without I/O)."""

        return self._route(event) is not None

    async def dispatch(self, event: Event, *, kept: bool = False) -> None:
        """Handle one event; ``kept`` when its inbox row is this process's to delete."""

        route = self._route(event)
        if route is None:
            if kept:
                await self._forget_kept(event)
            return
        try:
            await read_first(lambda: self._act(event, route, kept=kept))
        except FieldProblem as problem:
            await self._ask_again(event, problem, kept=kept)
        except UserError as refused:
            await self._answer_after_rollback(
                event, refused.reply_text(), failure=None, kept=kept, answer=refused.answer
            )
        except Exception as failure:
            handler_failed(event)
            log.error(
                "handler failed for event %s (%s from %s): %s",
                event.event_id,
                type(event).__name__,
                event.actor_id,
                failure,
                exc_info=True,
            )
            summary = "".join(traceback.format_exception_only(failure)).strip()
            await self._answer_after_rollback(
                event, FAILURE_REPLY.format(ref=event.event_id), failure=summary, kept=kept
            )
        event_handled(event)
        self._on_queued(event.platform)

    async def _forget_kept(self, event: Event) -> None:
        try:
            async with self._writing, self._sessions.begin() as session:
                await inbox_repo.forget(session, event.platform, event.event_id)
        except Exception:
            log.exception("could not delete event %s from the inbox", event.event_id)

    async def _act(self, event: Event, route: Handler, *, kept: bool) -> None:
        """Run the handler in one transaction, again if the database was only busy.

        SQLite says "database is locked" when another writer held it for
        longer than ``busy_timeout``; nothing was committed, so the event can
        simply be tried again (``storage.busy``, the rule every transaction
        follows) rather than lost.
        """

        async def in_one_transaction() -> None:
            async with self._writing, self._sessions.begin() as session:
                if kept:
                    await inbox_repo.forget(session, event.platform, event.event_id)
                if not await events_repo.record_processed(
                    session, event.platform, event.event_id, self._clock.now()
                ):
                    log.debug("event %s already handled; ignoring the repeat", event.event_id)
                    return
                context = await self._context(session, event)
                audit_trail.watch(session, _what_it_does(event))
                await route(context)
                await audit_trail.finish(
                    session,
                    workspace_id=_workspace_id(context),
                    actor_id=context.actor.id,
                    at=context.now,
                )
                for then in self._registry.after:
                    await then(context)
                await context.outbox.flush()

        await retry_when_busy(in_one_transaction, what=f"handling event {event.event_id}")

    # -- routing -----------------------------------------------------------

    def _route(self, event: Event) -> Handler | None:
        """Pick the handler for an event, or None to leave it untouched."""

        if isinstance(event, SlashCommand):
            return self._run_command
        if isinstance(event, ButtonClicked):
            if event.action_id == RUN_COMMAND:  # a corrected command offered by a refusal
                return self._run_command
            question = self._registry.kept_questions.get(event.action_id)
            if question is not None:  # a command kept by a refusal, to finish
                return lambda context: self._run_kept(context, question)
            return self._registry.button_handler(event.action_id) or _stale_button
        if isinstance(event, FormSubmitted):
            return self._registry.forms.get(event.form_id) or _stale_form
        if isinstance(event, MessagePosted):
            for route in self._registry.messages:
                if route.wants(event):
                    return route.handler
            if event.place.kind is PlaceKind.DM:
                return _introduce_in_dm
            return None
        return self._registry.events.get(type(event))

    async def _run_kept(self, context: Context, question: Question) -> None:
        """Run a kept command as its member pressed it (``bot.command_buttons``), after
        the question's first step, if it has one."""

        command, given = await command_buttons.pressed(context, question)
        first = question.first
        before = None if first is None else (lambda context: first(context, given))
        await self._run_command(replace(context, event=command), before=before)

    async def _run_command(
        self, context: Context, before: Callable[[Context], Awaitable[None]] | None = None
    ) -> None:
        """Run the command typed, or carried by a button: words read, the convener checked,
        ``before`` (a kept command's first step), then the handler."""

        event = as_slash_command(context.event)
        table = self._registry.commands
        as_typed = table.match(event.command, event.text.split())
        try:
            if as_typed is not None and as_typed[0].free_text:
                words = split_plain(event.text, event.command)
            else:
                words = split_words(event.text, event.command) or ["help"]
        except UsageError as refused:
            # Still point at the right usage when the command's words are readable
            # and the refusal offers no command to type instead.
            found = table.match(event.command, event.text[:200].split())
            if found is not None and refused.usage is None and TYPE_INSTEAD not in refused.message:
                refused.usage = found[0].usage
            raise
        found = table.match(event.command, words)
        if found is None:
            raise UsageError(unknown_command_text(table, event.command, words, context.actor))
        spec, rest = found
        # Whose command it is comes first: a member is not coached on a convener's words.
        if spec.convener_only:
            await require_convener(context.session, context.actor, _doing(spec))
        here = event.place.channel_name if event.place.kind is not PlaceKind.DM else None
        args = parse_args(spec, rest, here=here)
        audit_trail.command_read(
            context.session,
            audit_words.action_of(spec),
            () if spec.free_text else audit_words.subject_words(spec, args),
        )
        if before is not None:
            await before(context)
        await spec.handler(context, args)

    # -- contexts ----------------------------------------------------------

    async def _workspace_and_actor(
        self, session: AsyncSession, event: Event
    ) -> tuple[Workspace, Member]:
        """The event's workspace (kept from earlier events, ``bot.known_workspaces``) and
        its actor (read afresh every event: a member's row changes under any instance,
        by a convener's command, their own, or their erasure)."""

        now = self._clock.now()
        key = (event.platform, event.workspace_id)
        uninstalling = isinstance(event, WorkspaceUninstalled)
        workspace, kept = await self._workspaces.get(session, key, now, keep=not uninstalling)
        assert workspace.id is not None
        if uninstalling:
            # The platform acted, not a member: a stand-in, never written.
            stand_in = Member(
                workspace_id=workspace.id,
                platform_user_id="",
                display_name=event.actor_name,
                created_at=now,
            )
            return workspace, stand_in
        name = event.actor_name or event.actor_id
        zone = _known_zone(event.actor_timezone)
        actor = await members_repo.of_platform_id(session, workspace.id, event.actor_id)
        created = False
        if actor is not None:
            await members_repo.update_from_platform(session, actor, name, zone)
        else:
            if kept:
                # No member under a kept workspace: the first event of a new member, or
                # the workspace's row was deleted (and its members with it) since it was
                # kept, by any instance; only a fresh read tells.
                workspace = await self._workspaces.refresh(session, key, now)
            workspace_id = workspace.id
            assert workspace_id is not None
            actor, created = await members_repo.create(
                session, workspace_id, event.actor_id, name, now, zone
            )
        # Named in the config: a convener from first sight, or whenever the
        # workspace has none (so nobody can lock the conveners out).
        if (
            not actor.is_convener
            and event.actor_id in self._bootstrap.get(event.platform, ())
            and (created or not await members_repo.conveners(session, actor.workspace_id))
        ):
            actor.is_convener = True
            session.add(actor)
            await session.flush()
        return workspace, actor

    async def _context(self, session: AsyncSession, event: Event) -> Context:
        workspace, actor = await self._workspace_and_actor(session, event)
        adapter = self._adapters[event.platform]
        return Context(
            event=event,
            workspace=workspace,
            actor=actor,
            session=session,
            clock=self._clock,
            outbox=Outbox(session, event.platform, event.workspace_id, self._clock, buffered=True),
            capabilities=adapter.capabilities,
            settings=self._settings,
            open_form_on_platform=self._open_form,
            find_channel_on_platform=before_transaction("find_channel", adapter.find_channel),
            list_channel_on_platform=before_transaction(
                "list_channel_members", adapter.list_channel_members
            ),
            silo_groups_on_platform=before_transaction("silo_groups", adapter.silo_groups),
            read_file_on_platform=before_transaction("download_file", adapter.download_file),
            hooks=self._registry.hooks,
        )

    async def _open_form(self, event: Event, form: Form) -> None:
        # A form opened cannot be taken back, so nothing after it may rerun the handler.
        acted()
        await self._adapters[event.platform].open_form(event, form)

    async def _ask_again(self, event: Event, problem: FieldProblem, *, kept: bool) -> None:
        """A form refused for one field: that field asked again, nothing typed lost.

        The handler's writes were rolled back, as for any refusal. Where the
        platform asks one field in place (the shell), the form opens again with
        the reason once the event is recorded; elsewhere the submitted modal is
        already closed, so a draft keeps what was typed and the member gets a
        button that opens the form again filled in (``bot.form_drafts``).
        """

        adapter = self._adapters[event.platform]
        if not isinstance(event, FormSubmitted):
            await self._answer_after_rollback(event, problem.reply_text(), None, kept=kept)
        elif not adapter.capabilities.reasks_form_fields:
            await self._answer_after_rollback(
                event,
                problem.reply_text(),
                None,
                kept=kept,
                answer=lambda context: form_drafts.offer_fix(context, problem),
            )
        elif await self._answer_after_rollback(
            event, problem.reply_text(), None, kept=kept, answer=_saying_nothing
        ):
            try:
                await adapter.open_form(event, problem.form)
            except Exception:
                log.exception("could not ask again for event %s", event.event_id)

    async def _answer_after_rollback(
        self,
        event: Event,
        text: str,
        failure: str | None,
        *,
        kept: bool,
        answer: Handler | None = None,
    ) -> bool:
        """Record the event and answer it, in a fresh transaction: with ``text``, or as
        ``answer`` says. False when it was answered before (or
        could not be)."""

        answered = False

        async def in_one_transaction() -> None:
            nonlocal answered
            async with self._writing, self._sessions.begin() as session:
                if kept:
                    await inbox_repo.forget(session, event.platform, event.event_id)
                if not await events_repo.record_processed(
                    session, event.platform, event.event_id, self._clock.now()
                ):
                    return
                context = await self._context(session, event)
                if answer is None:
                    await context.reply(text)
                else:
                    await answer(context)
                if failure is not None:
                    await events_repo.record_failure(
                        session, context.workspace.id, event.event_id, failure, self._clock.now()
                    )
                    await self._tell_conveners(context, failure)
                await context.outbox.flush()
            answered = True

        try:
            await retry_when_busy(in_one_transaction, what=f"answering event {event.event_id}")
        except Exception:
            log.exception("could not even answer event %s", event.event_id)
            return False
        return answered

    async def _tell_conveners(self, context: Context, failure: str) -> None:
        assert context.workspace.id is not None
        conveners = await members_repo.conveners(context.session, context.workspace.id)
        for convener in conveners:
            await context.outbox.send(
                f"failure:{context.event.platform}:{context.event.event_id}:{convener.id}",
                OutgoingMessage(
                    target=Target.dm(convener.platform_user_id),
                    text=(
                        f"Heads up: something {context.actor.display_name} did failed on my "
                        f"side (reference {context.event.event_id}): {failure[:300]}. "
                        "The log has the details; /convene status lists recent failures."
                    ),
                ),
            )


def _writer_gate(sessions: async_sessionmaker[AsyncSession]) -> AbstractAsyncContextManager[Any]:
    """Events' transactions one at a time on SQLite, waiting their turn here.

    SQLite has one writer at a time, and every transaction here begins
    ``IMMEDIATE``: events handled together would each take a pooled connection
    and wait for the lock in SQLite's busy handler, which sleeps in steps of up
    to 100 ms and wakes in no order. Waiting on an ``asyncio.Lock`` instead
    hands the lock over the moment it is free, first come first served. On
    PostgreSQL events run side by side, as its row locks allow.
    """

    bind = sessions.kw.get("bind")
    dialect = getattr(bind, "dialect", None)
    if getattr(dialect, "name", "") == "sqlite":
        return asyncio.Lock()
    return nullcontext()


def _workspace_id(context: Context) -> int:
    assert context.workspace.id is not None
    return context.workspace.id


def _what_it_does(event: Event) -> str:
    """What the audit log calls an action when no command's words say it: a button's
    id ("member.remove"), a form's, or the kind of event."""

    if isinstance(event, ButtonClicked):
        return event.action_id
    if isinstance(event, FormSubmitted):
        return event.form_id
    return type(event).__name__


def _doing(spec: CommandSpec) -> str:
    return f"use {spec.words}"


async def _saying_nothing(context: Context) -> None:
    """No reply: the platform asks the refused field again in place."""


async def _stale_button(context: Context) -> None:
    await context.reply("That button no longer does anything; it belongs to something that ended.")


async def _stale_form(context: Context) -> None:
    await context.reply("That form belongs to something that has ended; nothing was saved.")


async def _introduce_in_dm(context: Context) -> None:
    await context.reply(
        "Hello! I'm Convene. Type /convene help to see what I can do for you.", private=False
    )


def _known_zone(name: str | None) -> str | None:
    """A time zone the platform gave, if this machine knows it (else none rather than a bad one)."""

    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
