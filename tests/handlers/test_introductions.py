"""Introductions across silos, as conveners and members live them (memory adapter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import DISCORD_LIKE, SLACK_LIKE, Delivered
from bot.adapter import Capabilities
from bot.events import ButtonClicked
from storage.repositories import pairings as pairings_repo
from tests.support.harness import Harness, running
from tests.support.times import THURSDAY_NOON

FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 10:00 London

LANDSCAPE = [
    "/convene silo add Radiotherapy --kind team",
    '/convene silo add "Public Health" --kind organisation',
    "/convene silo add Radiography --kind profession",
    "/convene silo add Wards --kind team",
    "/convene member add alice --silo Radiotherapy --tz Europe/London",
    '/convene member add bob --silo "Public Health" --tz America/New_York',
    "/convene member add carol --silo Radiography --tz Europe/London",
    "/convene member add dan --silo Wards --tz Europe/Berlin",
]


async def set_up(convene: Harness, *, every: str = "every 2 weeks on Monday 10:00") -> None:
    for line in LANDSCAPE:
        await convene.command("you", line)
    started = await convene.command(
        "you", f"/convene pairing start #general {every} --tz Europe/London"
    )
    assert "Introductions are starting in #general" in started[0].text


async def join(convene: Harness, *names: str) -> None:
    for name in names:
        reply = await convene.reply_to(name, "/pairing join")
        assert "You're in the introductions in #general" in reply


def intros(delivered: list[Delivered]) -> list[Delivered]:
    return [d for d in delivered if d.text.startswith("*Introductions, round")]


@pytest.mark.parametrize("capabilities", [SLACK_LIKE], ids=["slack-like"])
async def test_members_who_joined_are_introduced_across_silos_at_the_round(
    sqlite_url: str, capabilities: Capabilities
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON, capabilities=capabilities) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob", "carol", "dan")
        await convene.command("alice", "/pairing about I work on discharge planning")

        assert intros(await convene.advance(FIRST_ROUND - timedelta(minutes=1))) == []
        delivered = await convene.advance(FIRST_ROUND + timedelta(minutes=1))

        groups = intros(delivered)
        assert len(groups) == 2
        everyone = sorted(m for g in groups for m in g.message.target.member_ids)
        assert everyone == ["alice", "bob", "carol", "dan"]
        for group in groups:
            assert group.message.target.kind == "group"
            assert "To start: " in group.text
        # Two teams make a bridge; an organisation and a profession do not.
        by_members = {g.message.target.member_ids: g.text for g in groups}
        assert (
            "Why you: Radiotherapy and Wards have not met through Convene before."
            in (by_members[("alice", "dan")])
        )
        assert "Why you: You have not met through Convene yet" in by_members[("bob", "carol")]
        alice_intro = next(g for g in groups if "alice" in g.message.target.member_ids)
        assert '"I work on discharge planning"' in alice_intro.text
        summary = [d for d in delivered if d.message.target.kind == "channel"]
        assert summary[-1].text.startswith("Round 1 of introductions in #general: 4 people in 2")


async def test_without_group_dms_the_group_meets_in_a_private_thread_of_the_programme_channel(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON, capabilities=DISCORD_LIKE) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob")
        groups = intros(await convene.advance(FIRST_ROUND))
    [group] = groups
    assert group.message.target.kind == "group"
    assert group.message.target.channel_id == "general"
    assert group.message.target.member_ids == ("alice", "bob")


async def test_without_group_dms_or_private_threads_each_member_gets_the_introduction_in_a_dm(
    sqlite_url: str,
) -> None:
    neither = Capabilities(group_dm=False, private_threads=False)
    async with running(sqlite_url, start=THURSDAY_NOON, capabilities=neither) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob")
        groups = intros(await convene.advance(FIRST_ROUND))
    assert sorted(g.message.target.kind for g in groups) == ["dm", "dm"]
    assert sorted(g.message.target.member_ids[0] for g in groups) == ["alice", "bob"]
    assert groups[0].text == groups[1].text


async def test_an_odd_count_makes_one_trio_and_nobody_is_left_out(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob", "carol")
        groups = intros(await convene.advance(FIRST_ROUND))
    assert [len(g.message.target.member_ids) for g in groups] == [3]


async def test_rounds_every_two_weeks_skip_the_week_between(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob")
        first = intros(await convene.advance(FIRST_ROUND))
        between = intros(await convene.advance(FIRST_ROUND + timedelta(weeks=1)))
        second = intros(await convene.advance(FIRST_ROUND + timedelta(weeks=2)))
    assert (len(first), len(between), len(second)) == (1, 0, 1)
    assert "round 2 of #general" in second[0].text


async def test_paused_left_and_avoided_members_are_not_grouped(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene, every="every Monday 10:00")
        await join(convene, "alice", "bob", "carol", "dan")
        assert "Paused until" in await convene.reply_to("dan", "/pairing pause 10d")
        assert "You have left" in await convene.reply_to("carol", "/pairing leave")
        assert "never be grouped with bob" in await convene.reply_to("alice", "/pairing avoid @bob")

        groups = intros(await convene.advance(FIRST_ROUND))
        assert groups == []  # alice and bob may not meet, dan rests, carol left

        delivered = await convene.advance(FIRST_ROUND + timedelta(weeks=1))
        welcome = [d for d in delivered if d.text.startswith("Welcome back")]
        assert [d.message.target.member_ids for d in welcome] == [("dan",)]
        (group,) = intros(delivered)
        members = set(group.message.target.member_ids)
        assert "dan" in members and "carol" not in members
        assert not {"alice", "bob"} <= members
        (left_out,) = {"alice", "bob"} - members
        sorry = [d for d in delivered if d.text.startswith("No introduction for you")]
        assert [d.message.target.member_ids for d in sorry] == [(left_out,)]


async def test_follow_ups_record_who_met_what_they_learned_and_feed_the_stats(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob", "carol", "dan")
        await convene.advance(FIRST_ROUND)

        delivered = await convene.advance(FIRST_ROUND + timedelta(days=3))
        followups = [d for d in delivered if d.text.startswith("How did your introduction")]
        assert sorted(d.message.target.member_ids[0] for d in followups) == [
            "alice",
            "bob",
            "carol",
            "dan",
        ]
        assert [b.label for b in followups[0].message.buttons] == ["We met", "Not yet", "We won't"]

        await convene.click("alice", "We met")
        _event, form = convene.adapter.forms_opened[-1]
        assert form.form_id == "pairing.learning"
        await convene.adapter.submit(
            "alice",
            form,
            {"learning": "They plan in years, we plan in weeks.", "consent": "Shared with my name"},
        )
        await convene.app.settle()
        assert convene.last_text().startswith(
            "Thank you, saved. You chose Shared with my name: it may be shared in reports, "
        )
        await convene.click("bob", "Not yet")
        await convene.click("carol", "We won't")

        stats = await convene.reply_to("you", "/convene pairing stats")
        # One group met (alice's, across the one bridge: two teams); three of four answered.
        assert stats.startswith("Silo pairs met: 1 of 1 (100%); introduced: 1 of 1 (100%).")
        assert "1      2026-11-30  4       2       1    75%       1          1" in stats
        stories = await convene.reply_to("you", "/convene pairing stories")
        assert 'alice, round 1 in #general (may be shared with their name): "They plan' in stories

        # Someone outside the group cannot answer its follow-up.
        theirs = next(
            d for d in followups if d.message.target.member_ids != ("dan",) and "dan" not in d.text
        )
        await convene.adapter.push(
            ButtonClicked(
                platform="memory",
                workspace_id=convene.adapter.workspace_id,
                actor_id="dan",
                actor_name="dan",
                place=convene.adapter.dm("dan"),
                event_id="not-your-button",
                action_id="pairing.met",
                value=theirs.message.buttons[0].value,
            )
        )
        await convene.app.settle()
        assert convene.last_text() == "That follow-up belongs to someone else's introduction."


async def test_three_ignored_follow_ups_pause_a_member_kindly(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene, every="every Monday 10:00")
        await join(convene, "alice", "bob", "carol", "dan")
        answered = {"alice", "bob", "carol"}
        for week in range(3):
            await convene.advance(FIRST_ROUND + timedelta(weeks=week, days=3))
            for name in answered:
                await convene.click(name, "We won't")
        delivered = await convene.advance(FIRST_ROUND + timedelta(weeks=3))
        paused = [d for d in delivered if "paused your introductions" in d.text]
        assert [d.message.target.member_ids for d in paused] == [("dan",)]
        assert "/pairing join" in paused[0].text
        members = {m for g in intros(delivered) for m in g.message.target.member_ids}
        assert members == answered
        assert "You're in" in await convene.reply_to("dan", "/pairing join")


async def test_a_replayed_round_sends_nothing_twice(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob")
        await convene.advance(FIRST_ROUND)
        sent = len(convene.adapter.delivered)
        await convene.app.scheduler.run_due()
        await convene.app.settle()
        assert len(convene.adapter.delivered) == sent
        async with convene.app.sessions() as session:
            programme = (await pairings_repo.programmes(session, 1))[0]
            assert programme.id is not None
            assert await pairings_repo.round_count(session, programme.id) == 1


async def test_a_convener_can_run_a_round_now_and_see_the_status(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice", "bob", "carol")
        status = await convene.reply_to("you", "/convene pairing status")
        assert "#general: running, 0 rounds so far; 3 taking part, 0 paused" in status
        delivered = await convene.command("you", "/convene pairing round now")
        assert len(intros(delivered)) == 1
        assert "Round 1 is out: 3 taking part, 1 group, " in delivered[-1].text
        settings = await convene.reply_to("you", "/convene pairing settings --size 3 --mix team")
        assert "Updated. #general: every 2 weeks on Monday at 10:00 (Europe/London)" in settings
        assert "in groups of 3; mixing team" in settings
        assert settings.endswith("at least 5 days between a member's introductions.")


BAD = [
    (
        "you",
        "/convene pairing start #nowhere every Monday 10:00",
        "I can't find the channel #nowhere",
    ),
    ("you", "/convene pairing start #general every blue moon", "I could not read the schedule"),
    (
        "you",
        "/convene pairing start #general every Monday 10:00 --size 1",
        "--size 1: groups are 2, 3 or 4",
    ),
    (
        "you",
        "/convene pairing start #general every Monday 10:00 --mix planets",
        "'planets' is not a kind of silo here",
    ),
    (
        "you",
        "/convene pairing start #general every Monday 10:00 --mix team,sites",
        "No silo is of kind site yet",
    ),
    ("you", "/convene pairing start #general every Monday 10:00 --tz Mars/Base", "not a time zone"),
    (
        "you",
        "/convene pairing start general every Monday 10:00",
        'I could not use "general" as the channel: a channel is named with a #, like #general. '
        "Type: /convene pairing start #general every Monday 10:00",
    ),
    ("alice", "/convene pairing start #general every Monday 10:00", "Only conveners"),
    ("alice", "/pairing pause forever", "For how long?"),
    ("alice", "/pairing avoid @alice", "You cannot avoid yourself"),
    ("alice", "/pairing avoid @nobody", "I don't know a member called '@nobody'"),
    ("alice", "/pairing join", "There are no introductions here yet"),
    ("alice", "/pairing about " + "x" * 300, "keep your line to 280"),
]


@pytest.mark.parametrize(("actor", "line", "message"), BAD)
async def test_bad_pairing_commands_get_one_clear_line(
    sqlite_url: str, actor: str, line: str, message: str
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        for setup in LANDSCAPE:
            await convene.command("you", setup)
        await convene.command("alice", "/convene me")
        delivered = await convene.command(actor, line)
        assert len(delivered) == 1
        assert message in delivered[0].text
        assert "\n" not in delivered[0].text
        async with convene.app.sessions() as session:
            assert await pairings_repo.programmes(session, 1) == []


async def test_several_programmes_run_side_by_side_and_members_pick_theirs(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await convene.command(
            "you", "/convene pairing start #random every Tuesday 09:00 --size 3 --tz UTC"
        )
        ambiguous = await convene.reply_to("alice", "/pairing join")  # typed in #general
        assert "You're in the introductions in #general" in ambiguous
        in_random = await convene.command(
            "bob", "/pairing join", place=convene.adapter.channel("random")
        )
        assert "You're in the introductions in #random" in in_random[0].text
        named = await convene.reply_to("carol", "/pairing join #random")
        assert "You're in the introductions in #random" in named
        assert "You are not in the introductions in #random" in await convene.reply_to(
            "dan", "/pairing leave #random"
        )
        status = await convene.reply_to("you", "/convene pairing status")
        assert "#general: running, 0 rounds so far; 1 taking part" in status
        assert "#random: running, 0 rounds so far; 2 taking part" in status


async def test_conveners_edit_the_rotating_conversation_starters(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        listed = await convene.reply_to("you", "/convene pairing starters")
        assert listed.startswith("Conversation starters for #general, used in turn:")
        added = await convene.reply_to(
            "you", '/convene pairing starters add "What surprised you this month?"'
        )
        assert added == "Added starter 6: What surprised you this month?"
        assert "Removed starter 1:" in await convene.reply_to(
            "you", "/convene pairing starters remove 1"
        )
        assert "1 to 5" in await convene.reply_to("you", "/convene pairing starters remove 9")
        await join(convene, "alice", "bob", "carol", "dan")
        groups = intros(await convene.advance(FIRST_ROUND))
        starters = sorted(g.text.split("To start: ")[1].split("\n")[0] for g in groups)
        assert len(set(starters)) == 2  # each group of the round gets the next starter


async def test_a_lone_member_is_told_why_there_is_no_introduction(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await join(convene, "alice")
        delivered = await convene.advance(FIRST_ROUND)
    texts = [d.text for d in delivered]
    assert intros(delivered) == []
    assert (
        "No introduction for you this round in #general: you were the only one taking part, "
        "so there was nobody to meet. You will be in the next one." in texts
    )
    assert any("1 taking part, not enough for a group" in text for text in texts)
