"""One Convene, two workspaces: nothing of one is visible, sent or counted in the other.

Both workspaces live on one platform (as two Slack teams installed over OAuth
do), with members of the same names in silos of the same names. Each has its
own memory workspace behind one adapter (``TwoWorkspaces``), so a message
Convene addresses to a workspace lands only there, and a message that reached
the wrong one would be seen on the wrong side. Each workspace's steps are
checked three ways: what it shows holds none of the other's words (and none
of its files do), every outbox row its members' actions made is addressed to
it alone, and the numbers it reports are those of its own activity.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from adapters.memory import SLACK_LIKE, Delivered, MemoryAdapter
from bot.adapter import Capabilities, ChannelMember, Dispatch, MessageRef
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Settings
from bot.events import Event, IncomingFile
from bot.messages import Form, OutgoingMessage
from bot.wiring import build_registry
from storage.models import OutboxMessage
from tests.handlers.test_reports import (
    ANONYMOUS_STORY,
    NAMED_STORY,
    PRIVATE_STORY,
    REPORT_DAY,
    csv_rows,
    one_named,
    sent_files,
    two_weeks,
)
from tests.support.harness import Harness
from tests.support.times import LONDON, THURSDAY_NOON

ONE, TWO = "T-one", "T-two"


@dataclass
class TwoWorkspaces:
    """One platform connection serving several workspaces, each a memory workspace.

    Convene sees one adapter (one platform, as with Slack over OAuth); every call
    that names a workspace is answered by that workspace's own memory adapter, and
    a call for a workspace it does not serve fails the test.
    """

    workspaces: dict[str, MemoryAdapter]
    platform: str = "memory"
    capabilities: Capabilities = SLACK_LIKE
    calls: list[tuple[str, str]] = field(default_factory=list)
    """(method, workspace) of every call Convene made."""

    def _of(self, method: str, workspace_id: str) -> MemoryAdapter:
        self.calls.append((method, workspace_id))
        assert workspace_id in self.workspaces, f"{method} for unknown workspace {workspace_id}"
        return self.workspaces[workspace_id]

    async def start(self, dispatch: Dispatch) -> None:
        for adapter in self.workspaces.values():
            await adapter.start(dispatch)

    async def stop(self) -> None:
        for adapter in self.workspaces.values():
            await adapter.stop()

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        return await self._of("deliver", workspace_id).deliver(
            workspace_id, message, idempotency_key=idempotency_key
        )

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        return await self._of("edit", workspace_id).edit(workspace_id, ref, message)

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        await self._of("delete", workspace_id).delete(workspace_id, ref)

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        return await self._of("open_dm", workspace_id).open_dm(workspace_id, member_id)

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        return await self._of("open_group", workspace_id).open_group(workspace_id, member_ids)

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        adapter = self._of("list_channel_members", workspace_id)
        return await adapter.list_channel_members(workspace_id, channel_id)

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        return await self._of("find_channel", workspace_id).find_channel(workspace_id, reference)

    async def open_form(self, event: Event, form: Form) -> None:
        await self._of("open_form", event.workspace_id).open_form(event, form)

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        adapter = self._of("silo_groups", workspace_id)
        return await adapter.silo_groups(workspace_id, source, detail)

    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        return await self._of("download_file", workspace_id).download_file(workspace_id, file)


@dataclass
class Side(Harness):
    """One workspace's view of the shared Convene: a harness on its own memory workspace.

    Every step a member of this workspace takes (a command, a press, a form) is
    checked as it happens: each outbox row it made must be addressed to this
    workspace. Moving the clock is nobody's step: it fires both workspaces'
    schedules, whose rows are checked by what they say (``assert_apart``).
    """

    name: str = ""
    _clock_moving: bool = False

    async def _delivered_by(self, step: Callable[[], Awaitable[Any]]) -> list[Delivered]:
        async with self.app.sessions() as session:
            before = (await session.exec(select(func.max(OutboxMessage.id)))).one() or 0
        delivered = await super()._delivered_by(step)
        if not self._clock_moving:
            made = await self.rows(OutboxMessage)
            elsewhere = [
                (row.idempotency_key, row.workspace_external_id)
                for row in made
                if row.id is not None and row.id > before and row.workspace_external_id != self.name
            ]
            assert elsewhere == [], f"a step in {self.name} queued for another workspace"
        return delivered

    async def advance(self, to: datetime) -> list[Delivered]:
        self._clock_moving = True
        try:
            return await super().advance(to)
        finally:
            self._clock_moving = False

    def shown(self) -> list[str]:
        """Every text this workspace was shown: messages, their files, forms opened."""

        texts: list[str] = []
        for item in self.adapter.delivered:
            texts.append(item.text)
            texts.extend(f.data.decode("utf-8", "replace") for f in item.message.files)
            texts.extend(b.label for b in item.message.buttons)
        for _, form in self.adapter.forms_opened:
            texts.append(repr(form))
        return texts


@asynccontextmanager
async def two_workspaces(database_url: str, start: datetime) -> AsyncIterator[tuple[Side, Side]]:
    """One Convene serving ``T-one`` and ``T-two``, "you" convener in both."""

    settings = Settings(
        convene=ConveneSection(
            database_url=database_url, conveners=["you"], instance_id="test", welcome=False
        )
    )
    clock = ManualClock(start)
    one = MemoryAdapter(workspace_id=ONE)
    two = MemoryAdapter(workspace_id=TWO)
    platform = TwoWorkspaces({ONE: one, TWO: two})
    app = ConveneApp(settings, [platform], build_registry(), clock)
    await app.start(background=False)
    try:
        yield Side(app, one, clock, ONE), Side(app, two, clock, TWO)
    finally:
        await app.stop()


# -- what each workspace holds of its own --------------------------------------------------------

PEOPLE = ("alice", "bashful", "cagey", "dan")
SILOS = {"alice": "Radiotherapy", "bashful": "Wards", "cagey": "Pharmacy", "dan": "Theatres"}

WORDS_OF_ONE = (
    NAMED_STORY,
    ANONYMOUS_STORY,
    PRIVATE_STORY,
    "Draft the discharge checklist",
    "Order the gloves",
    "Renew the rota",
    "Run the first weekly huddle",
    "Draft a handover template",
    "Weekly huddles",
    "Shared handover notes",
    "Ward rounds",
)
"""What the members of T-one typed (``two_weeks``): stories, commitments, retro items, answers."""

WORDS_OF_TWO = (
    "Label the drug fridge",
    "Quieter night shifts",
    "Theatre lists run late",
)
"""What the members of T-two typed."""


async def a_quieter_workspace(two: Side) -> None:
    """T-two: the same people in the same silos, the same programme and check-in, a
    retro of the same name in a channel of the same name, and a commitment, all before
    T-one's two weeks begin (its rounds, check-in runs and reminders then happen by
    themselves, as T-one's clock moves)."""

    for line in [
        *(f"/convene silo add {silo} --kind team" for silo in SILOS.values()),
        *(f"/convene member add {m} --silo {SILOS[m]} --tz {LONDON}" for m in PEOPLE),
        "/convene pairing start #general every Monday 10:00 --tz Europe/London",
        '/convene checkin create "Pulse" #general every Monday 09:00 --tz Europe/London',
        '/convene retro open "December"',
    ]:
        await two.command("you", line)
    two.adapter.channel_members["general"] = [ChannelMember(m, m, LONDON) for m in PEOPLE]
    for member in PEOPLE:
        await two.command(member, "/pairing join")
    await two.click("dan", "Add item", on="*Retro: December*")
    form = two.last_form("dan", "retro.add")
    await two.submit("dan", form, {"category": "Stop", "text": "Quieter night shifts"})
    await two.click("alice", "Add item", on="*Retro: December*")
    form = two.last_form("alice", "retro.add")
    await two.submit("alice", form, {"category": "Start", "text": "Theatre lists run late"})
    # T-two's commitment 1, made first: T-one's five are numbered 1 to 5 all the same,
    # and "/commit done 1" there finds T-one's first (the report counts it done).
    await two.command("cagey", "/commit Label the drug fridge by Friday")


