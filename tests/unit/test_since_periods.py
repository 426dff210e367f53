"""``--since`` as conveners type it, for maps, reports, exports and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import UsageError
from handlers.shared.periods import describe_since, read_since

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "days_back"),
    [("3mo", 90), ("3 months", 90), ("6w", 42), ("90d", 90), ("1y", 365), ("a year", 365)],
)
def test_a_period_back_from_now(typed: str, days_back: int) -> None:
    since = read_since(typed, NOW, "/convene map")
    assert since is not None and (NOW - since).days == days_back


@pytest.mark.parametrize("typed", ["2026-01-01", "1 January 2026", "1 Jan 2026"])
def test_a_date_to_start_from(typed: str) -> None:
    assert read_since(typed, NOW, "/convene map") == datetime(2026, 1, 1, tzinfo=UTC)


def test_nothing_given_or_all_means_from_the_beginning() -> None:
    assert read_since(None, NOW, "u") is None
    assert read_since("all", NOW, "u") is None
    assert describe_since(None, NOW) == "since the beginning"


@pytest.mark.parametrize("typed", ["soon", "3", "2027-05-01", "0d", "500y"])
def test_what_cannot_be_read_says_what_to_type(typed: str) -> None:
    with pytest.raises(UsageError) as refused:
        read_since(typed, NOW, "/convene map")
    assert "--since 3mo" in str(refused.value)
