"""Every command, fed whatever people, phones, pastes and other bots type after its words.

The commands are read from the registry ``bot.wiring`` builds, so a command added
tomorrow is fuzzed without editing this file. After each command's own words come
generated arguments: names Convene knows, words of the command's example and its
keywords, its options and others (``--since``, ``--answers``, ``--weeks``) with and
without values, anywhere and repeated; right-to-left text, emoji, combining marks,
zero-width and control characters; quotes straight and curly, balanced or not;
mentions as Slack and Discord write them; empty words; and lines of 10,000 characters.

Whatever was typed, by a convener or a member, in a channel or a DM:

- nothing fails on Convene's side (no handler failure recorded, nothing logged as an
  error or with a traceback);
- the member gets exactly one answer (a reply, a form opened, or for a command answered
  in the open, such as ``/commit``, what it posts), and every message sent fits Slack's
  and Discord's limits as rendered for each;
- a refusal changes nothing: every table holds the same rows after it as before (but
  the event's id, the reply in the outbox, and the one row a refusal with buttons keeps
  for them, ``bot.command_buttons``).

A refusal is a command whose handler never ran (its words were refused, or it was a
convener's command) or raised a ``UserError``; the handlers are watched for that.
The database is reset to the same landscape after any example that changed it, so
each example starts from the same rows and a failure found can be shrunk.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.discord import render as discord_render
from adapters.memory import Delivered
from adapters.slack import render as slack_render
from bot.command_buttons import KEPT_COMMAND
from bot.commands import Args, CommandHandler, CommandSpec, Positional, split_words
from bot.context import Context
from bot.events import Place
from bot.registry import Registry
from bot.wiring import build_registry
from bot.words import quoted
from storage.models import metadata
from tests.support import harness as harness_module
from tests.support.databases import PostgresDatabase, empty_tables
from tests.support.discord_limits import message_problems
from tests.support.harness import Harness, running
from tests.support.slack_limits import message_refusal

COMMANDS: tuple[CommandSpec, ...] = tuple(
    spec
    for spec in build_registry().commands.commands
    if os.environ.get("CONVENE_FUZZ_ONLY", "") in spec.words
)
"""Every command Convene answers, as wired: new commands are fuzzed as they land. To fuzz
some harder: ``CONVENE_FUZZ_ONLY="me forget" CONVENE_FUZZ_EXAMPLES=2000``."""

CONVENER, MEMBER = "you", "alice"

LANDSCAPE = (
    (CONVENER, "/convene silo add Radiotherapy --kind team"),
    (CONVENER, '/convene silo add "Public Health" --kind organisation'),
    (CONVENER, "/convene member add alice --silo Radiotherapy --tz Europe/London"),
    (MEMBER, "/convene me"),
    (CONVENER, '/convene member add bob --silo "Public Health" --tz America/New_York'),
    (CONVENER, "/convene checkin create standup #general every weekday 09:00"),
    (CONVENER, "/convene pairing start #general every Monday 10:00 --tz Europe/London"),
    (MEMBER, "/pairing join #general"),
    (CONVENER, '/convene retro open "Quarter 4" #general'),
    (MEMBER, "/commit Check the rota by Friday"),
)
"""What the workspace holds before each example: something of every job to name."""

KNOWN = (
    "Radiotherapy",
    '"Public Health"',
    "alice",
    "bob",
    "you",
    "<@alice>",
    "#general",
    "#random",
    "standup",
    '"Quarter 4"',
    "1",
    "2",
    "every Monday 09:00",
    "Europe/London",
    "team",
    "on",
    "off",
    "next",
    "add",
    "remove",
)
UNICODE = (
    "שלום",
    "مرحبا بالعالم",
    "\u202eevil\u202c",
    "\u200fRLM",
    "Ünïcödé",
    "👩‍👩‍👧",
    "🇬🇧",
    "👍🏽",
    "e\u0301",
    "Z̴̧̛a̷l̸g̶o̵",
    "\u200b",
    "a\u200cb",
    "\u200d",
    "\ufeff",
    "\u2060",
    "\u00a0",
    "\u3000",
    "ﬁ",
    "İstanbul",
    "Straße",
    "Ⅻ",
    "١٢٣",
    "𝟙𝟚",
    "\U0010ffff",
)
CONTROL = ("\x00", "\x07", "\x1b[31m", "\t", "\r", "\n", "\x7f", "\x85", "\u2028", "\ud800")
QUOTES = (
    '"',
    "'",
    "“",
    "”",
    "‘",
    "’",
    "„",
    "«",
    "»",
    '""',
    "''",
    "“”",
    '"Public Health',
    "Public Health”",
    "‘unbalanced",
    "'x",
    "Bob's",
    "O’Neill",
    "’til",
    '--since="30d',
)
MENTIONS = (
    "<@U123>",
    "<@U123|alice>",
    "<@!123>",
    "<@123>",
    "<@&456>",
    "<#C1|x>",
    "<#C1>",
    "<!here>",
    "<!channel>",
    "<!subteam^S1|leads>",
    "@everyone",
    "@here",
    "@alice",
)
VALUES = (
    "30d",
    "2w",
    "3 hours",
    "thread",
    "conveners",
    "summary",
    "0",
    "-1",
    "99999999999999999999",
    "1e9",
    "NaN",
    "2026-02-30",
    "1.5",
    "",
)
EMPTY = ("", '""', "''", "“”")
SEPARATORS = (" ", " ", " ", " ", " ", "  ", "\t", "\u00a0", "\u3000", "\n", "")
SHARED_OPTIONS = ("since", "answers", "weeks")
HUGE_SIZES = (199, 200, 201, 1_990, 2_001, 10_001)
HUGE_UNITS = ("x", "é", "👍", "ab ", "<@U123> ", '"')


def example_words(spec: CommandSpec) -> list[str]:
    """The words of the command's example after its own, as typed (quoted where needed):
    a line the command takes, for the fuzz to spoil one word at a time."""

    line = spec.example.removeprefix("/")
    if spec.free_text:
        return line.split()[len(spec.path) :]
    return [quoted(word) for word in split_words(line)[len(spec.path) :]]


def own_words(spec: CommandSpec) -> list[str]:
    """The example's words and the command's keywords: values it takes, so that generated
    lines reach past "no such thing"."""

    keywords = [c for p in spec.params if isinstance(p, Positional) for c in p.choices]
    return [*example_words(spec), *keywords] or ["x"]


def option_words(spec: CommandSpec) -> list[str]:
    """Its options and flags (three times: they are the ones that reach its handler), and
    the new ones every command should meet, as typed."""

    names = [param.name for param in spec.params if not isinstance(param, Positional)]
    return [f"--{name}" for name in (*names, *names, *names, *SHARED_OPTIONS)]


def huge() -> st.SearchStrategy[str]:
    return st.builds(
        lambda size, unit: (unit * size)[:size],
        st.sampled_from(HUGE_SIZES),
        st.sampled_from(HUGE_UNITS),
    )


def option(spec: CommandSpec) -> st.SearchStrategy[str]:
    """An option as typed: bare, with a value, ``=value``, dashed as a phone dashes it."""

    name = st.sampled_from(option_words(spec))
    value = st.one_of(st.sampled_from(VALUES), st.sampled_from(own_words(spec)))
    return st.one_of(
        name,
        st.builds(lambda n, v: f"{n} {v}", name, value),
        st.builds(lambda n, v: f"{n}={v}", name, value),
        st.builds(lambda n, v: f"{n} {v} {n} {v}", name, value),
        st.builds(lambda n: n.replace("--", "—", 1), name),
        st.builds(lambda n: n.upper(), name),
        st.sampled_from(("--", "---", "--=x", "-", "—")),
    )


def word(spec: CommandSpec) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(own_words(spec)),
        st.sampled_from(KNOWN),
        option(spec),
        st.sampled_from(UNICODE),
        st.sampled_from(CONTROL),
        st.sampled_from(QUOTES),
        st.sampled_from(MENTIONS),
        st.sampled_from(EMPTY),
        st.text(max_size=12),
        huge(),
    )


@dataclass(frozen=True)
class Typed:
    actor: str
    in_dm: bool
    line: str


@st.composite
def typed_command(draw: st.DrawFn) -> Typed:
    """One command's words, then arguments: its example's spoilt a word or three at a
    time (a word put in, replaced or taken out), or generated words only; now and then
    an option before the command's own words."""

    spec = draw(st.sampled_from(COMMANDS))
    case = draw(st.sampled_from((str.lower, str.lower, str.upper, str.title)))
    head = [case(part) for part in spec.path[1:]]
    if draw(st.integers(0, 3)):
        arguments = example_words(spec)
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(arguments)))
            change = draw(st.sampled_from(("put in", "put in", "replace", "take out")))
            if change != "put in" and at < len(arguments):
                del arguments[at]
            if change != "take out":
                arguments.insert(at, draw(word(spec)))
    else:
        arguments = draw(st.lists(word(spec), max_size=6))
    if draw(st.integers(0, 9)) == 0:
        head = [draw(option(spec)), *head]
    text = " ".join(head)
    for index, each in enumerate(arguments):
        text += (draw(st.sampled_from(SEPARATORS)) if index or not head else " ") + each
    return Typed(
        actor=draw(st.sampled_from((CONVENER, CONVENER, CONVENER, MEMBER))),
        in_dm=draw(st.booleans()),
        line=f"/{spec.path[0]} {text}",
    )


