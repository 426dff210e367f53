"""Who may read what a member took away: chosen after ``[We met]``, honoured everywhere.

Conveners only is the default; "shared without my name" is never shown with
the name, not even in the conveners' own list; conveners-only stories never
reach the shared reading reports and exports use.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.discord.render import modal_payload
from adapters.slack.render import modal_for
from handlers.shared.stories import load_stories
from storage.models import PairingGroupMember
from tests.support.harness import Harness
from tests.support.scenarios import Played, played_once, resumed
from tests.support.times import THURSDAY_NOON

FIRST_ROUND = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SETUP = [
    "/convene silo add Radiotherapy --kind team",
    "/convene silo add Wards --kind team",
    "/convene member add ana --silo Radiotherapy --tz Europe/London",
    "/convene member add ben --silo Wards --tz Europe/London",
    "/convene pairing start #general every Monday 10:00 --tz Europe/London",
]
CHOICES = ["Conveners only", "Shared with my name", "Shared without my name"]


async def met(convene: Harness) -> None:
    """Ana and Ben were introduced and asked at the follow-up whether they met."""

    for line in SETUP:
        await convene.command("you", line)
    for name in ("ana", "ben"):
        await convene.command(name, "/pairing join")
    await convene.advance(FIRST_ROUND + timedelta(days=3))


async def tell(convene: Harness, name: str, learning: str, consent: str) -> str:
    await convene.click(name, "We met")
    form = convene.last_form(name, "pairing.learning")
    delivered = await convene.submit(name, form, {"learning": learning, "consent": consent})
    return delivered[-1].text


async def shared(convene: Harness) -> list[tuple[str | None, str]]:
    async with convene.app.sessions() as session:
        return [(s.author, s.text) for s in await load_stories(session, 1, audience="shared")]


@pytest.fixture(scope="module")
def after_follow_up(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Played[None]:
    """``met`` played once per test process (``tests.support.scenarios``); each test resumes
    a copy, the follow-up's buttons still there to press."""

    return played_once(met, template=sqlite_template, folders=tmp_path_factory, start=THURSDAY_NOON)


def names(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


async def test_after_we_met_the_form_asks_who_may_read_it_with_conveners_only_first(
    after_follow_up: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_follow_up, tmp_path) as convene:
        await convene.click("ana", "We met")

        form = convene.last_form("ana", "pairing.learning")

    consent = form.field_named("consent")
    assert [f.name for f in form.fields] == ["learning", "consent"]
    assert (consent.kind, list(consent.choices)) == ("choice", CHOICES)
    assert (consent.initial, consent.required) == ("Conveners only", False)
    # Slack: a static select whose options fit (75 characters), conveners only chosen.
    slack = modal_for(form, origin={})
    (select,) = [b["element"] for b in slack["blocks"] if b.get("block_id") == "consent"]
    assert [o["text"]["text"] for o in select["options"]] == CHOICES
    assert all(len(o["text"]["text"]) <= 75 for o in select["options"])
    assert select["initial_option"]["value"] == "Conveners only"
    # Discord: a select inside the modal, with conveners only as its default.
    discord = modal_payload("1", form)
    (chosen,) = [
        c["component"]
        for c in discord["components"]
        if c.get("component", {}).get("custom_id") == "consent"
    ]
    assert [o["label"] for o in chosen["options"] if o["default"]] == ["Conveners only"]


async def test_a_blank_choice_keeps_the_story_for_conveners_only_and_says_how_to_change_it(
    after_follow_up: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_follow_up, tmp_path) as convene:
        thanks = await tell(convene, "ana", "They plan in years.", "")

        assert thanks == (
            "Thank you, saved. You chose Conveners only: only conveners will read it. "
            "To change that, press [Change who may read it]."
        )
        (place,) = [p for p in await convene.rows(PairingGroupMember) if p.learning]
        assert place.learning_consent == "conveners"


async def test_a_member_who_chose_conveners_only_never_appears_in_the_shared_stories(
    after_follow_up: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_follow_up, tmp_path) as convene:
        await tell(convene, "ana", "They plan in years.", "Conveners only")

        assert await shared(convene) == []
        stories = await convene.reply_to("you", "/convene pairing stories")
        assert stories.splitlines()[1] == (
            '- ana, round 1 in #general (conveners only): "They plan in years."'
        )


async def test_a_member_who_chooses_shared_without_my_name_is_never_named(
    after_follow_up: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_follow_up, tmp_path) as convene:
        thanks = await tell(
            convene, "ana", "Wards see the whole patient.", "Shared without my name"
        )
        await tell(convene, "ben", "Radiotherapy plans weeks ahead.", "shared with my name")

        assert thanks.startswith(
            "Thank you, saved. You chose Shared without my name: it may be shared in reports, "
            "maps and the dashboard, without your name."
        )
        assert await shared(convene) == [
            (None, "Wards see the whole patient."),
            ("ben", "Radiotherapy plans weeks ahead."),
        ]
        stories = await convene.reply_to("you", "/convene pairing stories")
        stats = await convene.reply_to("you", "/convene pairing stats")
        assert (
            '- someone, round 1 in #general (may be shared without their name): "Wards see the '
            'whole patient."' in stories
        )
        assert (
            '- ben, round 1 in #general (may be shared with their name): "Radiotherapy' in stories
        )
        assert not names(stories, "ana") and not names(stats, "ana")


async def test_the_change_button_opens_the_form_filled_in_and_the_new_choice_replaces_the_old(
    after_follow_up: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_follow_up, tmp_path) as convene:
        await tell(convene, "ana", "They plan in years.", "Shared with my name")

        await convene.click("ana", "Change who may read it")
        again = convene.last_form("ana", "pairing.learning")
        assert again.field_named("learning").initial == "They plan in years."
        assert again.field_named("consent").initial == "Shared with my name"
        await convene.submit(
            "ana", again, {"learning": "They plan in years.", "consent": "Conveners only"}
        )

        assert await shared(convene) == []
        (place,) = [p for p in await convene.rows(PairingGroupMember) if p.learning]
        assert place.learning_consent == "conveners"
        # The button names the introduction; whoever presses it sees only their own story.
        (thanks,) = [d for d in convene.dms("ana") if "Thank you" in d.text][-1:]
        await convene.press("ben", thanks, "Change who may read it")
        theirs = convene.last_form("ben", "pairing.learning")
        assert theirs.field_named("learning").initial == ""


async def test_a_choice_that_is_none_of_the_three_is_asked_again_and_nothing_is_saved(
    after_follow_up: Played[None], tmp_path: Path
) -> None:
    async with resumed(after_follow_up, tmp_path) as convene:
        refused = await tell(convene, "ana", "They plan in years.", "everyone")

        assert refused.startswith(
            'Choose one of "Conveners only", "Shared with my name", "Shared without my name".'
        )
        assert all(p.learning is None for p in await convene.rows(PairingGroupMember))
