"""Introductions made outside the regular rounds: a convener's accepted suggestion, a
member's ask (memory adapter).

The opportunities job announces ``INTRODUCTION_ASKED`` when a convener presses
``[Introduce them]`` or a member ``[Introduce us]``; here a test command stands
in for those presses and announces it from an event's context, as they do.
The scenario: ana (Radiotherapy), bea (Public Health), cat (Wards) and dan
(Pharmacy) take part in the Monday introductions in #general; on the Thursday
before, a convener introduces ana to bea because bea solved what ana is stuck on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from adapters.memory import DISCORD_LIKE, Delivered
from bot.commands import Args, CommandSpec, Flag, Option, Positional
from bot.context import Context
from handlers.shared.introduction_hooks import (
    ASKED,
    INTRODUCTION_ASKED,
    SUGGESTION,
    IntroductionAsked,
)
from handlers.shared.landscape import INTRODUCED, MET, NEVER, load_landscape
from handlers.shared.members import find_member
from storage.models import Member, PairingGroup, PairingRound, Timer
from tests.support.harness import Harness, running
from tests.support.times import THURSDAY_NOON

FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 10:00 London
FOLLOW_UP = THURSDAY_NOON + timedelta(days=3)
REASON = (
    'ana wrote "stuck on discharge coordination"; bea wrote "we solved discharge '
    'coordination with a shared ward list".'
)
INTRODUCE = "/convene introduce-for-test NAME NAME [--key KEY] [--asked]"

SET_UP = [
    "/convene silo add Radiotherapy --kind team",
    '/convene silo add "Public Health" --kind team',
    "/convene silo add Wards --kind team",
    "/convene silo add Pharmacy --kind team",
    "/convene member add ana --silo Radiotherapy --tz Europe/London",
    '/convene member add bea --silo "Public Health" --tz Europe/London',
    "/convene member add cat --silo Wards --tz Europe/London",
    "/convene member add dan --silo Pharmacy --tz Europe/London",
    "/convene pairing start #general every Monday 10:00 --tz Europe/London",
]


async def introduce_for_test(context: Context, args: Args) -> None:
    """What ``[Introduce them]`` (or, with ``--asked``, ``[Introduce us]``) announces."""

    first = await find_member(context, args["first"], INTRODUCE)
    second = await find_member(context, args["second"], INTRODUCE)
    asked = args.flag("asked")
    payload = IntroductionAsked(
        workspace=context.workspace,
        members=(first, second),
        origin=ASKED if asked else SUGGESTION,
        reason=REASON,
        key=args.get("key") or "test-opportunity:1",
        asked_by=first if asked else context.actor,
    )
    await context.announce(INTRODUCTION_ASKED, payload)
    await context.reply(f"Introduced (round {payload.round_id}).")


def with_the_press(convene: Harness) -> None:
    convene.app.registry.command(
        CommandSpec(
            ("convene", "introduce-for-test"),
            introduce_for_test,
            "Stand in for [Introduce them].",
            INTRODUCE,
            "/convene introduce-for-test ana bea",
            params=(
                Positional("first"),
                Positional("second"),
                Option("key", "KEY"),
                Flag("asked"),
            ),
        )
    )


async def set_up(convene: Harness, *, join: Sequence[str] = ("ana", "bea", "cat", "dan")) -> None:
    with_the_press(convene)
    for line in SET_UP:
        await convene.command("you", line)
    for name in join:
        assert "You're in" in await convene.reply_to(name, "/pairing join")


def introductions(delivered: Sequence[Delivered]) -> list[Delivered]:
    return [d for d in delivered if "Why you:" in d.text]


async def bridge_state(convene: Harness, one: str, other: str) -> str:
    """What the landscape every map and report reads says of two silos."""

    async with convene.app.sessions() as session:
        landscape = await load_landscape(session, 1)
    ids = {s.name: s.id for s in landscape.silos}
    a, b = sorted((ids[one], ids[other]))
    return landscape.state((a, b))


async def test_an_accepted_suggestion_introduces_both_follows_up_and_builds_the_bridge(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)

        delivered = await convene.command("you", "/convene introduce-for-test ana bea")

        (introduction,) = introductions(delivered)
        assert introduction.message.target.kind == "group"
        assert introduction.message.target.member_ids == ("ana", "bea")
        lines = introduction.text.split("\n")
        assert lines[0] == "*An introduction from you*"
        assert lines[1] == "Meet each other:"
        assert lines[2].endswith(": Radiotherapy (team); Europe/London.")
        assert lines[3].endswith(": Public Health (team); Europe/London.")
        assert lines[4] == "Why you: " + REASON
        assert lines[5].startswith("To start: ")
        assert lines[6] == "Times inside everyone's working hours:"
        assert await bridge_state(convene, "Radiotherapy", "Public Health") == INTRODUCED

        # Nothing more until the third day; then each is asked, as after a round.
        assert not await convene.advance(FOLLOW_UP - timedelta(minutes=1))
        asked = await convene.advance(FOLLOW_UP)
        assert sorted(d.message.target.member_ids for d in asked) == [("ana",), ("bea",)]
        (to_ana,) = [d for d in asked if d.message.target.member_ids == ("ana",)]
        assert to_ana.text == (
            "How did your introduction to bea go "
            "(the introduction suggested by a convener on 26 Nov 2026)?"
        )
        assert [b.label for b in to_ana.message.buttons] == ["We met", "Not yet", "We won't"]

        await convene.click("ana", "We met")

        assert await bridge_state(convene, "Radiotherapy", "Public Health") == MET
        assert await bridge_state(convene, "Wards", "Pharmacy") == NEVER
        (sent,) = [d for d in await convene.command("you", "/convene map") if d.message.files]
        assert "1 of 6 silo pairs met (17%), 1 introduced (17%)." in sent.text

        stats = await convene.reply_to("you", "/convene pairing stats")
        assert stats.splitlines()[0] == "Silo pairs met: 1 of 6 (17%); introduced: 1 of 6 (17%)."
        assert "#general: 0 rounds, none run yet." in stats
        assert "Introductions outside the rounds: 1" in stats
        assert "2026-11-26  suggested by a convener  2       yes  50%" in stats


async def test_the_programmes_rounds_are_still_numbered_from_one_and_take_the_introduced(
    sqlite_url: str,
) -> None:
    """An introduction outside the rounds is no round of #general, and does not count for
    its minimum gap (5 days): ana and bea, introduced on Thursday, are in Monday's round."""

    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await convene.command("you", "/convene introduce-for-test ana bea")

        first = await convene.advance(FIRST_ROUND)
        second = await convene.advance(FIRST_ROUND + timedelta(weeks=1))

        summaries = [d.text for d in (*first, *second) if d.message.target.kind == "channel"]
        assert summaries[0].startswith("Round 1 of introductions in #general: 4 people in 2 groups")
        assert summaries[1].startswith("Round 2 of introductions in #general: ")
        made = await convene.rows(PairingRound, order_by=PairingRound.id)
        assert [(r.programme_id, r.origin, r.number) for r in made] == [
            (None, "suggestion", 0),
            (1, "round", 1),
            (1, "round", 2),
        ]
        stats = await convene.reply_to("you", "/convene pairing stats #general")
        assert "#general: 2 rounds" in stats
        assert "outside the rounds" not in stats


