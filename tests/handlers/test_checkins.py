"""Check-ins, as members and conveners live them (memory adapter).

Each member is asked in a DM at their own local time, answers (in a form or
one answer a message) land in one thread under the day's post in the
channel, and whoever has not answered gets one reminder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from adapters.memory import DISCORD_LIKE, Delivered
from bot.adapter import ChannelMember
from bot.outbox import Outbox
from handlers.checkins import runs as checkin_runs
from storage.repositories import checkins as checkins_repo
from storage.repositories import workspaces as workspaces_repo
from tests.support.harness import Harness, running
from tests.support.reading import local, sent_at, squeezed
from tests.support.times import LONDON, MONDAY, NEW_YORK, SUNDAY_NOON, TOKYO, at

MID_OCTOBER = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)  # a Thursday
PROMPT = "Time for *"
REMINDER = "A gentle reminder: *"
CLOSED = "This check-in is closed:"


# -- helpers -----------------------------------------------------------------------------------


def prompts(convene: Harness, member: str) -> list[Delivered]:
    return convene.dms(member, PROMPT)


def roots(convene: Harness, name: str, channel: str = "general") -> list[Delivered]:
    """The day's posts in the channel that the answers gather under."""

    return [
        d
        for d in convene.adapter.delivered
        if d.message.target.kind == "channel"
        and d.message.target.channel_id == channel
        and d.text.startswith(f"*{name}* for ")
    ]


def answers_in(convene: Harness, root: Delivered) -> list[Delivered]:
    return [d for d in convene.thread(root) if not d.text.startswith(CLOSED)]


async def answer_by_form(convene: Harness, actor: str, answers: Sequence[str]) -> list[Delivered]:
    await convene.click(actor, "Answer")
    return await convene.answer_form(actor, answers)


async def answer_in_dm(convene: Harness, actor: str, answers: Sequence[str]) -> list[Delivered]:
    before = len(convene.adapter.delivered)
    for answer in answers:
        await convene.in_dm(actor, answer)
    return convene.adapter.delivered[before:]


async def create(convene: Harness, line: str) -> None:
    reply = await convene.reply_to("you", line)
    assert reply.startswith("Created the check-in"), reply


def in_channel(*people: tuple[str, str, str]) -> list[ChannelMember]:
    return [ChannelMember(member_id, name, zone) for member_id, name, zone in people]


# -- time zones and daylight saving --------------------------------------------------------


