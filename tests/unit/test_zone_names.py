"""Time zones as members type them: places are taken, names of clocks are asked about.

"GMT", "EST" and "UTC+1" name a clock, not a place: kept as a zone, a UK
member on GMT would be an hour out all summer. Each is refused with the
zones it likely means, as buttons that finish the command and as a command
to type; a typo gets the zones it is close to.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.command_buttons import LONGEST_LINE, RUN_COMMAND, command_button, inline
from bot.errors import UsageError, UserError
from bot.messages import Button
from handlers.shared.clock_names import ABBREVIATIONS, MOST_OFFERED, clock_named
from handlers.shared.zones import check_timezone

USAGE = "/convene me tz ZONE"
NOVEMBER = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
JULY = datetime(2027, 7, 15, 12, 0, tzinfo=UTC)


def me_tz(zone: str) -> tuple[str, Button | None]:
    return f"/convene me tz {zone}", Button(zone, "me.tz", zone)


def refusal(typed: str, *, now: datetime = NOVEMBER) -> UserError:
    with pytest.raises(UserError) as refused:
        check_timezone(typed, USAGE, retry=me_tz, now=now)
    return refused.value


@pytest.mark.parametrize(
    ("typed", "meaning", "offered"),
    [
        ("GMT", "short for Greenwich Mean Time", ["Europe/London", "Europe/Dublin"]),
        ("BST", "short for British Summer Time", ["Europe/London"]),
        ("EST", "short for Eastern Standard Time", ["America/New_York", "America/Toronto"]),
        ("EDT", "short for Eastern Daylight Time", ["America/New_York", "America/Toronto"]),
        ("PST", "short for Pacific Standard Time", ["America/Los_Angeles"]),
        ("CET", "short for Central European Time", ["Europe/Paris", "Europe/Berlin"]),
        ("IST", "short for India, Irish or Israel Standard Time", ["Asia/Kolkata"]),
        ("AEST", "short for Australian Eastern Standard Time", ["Australia/Sydney"]),
        ("JST", "short for Japan Standard Time", ["Asia/Tokyo"]),
        ("HST", "short for Hawaii Standard Time", ["Pacific/Honolulu"]),
        ("MST", "short for Mountain Standard Time", ["America/Denver", "America/Phoenix"]),
        ("EST5EDT", "an old name for the rules of US Eastern Time", ["America/New_York"]),
        ("Etc/GMT", "another name for Greenwich Mean Time", ["Europe/London"]),
        ("GMT0", "another name for Greenwich Mean Time", ["Europe/London"]),
        ("Etc/GMT+5", "a fixed offset, UTC-5 (these names turn the sign round)", []),
        ("UTC+1", "a fixed offset from UTC", ["Europe/Paris"]),
        ("GMT-5", "a fixed offset from UTC", ["America/New_York"]),
        ("+05:30", "a fixed offset from UTC", ["Asia/Kolkata"]),
    ],
)
def test_a_clocks_name_is_refused_with_the_zones_it_likely_means_as_buttons(
    typed: str, meaning: str, offered: list[str]
) -> None:
    refused = refusal(typed)
    labels = [button.label for button in refused.buttons]

    assert refused.message.startswith(f"{typed!r} is {meaning}, a clock rather than a place")
    assert labels[: len(offered)] == offered
    assert 1 <= len(labels) <= MOST_OFFERED
    assert all(button.action_id == "me.tz" for button in refused.buttons)
    assert refused.message.endswith(f"Choose below, or type: /convene me tz {labels[0]}")
    assert "Usage:" not in refused.reply_text()


def test_gmt_says_a_uk_member_would_not_follow_the_clocks_and_offers_utc_last() -> None:
    refused = refusal("gmt")

    assert refused.message == (
        "'gmt' is short for Greenwich Mean Time, a clock rather than a place: as a fixed "
        "offset it would not go forward or back with the clocks. Did you mean Europe/London, "
        "Europe/Dublin, Africa/Accra, Atlantic/Reykjavik or UTC? "
        "Choose below, or type: /convene me tz Europe/London"
    )
    assert [b.value for b in refused.buttons][-1] == "UTC"


def test_a_name_the_zone_database_gives_rules_of_its_own_is_not_said_to_be_fixed() -> None:
    assert "fixed offset" not in refusal("CET").message
    assert "fixed offset" not in refusal("EST5EDT").message


def test_japan_has_no_summer_time_so_jst_is_asked_about_without_talk_of_the_clocks() -> None:
    assert refusal("JST").message == (
        "'JST' is short for Japan Standard Time, a clock rather than a place. "
        "Did you mean Asia/Tokyo? Choose below, or type: /convene me tz Asia/Tokyo"
    )


def test_an_offset_offers_first_the_zones_whose_clocks_show_it_now() -> None:
    in_november = [b.label for b in refusal("UTC+1").buttons]
    in_july = [b.label for b in refusal("UTC+1", now=JULY).buttons]

    assert in_november[0] == "Europe/Paris"  # Paris in winter; London is on UTC+0
    assert in_july[:2] == ["Europe/London", "Europe/Dublin"]  # British Summer Time


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Etc/UTC", "Etc/UTC"),
        ("europe/london", "Europe/London"),
        ("America/New York", "America/New_York"),
        ("Asia/Kolkata", "Asia/Kolkata"),
    ],
)
def test_utc_and_places_are_taken_as_they_are(typed: str, stored: str) -> None:
    assert check_timezone(typed, USAGE, retry=me_tz, now=NOVEMBER) == stored


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("Europe/Londn", "Europe/London"),
        ("europe/lndon", "Europe/London"),
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("Asia/Tokio", "Asia/Tokyo"),
    ],
)
def test_a_typo_or_a_city_alone_gets_did_you_mean_with_buttons(typed: str, first: str) -> None:
    refused = refusal(typed)

    assert refused.message.startswith(f"{typed!r} is not a time zone I know. Did you mean {first}")
    assert refused.buttons[0].value == first


def test_a_name_like_nothing_known_gets_examples_and_the_usage() -> None:
    with pytest.raises(UsageError) as refused:
        check_timezone("Mars/Olympus", USAGE, retry=me_tz, now=NOVEMBER)

    assert refused.value.buttons == ()
    assert refused.value.reply_text() == (
        "'Mars/Olympus' is not a time zone I know. Use an IANA name like Europe/London, "
        "America/New_York or Asia/Tokyo. Usage: /convene me tz ZONE"
    )


def test_without_a_way_to_finish_the_command_the_zones_are_named_with_the_usage() -> None:
    with pytest.raises(UsageError) as refused:
        check_timezone("PST", USAGE, now=NOVEMBER)

    assert "Did you mean America/Los_Angeles, America/Vancouver or America/Tijuana?" in (
        refused.value.reply_text()
    )
    assert refused.value.reply_text().endswith("Usage: /convene me tz ZONE")


def test_a_command_too_long_for_a_discord_button_is_kept_rather_than_carried() -> None:
    short = command_button("Europe/London", "/convene member add sam --tz Europe/London")
    long = command_button("Europe/London", "/convene " + "x" * LONGEST_LINE)

    assert inline(short) == Button(
        "Europe/London", RUN_COMMAND, "convene member add sam --tz Europe/London"
    )
    assert inline(long) is None, "kept when the refusal answers, its button naming the row"
    # Discord: a 20-digit server id, the separators and "command.run#4" fit in 100.
    assert 20 + 1 + len(RUN_COMMAND) + 2 + 1 + LONGEST_LINE <= 100


def test_every_zone_offered_for_an_abbreviation_is_a_zone_of_today() -> None:
    for name, clock in ABBREVIATIONS.items():
        assert 1 <= len(clock.zones) <= MOST_OFFERED, name
        for zone in clock.zones:
            assert check_timezone(zone, USAGE, now=NOVEMBER) == zone, (name, zone)


def test_a_place_or_utc_is_no_clocks_name() -> None:
    for name in ("UTC", "Etc/UTC", "Europe/London", "America/Argentina/Buenos_Aires"):
        assert clock_named(name, NOVEMBER) is None
