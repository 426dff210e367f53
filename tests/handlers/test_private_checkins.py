"""Private check-ins, as members and conveners live them (memory adapter).

A convener says where a check-in's answers go (``--answers thread|conveners|summary``);
every prompt a member gets says it before they write a word. Conveners-only answers
reach the conveners alone, in one digest each at the close; a summary check-in's
thread gets one message at the close that names nobody and quotes only those who
agreed; nobody's answers become less private than they were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from adapters.memory import Delivered
from bot.adapter import ChannelMember
from handlers.landscape import export_data
from handlers.opportunities import index_cache
from handlers.shared.passages import load_passages
from storage.models import Checkin, CheckinPrompt, Schedule, Workspace
from tests.support.harness import Harness, running
from tests.support.times import LONDON, MONDAY, SUNDAY_NOON, at

PROMPT = "Time for *"
REMINDER = "A gentle reminder: *"
TO_CONVENERS = 'Your answers go to: the conveners only (carol, the convener named "you").'
TO_SUMMARY = "Your answers go to: a summary in #general that names nobody."
QUOTE_ME = "Quote me without my name"
PULSE = "/convene checkin create Pulse #general every Monday 09:00 --template pulse --tz " + LONDON
TUESDAY_MORNING = at(MONDAY + timedelta(days=1), 6, 0)


def in_channel(*names: str) -> list[ChannelMember]:
    return [ChannelMember(name, name, LONDON) for name in names]


def in_the_channel(convene: Harness) -> list[Delivered]:
    """Everything posted in #general or its threads."""

    return [d for d in convene.adapter.delivered if d.message.target.kind in ("channel", "thread")]


def thread_replies(convene: Harness) -> list[Delivered]:
    return [d for d in convene.adapter.delivered if d.message.target.kind == "thread"]


async def answered(convene: Harness, member: str, answers: Sequence[str]) -> Delivered:
    """The member answers by the form; the reply they get."""

    await convene.click(member, "Answer")
    return (await convene.answer_form(member, answers))[-1]


async def workspace_id(convene: Harness) -> int:
    (workspace,) = await convene.rows(Workspace)
    assert workspace.id is not None
    return workspace.id


# -- conveners only -------------------------------------------------------------------------


async def test_conveners_only_answers_are_announced_in_each_prompt_never_posted_and_digested(
    database_url: str,
) -> None:
    async with running(database_url, start=SUNDAY_NOON, conveners=("you", "carol")) as convene:
        convene.adapter.clock = convene.clock
        await convene.command("carol", "/checkin status")  # a convener from her first command
        convene.adapter.channel_members["general"] = in_channel("alice", "bob")
        created = await convene.reply_to("you", f"{PULSE} --answers conveners")
        assert "answers go to conveners only (each gets a digest at the close)" in created
        await convene.advance(at(MONDAY, 9, 5))

        # Every prompt says where the answers go: the DM, the form, the reminder.
        (prompt,) = convene.dms("alice", PROMPT)
        assert prompt.text.endswith("\n" + TO_CONVENERS)
        await convene.click("alice", "Answer")
        assert convene.last_form("alice").note == TO_CONVENERS
        done = (await convene.answer_form("alice", ["2", "Short of staff on ward 7"]))[-1]
        assert done.text.startswith(
            "Thank you! Your answers go to the conveners only; nothing is posted in #general."
        )
        await convene.advance(at(MONDAY, 12, 10))
        (reminder,) = convene.dms("bob", REMINDER)
        assert reminder.text.endswith("\n" + TO_CONVENERS)

        await convene.advance(TUESDAY_MORNING)

        # Nothing of the answer reached the channel: the day's post says where answers go,
        # and the thread holds the count only.
        posted = in_the_channel(convene)
        assert all("Short of staff" not in d.text for d in posted)
        (day,) = [d for d in posted if d.text.startswith("*Pulse* for ")]
        assert "answers go to the conveners only, not to this thread" in day.text
        assert [d.text for d in thread_replies(convene)] == [
            "This check-in is closed: 1 of 2 answered (50%). Thank you!"
        ]
        assert all("Short of staff" not in d.text for d in convene.dms("bob"))

        # Each convener gets one digest, named answers and who did not answer.
        for convener in ("you", "carol"):
            (digest,) = convene.dms(convener, "*Pulse* for Monday 30 November is closed")
            assert digest.text == (
                "*Pulse* for Monday 30 November is closed: 1 of 2 answered (50%). Its answers, "
                "for conveners only:\n\n"
                "*alice*\n*How are you, from 1 (struggling) to 5 (great)?* 2\n"
                "*What is on your mind?* Short of staff on ward 7\n\n"
                "Not answered: bob."
            )