async def test_london_new_york_and_tokyo_members_are_asked_at_nine_their_time_across_clock_changes(
    database_url: str,
) -> None:
    mondays = [date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)]
    zones = {"alice": LONDON, "bob": NEW_YORK, "kenji": TOKYO}
    async with running(database_url, start=MID_OCTOBER) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", NEW_YORK), ("kenji", "Kenji", TOKYO)
        )
        await create(
            convene,
            '/convene checkin create "Weekly pulse" #general every Monday 09:00 '
            f"--template pulse --tz {LONDON}",
        )
        for monday in mondays:
            # Kenji answers as soon as he is asked; Alice answers once, on 2 November;
            # Bob never does.
            await convene.advance(at(monday, 9, 0, TOKYO))
            await answer_in_dm(convene, "kenji", ["4", "Planning the autumn intake"])
            if monday == date(2026, 11, 2):
                await convene.advance(at(monday, 9, 30, LONDON))
                await answer_by_form(convene, "alice", ["2", "Short of staff this week"])
            await convene.advance(at(monday + timedelta(days=1), 12, 0, LONDON))

        for member, zone in zones.items():
            asked = prompts(convene, member)
            assert [local(p, zone).date() for p in asked] == mondays, member
            assert {local(p, zone).time() for p in asked} == {time(9, 0)}, member
        assert [sent_at(p).hour for p in prompts(convene, "alice")] == [8, 9, 9, 9]
        assert [sent_at(p).hour for p in prompts(convene, "bob")] == [13, 13, 14, 14]
        assert [sent_at(p).hour for p in prompts(convene, "kenji")] == [0, 0, 0, 0]

        # One reminder a run, three hours after the question, only to who has not answered.
        assert convene.dms("kenji", REMINDER) == []
        assert [local(r, NEW_YORK).date() for r in convene.dms("bob", REMINDER)] == mondays
        assert [local(r, LONDON).date() for r in convene.dms("alice", REMINDER)] == [
            date(2026, 10, 19),
            date(2026, 10, 26),
            date(2026, 11, 9),
        ]
        for member in ("alice", "bob"):
            assert {local(r, zones[member]).time() for r in convene.dms(member, REMINDER)} == {
                time(12, 0)
            }

        # One post a Monday in the channel, each with its own thread of answers.
        days = roots(convene, "Weekly pulse")
        assert [d.text.split(":")[0] for d in days] == [
            "*Weekly pulse* for Monday 19 October",
            "*Weekly pulse* for Monday 26 October",
            "*Weekly pulse* for Monday 2 November",
            "*Weekly pulse* for Monday 9 November",
        ]
        assert [len(answers_in(convene, day)) for day in days] == [1, 1, 2, 1]
        assert all(answers_in(convene, day)[0].text.startswith("*Kenji*\n") for day in days)
        assert [
            [d.text for d in convene.thread(day) if d.text.startswith(CLOSED)] for day in days
        ] == [
            ["This check-in is closed: 1 of 3 answered (33%). Thank you!"],
            ["This check-in is closed: 1 of 3 answered (33%). Thank you!"],
            ["This check-in is closed: 2 of 3 answered (67%). Thank you!"],
            ["This check-in is closed: 1 of 3 answered (33%). Thank you!"],
        ]

        report = squeezed(await convene.reply_to("you", '/convene checkin report "Weekly pulse"'))
        assert "Monday 19 October 3 1 33% 4.0" in report
        assert "Monday 2 November 3 2 67% 3.0" in report
        assert "Kenji 4 4 4 of 4" in report
        assert "Alice 0 1 1 of 4" in report
        assert "Bob 0 0 0 of 4" in report


# -- answering ---------------------------------------------------------------------------------


async def test_answers_gather_in_one_thread_under_the_days_post_with_each_members_name_and_silos(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        await convene.command("you", "/convene silo add Radiotherapy --kind team")
        await convene.command("you", '/convene silo add "Public Health" --kind organisation')
        await convene.command("you", f"/convene member add alice --silo Radiotherapy --tz {LONDON}")
        await convene.command("you", '/convene member silo add alice "Public Health"')
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", LONDON)
        )
        await create(convene, "/convene checkin create Standup #general every Monday 09:00")
        await convene.advance(at(MONDAY, 9, 5))

        (day,) = roots(convene, "Standup")
        assert day.text.startswith(
            "*Standup* for Monday 30 November: answers arrive in this thread"
        )

        # Alice answers in the form.
        done = await answer_by_form(
            convene, "alice", ["Planned the rota", "Meet the ward sisters", "Nothing"]
        )
        assert "Thank you! Your answers are in the thread in #general." in done[-1].text
        (alice,) = answers_in(convene, day)
        assert alice.text == (
            "*alice* (Public Health, Radiotherapy)\n"
            "*What did you do since the last check-in?* Planned the rota\n"
            "*What will you do today?* Meet the ward sisters\n"
            "*Is anything blocking you?* Nothing"
        )

        # Bob answers in the DM, one answer a message; nothing reaches the thread until the last.
        first = await convene.in_dm("bob", "Read the audit")
        assert [d.text for d in first] == ["Got it. 2 of 3: What will you do today?"]
        second = await convene.in_dm("bob", "Write it up")
        assert [d.text for d in second] == ["Got it. 3 of 3: Is anything blocking you?"]
        assert len(answers_in(convene, day)) == 1
        last = await convene.in_dm("bob", "Waiting on IT")
        assert last[-1].text.startswith("Thank you! Your answers are in the thread in #general.")
        assert [d.text.split("\n")[0] for d in answers_in(convene, day)] == [
            "*alice* (Public Health, Radiotherapy)",
            "*Bob*",
        ]
        again = await convene.in_dm("bob", "One more thing")
        assert again[0].text.startswith("You have answered *Standup* already.")
        assert [b.label for b in again[0].message.buttons] == ["Edit answer"]

        # Editing changes the same message in the thread, in place.
        await convene.click("alice", "Edit answer")
        form = convene.last_form("alice")
        assert [f.initial for f in form.fields] == [
            "Planned the rota",
            "Meet the ward sisters",
            "Nothing",
        ]
        edited = await convene.answer_form(
            "alice", ["Planned the rota", "Meet the ward sisters", "The printer"]
        )
        assert edited[-1].text.startswith("Updated your answer in the thread in #general.")
        alice_now, _ = answers_in(convene, day)
        assert alice_now.ref == alice.ref
        assert alice_now.edits == 1
        assert alice_now.text.endswith("*Is anything blocking you?* The printer")
        assert len(convene.thread(day)) == 2

        # Bob answered in the DM and may still edit in the form.
        await convene.click("bob", "Edit answer")
        assert [f.initial for f in convene.last_form("bob").fields] == [
            "Read the audit",
            "Write it up",
            "Waiting on IT",
        ]
        await convene.answer_form("bob", ["Read the audit", "Write it up", "Nothing now"])
        assert answers_in(convene, day)[1].edits == 1
        assert answers_in(convene, day)[1].text.endswith("*Is anything blocking you?* Nothing now")
        assert len(roots(convene, "Standup")) == 1


