"""A refusal names the word it could not use, says why, and offers a command to type instead.

The cases from issue 15 ("/convenee help", "--remind-after 3 hours", a
channel left out, a silo and a member in the other order, extra words), and
the same mistakes elsewhere: typos of commands, subcommands and options,
arguments missing or in another order, curly quotes. Each refused command
gets one line, writes nothing, and the command it offers, typed as offered,
is done.
"""

from __future__ import annotations

import pytest

from tests.support.harness import Harness, running

DOMAIN_TABLES = (
    "workspaces",
    "members",
    "silos",
    "member_silos",
    "schedules",
    "checkins",
    "programmes",
    "commitments",
)


async def landscape(convene: Harness) -> None:
    await convene.command("you", "/convene silo add Radiotherapy --kind team")
    await convene.command("you", '/convene silo add "Public Health" --kind organisation')
    await convene.command("you", "/convene member add alice --silo Radiotherapy --tz Europe/London")
    await convene.command("you", "/convene member add bob --tz America/New_York")
    await convene.command("you", '/convene checkin create "Standup" #general every monday 09:00')


MISTAKES = [
    pytest.param(
        "/convenee help",
        "I don't know /convenee. Did you mean /convene?",
        "Type: /convene help",
        id="a-mistyped-command-word-suggests-the-real-one",
    ),
    pytest.param(
        "/convene chekin list",
        "I don't know /convene chekin. Did you mean /convene checkin list?",
        "Type: /convene checkin list",
        id="a-mistyped-subcommand-suggests-the-real-one",
    ),
    pytest.param(
        "/convene silo ad Oncology",
        "I don't know /convene silo ad. Did you mean /convene silo add?",
        "Type: /convene silo add Oncology",
        id="a-mistyped-last-word-keeps-the-rest-of-the-command",
    ),
    pytest.param(
        "/silo add Oncology",
        "I don't know /silo. Did you mean /convene silo add?",
        "Type: /convene silo add Oncology",
        id="a-command-without-its-first-word",
    ),
    pytest.param(
        "/convene silo",
        "/convene silo needs one more word: add, import, remove",
        "Or did you mean /convene silos?",
        id="a-command-cut-short-lists-the-words-that-go-next",
    ),
    pytest.param(
        '/convene checkin create "Retro prep" every monday 09:00',
        "The channel is missing: /convene checkin create needs one named with a #",
        'For this channel, type: /convene checkin create "Retro prep" #general every monday 09:00',
        id="a-check-in-without-its-channel-is-not-read-as-#every",
    ),
    pytest.param(
        "/convene pairing start every monday 10:00",
        "The channel is missing: /convene pairing start needs one named with a #",
        "For this channel, type: /convene pairing start #general every monday 10:00",
        id="introductions-without-their-channel",
    ),
    pytest.param(
        "/convene silo add Public Health",
        '"Health" is one word too many: /convene silo add takes NAME [--kind KIND]',
        'Type: /convene silo add "Public Health"',
        id="a-name-of-two-words-without-quotes",
    ),
    pytest.param(
        "/convene member silo add Public Health bob",
        '"bob" is one word too many',
        'Type: /convene member silo add "Public Health" bob',
        id="the-capitalised-words-are-the-name-to-quote",
    ),
    pytest.param(
        "/convene checkin list now",
        'I could not use "now": /convene checkin list takes nothing more.',
        "Type: /convene checkin list",
        id="an-extra-word-that-is-no-name-is-not-told-to-use-quotes",
    ),
    pytest.param(
        "/convene silo add Oncology --kind two words",
        'I could not use "words": --kind takes one KIND.',
        "Type: /convene silo add Oncology --kind two",
        id="an-extra-word-after-an-option-is-blamed-on-the-option",
    ),
    pytest.param(
        '/convene checkin settings "Standup" --remind-after 3 hourz',
        'I could not use "hourz" after 3: did you mean 3 hours?',
        "Type: /convene checkin settings Standup --remind-after 3 hours",
        id="a-mistyped-unit-after-a-number",
    ),
    pytest.param(
        '/convene checkin create "Wrap-up" #general every friday --tz Europe/London 17:00',
        'I could not tell what "17:00" is for: it comes after --tz Europe/London',
        "Type: /convene checkin create Wrap-up #general every friday 17:00 --tz Europe/London",
        id="a-schedule-split-by-an-option",
    ),
    pytest.param(
        "/convene silo add Oncology --knid team",
        "I don't know the option --knid of /convene silo add. Did you mean --kind?",
        "Type: /convene silo add Oncology --kind team",
        id="a-mistyped-option",
    ),
    pytest.param(
        "/convene member add carol --timezone Europe/London",
        "Did you mean --tz?",
        "Type: /convene member add carol --tz Europe/London",
        id="an-option-by-another-name",
    ),
    pytest.param(
        "/convene silo add Oncology --colour red",
        "/convene silo add has no option --colour (its options are --kind).",
        "Type: /convene silo add Oncology",
        id="an-option-the-command-does-not-have",
    ),
    pytest.param(
        "/convene member silo ad bob Radiotherapy",
        'I could not use "ad": /convene member silo takes add or remove there. Did you mean add?',
        "Type: /convene member silo add bob Radiotherapy",
        id="a-mistyped-keyword",
    ),
    pytest.param(
        "/pairing join general",
        'I could not use "general": a channel is named with a #',
        "Type: /pairing join #general",
        id="a-channel-without-its-#",
    ),
    pytest.param(
        "/convene member silo add bob",
        '/convene member silo needs SILO after "bob".',
        'For example: /convene member silo add bob "Public Health"',
        id="a-missing-argument-is-shown-in-place",
    ),
    pytest.param(
        "/convene member add carol --silo",
        "--silo needs a value after it (SILO).",
        "For example: /convene member add carol --silo Radiotherapy",
        id="an-option-without-its-value",
    ),
    pytest.param(
        "/convene silo add “Infection Control --kind team",
        "The quote before “Infection Control is never closed",
        "Type: /convene silo add “Infection Control” --kind team",
        id="a-curly-quote-left-open-is-closed-before-the-option",
    ),
    pytest.param(
        "/commit done 1 2",
        'I could not use "2": /commit done takes N.',
        "Type: /commit done 1",
        id="an-extra-number",
    ),
]