LOOKS = (
    "/convene status",
    "/convene members",
    "/convene silos",
    "/convene map",
    "/convene pairing stats",
    "/convene pairing status",
    "/convene pairing stories",
    "/convene report",
    "/convene export",
    "/convene commitments",
    "/convene retro list",
    "/convene checkin list",
    "/convene opportunities",
)
"""What a convener reads of their workspace."""


def assert_apart(one: Side, two: Side) -> None:
    """Neither workspace was shown a word the other's members typed."""

    for side, foreign in ((one, WORDS_OF_TWO), (two, WORDS_OF_ONE)):
        seen = [(words, text) for text in side.shown() for words in foreign if words in text]
        assert seen == [], f"{side.name} was shown another workspace's words: {seen[:3]}"


async def assert_rows_apart(one: Side) -> None:
    """Every outbox row holds only the words of the workspace it is addressed to."""

    words = {ONE: WORDS_OF_TWO, TWO: WORDS_OF_ONE}
    for row in await one.rows(OutboxMessage):
        assert row.workspace_external_id in (ONE, TWO), row.workspace_external_id
        payload = repr(row.payload)
        held = [w for w in words[row.workspace_external_id] if w in payload]
        assert held == [], (row.idempotency_key, row.workspace_external_id, held)


async def test_two_workspaces_with_the_same_names_each_see_count_and_are_sent_only_their_own(
    sqlite_url: str,
) -> None:
    """On SQLite only (a long scenario; the queries it reads are those the report's own
    tests run on both databases)."""

    async with two_workspaces(sqlite_url, THURSDAY_NOON) as (one, two):
        await a_quieter_workspace(two)
        await two_weeks(one)  # T-one's two weeks; T-two's schedules run beside them
        assert one.clock.now() == REPORT_DAY

        looked = {
            side.name: {line: await side.command("you", line) for line in LOOKS}
            for side in (one, two)
        }
        lists = {
            (side.name, member): "\n".join(
                d.text for d in await side.command(member, "/commit list")
            )
            for side in (one, two)
            for member in PEOPLE
        }
        for member in PEOPLE:
            for side in (one, two):
                await side.command(member, "/convene me")
                await side.command(member, "/pairing status")
                await side.command(member, "/checkin status")

        assert_apart(one, two)
        await assert_rows_apart(one)

        # T-one's report is the report of its two weeks alone (tests/handlers/test_reports).
        (report,) = [d for d in looked[ONE]["/convene report"] if d.message.files]
        assert report.text.splitlines()[:8] == [
            "*Convene report for T-one: 11 Sep 2026 to 10 Dec 2026*",
            "• Check-ins: 3 of 8 prompts answered (38%) over 2 runs; first run 50%, last 25%.",
            "• Introductions: 4 groups in 2 rounds, 2 met (50%). "
            "Silo pairs met: 2 of 6 (33%); introduced: 4 (67%).",
            "• New bridges: 2 pairs of silos met for the first time, "
            "4 introduced for the first time.",
            "• Learning stories shared: 2.",
            "• Commitments: 5 made, 3 done (2 on time, 1 late), 2 open, 1 overdue, 0 dropped.",
            "• Retros: 1 retro, 2 actions made, 1 done.",
            "The full report (Markdown) and its tables (CSV) are attached.",
        ]
        (report,) = [d for d in looked[TWO]["/convene report"] if d.message.files]
        assert report.text.splitlines()[:8] == [
            "*Convene report for T-two: 11 Sep 2026 to 10 Dec 2026*",
            "• Check-ins: 0 of 8 prompts answered (0%) over 2 runs; first run 0%, last 0%.",
            "• Introductions: 4 groups in 2 rounds, 0 met (0%). "
            "Silo pairs met: 0 of 6 (0%); introduced: 4 (67%).",
            "• New bridges: 0 pairs of silos met for the first time, "
            "4 introduced for the first time.",
            "• Learning stories shared: 0.",
            "• Commitments: 1 made, 0 done (0 on time, 0 late), 1 open, 1 overdue, 0 dropped.",
            "• Retros: 1 retro, 0 actions made, 0 done.",
            "The full report (Markdown) and its tables (CSV) are attached.",
        ]
        stats = {
            side.name: looked[side.name]["/convene pairing stats"][0].text for side in (one, two)
        }
        assert stats[ONE].startswith("Silo pairs met: 2 of 6 (33%); introduced: 4 of 6 (67%).")
        assert stats[TWO].startswith("Silo pairs met: 0 of 6 (0%); introduced: 4 of 6 (67%).")
        maps = {side.name: looked[side.name]["/convene map"][1].text for side in (one, two)}
        assert "2 of 6 silo pairs met (33%), 4 introduced (67%)." in maps[ONE]
        assert "0 of 6 silo pairs met (0%), 4 introduced (67%)." in maps[TWO]
        exported = {side.name: looked[side.name]["/convene export"][1].text for side in (one, two)}
        assert (
            "commitments.csv (5 rows)" in exported[ONE] and "stories.csv (2 rows)" in exported[ONE]
        )
        assert (
            "commitments.csv (1 row)" in exported[TWO] and "stories.csv (0 rows)" in exported[TWO]
        )
        # Each workspace numbers its own commitments from 1, whatever the other made first.
        numbers = {
            side.name: [
                row["number"]
                for row in csv_rows(
                    one_named(sent_files(looked[side.name]["/convene export"]), "commitments.csv")
                )
            ]
            for side in (one, two)
        }
        assert numbers == {ONE: ["1", "2", "3", "4", "5"], TWO: ["1"]}
        assert "3 · Renew the rota" in lists[ONE, "cagey"]
        assert "5 · Draft a handover template" in lists[ONE, "bashful"]
        assert "1 · Label the drug fridge" in lists[TWO, "cagey"]
        reminded = [t for t in two.shown() if t.startswith("Reminder: *Label the drug fridge*")]
        assert reminded and all("(commitment 1)" in t for t in reminded)
        assert "closed" in looked[ONE]["/convene retro list"][0].text  # T-one closed its own
        assert "open" in looked[TWO]["/convene retro list"][0].text  # and not T-two's