async def test_on_discord_seven_questions_come_in_two_pages_and_reach_the_thread_after_the_last(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON, capabilities=DISCORD_LIKE) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(convene, "/convene checkin create Standup #general every Monday 09:00")
        for question in ("Who did you meet?", "What surprised you?", "What did you read?"):
            await convene.command("you", f'/convene checkin questions Standup add "{question}"')
        added = await convene.reply_to(
            "you", '/convene checkin questions Standup add "How is the team?" --scale'
        )
        assert added.startswith("Added question 7.")
        await convene.advance(at(MONDAY, 9, 0))
        (day,) = roots(convene, "Standup")
        answers = ["Rota", "Ward round", "No", "Priya", "The queue", "A paper", "4"]

        await convene.click("alice", "Answer")
        first = convene.last_form("alice")
        assert first.title == "Standup (1 of 2)"
        assert [f.name for f in first.fields] == ["q0", "q1", "q2", "q3", "q4"]
        assert first.submit_label == "Next"
        saved = await convene.answer_form("alice", answers)
        assert [d.text for d in saved] == ["Saved page 1. Press Continue for the rest."]
        assert [b.label for b in saved[0].message.buttons] == ["Continue"]
        assert answers_in(convene, day) == []

        await convene.click("alice", "Continue")
        second = convene.last_form("alice")
        assert second.title == "Standup (2 of 2)"
        assert [f.name for f in second.fields] == ["q5", "q6"]
        assert second.fields[1].kind == "choice"
        assert second.fields[1].choices == ("1", "2", "3", "4", "5")
        assert second.submit_label == "Send"
        done = await convene.answer_form("alice", answers)
        assert done[-1].text.startswith("Thank you! Your answers are in the thread")
        (posted,) = answers_in(convene, day)
        assert posted.text.splitlines() == [
            "*Alice*",
            "*What did you do since the last check-in?* Rota",
            "*What will you do today?* Ward round",
            "*Is anything blocking you?* No",
            "*Who did you meet?* Priya",
            "*What surprised you?* The queue",
            "*What did you read?* A paper",
            "*How is the team?* 4",
        ]


