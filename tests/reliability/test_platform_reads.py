"""Nothing asks the platform while a transaction is open: reads come first, a few at a time.

A check-in's opening once read each of its members from Slack (``users.info``)
inside the slot's transaction, one after another: 1,500 members held the
slot's claim open for most of a minute, and a crash in that window started
the slot over. Now every platform read a handler or job asks for is made with
no transaction open (``bot.platform_reads``), and the Slack adapter reads the
members it has not met yet at most ``MEMBER_READS_AT_ONCE`` at a time.

The watch is on the database engine: each connection's BEGIN and its COMMIT
or ROLLBACK, so "a transaction is open" is what the database saw, whichever
code opened it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from adapters.memory import SLACK_LIKE, Delivered, MemoryAdapter
from adapters.slack.adapter import MEMBER_READS_AT_ONCE, SlackAdapter
from bot.adapter import ChannelMember
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, Secret, Settings, SlackSection
from bot.events import Event
from bot.messages import Form
from bot.platform_reads import acted, before_transaction, read_first
from bot.wiring import build_registry
from storage.models import CheckinPrompt, CheckinRun, Member
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Harness
from tests.support.slack_rig import SIGNING_SECRET, SlackRig
from tests.support.times import SATURDAY_NOON

MEMBERS = 200
OPENS = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
"""Monday's 09:00 first arrives in Kiritimati (UTC+14): Sunday 19:00 UTC."""
CREATE = 'checkin create "Standup" #general every weekday 09:00'


class TransactionWatch:
    """Which of an engine's connections have a transaction open, as the database sees it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._open: set[int] = set()
        self.began = 0
        sync = engine.sync_engine
        sa_event.listen(sync, "begin", self._begin)
        sa_event.listen(sync, "commit", self._end)
        sa_event.listen(sync, "rollback", self._end)

    def _begin(self, connection: Any) -> None:
        self.began += 1
        self._open.add(id(connection))

    def _end(self, connection: Any) -> None:
        self._open.discard(id(connection))

    @property
    def open(self) -> int:
        return len(self._open)


@dataclass
class PlatformWatch:
    """Slack Web API reads, each noted with the transactions open when it was made."""

    transactions: TransactionWatch
    calls: list[tuple[str, int]] = field(default_factory=list)
    peak: Counter[str] = field(default_factory=Counter)
    _in_flight: Counter[str] = field(default_factory=Counter)

    def watch(self, client: Any, *methods: str) -> None:
        for name in methods:
            setattr(client, name, self._watched(name, getattr(client, name)))

    def _watched(
        self, name: str, real: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(real)
        async def watched(**kwargs: Any) -> Any:
            self.calls.append((name, self.transactions.open))
            self._in_flight[name] += 1
            self.peak[name] = max(self.peak[name], self._in_flight[name])
            try:
                await asyncio.sleep(0.001)  # Slack takes a moment to answer: reads overlap
                return await real(**kwargs)
            finally:
                self._in_flight[name] -= 1

        return watched

    def made(self, name: str) -> int:
        return sum(1 for method, _ in self.calls if method == name)

    def inside_a_transaction(self) -> list[str]:
        return [method for method, open_ in self.calls if open_]


@asynccontextmanager
async def slack_with_a_big_channel(
    database_url: str,
) -> AsyncIterator[tuple[SlackRig, PlatformWatch]]:
    """Convene on the fake Slack, alice (U1, a convener) and 200 more in #general (C1)."""

    async with FakeSlack() as fake, aiohttp.ClientSession() as http:
        fake.add_user("U1", "alice", tz="Europe/London")
        people = [f"U{1000 + n}" for n in range(MEMBERS)]
        for n, user in enumerate(people):
            fake.add_user(user, f"member{n}", tz=("Europe/London", "Asia/Tokyo")[n % 2])
        fake.add_channel("C1", "general", ["U1", *people])
        settings = Settings(
            convene=ConveneSection(
                database_url=database_url, conveners=["U1"], instance_id="test", adapters=["slack"]
            ),
            slack=SlackSection(
                bot_token=Secret(fake.bot_token),
                signing_secret=Secret(SIGNING_SECRET),
                mode="http",
                api_base_url=fake.base_url,
                http_host="127.0.0.1",
            ),
        )
        clock = ManualClock(SATURDAY_NOON)
        adapter = SlackAdapter(settings.slack, http_port=0, clock=clock)
        app = ConveneApp(settings, [adapter], build_registry(), clock)
        watch = PlatformWatch(TransactionWatch(app.engine))
        watch.watch(adapter.client, "users_info", "conversations_members", "conversations_list")
        await app.start(background=False)
        try:
            yield SlackRig(app, adapter, fake, clock, http), watch
        finally:
            await app.stop()


