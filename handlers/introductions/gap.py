"""The minimum gap between a member's introductions (``Programme.min_gap_days``).

A convener's ``round now`` on a Thursday followed by the scheduled round on
Monday would give members two introductions in a few days, and the second
one lands before they have had time for the first. So a round leaves out
whoever it introduced too lately, unless the convener insists. The members
are filtered here, before the matching engine sees them: the engine stays
pure and never learns about calendars.

The gap is counted in calendar days in the programme's own time zone, so a
weekly round is never "a few minutes too soon" after a change of clocks.

Only the programme's own rounds count. An introduction made outside the
rounds (a convener's suggestion, a member's ask: ``offround.py``) answers one
need and keeps no rhythm, so a member introduced that way two days ago is
still in Monday's round.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.text import plural
from storage.models import PairingRound, Programme
from storage.repositories import pairings as pairings_repo


def _local_day(moment: datetime, programme: Programme) -> date:
    return moment.astimezone(ZoneInfo(programme.timezone)).date()


def too_soon(last: datetime, slot: datetime, programme: Programme) -> bool:
    """Whether a round at ``slot`` comes too soon after an introduction at ``last``."""

    if programme.min_gap_days <= 0:
        return False
    days = (_local_day(slot, programme) - _local_day(last, programme)).days
    return days < programme.min_gap_days


def free_again(last: datetime, programme: Programme) -> date:
    """The first day (in the programme's zone) a member introduced at ``last`` may be again."""

    return _local_day(last, programme) + timedelta(days=programme.min_gap_days)


async def sitting_out(
    session: AsyncSession, programme: Programme, member_ids: Iterable[int], slot: datetime
) -> dict[int, PairingRound]:
    """Of ``member_ids``, who was introduced too lately for a round at ``slot``, and when."""

    assert programme.id is not None
    last = await pairings_repo.last_introductions(session, programme.id, member_ids)
    return {
        member_id: pairing_round
        for member_id, pairing_round in last.items()
        if too_soon(pairing_round.slot_at, slot, programme)
    }


def rule(programme: Programme) -> str:
    """The rule as settings and status state it."""

    if programme.min_gap_days <= 0:
        return "no minimum gap between a member's introductions"
    return f"at least {plural(programme.min_gap_days, 'day')} between a member's introductions"


def lately(programme: Programme) -> str:
    """ "in the last 5 days", for a summary naming who sat a round out."""

    if programme.min_gap_days == 1:
        return "earlier today"
    return f"in the last {plural(programme.min_gap_days, 'day')}"