async def test_a_member_who_saved_page_one_and_then_replies_in_the_dm_goes_on_with_question_six(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON, capabilities=DISCORD_LIKE) as convene:
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(convene, "/convene checkin create Standup #general every Monday 09:00")
        for question in ("Q4?", "Q5?", "Q6?", "Q7?"):
            await convene.command("you", f'/convene checkin questions Standup add "{question}"')
        await convene.advance(at(MONDAY, 9, 0))
        await convene.click("alice", "Answer")
        saved = await convene.answer_form("alice", ["one", "two", "three", "four", "five"])
        assert saved[0].text.startswith("Saved page 1.")

        reply = await convene.in_dm("alice", "six")

        assert [d.text for d in reply] == ["Got it. 7 of 7: Q7?"]


# -- skipping and streaks -----------------------------------------------------------------------


async def test_skip_this_time_skip_next_and_skip_until_spare_the_prompts_and_keep_the_streak(
    sqlite_url: str,
) -> None:
    weekdays = [
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
        date(2026, 12, 3),
        date(2026, 12, 4),
        date(2026, 12, 7),
        date(2026, 12, 8),
        date(2026, 12, 9),
    ]
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", LONDON)
        )
        await create(
            convene,
            '/convene checkin create "Daily pulse" #general every weekday 09:00 --template pulse '
            f"--tz {LONDON}",
        )
        # Monday: answered.
        await convene.advance(at(weekdays[0], 9, 1))
        await answer_in_dm(convene, "alice", ["4", "Fine"])
        # Tuesday: Skip this time, then skip the next one (Wednesday) too.
        await convene.advance(at(weekdays[1], 9, 1))
        skipped = await convene.click("alice", "Skip this time")
        assert skipped[0].text == (
            "Skipped *Daily pulse* this time; your streak is safe. "
            "The next one is on Wednesday 2 December at 09:00."
        )
        assert "Wednesday 2 December at 09:00" in await convene.reply_to(
            "alice", "/checkin skip next"
        )
        assert "skipping the next one" in await convene.reply_to("alice", "/checkin status")
        # Thursday: answered, then away until Tuesday 8 December.
        await convene.advance(at(weekdays[3], 9, 1))
        await answer_in_dm(convene, "alice", ["5", "Good"])
        away = await convene.reply_to("alice", "/checkin skip until 2026-12-08")
        assert away.startswith(
            'No check-in prompts for you until Tuesday 8 December 2026 ("Daily pulse"); '
            "you are back from Wednesday 9 December."
        )
        assert "skipping until 2026-12-08" in await convene.reply_to("alice", "/checkin status")
        # Wednesday 9 December: back, and answered.
        await convene.advance(at(weekdays[7], 9, 1))
        await answer_in_dm(convene, "alice", ["3", "Busy"])
        await convene.advance(at(weekdays[7] + timedelta(days=1), 8, 0))

        assert [local(p, LONDON).date() for p in prompts(convene, "alice")] == [
            weekdays[0],
            weekdays[1],
            weekdays[3],
            weekdays[7],
        ]
        assert [local(p, LONDON).date() for p in prompts(convene, "bob")] == weekdays
        assert convene.dms("alice", REMINDER) == []  # she skipped before the reminder came

        mine = await convene.reply_to("alice", "/checkin status")
        assert mine.endswith("streak 3; your answers go to the thread, with your name.")
        assert "skipping" not in mine
        assert (await convene.reply_to("bob", "/checkin status")).endswith(
            "streak 0; your answers go to the thread, with your name."
        )
        report = squeezed(
            await convene.reply_to("you", '/convene checkin report "Daily pulse" --runs 10')
        )
        assert "the last 9 runs:" in report  # Thursday's opened at 09:00 in Kiritimati
        assert "Thursday 10 December (open) 0 0 - -" in report
        assert "Tuesday 1 December 1 0 0% -" in report  # Alice skipped: not counted as asked
        assert "Thursday 3 December 2 1 50% 5.0" in report
        assert "Alice 3 3 3 of 3" in report
        assert "Bob 0 0 0 of 8" in report


