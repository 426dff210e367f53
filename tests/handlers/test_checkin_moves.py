"""Members who move: a new time zone moves the check-in to their new 09:00."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapter import ChannelMember
from tests.support.harness import running

SUNDAY = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


async def test_a_member_who_moves_from_tokyo_to_london_is_asked_at_london_nine(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = [
            ChannelMember("kenji", "Kenji", "Asia/Tokyo"),
        ]
        await convene.command(
            "you",
            '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse',
        )
        # The run opens on Sunday at 19:00 UTC (Monday 09:00 at UTC+14): Kenji's
        # prompt is planned for 00:00 UTC. Before then, he moves to London.
        await convene.app.advance_clock_to(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
        reply = await convene.reply_to("kenji", "/convene me tz Europe/London")
        assert "now come at your new local time" in reply

        await convene.app.advance_clock_to(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))

        asks = [
            d for d in convene.adapter.seen_by("kenji") if d.text.startswith("Time for *Pulse*")
        ]
        assert [d.at for d in asks] == [datetime(2026, 11, 30, 9, 0, tzinfo=UTC)]