# -- watching Convene -------------------------------------------------------------------------

Rows = dict[str, list[dict[str, Any]]]
KEPT_APART = frozenset({"processed_events", "outbox", "inbox", "handler_failures"})
"""Tables every answer writes to (the event's id, the reply), or checked apart."""


class Rig:
    """Convene running the landscape, and what is watched while commands are fuzzed (not a
    dataclass: Hypothesis would print all of it with each failing example)."""

    def __init__(self, convene: Harness, accepted: set[str]) -> None:
        self.convene = convene
        self.accepted = accepted
        """Events whose handler ran to its end: the commands not refused."""
        self.landscape: Rows = {}
        """Every row of every table, to put back after an example that changed any."""
        self.fingerprint: list[object] = []
        """The state tables as ``fingerprint`` reads them, holding the landscape."""
        self.troubles: list[logging.LogRecord] = []

    def __repr__(self) -> str:
        return "Rig(the landscape)"


def watched(registry: Registry, accepted: set[str]) -> Registry:
    """Every command's handler noting the events it accepted (returned without a refusal)."""

    def watching(handler: CommandHandler) -> CommandHandler:
        async def handle(context: Context, args: Args) -> None:
            accepted.discard(context.event.event_id)
            await handler(context, args)
            accepted.add(context.event.event_id)

        return handle

    table = registry.commands.commands
    table[:] = [replace(spec, handler=watching(spec.handler)) for spec in table]
    return registry