async def prompts(app: ConveneApp) -> int:
    async with app.sessions() as session:
        runs = (await session.exec(select(CheckinRun))).all()
        asked = (await session.exec(select(CheckinPrompt))).all()
    assert len(runs) == 1
    return len(asked)


async def test_a_200_member_check_in_opens_with_its_slack_reads_made_before_the_slots_transaction(
    database_url: str,
) -> None:
    async with slack_with_a_big_channel(database_url) as (rig, watch):
        answer = await rig.command("U1", "/convene", CREATE)
        assert answer.status == 200
        assert watch.made("users_info") == 1, "on Saturday only alice, who typed the command"

        await rig.advance_to(OPENS)

        assert await prompts(rig.app) == MEMBERS + 1
        assert watch.made("users_info") >= MEMBERS + 1, "each member read once, on first sight"
        assert watch.inside_a_transaction() == [], "no platform read with a transaction open"
        assert 1 < watch.peak["users_info"] <= MEMBER_READS_AT_ONCE


async def test_reads_slack_answers_429_wait_as_asked_and_still_read_every_member(
    database_url: str,
) -> None:
    async with slack_with_a_big_channel(database_url) as (rig, watch):
        await rig.command("U1", "/convene", CREATE)
        rig.fake.rate_limit_next("users.info", retry_after=2, times=5)

        await rig.advance_to(OPENS)

        assert rig.fake.refused("users.info") == 5
        assert await prompts(rig.app) == MEMBERS + 1
        async with rig.app.sessions() as session:
            named_by_id = (
                await session.exec(
                    select(Member).where(col(Member.display_name) == col(Member.platform_user_id))
                )
            ).all()
        assert named_by_id == [], "every member's name was read, after waiting"
        assert watch.inside_a_transaction() == []
        assert watch.peak["users_info"] <= MEMBER_READS_AT_ONCE


async def test_a_run_opened_by_a_command_reads_the_channel_before_the_commands_transaction(
    database_url: str,
) -> None:
    async with slack_with_a_big_channel(database_url) as (rig, watch):
        await rig.command("U1", "/convene", CREATE)
        answer = await rig.command("U1", "/convene", 'checkin run now "Standup"')
        assert answer.status == 200
        assert any(f"Asked {MEMBERS + 1} members" in said for said in rig.told("U1"))

        assert watch.made("conversations_list") >= 1, "#general was looked up"
        assert watch.made("users_info") >= MEMBERS + 1
        assert watch.inside_a_transaction() == []
        assert 1 < watch.peak["users_info"] <= MEMBER_READS_AT_ONCE


# -- every read a handler or job makes, on the memory adapter ------------------------------------


@dataclass
class WatchedAdapter(MemoryAdapter):
    """The memory adapter, noting for each platform call how many transactions were open."""

    transactions: TransactionWatch | None = None
    calls: list[tuple[str, int]] = field(default_factory=list)

    def _note(self, what: str) -> None:
        assert self.transactions is not None
        self.calls.append((what, self.transactions.open))

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        self._note("list_channel_members")
        return await super().list_channel_members(workspace_id, channel_id)

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        self._note("find_channel")
        return await super().find_channel(workspace_id, reference)

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        self._note("silo_groups")
        return await super().silo_groups(workspace_id, source, detail)

    async def open_form(self, event: Event, form: Form) -> None:
        self._note("open_form")
        await super().open_form(event, form)


