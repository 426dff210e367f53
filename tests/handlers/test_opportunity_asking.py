"""Asking directly: ``/pairing find``, ``/convene who knows``, ``[Introduce us]`` and
``/pairing suggest off|on`` (memory adapter, real SQLite).

The workspace: ana and rob in Radiotherapy, priya in Public Health, omar in
Pharmacy, ben in Wards. On Wednesday 2 December they answered the weekly
"exchange" check-in (what others could use, where they could use help, what
they learned); priya and ben, introduced on Monday 30 November, were asked on
Thursday whether they met, and ben kept his take-away for conveners only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.memory import Delivered
from bot.adapter import Capabilities, ChannelMember
from bot.context import Context
from bot.events import HomeOpened
from handlers.opportunities import index_cache
from handlers.shared.introduction_hooks import ASKED, INTRODUCTION_ASKED, IntroductionAsked
from storage.models import Member
from tests.support.harness import Harness, running
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import LONDON, THURSDAY_NOON, at

WEDNESDAY = date(2026, 12, 2)
FOLLOW_UP = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # Thursday, 3 days after round 1
SETUP = [
    "/convene silo add Radiotherapy --kind team",
    '/convene silo add "Public Health" --kind team',
    "/convene silo add Pharmacy --kind team",
    "/convene silo add Wards --kind team",
    "/convene member add ana --silo Radiotherapy --tz Europe/London",
    "/convene member add rob --silo Radiotherapy --tz Europe/London",
    '/convene member add priya --silo "Public Health" --tz Europe/London',
    "/convene member add omar --silo Pharmacy --tz Europe/London",
    "/convene member add ben --silo Wards --tz Europe/London",
    "/convene pairing start #general every Monday 10:00 --tz Europe/London",
    "/convene checkin create Exchange #general every Wednesday 09:00 --template exchange "
    "--tz Europe/London",
]
ANSWERS = {
    # What are you working on that others could use? / Where could you use help? /
    # What did you learn this week?
    "ana": [
        "Our radiotherapy discharge coordination huddle",
        "Discharge coordination with the community teams takes days",
        "Nothing new",
    ],
    "rob": [
        "A discharge coordination checklist for radiotherapy patients",
        "Rota gaps",
        "Nothing",
    ],
    "priya": [
        "A shared discharge coordination board with the community teams",
        "Rota software",
        "Community teams answer faster when wards call before noon",
    ],
    "omar": [
        "Discharge coordination for pharmacy: medicines ready a day early",
        "Stock counts",
        "Nothing",
    ],
}
TAKE_AWAY = "Sepsis screening in the emergency department works with a second nurse check"


async def exchanged(convene: Harness) -> None:
    for line in SETUP:
        await convene.command("you", line)
    convene.adapter.channel_members["general"] = [
        ChannelMember(name, name, LONDON) for name in ("ana", "rob", "priya", "omar", "ben")
    ]
    for name in ("priya", "ben"):
        await convene.command(name, "/pairing join")
    await convene.command("priya", "/pairing about I run the discharge hub in Public Health")
    await convene.advance(at(WEDNESDAY, 9, 5))
    for name, answers in ANSWERS.items():
        await convene.click(name, "Answer")
        await convene.answer_form(name, answers)
    await convene.advance(FOLLOW_UP)
    await convene.click("ben", "We met")
    form = convene.last_form("ben", "pairing.learning")
    await convene.submit("ben", form, {"learning": TAKE_AWAY, "consent": "Conveners only"})


@pytest.fixture(scope="module")
def after_exchange(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Played[None]:
    return played_once(
        exchanged, template=sqlite_template, folders=tmp_path_factory, start=THURSDAY_NOON
    )


@pytest.fixture(autouse=True)
def cold_cache() -> Iterator[None]:
    index_cache.forget()
    yield
    index_cache.forget()


def listed(text: str) -> list[str]:
    """The names a search listed, in order."""

    return [line.split("*")[1] for line in text.splitlines() if line[:1].isdigit()]


async def searched(convene: Harness, actor: str, line: str) -> Delivered:
    delivered = await convene.command(actor, line)
    (reply,) = [d for d in delivered if d.message.visible_to == actor]
    return reply


class Asked:
    """Every introduction asked for, as the introductions job would hear it."""

    def __init__(self) -> None:
        self.payloads: list[IntroductionAsked] = []

    async def __call__(self, context: Context, payload: IntroductionAsked) -> None:
        self.payloads.append(payload)


def listening(convene: Harness) -> Asked:
    asked = Asked()
    convene.app.registry.listen(INTRODUCTION_ASKED, asked)
    return asked


# -- finding --------------------------------------------------------------------------------


async def test_find_lists_a_member_of_another_silo_with_the_snippet_and_introduce_us(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        reply = await searched(convene, "ana", "/pairing find discharge coordination")

    lines = reply.text.splitlines()
    assert lines[0].startswith('Who knows about "discharge coordination": ')
    assert listed(reply.text) == ["priya", "omar"]  # rob (Radiotherapy) and ana left out
    (priya,) = [line for line in lines if "*priya*" in line]
    assert priya.endswith(
        '*priya* (Public Health): "A shared discharge coordination board with the community '
        'teams" (check-in, 2 Dec)'
    )
    labels = [b.label for b in reply.message.buttons]
    assert "Introduce us: priya" in labels
    assert len(labels) == len(listed(reply.text)) <= 5


async def test_find_never_lists_a_member_who_shares_the_askers_silo(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        anas = await searched(convene, "ana", "/pairing find discharge coordination checklist")
        priyas = await searched(convene, "priya", "/pairing find discharge coordination checklist")

    assert "rob" not in listed(anas.text)  # both in Radiotherapy
    assert listed(priyas.text)[0] == "rob"  # his words do match


async def test_find_never_lists_a_member_who_opted_out_and_lists_them_again_once_back_on(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        before = await searched(convene, "ana", "/pairing find medicines ready early")
        off = await convene.reply_to("omar", "/pairing suggest off")
        during = await searched(convene, "ana", "/pairing find medicines ready early")
        await convene.reply_to("omar", "/pairing suggest on")
        after = await searched(convene, "ana", "/pairing find medicines ready early")

    assert listed(before.text) == ["omar"]
    assert off.startswith("Done: suggestions are off for you. From now on you are not suggested")
    assert off.endswith("Turn them back on with /pairing suggest on")
    assert "omar" not in during.text
    assert during.text.startswith("I found nobody")
    assert listed(after.text) == ["omar"]


async def test_find_never_lists_the_asker(after_exchange: Played[None], tmp_path: Path) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        reply = await searched(convene, "ana", "/pairing find radiotherapy discharge huddle")

    assert "ana" not in listed(reply.text)


async def test_a_conveners_only_take_away_is_never_shown_to_a_member_but_is_to_who_knows(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        member = await searched(convene, "ana", "/pairing find sepsis screening")
        convener = await searched(convene, "you", "/convene who knows sepsis screening")

    assert member.text.startswith("I found nobody")
    assert "nurse" not in member.text and "ben" not in member.text
    assert listed(convener.text) == ["ben"]
    assert (
        f'*ben* (Wards): "{TAKE_AWAY}" (take-away, 3 Dec, conveners only: never quoted to members)'
    ) in convener.text


async def test_a_member_cannot_run_convene_who_knows(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        reply = await convene.reply_to("ana", "/convene who knows sepsis screening")

    assert reply.startswith("Only conveners can use /convene who knows.")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "/pairing find",
            "Say what you are looking for, in a few words. "
            "For example: /pairing find discharge planning",
        ),
        (
            "/pairing find   ",
            "Say what you are looking for, in a few words. "
            "For example: /pairing find discharge planning",
        ),
        (
            "/pairing find " + "rota " * 50,
            "That topic is 249 characters long; a few words find more (at most 200). "
            "For example: /pairing find discharge planning",
        ),
        (
            "/pairing find help with the things",
            '"help with the things" holds only words nearly every answer has, so it would '
            "find everyone; name the subject itself. For example: /pairing find discharge "
            "planning",
        ),
        (
            "/convene who knows",
            "Say what you are looking for, in a few words. "
            "For example: /convene who knows discharge planning",
        ),
    ],
)
async def test_a_bad_topic_gets_one_friendly_line_with_the_command_to_type(
    after_exchange: Played[None], tmp_path: Path, line: str, expected: str
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        actor = "you" if line.startswith("/convene") else "ana"
        reply = await convene.reply_to(actor, line)

    assert reply == expected


async def test_nothing_found_says_so_and_what_to_try(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        reply = await convene.reply_to("ana", "/pairing find hydrotherapy pools")

    assert reply == (
        'I found nobody outside your silos who wrote about "hydrotherapy pools" in the last 8 '
        "weeks. Try fewer or other words (e.g. /pairing find hydrotherapy); and say what you "
        "know yourself with /pairing about TEXT, so others can find you."
    )


# -- the cache --------------------------------------------------------------------------------


async def test_the_cache_gives_a_fresh_answer_after_a_new_answer_is_stored(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        first = await searched(convene, "ana", "/pairing find wound care clinic")
        again = await searched(convene, "rob", "/pairing find wound care clinic")
        reused = index_cache.counts.reused
        # A week on, ben answers the next exchange, about wound care.
        await convene.advance(at(WEDNESDAY + timedelta(weeks=1), 9, 5))
        await convene.click("ben", "Answer")
        await convene.answer_form("ben", ["A wound care clinic for ward patients", "-", "-"])
        fresh = await searched(convene, "ana", "/pairing find wound care clinic")
        older = await searched(convene, "ana", "/pairing find discharge coordination board")

    assert "ben" not in listed(first.text) and "ben" not in listed(again.text)
    assert reused >= 1  # the second search used the first one's index
    assert listed(fresh.text)[0] == "ben"
    assert listed(older.text)[0] == "priya"  # the kept index still answers beside the new one
    # Built once; the new answer was searched beside it rather than building all again.
    assert (index_cache.counts.built, index_cache.counts.extended) == (1, 1)


async def test_the_cache_gives_a_fresh_answer_after_an_answer_is_edited(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        await convene.advance(at(WEDNESDAY + timedelta(weeks=1), 9, 5))
        await convene.click("ben", "Answer")
        await convene.answer_form("ben", ["Rota swaps", "-", "-"])
        before = await searched(convene, "ana", "/pairing find pressure ulcer audit")
        await convene.click("ben", "Edit answer")
        await convene.answer_form("ben", ["A pressure ulcer audit tool", "-", "-"])
        after = await searched(convene, "ana", "/pairing find pressure ulcer audit")

    assert "ben" not in listed(before.text)
    assert listed(after.text)[0] == "ben"
    assert index_cache.counts.built == 2


async def test_the_cache_gives_a_fresh_answer_after_an_about_line_changes(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        before = await searched(convene, "ana", "/pairing find hydrotherapy pools")
        await convene.command("priya", "/pairing about I know hydrotherapy pools inside out")
        after = await searched(convene, "ana", "/pairing find hydrotherapy pools")

    assert "priya" not in listed(before.text)
    assert listed(after.text)[0] == "priya"
    assert "(their /pairing about)" in after.text


# -- [Introduce us] ---------------------------------------------------------------------------


async def test_introduce_us_announces_the_introduction_once_and_a_second_press_says_it_was_done(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        asked = listening(convene)
        found = await searched(convene, "ana", "/pairing find discharge coordination board")
        first = await convene.press("ana", found, "Introduce us: priya")
        second = await convene.press("ana", found, "Introduce us: priya")
        members = {m.id: m.display_name for m in await convene.rows(Member)}

    (payload,) = asked.payloads
    assert payload.origin == ASKED
    assert [members[m.id] for m in payload.members] == ["ana", "priya"]
    assert payload.asked_by is not None and payload.asked_by.display_name == "ana"
    assert payload.key == f"asked:{payload.members[0].id}:{payload.members[1].id}:2026-12-03"
    assert payload.reason == (
        'ana asked who knows about "discharge coordination board", and priya wrote: '
        '"A shared discharge coordination board with the community teams"'
    )
    (done,) = [d for d in first if d.message.visible_to == "ana"]
    assert "priya" in done.text
    (again,) = [d for d in second if d.message.visible_to == "ana"]
    assert "already" in again.text


async def test_only_the_asker_may_press_introduce_us(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        asked = listening(convene)
        found = await searched(convene, "ana", "/pairing find discharge coordination board")
        pressed = await convene.press("rob", found, "Introduce us: priya")

    assert asked.payloads == []
    (refusal,) = [d for d in pressed if d.message.visible_to == "rob"]
    assert refusal.text == (
        "Those buttons belong to whoever asked; to meet someone yourself, ask with "
        "/pairing find discharge planning"
    )


async def test_introduce_us_is_refused_kindly_once_the_other_member_opted_out(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        asked = listening(convene)
        found = await searched(convene, "ana", "/pairing find discharge coordination board")
        await convene.command("priya", "/pairing suggest off")
        pressed = await convene.press("ana", found, "Introduce us: priya")
        await convene.command("priya", "/pairing suggest on")
        later = await convene.press("ana", found, "Introduce us: priya")

    (refusal,) = [d for d in pressed if d.message.visible_to == "ana"]
    assert refusal.text == (
        "priya is not taking introductions through Convene just now, so I asked for nothing. "
        "Try someone else on the list."
    )
    assert len(asked.payloads) == 1  # the refusal kept the button good for later
    assert [d for d in later if d.message.visible_to == "ana"]


async def test_a_convener_who_knows_may_be_introduced_too(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        asked = listening(convene)
        found = await searched(convene, "you", "/convene who knows sepsis screening")
        await convene.press("you", found, "Introduce us: ben")

    (payload,) = asked.payloads
    # ben kept his take-away for conveners: the reason quotes only the topic.
    assert payload.reason == 'you asked who knows about "sepsis screening", and ben came up.'


async def test_a_member_introduced_lately_is_listed_without_a_button(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        found = await searched(convene, "ben", "/pairing find discharge coordination board")

    assert listed(found.text)[0] == "priya"  # introduced to ben on Monday 30 November
    assert "   You were introduced on 30 Nov, so no button: you know each other already." in (
        found.text
    )
    assert "Introduce us: priya" not in [b.label for b in found.message.buttons]


async def test_a_list_more_than_a_week_old_introduces_nobody_and_says_how_to_look_again(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        asked = listening(convene)
        found = await searched(convene, "ana", "/pairing find discharge coordination board")
        await convene.advance(FOLLOW_UP + timedelta(days=8))
        pressed = await convene.press("ana", found, "Introduce us: priya")

    assert asked.payloads == []
    (answer,) = [d for d in pressed if d.message.visible_to == "ana"]
    assert answer.text == (
        "That list is more than 7 days old, so its buttons no longer work. To look again: "
        "/pairing find discharge planning"
    )


# -- the choice -------------------------------------------------------------------------------


async def test_pairing_suggest_alone_says_the_current_choice_and_how_to_change_it(
    after_exchange: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_exchange, tmp_path) as convene:
        on = await convene.reply_to("rob", "/pairing suggest")
        await convene.command("rob", "/pairing suggest off")
        off = await convene.reply_to("rob", "/pairing suggest")
        twice = await convene.reply_to("rob", "/pairing suggest off")
        stored = [m for m in await convene.rows(Member) if m.display_name == "rob"]

    assert on.startswith("Suggestions are on for you: ")
    assert on.endswith("Turn them off with /pairing suggest off")
    assert off.startswith("Suggestions are off for you, since 3 Dec 2026: ")
    assert twice.startswith("Suggestions are already off for you, since 3 Dec 2026")
    assert stored[0].suggestions_off_at == FOLLOW_UP


async def test_a_members_home_says_whether_suggestions_are_on_and_how_to_change_it(
    sqlite_url: str,
) -> None:
    with_home = Capabilities(group_dm=True, home_tab=True)
    async with running(sqlite_url, start=FOLLOW_UP, capabilities=with_home) as convene:
        homes = []
        for step, line in enumerate(("/pairing suggest", "/pairing suggest off")):
            await convene.command("dan", line)
            adapter = convene.adapter
            opened = HomeOpened(
                platform=adapter.platform,
                workspace_id=adapter.workspace_id,
                actor_id="dan",
                actor_name="dan",
                place=adapter.dm("dan"),
                event_id=f"dan-opens-home-{step}",
            )
            before = len(adapter.delivered)
            await adapter.push(opened)
            await convene.app.settle()
            (home,) = [d for d in adapter.delivered[before:] if d.message.target.kind == "home"]
            homes.append(home.text)

    assert homes[0].endswith(
        "*Suggestions*\n\nOn: you may be suggested to meet someone in another silo, and found "
        "with /pairing find. Turn off with /pairing suggest off."
    )
    assert homes[1].endswith(
        "*Suggestions*\n\nOff since 3 Dec 2026: nobody is suggested to you or finds you. "
        "Turn on with /pairing suggest on."
    )


async def test_find_and_introduce_us_work_alike_on_each_database(database_url: str) -> None:
    async with running(database_url, start=THURSDAY_NOON) as convene:
        for line in SETUP[:-1]:
            await convene.command("you", line)
        for name, about in (
            ("priya", "I run the discharge hub in Public Health"),
            ("rob", "I run the discharge lounge in Radiotherapy"),
        ):
            await convene.command(name, "/pairing join")
            await convene.command(name, f"/pairing about {about}")
        found = await searched(convene, "ana", "/pairing find discharge hub")
        pressed = await convene.press("ana", found, "Introduce us: priya")
        again = await convene.press("ana", found, "Introduce us: priya")

    assert listed(found.text) == ["priya"]
    assert "(their /pairing about)" in found.text
    assert [d.text for d in pressed if d.message.visible_to == "ana"] == [
        "Done: I introduced you to priya, in a message to you both that says why."
    ]
    (refusal,) = [d.text for d in again if d.message.visible_to == "ana"]
    assert refusal.startswith("You and priya were introduced already, on 26 Nov")