class Troubles(logging.Handler):
    """Log records of errors and tracebacks, wherever they are logged."""

    def __init__(self, found: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.found = found

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.found.append(record)


@contextmanager
def troubles_logged(found: list[logging.LogRecord]) -> Iterator[None]:
    handler = Troubles(found)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


async def every_row(convene: Harness) -> Rows:
    """Every row of every table Convene has, by table, in primary key order."""

    found: dict[str, list[dict[str, Any]]] = {}
    async with convene.app.engine.connect() as connection:
        for table in metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [dict(row._mapping) for row in await connection.execute(query)]
    return found


STATE_TABLES = tuple(table for table in metadata.sorted_tables if table.name not in KEPT_APART)


@functools.cache
def fingerprint_query(dialect: str) -> Select[Any]:
    """One statement reading every state table's rows as one text each, in key order: a
    snapshot in one round trip (a query per table would cost more than the command)."""

    texts = []
    for table in STATE_TABLES:
        row: ColumnElement[str] = literal("")
        for column in table.columns:
            row = row.concat(func.coalesce(cast(column, Text), "~")).concat("|")
        keys = list(table.primary_key.columns)
        if dialect == "postgresql":
            text = select(func.string_agg(row, aggregate_order_by(literal("\n"), *keys)))
        else:
            ordered = select(row.label("row")).order_by(*keys).subquery()
            text = select(func.group_concat(ordered.c.row, "\n"))
        texts.append(text.scalar_subquery().label(table.name))
    failures = select(func.count()).select_from(metadata.tables["handler_failures"])
    return select(*texts, failures.scalar_subquery().label("failures"))


async def fingerprint(convene: Harness) -> tuple[object, ...]:
    engine = convene.app.engine
    async with engine.connect() as connection:
        return tuple((await connection.execute(fingerprint_query(engine.dialect.name))).one())


async def restore(convene: Harness, rows: Rows) -> None:
    """Put every table back as it was in ``rows``, the outbox too: a message keyed by
    something made again (a retro's root) must not be taken for one sent already."""

    tables = metadata.sorted_tables
    async with convene.app.engine.begin() as connection:
        for table in reversed(tables):
            await connection.execute(table.delete())
        for table in tables:
            if rows[table.name]:
                await connection.execute(table.insert(), rows[table.name])


@pytest.fixture
async def rig(sqlite_url: str) -> AsyncIterator[Rig]:
    async with landscape(sqlite_url) as rig:
        yield rig


@pytest.fixture
async def postgres_rig(postgres_database: PostgresDatabase) -> AsyncIterator[Rig]:
    await empty_tables(postgres_database.url)
    async with landscape(postgres_database.url) as rig:
        yield rig


@asynccontextmanager
async def landscape(database_url: str) -> AsyncIterator[Rig]:
    """Convene on ``database_url`` holding the landscape, its commands watched."""

    accepted: set[str] = set()
    registry = watched(build_registry(), accepted)
    with mock.patch.object(harness_module, "build_registry", lambda: registry):
        async with running(database_url, conveners=(CONVENER,)) as convene:
            for actor, line in LANDSCAPE:
                await convene.command(actor, line)
            rig = Rig(convene, accepted=accepted)
            rig.landscape = await every_row(convene)
            *rig.fingerprint, _ = await fingerprint(convene)
            assert not rig.landscape["handler_failures"], rig.landscape["handler_failures"]
            with troubles_logged(rig.troubles):
                yield rig


_events = itertools.count(1)


def answers(rig: Rig, delivered: Sequence[Delivered], actor: str, event_id: str) -> list[str]:
    """What the member was answered: each reply (a note that a file went to their DM and
    the file itself are one answer) and each form opened; else, for a command answered in
    the open (``/commit`` tells the room), the first message they can see."""

    adapter = rig.convene.adapter
    prefix = f"event:{adapter.platform}:{event_id}:reply:"
    replies = sorted(
        (d for d in delivered if d.idempotency_key.startswith(prefix)),
        key=lambda d: int(d.idempotency_key.rsplit(":", 1)[1]),
    )
    said = [
        d.text
        for d, then in itertools.zip_longest(replies, replies[1:])
        if not (then is not None and then.message.files and not d.message.files)
    ]
    forms = [form.title for event, form in adapter.forms_opened if event.event_id == event_id]
    in_the_open = [d.text for d in delivered if d.visible_to(actor)][:1]
    return [*said, *forms] or in_the_open


async def run_typed(rig: Rig, typed: Typed) -> None:
    """Run one typed command and check what it did (then put back what it changed)."""

    convene = rig.convene
    event_id = f"fuzz-{next(_events)}"
    place: Place = convene.adapter.dm(typed.actor) if typed.in_dm else convene.adapter.channel()
    troubles_before = len(rig.troubles)
    delivered = await convene.command(typed.actor, typed.line, place=place, event_id=event_id)
    *now, failures = await fingerprint(convene)
    changed = now != rig.fingerprint or failures != 0
    try:
        troubles = [
            f"{record.name}: {record.getMessage()}" for record in rig.troubles[troubles_before:]
        ]
        assert not troubles, troubles
        assert failures == 0, "a handler failure was recorded"
        answered = answers(rig, delivered, typed.actor, event_id)
        assert len(answered) == 1, answered
        assert not beyond_limits(delivered), beyond_limits(delivered)
        if event_id in rig.accepted:
            return
        (reply,) = answered
        mine = f"event:{convene.adapter.platform}:{event_id}:"
        others = [d.text for d in delivered if not d.idempotency_key.startswith(mine)]
        assert not others, (reply, others)
        if changed:
            buttons = any(d.message.buttons for d in delivered)
            written = writes(rig.landscape, await every_row(convene), buttons=buttons)
            assert not written, (reply, written)
    finally:
        if changed:
            await restore(convene, rig.landscape)


GUILD_ID = "1187264913412345678"
"""A Discord server's id as long as they come (19 digits): it rides in every button's id."""


def beyond_limits(delivered: Sequence[Delivered]) -> list[object]:
    """What Slack or Discord would refuse of these messages, as rendered for each."""

    found: list[object] = []
    for item in delivered:
        for part in slack_render.messages_for(item.message):
            refusal = message_refusal({"text": part.text, "blocks": part.blocks})
            found.extend([] if refusal is None else [refusal])
        for body in discord_render.message_payloads(GUILD_ID, item.message):
            found.extend(message_problems(body))
    return found


def writes(before: Rows, after: Rows, *, buttons: bool) -> dict[str, Any]:
    """The rows a refusal wrote or deleted, but the one row a refusal with buttons may
    keep: the corrected commands its buttons run (``bot.command_buttons``)."""

    found: dict[str, Any] = {}
    for table in STATE_TABLES:
        was, now = before[table.name], after[table.name]
        gone = [row for row in was if row not in now]
        new = [row for row in now if row not in was]
        kept = [row for row in new if (row.get("form") or {}).get("form_id") == KEPT_COMMAND]
        if table.name == "form_drafts" and buttons and len(kept) == 1:
            new.remove(kept[0])
        if gone or new:
            found[table.name] = {"gone": gone, "new": new}
    return found


# -- the scenarios ---------------------------------------------------------------------------

FOUND = (
    Typed(CONVENER, in_dm=False, line="/convene opportunities"),
    Typed(CONVENER, in_dm=False, line="/convene member add " + "Abcdefghij" * 7),
    Typed(
        CONVENER, in_dm=False, line="/convene member add alice --silo Radiotherapy --tz İstanbul"
    ),
)
"""What the fuzz found, tried first every time: the settings and the empty list of waiting
suggestions came as two replies; a member added by a name longer than a platform id (64
characters) was a failure on PostgreSQL; a refusal offering two corrections as buttons
keeps them in a row (the one row a refusal may write)."""

FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def found_before(test: Any) -> Any:
    for typed in reversed(FOUND):
        test = example(typed=typed)(test)
    return test


@settings(FUZZ, max_examples=int(os.environ.get("CONVENE_FUZZ_EXAMPLES", "250")))
@given(typed=typed_command())
@found_before
async def test_whatever_is_typed_after_a_command_gets_one_answer_and_a_refusal_changes_nothing(
    rig: Rig, typed: Typed
) -> None:
    await run_typed(rig, typed)


@settings(FUZZ, max_examples=int(os.environ.get("CONVENE_FUZZ_EXAMPLES", "50")))
@given(typed=typed_command())
@found_before
async def test_on_postgresql_too_whatever_is_typed_gets_one_answer_and_a_refusal_changes_nothing(
    postgres_rig: Rig, typed: Typed
) -> None:
    """PostgreSQL refuses what SQLite stores (a name longer than its column): the same
    fuzz, fewer examples."""

    await run_typed(postgres_rig, typed)
