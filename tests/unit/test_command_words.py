"""The words of a command line as people type them: curly quotes, apostrophes, phone dashes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import Args, CommandSpec, Flag, Option, Positional, parse_args
from bot.errors import UsageError
from bot.nearest import guess_paths, nearest
from bot.words import command_line, quoted, split_words


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ('silo add "Public Health"', ["silo", "add", "Public Health"]),
        ("silo add “Data & Analytics”", ["silo", "add", "Data & Analytics"]),
        ("silo add ‘Public Health’", ["silo", "add", "Public Health"]),
        ("silo add „Öffentliche Gesundheit“", ["silo", "add", "Öffentliche Gesundheit"]),
        ("silo add ”Folkhälsa”", ["silo", "add", "Folkhälsa"]),
        ('silo add "Public Health”', ["silo", "add", "Public Health"]),
        ("silo add Bob’s", ["silo", "add", "Bob’s"]),
        ("silo add O'Neill", ["silo", "add", "O'Neill"]),
        ("silo add 'Bob's team'", ["silo", "add", "Bob's team"]),
        ("silo add ‘Bob’s team’", ["silo", "add", "Bob’s team"]),
        ("’til the ’90s", ["’til", "the", "’90s"]),
        ('--silo="Public Health"', ["--silo=Public Health"]),
        ("--silo=“Public Health”", ["--silo=Public Health"]),
        ("a“b", ["a“b"]),
        ('say ""', ["say", ""]),
        ("a\u3000b", ["a", "b"]),
    ],
)
def test_a_line_splits_into_the_words_that_were_meant(typed: str, words: list[str]) -> None:
    assert split_words(typed) == words


def test_a_quote_left_open_is_named_and_closed_where_the_name_ends() -> None:
    with pytest.raises(UsageError) as refused:
        split_words('silo add "Public Health --kind organisation', "convene")
    assert refused.value.message == (
        "The quote before \"Public Health is never closed, so I can't tell where that name "
        'ends; close it with ". Type: /convene silo add "Public Health" --kind organisation'
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs")), max_size=40))
def test_a_word_quoted_for_a_command_comes_back_as_that_word(word: str) -> None:
    assert split_words(quoted(word)) == [word]


def test_a_command_line_quotes_only_the_words_that_need_it() -> None:
    line = command_line(["convene", "member", "silo", "add", "alice", "Public Health"])
    assert line == '/convene member silo add alice "Public Health"'
    assert command_line(["commit", "Check", "Bob's", "rota"], plain=True) == (
        "/commit Check Bob's rota"
    )


async def _nothing(context: object, args: Args) -> None:
    return None


SPEC = CommandSpec(
    ("convene", "thing", "make"),
    _nothing,
    "Make a thing.",
    "/convene thing make add|remove NAME #CHANNEL [--size N] [--remind-after DELAY] [--loud]",
    '/convene thing make add "Big thing" #general',
    params=(
        Positional("action", choices=("add", "remove")),
        Positional("name"),
        Positional("channel"),
        Option("size", "N"),
        Option("remind-after", "DELAY"),
        Flag("loud"),
    ),
)


def test_options_flags_keywords_and_channels_are_found_wherever_they_were_typed() -> None:
    args = parse_args(SPEC, ["--loud", "#general", "Thing", "add", "—size", "3"])
    assert (args["action"], args["name"], args["channel"], args["size"]) == (
        "add",
        "Thing",
        "#general",
        "3",
    )
    assert args.flag("loud")


def test_a_number_and_its_unit_are_one_value() -> None:
    args = parse_args(SPEC, ["add", "Thing", "#x", "--remind-after", "3", "hours"])
    assert args["remind-after"] == "3 hours"
    assert args.retyped({"remind-after": "3h"}) == (
        "/convene thing make add Thing #x --remind-after 3h"
    )


def test_a_channel_left_out_is_filled_in_from_where_the_command_was_typed() -> None:
    with pytest.raises(UsageError) as refused:
        parse_args(SPEC, ["add", "Big thing"], here="ward-4")
    assert refused.value.message.endswith(
        'For this channel, type: /convene thing make add "Big thing" #ward-4'
    )


def test_the_nearest_command_is_found_from_mistyped_or_missing_words() -> None:
    paths = [("convene", "silo", "add"), ("convene", "silos"), ("checkin", "status")]
    roots = ["convene", "checkin"]
    assert guess_paths(["convenee", "silo", "ad", "X"], paths, roots)[0].path == paths[0]
    assert guess_paths(["silo", "add", "X"], paths, roots)[0].path == paths[0]
    assert guess_paths(["checkin", "stauts"], paths, roots)[0].path == paths[2]
    assert nearest("timezone", ["tz", "silo"]) == ["tz"]
    assert nearest("rename", ["remove"]) == []


TOGGLE = CommandSpec(
    ("pairing", "suggest"),
    _nothing,
    "Whether you may be suggested.",
    "/pairing suggest [off|on]",
    "/pairing suggest off",
    params=(Positional("choice", required=False, choices=("off", "on")),),
)


def test_a_word_that_is_none_of_an_optional_keywords_choices_is_refused_not_taken_as_it() -> None:
    """ "maybe" is nowhere near off or on: it is not taken as the choice (where a handler
    comparing it with "off" would read it as "on"); the line is refused in one answer."""

    assert parse_args(TOGGLE, []).get("choice") is None
    assert parse_args(TOGGLE, ["OFF"])["choice"] == "off"
    with pytest.raises(UsageError) as refused:
        parse_args(TOGGLE, ["maybe"])
    assert refused.value.message.startswith('I could not use "maybe"')
