"""A convener names kinds of silo: one spelling for each, and no kind made by a typo.

Kinds are how introductions mix people, so "profesion" must not quietly
become a kind next to "profession". Every place a kind is typed (adding a
silo, changing its kind, importing silos, a programme's --mix) reads it the
same way, and an unknown word asks before anything is written.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from adapters.memory import SLACK_LIKE, Delivered
from bot.adapter import ChannelMember
from storage.models import Programme, Silo, SiloKind
from storage.repositories import silos as silos_repo
from tests.support.harness import Harness, running

KIND_TABLES = ("silos", "silo_kinds", "programmes", "schedules")


def labels(reply: Delivered) -> list[str]:
    return [b.label for b in reply.message.buttons]


async def kinds_of_silos(convene: Harness) -> dict[str, str]:
    return {silo.name: silo.kind for silo in await convene.rows(Silo)}


async def test_a_typo_in_a_kind_adds_nothing_and_offers_the_nearest_kind(
    convene: Harness,
) -> None:
    before = await convene.snapshot(KIND_TABLES, order_by="1")

    (asked,) = await convene.command("you", "/convene silo add Radiography --kind profesion")

    assert asked.text.startswith("'profesion' is not a kind of silo here, so nothing has changed")
    assert "Did you mean profession?" in asked.text
    assert "/convene silo add Radiography --kind profession" in asked.text
    assert "/convene silo kinds add profesion" in asked.text
    assert labels(asked) == ["Use profession", 'Add kind "profesion"']
    assert all(len(b.value) <= 20 for b in asked.message.buttons), "a row id and a nonce"
    assert await convene.snapshot(KIND_TABLES, order_by="1") == before

    (done,) = await convene.click("you", "Use profession")

    assert done.text == "Added the silo Radiography (profession)."
    assert await kinds_of_silos(convene) == {"Radiography": "profession"}
    assert await convene.rows(SiloKind) == []


async def test_a_new_kind_is_added_on_purpose_by_its_button_and_finishes_the_command(
    convene: Harness,
) -> None:
    (asked,) = await convene.command("you", '/convene silo add "Ward 7" --kind ward')
    assert labels(asked) == ['Add kind "ward"']
    assert "The kinds are team, department, organisation, profession, site and community." in (
        asked.text
    )

    added = await convene.click("you", 'Add kind "ward"')

    assert [d.text for d in added] == ["Added the kind ward.", "Added the silo Ward 7 (ward)."]
    assert [k.name for k in await convene.rows(SiloKind)] == ["ward"]
    again = await convene.reply_to("you", "/convene silo add Theatres --kind Wards")
    assert again == "Added the silo Theatres (ward)."


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("organization", "organisation"),
        ("Organizations", "organisation"),
        ("  ORGANISATION ", "organisation"),
        ("organisations", "organisation"),
        ("teams", "team"),
        ("Communities", "community"),
        ("departments", "department"),
        ("Sites", "site"),
    ],
)
async def test_british_and_american_spellings_plurals_and_case_are_one_kind(
    sqlite_url: str, typed: str, kept: str
) -> None:
    async with running(sqlite_url) as convene:
        reply = await convene.reply_to("you", f'/convene silo add "Public Health" --kind "{typed}"')
        assert reply == f"Added the silo Public Health ({kept})."
        assert await convene.rows(SiloKind) == []


async def test_changing_a_silos_kind_reads_the_kind_the_same_way(convene: Harness) -> None:
    await convene.command("you", "/convene silo add Radiotherapy")
    before = await convene.snapshot(KIND_TABLES, order_by="1")

    (asked,) = await convene.command("you", "/convene silo kind Radiotherapy profesion")
    assert "/convene silo kind Radiotherapy profession" in asked.text
    assert await convene.snapshot(KIND_TABLES, order_by="1") == before

    assert [d.text for d in await convene.click("you", "Use profession")] == [
        "Radiotherapy is now a profession."
    ]
    assert await convene.reply_to("you", "/convene silo kind radiotherapy Organization") == (
        "Radiotherapy is now an organisation."
    )
    assert await convene.reply_to("you", "/convene silo kind radiotherapy organisations") == (
        "Radiotherapy is already an organisation; nothing changed."
    )


async def test_importing_silos_with_a_mistyped_kind_waits_for_the_choice(
    sqlite_url: str,
) -> None:
    capabilities = dataclasses.replace(SLACK_LIKE, silo_sources=frozenset({"usergroups"}))
    async with running(sqlite_url, capabilities=capabilities) as convene:
        convene.adapter.groups = {
            "usergroups": {"Radiology": [ChannelMember("m1", "Mo")], "Pharmacy": []}
        }
        await convene.command("you", "/convene silos")
        before = await convene.snapshot((*KIND_TABLES, "members"), order_by="1")

        (asked,) = await convene.command("you", "/convene silo import usergroups --kind departmnt")
        assert "did you mean department?" in asked.text.casefold()
        assert await convene.snapshot((*KIND_TABLES, "members"), order_by="1") == before

        (imported,) = await convene.click("you", "Use department")
        assert imported.text.startswith("Imported 2 silos from user groups (2 new)")
        assert set((await kinds_of_silos(convene)).values()) == {"department"}


async def test_a_programmes_mix_asks_about_an_unknown_kind_before_it_starts(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene silo add Radiotherapy --kind team")
    await convene.command("you", "/convene silo add Radiography --kind profession")
    before = await convene.snapshot(KIND_TABLES, order_by="1")

    (asked,) = await convene.command(
        "you", "/convene pairing start #general every Monday 10:00 --mix Teams,profesion"
    )
    assert "/convene pairing start #general every Monday 10:00 --mix Teams,profession" in (
        asked.text
    )
    assert await convene.snapshot(KIND_TABLES, order_by="1") == before

    started = await convene.click("you", "Use profession")

    assert "mixing profession and team" in started[-1].text
    (programme,) = await convene.rows(Programme)
    assert programme.mix_kinds == "profession,team"

    (again,) = await convene.command(
        "you", "/convene pairing settings --size 3 --mix team,professoin"
    )
    assert labels(again) == ["Use profession", 'Add kind "professoin"']
    (unchanged,) = await convene.rows(Programme)
    assert unchanged.group_size == 2, "nothing changes while the kind is asked about"
    settled = await convene.click("you", "Use profession")
    assert "in groups of 3; mixing profession and team" in settled[-1].text


async def test_kinds_already_in_an_older_database_keep_working(convene: Harness) -> None:
    await convene.command("you", "/convene silos")
    async with convene.app.sessions() as session, session.begin():
        await silos_repo.add(session, 1, "Estates", "directorate", datetime.now(UTC))
        await silos_repo.add(session, 1, "Finance", "organization", datetime.now(UTC))

    assert await convene.reply_to("you", "/convene silo add Nursing --kind directorates") == (
        "Added the silo Nursing (directorate)."
    )
    assert await convene.reply_to("you", "/convene silo add Labs --kind organisation") == (
        "Added the silo Labs (organisation)."
    )
    listed = await convene.reply_to("you", "/convene silo kinds")
    assert "organisation  standard  2" in listed
    assert "directorate   in use    2" in listed


async def test_a_choice_is_made_once_and_only_by_the_convener_who_was_asked(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene member add alice")
    await convene.command("you", "/convene convener add alice")
    (asked,) = await convene.command("you", "/convene silo add Radiography --kind profesion")

    (not_hers,) = await convene.press("alice", asked, "Use profession")
    assert not_hers.text == "That choice belongs to the convener who typed the command."
    assert await convene.rows(Silo) == []

    await convene.press("you", asked, "Use profession")
    (twice,) = await convene.press("you", asked, 'Add kind "profesion"')
    assert twice.text == "That choice was already made; nothing more to do."
    # A later question may reuse the row's id: the old buttons still do nothing.
    await convene.command("you", "/convene silo add Wards --kind ward")
    (stale,) = await convene.press("you", asked, "Use profession")
    assert stale.text == "That choice was already made; nothing more to do."
    assert await convene.rows(SiloKind) == []
    assert await kinds_of_silos(convene) == {"Radiography": "profession"}


async def test_a_convener_lists_adds_and_removes_kinds_added_on_purpose(
    convene: Harness,
) -> None:
    assert await convene.reply_to("you", "/convene silo kinds add Specializations") == (
        "Added the kind specialisation. Give a silo this kind with "
        "/convene silo kind SILO specialisation."
    )
    assert await convene.reply_to("you", "/convene silo kinds add organization") == (
        "organisation is already a kind of silo (organization is the same kind); nothing to add."
    )
    await convene.command("you", "/convene silo add Oncology --kind specialisation")
    listed = await convene.reply_to("you", "/convene silo kinds")
    assert listed.startswith("7 kinds of silo:")
    assert "specialisation  added     1" in listed

    in_use = await convene.reply_to("you", "/convene silo kinds remove specialisation")
    assert in_use.startswith("1 silo is of kind specialisation; give it another kind first")
    assert "cannot be removed: it is one of the standard kinds" in await convene.reply_to(
        "you", "/convene silo kinds remove team"
    )
    await convene.command("you", "/convene silo kind Oncology team")
    assert await convene.reply_to("you", "/convene silo kinds remove specialisation") == (
        "Removed the kind specialisation."
    )
    assert await convene.rows(SiloKind) == []


async def test_a_kind_of_two_words_is_refused_with_the_hyphenated_word_to_use(
    convene: Harness,
) -> None:
    refused = await convene.reply_to("you", "/convene silo add Oncology --kind 'clinical network'")
    assert refused == (
        "A kind is one word, not 'clinical network'; join the words with a hyphen. "
        "Type: /convene silo add Oncology --kind 'clinical-network'"
    )
    assert await convene.rows(Silo) == []
