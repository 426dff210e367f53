"""Watching a test's logs for secrets and members' words, at DEBUG.

The Slack and Discord sets run with this watch on (``tests/adapters/conftest.py``):
logging as Convene sets it up at DEBUG (the libraries held at their floors by
``bot.library_logs``, which is what running at DEBUG means), every record any
logger makes kept, and at the end of the test each one read for:

* every secret in the settings Convene was started with (bot and app tokens,
  signing and client secrets, the encryption key) and the ``CONVENE_SECRET_KEY``
  set for the run;
* every text a member typed into the scenario: each slash command's and
  message's text and each form value, as Convene received them.

Running the sets once this way, rather than a second time in a test of its own,
keeps the suite's time: the watch costs the records' formatting and no more.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.app import ConveneApp
from bot.config import Secret, Settings
from bot.dispatcher import Dispatcher
from bot.events import Event, FormSubmitted, MessagePosted, SlashCommand
from bot.library_logs import FLOORS, hold_library_logs

KNOWN_SECRET_KEY = "bG9nLWxlYWtzLWtub3duLWtleS0zMi1ieXRlcy0hISE="
"""``CONVENE_SECRET_KEY`` while the watch is on: a valid Fernet key, looked for in the logs."""

SHORTEST_TEXT = 6
"""Typed texts shorter than this ("help", "1") are words any log line may hold."""


def _worth_looking_for(text: str) -> bool:
    """A text long enough to be no log line's own word, and not a bare command word
    ("members", "list"), which Convene's own lines name."""

    return len(text) >= SHORTEST_TEXT and not (text.isalpha() and text.islower())


@dataclass
class LeakWatch:
    """What must not be logged, and every record that was."""

    secrets: set[str] = field(default_factory=lambda: {KNOWN_SECRET_KEY})
    typed: set[str] = field(default_factory=set)
    records: list[logging.LogRecord] = field(default_factory=list)

    def note_settings(self, settings: Settings) -> None:
        for section in dataclasses.fields(settings):
            values = getattr(settings, section.name)
            if not dataclasses.is_dataclass(values):
                continue
            for item in dataclasses.fields(values):
                value = getattr(values, item.name)
                if isinstance(value, Secret) and value.reveal():
                    self.secrets.update(part for part in value.reveal().split(",") if part)

    def note_event(self, event: Event) -> None:
        texts: list[str] = []
        if isinstance(event, SlashCommand | MessagePosted):
            texts.append(event.text)
        if isinstance(event, FormSubmitted):
            texts.extend(event.values.values())
        self.typed.update(t.strip() for t in texts if _worth_looking_for(t.strip()))

    def leaks(self) -> list[str]:
        """Each record that holds a secret or a typed text, said in one line."""

        wanted = [(s, "a secret") for s in self.secrets] + [(t, "typed") for t in self.typed]
        wanted = [(words.lower(), kind) for words, kind in wanted]
        formatter = logging.Formatter()
        found: list[str] = []
        for record in self.records:
            said = record.getMessage()
            if record.exc_info:
                said += "\n" + formatter.formatException(record.exc_info)
            if record.stack_info:
                said += "\n" + record.stack_info
            lowered = said.lower()
            hits = [(words, kind) for words, kind in wanted if words in lowered]
            if not hits:
                continue
            excerpt = said
            for secret in self.secrets:
                excerpt = excerpt.replace(secret, "***")  # the failure shows no secret
            for words, kind in hits:
                shown = words if kind == "typed" else "***"
                found.append(
                    f"{record.name} {record.levelname}: {kind} {shown!r}: {excerpt[:200]!r}"
                )
        return found


class _Keeper(logging.Handler):
    def __init__(self, watch: LeakWatch) -> None:
        super().__init__(logging.DEBUG)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        self.watch.records.append(record)


def watching(monkeypatch: pytest.MonkeyPatch) -> Iterator[LeakWatch]:
    """The watch on for one test; logging put back as it was afterwards."""

    watch = LeakWatch()
    monkeypatch.setenv("CONVENE_SECRET_KEY", KNOWN_SECRET_KEY)

    starting = ConveneApp.__init__
    dispatching = Dispatcher.dispatch

    def start(app: ConveneApp, settings: Settings, *args: Any, **kwargs: Any) -> None:
        watch.note_settings(settings)
        starting(app, settings, *args, **kwargs)

    async def dispatch(dispatcher: Dispatcher, event: Event, *args: Any, **kwargs: Any) -> Any:
        watch.note_event(event)
        return await dispatching(dispatcher, event, *args, **kwargs)

    monkeypatch.setattr(ConveneApp, "__init__", start)
    monkeypatch.setattr(Dispatcher, "dispatch", dispatch)

    names = ["", "convene", *FLOORS]
    levels = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger()
    keeper = _Keeper(watch)
    root.addHandler(keeper)
    root.setLevel(logging.DEBUG)
    logging.getLogger("convene").setLevel(logging.DEBUG)
    hold_library_logs(logging.DEBUG)
    try:
        yield watch
    finally:
        root.removeHandler(keeper)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