async def test_two_people_a_convener_just_introduced_are_not_grouped_again_by_the_next_round(
    sqlite_url: str,
) -> None:
    """Ana and bea were introduced on Thursday; Monday's round, which has cat and dan to
    offer them, puts each with someone new (the introduction is read as its latest round)."""

    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        with_the_press(convene)
        for line in (
            *SET_UP[:2],
            "/convene member add ana --silo Radiotherapy --tz Europe/London",
            '/convene member add bea --silo "Public Health" --tz Europe/London',
            # Every way of pairing the four crosses the same bridge, so only the
            # introduction on Thursday tells the round apart.
            "/convene member add cat --silo Radiotherapy --tz Europe/London",
            '/convene member add dan --silo "Public Health" --tz Europe/London',
            SET_UP[-1],
        ):
            await convene.command("you", line)
        for name in ("ana", "bea", "cat", "dan"):
            await convene.command(name, "/pairing join")
        await convene.command("you", "/convene introduce-for-test ana bea")

        first = await convene.advance(FIRST_ROUND)

        groups = {d.message.target.member_ids for d in introductions(first)}
        assert len(groups) == 2
        assert ("ana", "bea") not in groups


async def test_a_replayed_introduction_sends_nothing_twice(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        first = await convene.command("you", "/convene introduce-for-test ana bea --key opp:7")

        again = await convene.command("you", "/convene introduce-for-test ana bea --key opp:7")

        assert len(introductions(first)) == 1
        assert introductions(again) == []
        assert [d.text for d in again] == [first[-1].text]  # the same round, found again
        assert len(await convene.rows(PairingRound)) == 1
        assert len(await convene.rows(PairingGroup)) == 1
        assert len(await convene.rows(Timer)) == 1
        asked = await convene.advance(FOLLOW_UP)
        assert len(asked) == 2  # one follow-up each, once

        another = await convene.command("you", "/convene introduce-for-test ana bea --key opp:8")
        assert len(introductions(another)) == 1  # a new key is a new introduction


async def test_where_there_is_no_group_dm_each_member_gets_the_introduction_in_a_dm(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON, capabilities=DISCORD_LIKE) as convene:
        await set_up(convene, join=())

        delivered = await convene.command("you", "/convene introduce-for-test ana bea --asked")

        sent = introductions(delivered)
        assert [d.message.target.kind for d in sent] == ["dm", "dm"]
        assert sorted(d.message.target.member_ids for d in sent) == [("ana",), ("bea",)]
        by_reader = {d.message.target.member_ids: d.text for d in sent}
        assert by_reader[("bea",)].startswith("*ana asked to meet you*\n")
        assert by_reader[("ana",)].startswith("*You asked to meet bea*\n")
        asked = await convene.advance(FOLLOW_UP)
        assert all(
            "(the introduction asked for by a member on 26 Nov 2026)" in d.text for d in asked
        )


async def test_a_convener_marks_an_introduction_outside_the_rounds_met(sqlite_url: str) -> None:
    """``/convene pairing met`` without #channel or --round marks the latest introduction
    of the members named; when that was made outside the rounds, it is that one."""

    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene)
        await convene.advance(FIRST_ROUND)  # round 1 of #general
        await convene.command("you", "/convene introduce-for-test ana bea")
        await convene.advance(FIRST_ROUND + timedelta(days=3))
        (thanks,) = await convene.click("bea", "We won't", on="suggested by a convener")
        assert thanks.text == "Thanks for letting me know."  # no "next round" promised

        refused = await convene.reply_to("you", "/convene pairing met ana bea")

        assert refused == (
            "bea answered We won't (the introduction suggested by a convener on 30 Nov 2026), "
            "so I marked nothing. If they met after all: [Mark met anyway], or "
            "/convene pairing met ana bea --anyway"
        )
        (marked,) = await convene.click("you", "Mark met anyway")
        assert marked.text == (
            "Marked as met: ana and bea, the introduction suggested by a convener on "
            "30 Nov 2026. It counts as met in /convene pairing stats from now on. "
            "bea had answered We won't."
        )
        assert await bridge_state(convene, "Radiotherapy", "Public Health") == MET
        # Naming the channel still means its rounds.
        in_round = await convene.reply_to("you", "/convene pairing met cat #general")
        assert "round 1 of #general" in in_round


