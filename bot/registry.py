"""Where handlers declare what they answer: commands, buttons, forms, messages, jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.command_buttons import Question
from bot.commands import CommandSpec, CommandTable
from bot.config import Settings
from bot.context import Context, Hooks, JobContext, JobListener, Listener, ZoneChanged
from bot.events import Event, MessagePosted
from bot.hooks import Hook, Payload
from bot.suggestions import SuggestionSource

Handler = Callable[[Context], Awaitable[None]]
JobHandler = Callable[[JobContext], Awaitable[None]]
MessageFilter = Callable[[MessagePosted], bool]
HomeSection = Callable[[Context], Awaitable[str]]
"""One job's part of a member's home: its heading and lines, as text."""


@dataclass(frozen=True, slots=True)
class ServiceHost:
    """What a service running beside the bot may use: the store, the clock, the settings."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings


Service = Callable[[ServiceHost], AbstractAsyncContextManager[None]]
"""Something a job runs beside the bot while Convene runs by itself (the dashboard's web
server): entered when the app starts in the background, left when it stops."""


@dataclass(frozen=True, slots=True)
class MessageRoute:
    """A handler for plain messages that ``wants`` them (decided without I/O)."""

    wants: MessageFilter
    handler: Handler


@dataclass(frozen=True, slots=True)
class HomeSectionRoute:
    """Where a job's section goes in the home: lower ``order`` first."""

    order: int
    section: HomeSection


@dataclass
class Registry:
    commands: CommandTable = field(default_factory=CommandTable)
    buttons: dict[str, Handler] = field(default_factory=dict)
    kept_questions: dict[str, Question] = field(default_factory=dict)
    forms: dict[str, Handler] = field(default_factory=dict)
    messages: list[MessageRoute] = field(default_factory=list)
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    events: dict[type[Event], Handler] = field(default_factory=dict)
    after: list[Handler] = field(default_factory=list)
    home_sections: list[HomeSectionRoute] = field(default_factory=list)
    suggestion_sources: dict[str, SuggestionSource] = field(default_factory=dict)
    hooks: Hooks = field(default_factory=Hooks)
    services: dict[str, Service] = field(default_factory=dict)

    def command(self, spec: CommandSpec) -> None:
        self.commands.add(spec)

    def button(self, action_id: str, handler: Handler) -> None:
        if action_id in self.buttons or action_id in self.kept_questions:
            raise ValueError(f"button {action_id!r} registered twice")
        self.buttons[action_id] = handler

    def kept_question(self, question: Question) -> None:
        """Buttons that finish a kept command (``bot.command_buttons``), asking ``question``:
        the dispatcher runs the kept line, answering in the question's words once it is gone."""

        if question.action_id in self.kept_questions or question.action_id in self.buttons:
            raise ValueError(f"button {question.action_id!r} registered twice")
        self.kept_questions[question.action_id] = question

    def form(self, form_id: str, handler: Handler) -> None:
        if form_id in self.forms:
            raise ValueError(f"form {form_id!r} registered twice")
        self.forms[form_id] = handler

    def message(self, wants: MessageFilter, handler: Handler) -> None:
        self.messages.append(MessageRoute(wants, handler))

    def event(self, kind: type[Event], handler: Handler) -> None:
        """A handler for one kind of event that is not a command, click, form or message."""

        if kind in self.events:
            raise ValueError(f"event {kind.__name__} registered twice")
        self.events[kind] = handler

    def afterwards(self, handler: Handler) -> None:
        """A handler run after every routed event, in the same transaction."""

        self.after.append(handler)

    def job(self, name: str, handler: JobHandler) -> None:
        if name in self.jobs:
            raise ValueError(f"job {name!r} registered twice")
        self.jobs[name] = handler

    def home_section(self, order: int, section: HomeSection) -> None:
        """A part of each member's home, shown by ``order`` whatever the registration order."""

        if any(known.order == order for known in self.home_sections):
            raise ValueError(f"home section order {order} registered twice")
        self.home_sections.append(HomeSectionRoute(order, section))
        self.home_sections.sort(key=lambda route: route.order)

    def suggestions(self, kind: str, source: SuggestionSource) -> None:
        """Where choices for an option of this kind come from (Discord's autocompletion)."""

        if kind in self.suggestion_sources:
            raise ValueError(f"suggestions {kind!r} registered twice")
        self.suggestion_sources[kind] = source

    def service(self, name: str, service: Service) -> None:
        """Run ``service`` beside the bot whenever Convene runs in the background (not in
        the scripted shell or the tests' stepping): it decides from the settings whether
        it has anything to do, so a service that is off costs nothing."""

        if name in self.services:
            raise ValueError(f"service {name!r} registered twice")
        self.services[name] = service

    def on_zone_changed(self, replan: ZoneChanged) -> None:
        """Run when a member's time zone changes (``context.zone_changed``), in this order."""

        self.hooks.zone_changed.append(replan)

    def listen(self, hook: Hook[Payload], listener: Listener[Payload]) -> None:
        """Take part when another job announces ``hook`` (``context.announce``)."""

        self.hooks.listen(hook, listener)

    def listen_in_jobs(self, hook: Hook[Payload], listener: JobListener[Payload]) -> None:
        """Take part when a schedule or timer's work reaches ``hook`` (``JobContext.announce``)."""

        self.hooks.listen_in_jobs(hook, listener)

    def button_handler(self, action_id: str) -> Handler | None:
        """Buttons route on the part of their id before the first ``:``."""

        return self.buttons.get(action_id) or self.buttons.get(action_id.split(":", 1)[0])