async def test_a_member_who_answers_after_skipping_this_time_is_counted_as_answered(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(convene, "/convene checkin create Standup #general every Monday 09:00")
        await convene.advance(at(MONDAY, 9, 0))
        await convene.click("alice", "Skip this time")
        await answer_by_form(convene, "alice", ["Rota", "Ward", "None"])
        (day,) = roots(convene, "Standup")
        assert len(answers_in(convene, day)) == 1
        await convene.advance(at(MONDAY + timedelta(days=1), 1, 0))
        assert (await convene.reply_to("alice", "/checkin status")).endswith(
            "streak 1; your answers go to the thread, with your name."
        )


# -- who is asked ----------------------------------------------------------------------------


async def test_with_who_joined_only_those_who_join_are_asked_and_a_late_joiner_is_asked_at_once(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", LONDON), ("carol", "Carol", LONDON)
        )
        await create(
            convene,
            "/convene checkin create Learning #general every Monday 09:00 --who joined "
            f"--template learning --tz {LONDON}",
        )
        await convene.command("alice", f"/convene me tz {LONDON}")
        joined = await convene.reply_to("alice", "/checkin join")
        assert joined.strip() == (
            'You are in "Learning". The next one is on Monday 30 November at 09:00.'
        )
        await convene.advance(at(MONDAY, 9, 0))
        assert len(prompts(convene, "alice")) == 1
        assert prompts(convene, "bob") == prompts(convene, "carol") == []

        # Bob joins mid-morning: today's run is open and his day is not over.
        await convene.command("bob", f"/convene me tz {LONDON}")
        await convene.advance(at(MONDAY, 11, 0))
        late, _ = await convene.only_reply("bob", "/checkin join")
        assert "You are asked in today's run too." in late
        (asked,) = prompts(convene, "bob")
        assert sent_at(asked) == at(MONDAY, 11, 0)

        # Kenji joins when it is already tomorrow in Tokyo: he waits for the next one.
        await convene.command("kenji", f"/convene me tz {TOKYO}")
        await convene.advance(at(MONDAY, 16, 0))
        kenji = await convene.reply_to("kenji", "/checkin join")
        assert "today's run" not in kenji
        assert "The next one is on Monday 7 December at 09:00." in kenji
        assert prompts(convene, "kenji") == []

        left = await convene.reply_to("alice", "/checkin leave")
        assert left.startswith('You have left "Learning"; you will not be asked again.')
        assert "not joined" in await convene.reply_to("carol", "/checkin status")

        await convene.advance(at(MONDAY + timedelta(days=7), 10, 0))
        assert len(prompts(convene, "alice")) == 1
        assert len(prompts(convene, "bob")) == 2
        assert [local(p, TOKYO).date() for p in prompts(convene, "kenji")] == [date(2026, 12, 7)]
        assert prompts(convene, "carol") == []


async def test_a_member_who_leaves_a_channel_check_in_is_not_asked_in_it_again(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", LONDON)
        )
        await create(convene, "/convene checkin create Standup #general every Monday 09:00")
        await convene.command("bob", "/checkin leave")
        await convene.advance(at(MONDAY, 9, 0))
        assert len(prompts(convene, "alice")) == 1
        assert prompts(convene, "bob") == []
        assert "left (/checkin join to come back)" in await convene.reply_to(
            "bob", "/checkin status"
        )
        back, _ = await convene.only_reply("bob", "/checkin join")
        assert "You are asked in today's run too." in back
        assert len(prompts(convene, "bob")) == 1


async def test_a_member_who_leaves_after_being_asked_gets_no_reminder(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = in_channel(("bob", "Bob", LONDON))
        await create(convene, "/convene checkin create Standup #general every Monday 09:00")
        await convene.advance(at(MONDAY, 9, 0))
        assert len(prompts(convene, "bob")) == 1
        await convene.advance(at(MONDAY, 10, 0))
        assert "you will not be asked again" in await convene.reply_to("bob", "/checkin leave")

        await convene.advance(at(MONDAY, 13, 0))

        assert convene.dms("bob", REMINDER) == []


# -- conveners -----------------------------------------------------------------------------


async def test_a_convener_runs_it_now_pauses_resumes_and_deletes_it_after_confirming(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(
            convene,
            f'/convene checkin create "Weekly pulse" #general every Monday 09:00 --tz {LONDON} '
            "--template pulse",
        )
        now, _ = await convene.only_reply("you", '/convene checkin run now "Weekly pulse"')
        assert now == ('Asked 1 member for "Weekly pulse" now; answers go to a thread in #general.')
        (asked,) = prompts(convene, "alice")
        assert sent_at(asked) == SUNDAY_NOON
        assert roots(convene, "Weekly pulse")[0].text.startswith(
            "*Weekly pulse* for Sunday 29 November"
        )
        again = await convene.reply_to("you", '/convene checkin run now "Weekly pulse"')
        assert again.startswith('"Weekly pulse" already has a run for today (Sunday 29 November)')
        assert len(prompts(convene, "alice")) == 1

        paused = await convene.reply_to("you", '/convene checkin pause "Weekly pulse"')
        assert paused.startswith('"Weekly pulse" is paused: no new runs until')
        assert '"Weekly pulse" (paused) in #general' in await convene.reply_to(
            "you", "/convene checkin list"
        )
        await convene.advance(at(MONDAY, 12, 0))
        assert len(prompts(convene, "alice")) == 1
        assert len(roots(convene, "Weekly pulse")) == 1

        resumed = await convene.reply_to("you", '/convene checkin resume "Weekly pulse"')
        assert resumed == (
            '"Weekly pulse" is back on. Next: Monday 7 December at 09:00 (Europe/London).'
        )
        await convene.advance(at(MONDAY + timedelta(days=7), 10, 0))
        assert len(prompts(convene, "alice")) == 2

        ask = await convene.command("you", '/convene checkin delete "Weekly pulse"')
        assert ask[0].text.startswith(
            'Delete "Weekly pulse"? This removes its schedule, its 2 runs and every answer'
        )
        assert [b.label for b in ask[0].message.buttons] == ['Delete "Weekly pulse"', "Keep it"]
        kept = await convene.click("you", "Keep it")
        assert kept[0].text == "Kept it; nothing was deleted."
        assert '"Weekly pulse"' in await convene.reply_to("you", "/convene checkin list")

        await convene.command("you", '/convene checkin delete "Weekly pulse"')
        deleted = await convene.click("you", 'Delete "Weekly pulse"')
        assert deleted[0].text == 'Deleted the check-in "Weekly pulse" and its answers.'
        assert (await convene.reply_to("you", "/convene checkin list")).startswith(
            "No check-ins yet."
        )
        assert await convene.advance(at(MONDAY + timedelta(days=14), 13, 0)) == []
        assert len(prompts(convene, "alice")) == 2
        hello = await convene.in_dm("alice", "4")
        assert hello[0].text.startswith("Hello! I'm Convene.")


def said(moment: datetime, zone: str = LONDON) -> str:
    """A moment as Convene words it, like "Monday 7 December at 09:00"."""

    wall = moment.astimezone(ZoneInfo(zone))
    return f"{wall:%A} {wall.day} {wall:%B} at {wall:%H:%M}"


def listed_short(moments: list[datetime], zone: str = LONDON) -> str:
    """Moments as a schedule's answer lists them: "Mon 30 Nov 09:00, Mon 7 Dec 09:00"."""

    walls = [moment.astimezone(ZoneInfo(zone)) for moment in moments]
    return ", ".join(f"{w:%a} {w.day} {w:%b} {w:%H:%M}" for w in walls)


async def test_a_check_in_created_on_monday_morning_asks_the_three_times_its_reply_said(
    sqlite_url: str,
) -> None:
    created_at = at(MONDAY, 8, 0)
    async with running(sqlite_url, start=created_at) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        created = await convene.reply_to(
            "you", f"/convene checkin create Standup #general every Monday 09:00 --tz {LONDON}"
        )
        await convene.advance(at(MONDAY + timedelta(days=14), 10, 0))
        asked = [sent_at(prompt) for prompt in prompts(convene, "alice")]
        assert len(asked) == 3
        assert f"Next in Europe/London: {listed_short(asked)}." in created


async def test_a_check_in_resumed_on_monday_morning_next_asks_when_its_reply_said(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(
            convene, f"/convene checkin create Standup #general every Monday 09:00 --tz {LONDON}"
        )
        await convene.command("you", "/convene checkin pause Standup")
        await convene.advance(at(MONDAY, 7, 0))
        resumed = await convene.reply_to("you", "/convene checkin resume Standup")
        await convene.advance(at(MONDAY + timedelta(days=7), 10, 0))
        first = prompts(convene, "alice")[0]
        assert f"Next: {said(sent_at(first))} (Europe/London)." in resumed


async def test_a_run_started_by_hand_after_the_closing_time_reminds_with_the_real_close(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=at(MONDAY, 16, 0)) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(
            convene,
            "/convene checkin create Standup #general every Tuesday 09:00 --closes 17:00 "
            f"--tz {LONDON}",
        )
        await convene.command("you", "/convene checkin run now Standup")
        await convene.advance(at(MONDAY, 23, 0))
        (day,) = roots(convene, "Standup")
        assert [sent_at(d) for d in convene.thread(day)] == [at(MONDAY, 22, 0)]
        (reminder,) = convene.dms("alice", REMINDER)
        assert sent_at(reminder) == at(MONDAY, 19, 0)
        assert "17:00" not in reminder.text


async def test_every_weekday_runs_monday_to_friday_only(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(
            convene,
            "/convene checkin create Standup #general every weekday 09:00 --remind-after off",
        )
        await convene.advance(at(MONDAY + timedelta(days=7), 10, 0))
        asked = [local(p, LONDON) for p in prompts(convene, "alice")]
        assert [a.date() for a in asked] == [
            date(2026, 11, 30),
            date(2026, 12, 1),
            date(2026, 12, 2),
            date(2026, 12, 3),
            date(2026, 12, 4),
            date(2026, 12, 7),
        ]
        assert {a.time() for a in asked} == {time(9, 0)}
        assert convene.dms("alice", REMINDER) == []
        assert len(roots(convene, "Standup")) == 6


# -- the report ---------------------------------------------------------------------------------


async def test_the_report_shows_each_runs_rate_the_pulse_and_streaks_and_only_to_conveners(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", LONDON), ("carol", "Carol", LONDON)
        )
        await create(
            convene,
            '/convene checkin create "Daily pulse" #general every weekday 09:00 --template pulse',
        )
        before = await convene.reply_to("you", '/convene checkin report "Daily pulse"')
        assert before == '"Daily pulse" has not run yet; its report starts after the first run.'

        await convene.advance(at(MONDAY, 9, 0))
        await answer_in_dm(convene, "alice", ["4", "Good"])
        await answer_by_form(convene, "bob", ["2", "Tired"])
        await convene.advance(at(MONDAY + timedelta(days=1), 9, 0))
        await answer_in_dm(convene, "alice", ["5", "Great"])
        await convene.click("bob", "Skip this time")
        await convene.advance(at(MONDAY + timedelta(days=1), 23, 30))

        report = await convene.reply_to("you", '/convene checkin report "Daily pulse"')
        assert report.startswith("*Daily pulse* (#general), the last 3 runs:")
        lines = squeezed(report).splitlines()
        assert "run asked answered rate pulse" in lines
        assert "Monday 30 November 3 2 67% 3.0" in lines
        assert "Tuesday 1 December (open) 2 1 50% 5.0" in lines
        assert "Wednesday 2 December (open) 0 0 - -" in lines  # opened, nobody asked yet
        assert "member streak best answered" in lines
        members = lines[lines.index("member streak best answered") + 2 :]
        assert members[:3] == ["Alice 2 2 2 of 2", "Bob 1 1 1 of 1", "Carol 0 0 0 of 2"]

        await convene.advance(at(MONDAY + timedelta(days=2), 9, 30))
        latest = squeezed(
            await convene.reply_to("you", '/convene checkin report "Daily pulse" --runs 1')
        )
        assert "the last run:" in latest
        assert "Wednesday 2 December (open) 3 0 0% -" in latest
        assert "Monday 30 November" not in latest
        assert "Not answered in the latest run: Alice, Bob, Carol." in latest

        refused = await convene.command("alice", '/convene checkin report "Daily pulse"')
        assert [d.text for d in refused] == [
            'Only conveners can use /convene checkin report. Ask the convener named "you".'
        ]


# -- once and only once ---------------------------------------------------------------------


async def test_a_replayed_slot_or_timer_sends_nothing_twice(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel(
            ("alice", "Alice", LONDON), ("bob", "Bob", NEW_YORK)
        )
        await create(
            convene, f"/convene checkin create Standup #general every Monday 09:00 --tz {LONDON}"
        )
        await convene.advance(at(MONDAY, 9, 0))
        assert await convene.advance(at(MONDAY, 9, 0)) == []
        await convene.app.scheduler.run_due()
        await convene.app.settle()

        # The run's work done again by hand, as a second instance or a replayed timer would.
        async with convene.app.sessions.begin() as session:
            workspace = await workspaces_repo.get_or_create(
                session, "memory", convene.adapter.workspace_id, "", convene.clock.now()
            )
            assert workspace.id is not None
            (checkin,) = await checkins_repo.of_workspace(session, workspace.id)
            assert checkin.id is not None
            (run,) = await checkins_repo.runs(session, checkin.id, 5)
            outbox = Outbox(session, "memory", convene.adapter.workspace_id, convene.clock)
            await checkin_runs.advance(
                session, checkin=checkin, run=run, now=convene.clock.now(), outbox=outbox
            )
            again = await checkin_runs.open_run(
                session,
                workspace=workspace,
                checkin=checkin,
                day=MONDAY,
                members=[],
                now=convene.clock.now(),
                outbox=outbox,
            )
            assert again.id == run.id
        await convene.app.settle()
        assert len(prompts(convene, "alice")) == 1
        assert len(roots(convene, "Standup")) == 1

        for _ in range(2):
            await convene.advance(at(MONDAY, 12, 0))
        assert len(convene.dms("alice", REMINDER)) == 1
        for _ in range(2):
            await convene.advance(at(MONDAY, 14, 0, NEW_YORK))
        assert len(prompts(convene, "bob")) == 1
        for _ in range(2):
            await convene.advance(at(MONDAY + timedelta(days=1), 12, 0))
        assert len(convene.dms("bob", REMINDER)) == 1
        (day,) = roots(convene, "Standup")
        assert [d.text for d in convene.thread(day)] == [
            "This check-in is closed: 0 of 2 answered (0%). Thank you!"
        ]


async def test_a_retried_answer_in_the_dm_counts_once(sqlite_url: str) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.channel_members["general"] = in_channel(("alice", "Alice", LONDON))
        await create(
            convene, '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse'
        )
        await convene.advance(at(MONDAY, 9, 0))
        for _ in range(2):  # the platform sends the same event twice
            await convene.adapter.say(
                "alice", "4", place=convene.adapter.dm("alice"), event_id="slack-retry-1"
            )
            await convene.app.settle()
        answered = await convene.in_dm("alice", "Calm week")
        assert answered[-1].text.startswith("Thank you! Your answers are in the thread")
        (day,) = roots(convene, "Pulse")
        (posted,) = answers_in(convene, day)
        assert posted.text.endswith(
            "*How are you, from 1 (struggling) to 5 (great)?* 4\n*What is on your mind?* Calm week"
        )