# -- needs, offers and names ---------------------------------------------------------------------

LEARNING = (
    "/convene checkin create Learning #general every Monday 09:00 --template learning "
    f"--closes 17:00 --tz {LONDON}"
)
NOTHING = "-"
ANSWERS = {
    # (what did you learn?, what are you stuck on?) of each member, in each workspace.
    ONE: {
        "ana": (
            NOTHING,
            "Discharge coordination with the community nursing teams keeps slipping, and our "
            "patients wait days for a district nurse visit before they can go home.",
        ),
        "ben": (
            "We fixed discharge coordination with community nursing: a daily huddle with the "
            "district nurse team books the first home visit before the patient leaves.",
            NOTHING,
        ),
        "cat": (NOTHING, "Sepsis screening at emergency department triage misses too many."),
    },
    TWO: {
        "ana": (NOTHING, "Sepsis screening at emergency department triage misses patients."),
        "ben": (
            "Our sepsis screening tool at emergency department triage now flags patients early.",
            NOTHING,
        ),
        "cat": ("Rotas are easier when the ward clerk owns them.", NOTHING),
    },
}
"""T-one's cat is stuck on what T-two's ben learned: were answers read across workspaces,
T-one's conveners would be told cat and ben could meet."""
TEAMS = {"ana": "Radiotherapy", "ben": "Wards", "cat": "Pharmacy"}
LEARNING_OPENS = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LEARNING_CLOSES = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def typed(workspace: str) -> list[str]:
    return [text for pair in ANSWERS[workspace].values() for text in pair if text != NOTHING]