async def test_no_introduction_for_one_person_or_a_member_who_has_left(sqlite_url: str) -> None:
    async with running(sqlite_url, start=THURSDAY_NOON) as convene:
        await set_up(convene, join=())
        (ana,) = [m for m in await convene.rows(Member) if m.display_name == "ana"]
        (bea,) = [m for m in await convene.rows(Member) if m.display_name == "bea"]

        alone = await convene.reply_to("you", "/convene introduce-for-test ana ana")

        assert alone == (
            "An introduction needs two different people, and only ana was named, "
            "so I introduced nobody."
        )
        asked = await convene.command("you", "/convene member remove bea")
        await convene.press("you", asked[0], "Remove, keep their contributions")

        async def stale_press(context: Context, args: Args) -> None:
            await context.announce(
                INTRODUCTION_ASKED,
                IntroductionAsked(context.workspace, (ana, bea), SUGGESTION, REASON, "opp:9"),
            )

        convene.app.registry.command(
            CommandSpec(("convene", "stale-press"), stale_press, "x", "/convene stale-press", "x")
        )
        gone = await convene.reply_to("you", "/convene stale-press")

        assert gone == "bea is no longer a member here, so I introduced nobody."
        assert await convene.rows(PairingRound) == []
        assert await convene.rows(Timer) == []
        assert not [d for d in convene.adapter.delivered if "Why you:" in d.text]
