"""A convener changes a check-in after creating it: time, reminder, close, who is asked."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapter import ChannelMember
from tests.support.harness import running

# A Wednesday: this week's Monday run is long over.
WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CREATE = '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse --tz UTC'


async def test_settings_without_options_show_how_the_check_in_runs(sqlite_url: str) -> None:
    async with running(sqlite_url, start=WEDNESDAY) as convene:
        await convene.command("you", CREATE)

        shown = await convene.reply_to("you", '/convene checkin settings "Pulse"')

        assert shown == (
            'Settings of "Pulse": every Monday at 09:00 in each member\'s own time zone (UTC '
            "for anyone who has not set one), asking everyone in #general. One reminder 3 h "
            "later to those who have not answered. Answers close at the end of each member's day; "
            "answers go to a thread in #general. Next in UTC: Mon 7 Dec 09:00, Mon 14 Dec 09:00, "
            "Mon 21 Dec 09:00."
        )


async def test_moving_a_check_in_to_thursday_asks_on_thursday_and_not_late_for_tuesday(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=WEDNESDAY) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = [ChannelMember("alice", "Alice", "UTC")]
        await convene.command("you", CREATE)

        reply = await convene.reply_to(
            "you",
            '/convene checkin settings "Pulse" --schedule "every Tuesday and Thursday 10:00" '
            "--remind-after 2h --closes 18:00",
        )
        await convene.app.advance_clock_to(datetime(2026, 12, 4, 0, 0, tzinfo=UTC))

        assert reply.startswith(
            'Updated "Pulse": every Tuesday and Thursday at 10:00 in each member\'s own time zone'
        )
        assert "One reminder 2 h later" in reply and "Answers close at 18:00" in reply
        assert "Next in UTC: Thu 3 Dec 10:00, Tue 8 Dec 10:00, Thu 10 Dec 10:00." in reply
        alice = convene.adapter.seen_by("alice")
        asks = [d.at for d in alice if d.text.startswith("Time for *Pulse*")]
        reminders = [d.at for d in alice if d.text.startswith("A gentle reminder")]
        assert asks == [datetime(2026, 12, 3, 10, 0, tzinfo=UTC)]  # Thursday, not Tuesday late
        assert reminders == [datetime(2026, 12, 3, 12, 0, tzinfo=UTC)]
        assert "Open until 18:00 your time." in next(
            d.text for d in alice if d.text.startswith("Time for *Pulse*")
        )


async def test_bad_settings_change_nothing(sqlite_url: str) -> None:
    async with running(sqlite_url, start=WEDNESDAY) as convene:
        await convene.command("you", CREATE)
        before = await convene.reply_to("you", '/convene checkin settings "Pulse"')

        for line, says in (
            ('/convene checkin settings "Pulse" --schedule "whenever"', "could not read"),
            ('/convene checkin settings "Pulse" --closes 08:00', "before it asks at 09:00"),
            ('/convene checkin settings "Pulse" --who everybody', "say channel"),
            ('/convene checkin settings "Pulse" --tz Mars/Olympus', "not a time zone"),
            ('/convene checkin settings "Pulse" --tz GMT', "short for Greenwich Mean Time"),
            ('/convene checkin settings "Nope" --who joined', "no check-in called"),
        ):
            assert says in await convene.reply_to("you", line), line
        refused = await convene.reply_to("bob", '/convene checkin settings "Pulse" --who joined')

        assert refused.startswith("Only conveners can use /convene checkin settings.")
        assert await convene.reply_to("you", '/convene checkin settings "Pulse"') == before