# -- summary --------------------------------------------------------------------------------


async def test_a_summary_check_ins_thread_names_nobody_and_quotes_only_those_who_agreed(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel("alice", "bob", "dan", "erin")
        await convene.reply_to("you", f"{PULSE} --answers summary")
        await convene.advance(at(MONDAY, 9, 5))
        (prompt,) = convene.dms("alice", PROMPT)
        assert prompt.text.endswith("\n" + TO_SUMMARY)

        done = await answered(convene, "alice", ["4", "Winter pressures on the wards"])
        assert "names nobody" in done.text
        assert [b.label for b in done.message.buttons] == ["Edit answer", QUOTE_ME]
        agreed = await convene.click("alice", QUOTE_ME)
        assert agreed[-1].text.startswith("Thank you: your written answers may be quoted")
        await answered(convene, "bob", ["2", "My manager and I do not get on"])
        await answered(convene, "dan", ["3", "The new rota works"])
        await convene.click("dan", QUOTE_ME)
        assert [d.text for d in thread_replies(convene)] == []  # nothing until the close

        await convene.advance(TUESDAY_MORNING)

        (summary,) = thread_replies(convene)
        lines = summary.text.splitlines()
        assert lines[:3] == [
            "*Pulse* for Monday 30 November is closed: 3 of 4 answered (75%).",
            "*How are you, from 1 (struggling) to 5 (great)?* 3.0 on average",
            "*What is on your mind?*",
        ]
        assert sorted(lines[3:5]) == ['- "The new rota works"', '- "Winter pressures on the wards"']
        assert len(lines) == 6 and "without names" in lines[5]
        for said in in_the_channel(convene):
            assert "manager" not in said.text
            for name in ("alice", "bob", "dan", "erin"):
                assert name not in said.text
        quoted = {p.member_id: p.quote_ok for p in await convene.rows(CheckinPrompt)}
        assert sorted(quoted.values()) == [False, False, True, True]

        # Exports list who took part, never what anyone said.
        async with convene.app.sessions() as session:
            table = await export_data.dataset(session, await workspace_id(convene), "checkins")
        assert {row[3] for row in table.rows} == {"alice", "bob", "dan", "erin"}
        assert {row[-1] for row in table.rows} == {None}


async def test_fewer_than_three_answers_give_counts_only_in_the_summary_and_the_report(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel("alice", "bob", "dan")
        await convene.reply_to("you", f"{PULSE} --answers summary")
        await convene.advance(at(MONDAY, 9, 5))
        for member, answers in (("alice", ["5", "All good"]), ("bob", ["1", "Exhausted"])):
            await answered(convene, member, answers)
            await convene.click(member, QUOTE_ME)

        await convene.advance(TUESDAY_MORNING)
        report = await convene.reply_to("you", "/convene checkin report Pulse")

    (summary,) = thread_replies(convene)
    assert summary.text == (
        "*Pulse* for Monday 30 November is closed: 2 of 3 answered (67%).\n"
        "With fewer than 3 answers this summary gives counts only, so that nobody can be told "
        "apart. Thank you!"
    )
    (run_row,) = [line for line in report.splitlines() if line.startswith("Monday 30 November")]
    assert run_row.split()[-1] == "-"  # no pulse: beside who answered it would name them


# -- changing it ----------------------------------------------------------------------------


async def test_a_convener_cannot_make_a_check_ins_answers_less_private_once_someone_answered(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        convene.adapter.channel_members["general"] = in_channel("alice")
        await convene.reply_to("you", f"{PULSE} --answers conveners")
        # Nobody has answered yet: any change is fine.
        opened = await convene.reply_to("you", "/convene checkin settings Pulse --answers thread")
        assert "answers go to a thread in #general" in opened
        await convene.reply_to("you", "/convene checkin settings Pulse --answers conveners")
        await convene.advance(at(MONDAY, 9, 5))
        await answered(convene, "alice", ["3", "Quiet week"])

        refused = await convene.reply_to("you", "/convene checkin settings Pulse --answers thread")
        (checkin,) = await convene.rows(Checkin)
        assert checkin.answers_to == "conveners"
        assert refused == (
            '"Pulse" already has answers given for the conveners only, and answers given in '
            "private stay private: create a new check-in for answers that go to the thread."
        )

        more = await convene.reply_to("you", "/convene checkin settings Pulse --answers summary")
        assert "answers go into a summary in #general that names nobody" in more
        (checkin,) = await convene.rows(Checkin)
        assert checkin.answers_to == "summary"


async def test_a_bad_answers_value_gets_one_line_saying_what_to_type_and_creates_nothing(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        delivered = await convene.command("you", f"{PULSE} --answers private")
        (reply,) = delivered
        assert reply.text == (
            "I could not use --answers private: say thread (posted with names in the channel's "
            "thread), conveners (read by conveners only) or summary (one message at the close "
            f"that names nobody). Type: {PULSE} --answers conveners"
        )
        assert await convene.rows(Checkin) == []
        assert await convene.rows(Schedule) == []
        near = await convene.reply_to("you", f"{PULSE} --answers sumary")
        assert near.endswith(f"Type: {PULSE} --answers summary")


# -- opportunities ----------------------------------------------------------------------------


SILOS = [
    "/convene silo add Radiotherapy --kind team",
    '/convene silo add "Public Health" --kind team',
    "/convene silo add Pharmacy --kind team",
    "/convene member add ana --silo Radiotherapy --tz Europe/London",
    '/convene member add priya --silo "Public Health" --tz Europe/London',
    "/convene member add omar --silo Pharmacy --tz Europe/London",
]
EXCHANGE = (
    "/convene checkin create {name} #general every Monday 09:00 --template exchange "
    "--who joined --tz Europe/London --answers {to}"
)
PRIYA = [
    "A shared discharge coordination board with the community teams",
    "Rota software",
    "Nothing",
]
OMAR = ["Discharge coordination for pharmacy: medicines ready a day early", "Stock", "Nothing"]


async def test_opportunities_never_quote_conveners_only_answers_to_members_nor_read_summary_ones(
    sqlite_url: str,
) -> None:
    index_cache.forget()
    async with running(sqlite_url, start=SUNDAY_NOON) as convene:
        convene.adapter.clock = convene.clock
        for line in SILOS:
            await convene.command("you", line)
        await convene.command("you", EXCHANGE.format(name="Open", to="thread"))
        await convene.command("you", EXCHANGE.format(name="Quiet", to="summary"))
        await convene.command("priya", "/checkin join Open")
        await convene.command("omar", "/checkin join Quiet")
        await convene.advance(at(MONDAY, 9, 5))
        await answered(convene, "priya", PRIYA)
        await answered(convene, "omar", OMAR)

        # Priya's answer went to the thread: a member finds it, quoted.
        before = await convene.reply_to("ana", "/pairing find discharge coordination")
        assert "*priya*" in before and "discharge coordination board" in before
        assert "omar" not in before  # a summary's answers are never read

        # Made conveners-only: members no longer read it; conveners still do.
        await convene.reply_to("you", "/convene checkin settings Open --answers conveners")
        member = await convene.reply_to("ana", "/pairing find discharge coordination")
        convener = await convene.reply_to("you", "/convene who knows discharge coordination")

        async with convene.app.sessions() as session:
            passages = await load_passages(
                session, await workspace_id(convene), since=SUNDAY_NOON - timedelta(days=1)
            )

    assert member.startswith("I found nobody")
    assert "priya" not in member and "board" not in member
    assert "*priya*" in convener and "conveners only" in convener
    assert "omar" not in convener and "medicines" not in convener
    assert len({p.member_id for p in passages if p.source == "answer"}) == 1  # priya's
    assert all(not p.quotable for p in passages if p.source == "answer")
    assert not any("medicines" in p.text for p in passages)
    index_cache.forget()