@asynccontextmanager
async def watched_convene(database_url: str) -> AsyncIterator[tuple[Harness, WatchedAdapter]]:
    people = [ChannelMember("you", "You", "Europe/London")] + [
        ChannelMember(f"m{n}", f"Member {n}", "Asia/Tokyo") for n in range(20)
    ]
    adapter = WatchedAdapter(
        capabilities=dataclasses.replace(SLACK_LIKE, silo_sources=frozenset({"usergroups"})),
        channel_members={"general": people},
        groups={"usergroups": {"Radiology": people[1:8], "Pharmacy": people[8:14]}},
    )
    settings = Settings(
        convene=ConveneSection(database_url=database_url, conveners=["you"], instance_id="test")
    )
    clock = ManualClock(SATURDAY_NOON)
    app = ConveneApp(settings, [adapter], build_registry(), clock)
    adapter.transactions = TransactionWatch(app.engine)
    await app.start(background=False)
    try:
        yield Harness(app, adapter, clock), adapter
    finally:
        await app.stop()


async def test_no_handler_or_job_asks_the_platform_with_a_transaction_open(
    database_url: str,
) -> None:
    async with watched_convene(database_url) as (convene, adapter):
        await convene.command("you", f"/convene {CREATE}")
        asked: list[Delivered] = await convene.command("you", '/convene checkin run now "Standup"')
        assert any("Asked 21 members" in d.text for d in asked)
        imported = await convene.command("you", "/convene silo import usergroups")
        assert any("Imported 2 silos" in d.text for d in imported)
        await convene.advance(OPENS)
        async with convene.app.sessions() as session:
            runs = (await session.exec(select(CheckinRun))).all()
        assert len(runs) == 2, "today's run by hand and Monday's from the schedule"

        made = Counter(what for what, _ in adapter.calls)
        assert made["find_channel"] >= 1
        assert made["list_channel_members"] >= 2
        assert made["silo_groups"] >= 1
        assert [what for what, open_ in adapter.calls if open_] == []


# -- how a read is made before the transaction ---------------------------------------------------


@dataclass
class CountingPlatform:
    asked: Counter[str] = field(default_factory=Counter)
    failing: bool = False

    async def members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        self.asked[channel_id] += 1
        if self.failing:
            raise ConnectionError(f"the platform is down ({channel_id})")
        return [ChannelMember(f"{channel_id}-1", "One")]


async def test_work_is_rerun_after_each_read_and_each_read_is_made_once() -> None:
    platform = CountingPlatform()
    listed = before_transaction("members", platform.members)
    runs: list[int] = []

    async def work() -> list[str]:
        runs.append(len(runs))
        first = await listed("T1", "general")
        again = await listed("T1", "general")
        other = await listed("T1", "random")
        return [m.platform_user_id for m in first + again + other]

    assert await read_first(work) == ["general-1", "general-1", "random-1"]
    assert platform.asked == Counter({"general": 1, "random": 1})
    assert len(runs) == 3, "a run for each read not made yet, then the one that finishes"


async def test_a_failed_read_is_raised_where_the_work_asked_for_it() -> None:
    platform = CountingPlatform(failing=True)
    listed = before_transaction("members", platform.members)

    async def work() -> str:
        try:
            await listed("T1", "general")
        except ConnectionError as failed:
            return f"handled: {failed}"
        return "not raised"

    assert await read_first(work) == "handled: the platform is down (general)"
    assert platform.asked == Counter({"general": 1})


async def test_after_an_act_that_cannot_be_undone_reads_are_made_in_place() -> None:
    platform = CountingPlatform()
    listed = before_transaction("members", platform.members)
    runs: list[int] = []

    async def work() -> int:
        runs.append(len(runs))
        acted()  # a form was opened: running again would open it twice
        return len(await listed("T1", "general"))

    assert await read_first(work) == 1
    assert runs == [0]


async def test_outside_read_first_a_read_goes_straight_to_the_platform() -> None:
    platform = CountingPlatform()
    listed = before_transaction("members", platform.members)
    assert len(await listed("T1", "general")) == 1
    assert platform.asked == Counter({"general": 1})