async def learning_workspace(side: Side) -> None:
    for silo in TEAMS.values():
        await side.command("you", f"/convene silo add {silo} --kind team")
    for name, silo in TEAMS.items():
        await side.command("you", f"/convene member add {name} --silo {silo} --tz {LONDON}")
    side.adapter.channel_members["general"] = [ChannelMember(m, m, LONDON) for m in TEAMS]
    created = await side.reply_to("you", LEARNING)
    assert created.startswith("Created the check-in"), created


def private_reply(delivered: Sequence[Delivered], actor: str) -> str:
    (reply,) = [d.text for d in delivered if d.message.visible_to == actor]
    return reply


async def test_answers_names_and_buttons_of_one_workspace_never_reach_the_other(
    database_url: str,
) -> None:
    async with two_workspaces(database_url, datetime(2026, 11, 29, 12, 0, tzinfo=UTC)) as sides:
        one, two = sides
        for side in sides:
            await learning_workspace(side)
        await one.advance(LEARNING_OPENS)
        for side in sides:
            for name, (learned, stuck) in ANSWERS[side.name].items():
                await side.click(name, "Answer")
                await side.answer_form(name, [learned, stuck, NOTHING])
        marks = {side.name: len(side.adapter.delivered) for side in sides}
        await one.advance(LEARNING_CLOSES)
        closed = {side.name: side.adapter.delivered[marks[side.name] :] for side in sides}

        # Each workspace's conveners hear of its own need and offer, and of no other.
        for side in sides:
            (card,) = [d for d in closed[side.name] if d.text.startswith("*A suggestion: ")]
            assert card.text.startswith("*A suggestion: ana and ben could meet*"), card.text
        searches = {
            side.name: [
                private_reply(
                    await side.command("you", "/convene who knows sepsis screening"), "you"
                ),
                private_reply(await side.command("cat", "/pairing find sepsis screening"), "cat"),
                private_reply(
                    await side.command("you", "/convene who knows discharge coordination"), "you"
                ),
            ]
            for side in sides
        }

        # Names are looked up in the workspace they were typed in.
        await one.command("you", "/convene member silo add ana Wards")
        await one.command("you", "/convene convener add cat")
        await one.command("ana", "/commit for @ben Sort the linen cupboard by Friday")
        members_two = private_reply(await two.command("you", "/convene members"), "you")
        refused = private_reply(await two.command("cat", "/convene members"), "cat")

        # Every button T-one was shown, pressed by the member of the same name in T-two.
        tables = (
            "members",
            "member_silos",
            "checkin_prompts",
            "commitments",
            "opportunities",
            "participants",
            "avoidances",
            "checkin_members",
            "retro_items",
            "retro_votes",
        )
        before = await one.snapshot(tables)
        shown_one = len(one.adapter.delivered)
        for message in list(one.adapter.delivered):
            for button in message.message.buttons:
                actor = message.message.visible_to or next(
                    iter(message.message.target.member_ids), "you"
                )
                await two.press(actor, message, button.label)
        pressed = await one.snapshot(tables)

        for side, foreign in ((one, TWO), (two, ONE)):
            seen = [w for text in side.shown() for w in typed(foreign) if w in text]
            assert seen == [], (side.name, seen)
        assert "Sort the linen cupboard" not in "\n".join(two.shown())
        await assert_rows_apart(one)
        # Each workspace finds only what its own members wrote.
        assert searches[ONE][0].startswith('I found nobody who wrote about "sepsis screening"')
        assert searches[ONE][1].startswith("I found nobody outside your silos")
        assert '1. *ben* (Wards): "We fixed discharge coordination' in searches[ONE][2]
        assert '1. *ben* (Wards): "Our sepsis screening tool' in searches[TWO][0]
        assert '1. *ben* (Wards): "Our sepsis screening tool' in searches[TWO][1]
        assert searches[TWO][2].startswith('I found nobody who wrote about "discharge')
        # T-one's ana joined Wards and cat became a convener there; T-two's did not.
        assert "ana   Radiotherapy  Europe/London  member" in members_two
        assert "cat   Pharmacy      Europe/London  member" in members_two
        assert refused.startswith("Only conveners can use /convene members.")
        assert any("Sort the linen cupboard" in d.text for d in one.dms("ben"))
        assert len(one.adapter.delivered) == shown_one
        assert pressed == before