@pytest.mark.parametrize(("line", "names", "instead"), MISTAKES)
async def test_a_mistake_gets_one_line_naming_it_with_a_command_to_type_and_writes_nothing(
    sqlite_url: str, line: str, names: str, instead: str
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        before = await convene.snapshot(DOMAIN_TABLES, order_by="1")

        delivered = await convene.command("you", line)

        assert len(delivered) == 1
        reply = delivered[0]
        assert reply.message.visible_to == "you"
        assert "\n" not in reply.text
        assert names in reply.text
        assert reply.text.endswith(instead)
        assert "Usage:" not in reply.text, "the command to type says it better than a usage line"
        assert await convene.snapshot(DOMAIN_TABLES, order_by="1") == before


OFFERED = [
    pytest.param("/convenee help", "Commands you can use as a convener:", id="help"),
    pytest.param("/convene silo ad Oncology", "Added the silo Oncology (team).", id="typo"),
    pytest.param(
        "/convene silo add Infection Control",
        "Added the silo Infection Control (team).",
        id="quotes-added",
    ),
    pytest.param(
        '/convene checkin create "Retro prep" every monday 09:00',
        'Created the check-in "Retro prep" in #general',
        id="channel-filled-in",
    ),
    pytest.param(
        "/convene member silo add Public Health bob", "bob is now in Public Health.", id="order"
    ),
    pytest.param(
        '/convene checkin settings "Standup" --remind-after 3 hourz',
        "One reminder 3 h later",
        id="unit",
    ),
    pytest.param(
        "/convene silo add “Infection Control --kind team",
        "Added the silo Infection Control (team).",
        id="quote-closed",
    ),
]


@pytest.mark.parametrize(("line", "done"), OFFERED)
async def test_the_command_a_refusal_offers_does_what_was_meant_when_typed(
    sqlite_url: str, line: str, done: str
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        refusal = await convene.reply_to("you", line)
        offered = refusal.split(" type: ", 1)[-1].split("Type: ", 1)[-1]
        assert offered.startswith("/"), refusal

        assert done in await convene.reply_to("you", offered)


async def test_a_remind_after_of_3_hours_is_the_reminder_not_part_of_the_schedule(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        reply = await convene.reply_to(
            "you",
            '/convene checkin create "Pulse" #general every monday 09:00 --remind-after 3 hours',
        )
        assert 'Created the check-in "Pulse"' in reply
        assert "every Monday at 09:00" in reply
        assert "One reminder 3 h later" in reply


async def test_a_silo_and_a_member_in_the_other_order_are_understood(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        added = await convene.reply_to("you", '/convene member silo add "Public Health" alice')
        removed = await convene.reply_to("you", '/convene member silo remove "Public Health" alice')
    assert added == "alice is now in Public Health."
    assert removed == "alice is no longer in Public Health."


async def test_words_in_another_order_are_understood_where_the_meaning_is_clear(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        keyword_later = await convene.reply_to("you", "/convene member silo bob add Radiotherapy")
        options_first = await convene.reply_to("you", "/convene silo add --kind site Oncology")
        channel_first = await convene.reply_to(
            "you", '/convene checkin create #general "Pulse" every friday 16:00'
        )
        channel_last = await convene.reply_to(
            "you", "/convene pairing start every monday 10:00 #general --size 3"
        )
    assert keyword_later == "bob is now in Radiotherapy."
    assert options_first == "Added the silo Oncology (site)."
    assert 'Created the check-in "Pulse" in #general: every Friday at 16:00' in channel_first
    assert "Introductions are starting in #general: every week on Monday at 10:00" in channel_last


async def test_curly_quotes_work_like_straight_ones_and_an_apostrophe_stays_in_its_word(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        double = await convene.reply_to("you", "/convene silo add “Data & Analytics” --kind team")
        single = await convene.reply_to("you", "/convene member silo add bob ‘Data & Analytics’")
        german = await convene.reply_to(
            "you", "/convene silo rename “Data & Analytics” „Data and Analytics“"
        )
        dashed = await convene.reply_to("you", "/convene silo add ‘Ward 4’ —kind site")
        apostrophe = await convene.reply_to("you", "/convene silo add “Bob’s team”")
        straight = await convene.reply_to("you", "/convene silo add O'Neill --kind site")
        prose = await convene.reply_to("you", "/commit Check Bob’s rota by Friday")
    assert double == "Added the silo Data & Analytics (team)."
    assert single == "bob is now in Data & Analytics."
    assert german == "Renamed the silo Data & Analytics to Data and Analytics."
    assert dashed == "Added the silo Ward 4 (site)."
    assert apostrophe == "Added the silo Bob’s team (team)."
    assert straight == "Added the silo O'Neill (site)."
    assert "*Check Bob’s rota*" in prose


async def test_a_member_is_told_a_command_is_for_conveners_before_any_advice_on_its_words(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        reply = await convene.reply_to("alice", "/convene silo add Public Health")
    assert reply.startswith("Only conveners can use /convene silo add.")
    assert "quotes" not in reply


async def test_a_typo_does_not_reveal_a_conveners_command_to_a_member(sqlite_url: str) -> None:
    async with running(sqlite_url) as convene:
        await landscape(convene)
        reply = await convene.reply_to("alice", "/convene silo ad Oncology")
    assert reply.startswith("I don't know /convene silo")
    assert "silo add" not in reply
