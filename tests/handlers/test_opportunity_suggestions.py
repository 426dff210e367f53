"""Convener in the loop: suggestions after each check-in run closes, and the choice.

When a check-in run closes, whoever wrote what they are stuck on in one silo
and whoever wrote that they learned just that in another are put to every
convener, one DM per suggestion, with both snippets, the bridge it would make
and [Introduce them] [Not now] [Never these two] (memory adapter, SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from storage.models import CheckinRun, Member, Opportunity, PairingRound
from storage.repositories import timers as timers_repo
from tests.support.harness import Harness, running
from tests.support.times import LONDON, MONDAY, SUNDAY_NOON, at

CHECKIN = (
    "/convene checkin create Learning #general every Monday 09:00 --template learning "
    f"--closes 17:00 --tz {LONDON}"
)
OPENS = at(MONDAY, 9, 0)
CLOSES = at(MONDAY, 17, 0)
SUGGESTION = "*A suggestion: "

DISCHARGE_NEED = (
    "Discharge coordination with the community nursing teams keeps slipping, and our "
    "patients wait days for a district nurse visit before they can go home."
)
DISCHARGE_OFFER = (
    "We fixed discharge coordination with community nursing: a daily huddle with the "
    "district nurse team books the first home visit before the patient leaves."
)
SEPSIS_NEED = "Sepsis screening at emergency department triage misses too many patients."
SEPSIS_OFFER = "Our sepsis screening tool at emergency department triage now flags patients early."
NOTHING = "-"


def people(*names: str) -> list[ChannelMember]:
    return [ChannelMember(name, name, LONDON) for name in names]


async def setup(
    convene: Harness, silos: Sequence[tuple[str, str]], *, extra: Sequence[str] = ()
) -> None:
    """Silos of kind team, each member in one, everyone in #general, a Learning check-in
    ("What did you learn?" is an offer, "What are you stuck on?" a need)."""

    convene.adapter.clock = convene.clock
    for silo in dict.fromkeys(s for _, s in silos):
        await convene.command("you", f'/convene silo add "{silo}" --kind team')
    for name, silo in silos:
        await convene.command("you", f'/convene member add {name} --silo "{silo}" --tz {LONDON}')
    for line in extra:
        await convene.command("you", line)
    convene.adapter.channel_members["general"] = people(*(name for name, _ in silos))
    created = await convene.reply_to("you", CHECKIN)
    assert created.startswith("Created the check-in"), created


async def answer(convene: Harness, name: str, learned: str, stuck: str) -> None:
    await convene.click(name, "Answer")
    done = await convene.answer_form(name, [learned, stuck, NOTHING])
    assert done[-1].text.startswith("Thank you!"), done[-1].text


def suggestions(delivered: Sequence[Delivered], convener: str = "you") -> list[Delivered]:
    return [
        d
        for d in delivered
        if d.text.startswith(SUGGESTION)
        and d.message.target.kind == "dm"
        and d.message.target.member_ids == (convener,)
    ]


async def a_run_with(
    convene: Harness, answers: dict[str, tuple[str, str]], closes: datetime = CLOSES
) -> list[Delivered]:
    """Everyone in ``answers`` answers the run opened at 09:00; what the close brought."""

    await convene.advance(closes - (CLOSES - OPENS))
    for name, (learned, stuck) in answers.items():
        await answer(convene, name, learned, stuck)
    return await convene.advance(closes)


async def discharge_run(convene: Harness) -> list[Delivered]:
    """Alice (Radiotherapy) is stuck on discharge; Bob (Public Health) learned how."""

    await setup(convene, [("alice", "Radiotherapy"), ("bob", "Public Health")])
    return await a_run_with(
        convene,
        {"alice": (NOTHING, DISCHARGE_NEED), "bob": (DISCHARGE_OFFER, NOTHING)},
    )


# -- the suggestion ------------------------------------------------------------------------


async def test_a_need_in_one_silo_and_an_offer_in_another_reach_each_convener_once(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON, conveners=("you", "carol")) as convene:
        await convene.command("carol", "/convene help")  # Carol is known, as a convener
        closed = await discharge_run(convene)

        for convener in ("you", "carol"):
            (card,) = suggestions(closed, convener)
            assert card.text.splitlines() == [
                "*A suggestion: alice and bob could meet*",
                f'alice (Radiotherapy) wrote (stuck on): "{DISCHARGE_NEED}"',
                f'bob (Public Health) wrote (learned): "{DISCHARGE_OFFER}"',
                "Bridge: Radiotherapy and Public Health (team): never introduced.",
                "Introduce them (outside the regular rounds, with this reason), not now, "
                "or never these two?",
            ]
            assert [b.label for b in card.message.buttons] == [
                "Introduce them",
                "Not now",
                "Never these two",
            ]
        (kept,) = await convene.rows(Opportunity)
        assert (kept.status, kept.need_source, kept.offer_source) == ("pending", "answer", "answer")
        assert kept.need_quotable and kept.offer_quotable
        assert suggestions(closed, "alice") == suggestions(closed, "bob") == []


async def test_nothing_worth_suggesting_sends_nothing(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await setup(convene, [("alice", "Radiotherapy"), ("bob", "Public Health")])
        closed = await a_run_with(
            convene,
            {
                "alice": (NOTHING, "The rota software crashes every Friday."),
                "bob": ("How to bake sourdough bread at home.", NOTHING),
            },
        )

        assert [d.text for d in closed] == [
            "This check-in is closed: 2 of 2 answered (100%). Thank you!"
        ]
        assert await convene.rows(Opportunity) == []


async def test_two_members_who_share_a_silo_are_never_suggested(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await setup(
            convene,
            [("alice", "Radiotherapy"), ("bob", "Radiotherapy"), ("carl", "Public Health")],
        )
        closed = await a_run_with(
            convene,
            {
                "alice": (NOTHING, DISCHARGE_NEED),
                "bob": (DISCHARGE_OFFER, NOTHING),
                "carl": (DISCHARGE_OFFER, NOTHING),
            },
        )

        (card,) = suggestions(closed)
        assert card.text.startswith("*A suggestion: alice and carl could meet*")


async def test_a_pair_introduced_lately_is_not_suggested_and_the_bridge_says_so(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await setup(
            convene,
            [("alice", "Radiotherapy"), ("bob", "Public Health"), ("carl", "Public Health")],
            extra=[f"/convene pairing start #general every Monday 10:00 --tz {LONDON}"],
        )
        for name in ("alice", "bob"):
            await convene.command(name, "/pairing join")
        closed = await a_run_with(
            convene,
            {
                "alice": (NOTHING, DISCHARGE_NEED),
                "bob": (DISCHARGE_OFFER, NOTHING),
                "carl": (DISCHARGE_OFFER, NOTHING),
            },
        )

        assert len(await convene.rows(PairingRound)) == 1  # alice and bob met at 10:00
        (card,) = suggestions(closed)
        assert card.text.startswith("*A suggestion: alice and carl could meet*")
        assert (
            "Bridge: Radiotherapy and Public Health (team): introduced once, not met yet."
            in card.text
        )


async def test_a_member_who_opted_out_is_never_suggested(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await setup(convene, [("alice", "Radiotherapy"), ("bob", "Public Health")])
        async with convene.app.sessions.begin() as session:
            bob = (await session.exec(select(Member).where(Member.platform_user_id == "bob"))).one()
            bob.suggestions_off_at = SUNDAY_NOON
            session.add(bob)

        closed = await a_run_with(
            convene, {"alice": (NOTHING, DISCHARGE_NEED), "bob": (DISCHARGE_OFFER, NOTHING)}
        )

        assert suggestions(closed) == []
        assert await convene.rows(Opportunity) == []


TOPICS = [
    (
        "Discharge coordination with community nursing keeps slipping for our patients.",
        "We fixed discharge coordination with community nursing with a daily huddle.",
    ),
    (SEPSIS_NEED, SEPSIS_OFFER),
    (
        "Junior doctor rota scheduling takes hours of spreadsheet juggling.",
        "Rota scheduling for junior doctors became easy with a shared spreadsheet template.",
    ),
    (
        "Pressure ulcer rates rose on the ward despite the mattress audit.",
        "Pressure ulcer prevention worked once the mattress audit was repeated monthly.",
    ),
    (
        "Medication reconciliation on admission is slow without pharmacy input.",
        "Pharmacy technicians doing medication reconciliation on admission cut errors.",
    ),
    (
        "Patient feedback survey response rates are very low in outpatients.",
        "Texting the patient feedback survey raised outpatient response rates.",
    ),
]


async def test_a_run_brings_at_most_five_suggestions(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        needing = [f"need{i}" for i in range(len(TOPICS))]
        offering = [f"offer{i}" for i in range(len(TOPICS))]
        await setup(
            convene,
            [(n, "Radiotherapy") for n in needing] + [(o, "Public Health") for o in offering],
        )
        answers = {n: (NOTHING, need) for n, (need, _) in zip(needing, TOPICS, strict=True)}
        answers |= {o: (offer, NOTHING) for o, (_, offer) in zip(offering, TOPICS, strict=True)}

        closed = await a_run_with(convene, answers)

        assert len(TOPICS) == 6
        assert len(suggestions(closed)) == 5
        assert len(await convene.rows(Opportunity)) == 5


async def test_a_replayed_close_sends_nothing_twice(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        closed = await discharge_run(convene)
        assert len(suggestions(closed)) == 1

        # A second instance, or a replayed timer, closes the same run again.
        async with convene.app.sessions.begin() as session:
            (run,) = (await session.exec(select(CheckinRun))).all()
            run.status = "open"
            session.add(run)
            await timers_repo.add_many(
                session,
                workspace_id=1,
                job="checkin.tick",
                subject_id=run.id,
                items=[timers_repo.NewTimer("replayed", CLOSES + timedelta(minutes=1))],
            )
        again = await convene.advance(CLOSES + timedelta(minutes=2))

        assert suggestions(again) == []
        assert len(await convene.rows(Opportunity)) == 1
        assert len(suggestions(convene.adapter.delivered)) == 1


# -- the conveners' choice -------------------------------------------------------------------

NEXT_WEEK = timedelta(weeks=1)


async def next_weeks_sepsis_run(convene: Harness) -> list[Delivered]:
    """A week later Alice is stuck on something else, and Bob learned just that."""

    return await a_run_with(
        convene,
        {"alice": (NOTHING, SEPSIS_NEED), "bob": (SEPSIS_OFFER, NOTHING)},
        closes=CLOSES + NEXT_WEEK,
    )


async def test_not_now_keeps_the_pair_out_of_the_next_run(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        (card,) = suggestions(await discharge_run(convene))

        (told,) = await convene.press("you", card, "Not now")

        assert told.text == (
            "Set aside for now: I will not suggest alice and bob to each other for the next "
            "8 weeks. Nothing was sent to them."
        )
        assert suggestions(await next_weeks_sepsis_run(convene)) == []
        (kept,) = await convene.rows(Opportunity)
        assert kept.status == "not_now"


async def test_never_these_two_keeps_the_pair_out_either_way_round(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        (card,) = suggestions(await discharge_run(convene))

        (told,) = await convene.press("you", card, "Never these two")

        assert told.text.startswith(
            "Noted: I will never suggest alice and bob to each other again, either way round."
        )
        # Next week it is bob who is stuck and alice who learned.
        closed = await a_run_with(
            convene,
            {"alice": (SEPSIS_OFFER, NOTHING), "bob": (NOTHING, SEPSIS_NEED)},
            closes=CLOSES + NEXT_WEEK,
        )
        assert suggestions(closed) == []
        (kept,) = await convene.rows(Opportunity)
        assert kept.status == "never"


async def test_a_member_who_is_no_convener_cannot_decide(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        (card,) = suggestions(await discharge_run(convene))

        (told,) = await convene.press("bob", card, "Introduce them")

        assert told.text.startswith("Only conveners can decide on suggestions.")
        (kept,) = await convene.rows(Opportunity)
        assert kept.status == "pending"


async def test_a_suggestion_of_a_member_who_opted_out_since_is_left_be(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        (card,) = suggestions(await discharge_run(convene))
        async with convene.app.sessions.begin() as session:
            bob = (await session.exec(select(Member).where(Member.platform_user_id == "bob"))).one()
            bob.suggestions_off_at = CLOSES
            session.add(bob)

        (told,) = await convene.press("you", card, "Introduce them")

        assert told.text == (
            "bob has since asked not to be suggested to anyone, so I will leave this "
            "suggestion be; nothing was sent to either of them."
        )
        assert [r.status for r in await convene.rows(Opportunity)] == ["pending"]
        listed = await convene.command("you", "/convene opportunities")
        assert listed[-1].text.endswith("\nNo suggestion is waiting for a convener.")


async def test_introduce_them_makes_the_introduction_once_for_every_convener(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON, conveners=("you", "carol")) as convene:
        await convene.command("carol", "/convene help")
        closed = await discharge_run(convene)
        (yours,) = suggestions(closed, "you")
        (carols,) = suggestions(closed, "carol")

        delivered = await convene.press("you", yours, "Introduce them")

        (introduction,) = [d for d in delivered if d.message.target.kind == "group"]
        assert introduction.message.target.member_ids == ("alice", "bob")
        assert (
            f'Why you: alice wrote (stuck on): "{DISCHARGE_NEED}"; bob wrote (learned): '
            f'"{DISCHARGE_OFFER}".'
        ) in introduction.text
        (done,) = [d for d in delivered if d.message.visible_to == "you"]
        assert done.text.startswith(
            "Done: I introduced alice and bob outside the regular rounds, in a group message "
            "to the two of them, with why they should meet."
        )
        (made,) = await convene.rows(PairingRound)
        assert (made.origin, made.programme_id, made.number) == ("suggestion", None, 0)
        (kept,) = await convene.rows(Opportunity)
        assert (kept.status, kept.round_id) == ("introduced", made.id)

        # The other convener, or the same one again, is told it is done.
        (told,) = await convene.press("carol", carols, "Introduce them")
        assert told.text == (
            'Already introduced by the convener named "you" on 30 Nov; nothing more to do.'
        )
        (again,) = await convene.press("you", yours, "Not now")
        assert again.text == "Already introduced by you on 30 Nov; nothing more to do."
        assert len(await convene.rows(PairingRound)) == 1
        assert [d for d in convene.adapter.delivered if d.message.target.kind == "group"] == [
            introduction
        ]


async def takeaway_for_conveners_only(convene: Harness) -> list[Delivered]:
    """Bob (Public Health) met Dan at a round and took away how discharge was fixed, for
    conveners only; a week later Alice (Radiotherapy) is stuck on discharge."""

    await setup(
        convene,
        [("alice", "Radiotherapy"), ("bob", "Public Health"), ("dan", "Wards")],
        extra=[f"/convene pairing start #general every Monday 10:00 --tz {LONDON}"],
    )
    for name in ("bob", "dan"):
        await convene.command(name, "/pairing join")
    await convene.advance(CLOSES + timedelta(days=3))  # the round, then its follow-up
    await convene.click("bob", "We met")
    form = convene.last_form("bob", "pairing.learning")
    await convene.submit("bob", form, {"learning": DISCHARGE_OFFER, "consent": "Conveners only"})
    return await a_run_with(
        convene, {"alice": (NOTHING, DISCHARGE_NEED)}, closes=CLOSES + NEXT_WEEK
    )


async def test_a_takeaway_for_conveners_only_is_shown_to_conveners_but_never_quoted_to_members(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        (card,) = suggestions(await takeaway_for_conveners_only(convene))

        assert card.text.splitlines()[1:3] == [
            f'alice (Radiotherapy) wrote (stuck on): "{DISCHARGE_NEED}"',
            "bob (Public Health) wrote (took away from an introduction; for conveners only, "
            f'never quoted to members): "{DISCHARGE_OFFER}"',
        ]
        delivered = await convene.press("you", card, "Introduce them")

        (introduction,) = [d for d in delivered if d.message.target.kind == "group"]
        assert (
            f'Why you: alice wrote (stuck on): "{DISCHARGE_NEED}"; bob has worked on something '
            "close to it."
        ) in introduction.text
        assert "huddle" not in introduction.text


async def test_a_suggestion_whose_member_has_left_is_gone(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        (card,) = suggestions(await discharge_run(convene))
        (asked,) = await convene.command("you", "/convene member remove bob")
        assert "1 suggestion that they meet someone" in asked.text
        await convene.click("you", "Remove, keep their contributions")

        (told,) = await convene.press("you", card, "Introduce them")

        assert told.text.startswith("That suggestion is no longer there")
        assert await convene.rows(PairingRound) == []


# -- the conveners' command ------------------------------------------------------------------


async def test_conveners_see_the_settings_and_the_waiting_suggestions_again(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await discharge_run(convene)

        heading, card = await convene.command("you", "/convene opportunities")

        assert heading.text.startswith(
            "Suggestions are on: after each check-in run closes, every convener gets up to 5 "
            "suggestions of who should meet (one member's need, another's offer), read from "
            "the last 8 weeks of answers; never between members who share a silo of any kind"
        )
        assert heading.text.endswith("\n1 suggestion waiting for a convener, best first:")
        assert card.text.startswith("*A suggestion: alice and bob could meet*")
        (told,) = await convene.press("you", card, "Never these two")
        assert told.text.startswith("Noted: I will never suggest alice and bob")
        help_text = await convene.reply_to("you", "/convene help")
        assert "/convene opportunities [on|off]" in help_text
        assert "/convene opportunities settings [--apart KINDS|all] [--weeks N]" in help_text
        refused = await convene.reply_to("bob", "/convene opportunities")
        assert refused.startswith("Only conveners can")


async def test_with_suggestions_off_a_closed_run_brings_none(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        off = await convene.reply_to("you", "/convene opportunities off")
        assert off.startswith("Suggestions are off: conveners get none after check-in runs close")

        assert suggestions(await discharge_run(convene)) == []
        assert await convene.rows(Opportunity) == []
        again = await convene.reply_to("you", "/convene opportunities on")
        assert again.startswith("Suggestions are on again")


@pytest.mark.parametrize(
    ("apart", "suggested"),
    [(None, False), ("teams", True)],
    ids=["any kind keeps them apart", "only teams keep them apart"],
)
async def test_kinds_kept_apart_decide_who_shares_a_silo(
    sqlite_url: str, apart: str | None, suggested: bool
) -> None:
    """Alice (Radiotherapy) and Bob (Public Health) both work for Trust A."""

    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await setup(
            convene,
            [("alice", "Radiotherapy"), ("bob", "Public Health")],
            extra=[
                '/convene silo add "Trust A" --kind organisation',
                '/convene member silo add alice "Trust A"',
                '/convene member silo add bob "Trust A"',
            ],
        )
        if apart is not None:
            changed = await convene.reply_to(
                "you", f"/convene opportunities settings --apart {apart} --weeks 4"
            )
            assert changed.startswith("Updated. Suggestions are on:")
            assert (
                "last 4 weeks of answers; never between members who share a silo of kind team,"
                in changed
            )

        closed = await a_run_with(
            convene, {"alice": (NOTHING, DISCHARGE_NEED), "bob": (DISCHARGE_OFFER, NOTHING)}
        )

        cards = suggestions(closed)
        assert len(cards) == suggested
        if suggested:
            assert (
                "Bridge: Radiotherapy and Public Health (team): never introduced." in cards[0].text
            )


async def test_the_settings_refuse_a_bad_word_and_change_nothing(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await convene.command("you", "/convene silo add Radiotherapy --kind team")
        settings = "/convene opportunities settings"

        weeks = await convene.reply_to("you", f"{settings} --apart team --weeks 60")
        site = await convene.reply_to("you", f"{settings} --apart site")
        crossing = await convene.reply_to("you", f"{settings} --apart team+site")
        unknown = await convene.reply_to("you", f"{settings} --apart tema --weeks 4")

        assert weeks.startswith("--weeks takes a number of weeks from 1 to 52, not '60'")
        assert site.startswith("No silo is of kind site yet, so keeping members of it apart")
        assert crossing.startswith("--apart takes kinds separated by commas")
        assert unknown.startswith("'tema' is not a kind of silo here, so nothing has changed yet.")
        shown = await convene.reply_to("you", "/convene opportunities")
        assert "last 8 weeks" in shown and "share a silo of any kind" in shown
        everything = await convene.reply_to("you", f"{settings} --apart all")
        assert everything.startswith("Nothing changed (already so). Suggestions are on:")


async def test_a_run_suggests_only_what_its_own_answers_brought(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        await convene.command("you", "/convene opportunities off")
        assert suggestions(await discharge_run(convene)) == []
        await convene.command("you", "/convene opportunities on")

        # Next week nobody writes a need or an offer: last week's answers are not news.
        closed = await a_run_with(
            convene,
            {"alice": ("A quiet week on the unit.", NOTHING), "bob": ("A quiet week.", NOTHING)},
            closes=CLOSES + NEXT_WEEK,
        )

        assert suggestions(closed) == []
        assert await convene.rows(Opportunity) == []
