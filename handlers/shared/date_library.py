"""The date library (``dateparser``), asked only what Convene's own phrases leave over.

It reads "Dec 31st", "31st of December", "tomorrow morning", "in ten days",
"2 weeks from now", "last friday" and many more, in English only (so that it
loads one language, not two hundred), preferring the future, with the
workspace's date order, relative to the member's own wall clock.

It is imported on first use, not when Convene starts: loading it and its
English data costs about a quarter of a second, once per process
(``python -m tests.support.date_table`` prints the figure measured), and
most commands read no date. Later readings take under a millisecond.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from types import ModuleType
from typing import Any

from handlers.shared.date_order import DateOrder


@lru_cache(maxsize=1)
def _dateparser() -> ModuleType:
    import dateparser

    module: ModuleType = dateparser
    return module


def library_reading(text: str, local_now: datetime, order: DateOrder) -> datetime | None:
    """What the library reads in ``text``, as a naive wall-clock datetime, or None.

    ``local_now`` is the member's wall clock, naive: "tomorrow" is tomorrow
    where they are. The answer is naive too, on that same wall clock (never
    converted to another zone, hence ``RETURN_AS_TIMEZONE_AWARE`` off).
    """

    settings: dict[str, Any] = {
        "DATE_ORDER": order.upper(),
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        found = _dateparser().parse(text, languages=["en"], settings=settings)
    except (OverflowError, ValueError):  # a year past 9999, a day no calendar has
        return None
    return found if isinstance(found, datetime) else None
