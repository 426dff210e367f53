"""Conveners can read what every convener did: who changed, removed or exported what, when.

The rows are written by the core (``bot.audit_trail``) in the transaction of the
action, whatever the command, so a refused or failed action leaves none and no
convener command can forget to write one; what a convener only looked at is not
listed. Members appear by id, so one forgotten later reads "a former member", and
nothing a member typed (an answer, an item, a topic) is ever kept there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from bot.adapter import ChannelMember
from bot.commands import Args, CommandSpec, Positional
from bot.context import Context
from bot.registry import Registry
from bot.wiring import build_registry
from storage.models import AuditEntry, Member, Silo
from storage.repositories import audit as audit_repo
from storage.repositories import silos as silos_repo
from tests.support import harness as harness_module
from tests.support.harness import Harness, running

GENERAL = [
    ChannelMember("alice", "alice", "UTC"),
    ChannelMember("bob", "bob", "UTC"),
    ChannelMember("you", "you", "UTC"),
]


@pytest.fixture
def start() -> datetime:
    return datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday, 08:00 UTC


async def logged(convene: Harness) -> list[str]:
    """Every row as "action: subject", a member acted on shown as [their name now]."""

    async with convene.app.sessions() as session:
        workspace_ids = {row.workspace_id for row in await convene.rows(AuditEntry)}
        lines: list[audit_repo.AuditLine] = []
        for workspace_id in workspace_ids:
            found, _total = await audit_repo.lines_since(session, workspace_id, None, limit=1000)
            lines.extend(reversed(found))
    return [_said(line) for line in lines]


def _said(line: audit_repo.AuditLine) -> str:
    member = f"[{line.subject_member}]" if line.subject_member is not None else ""
    what = " ".join(part for part in (member, line.subject) if part)
    return f"{line.action}: {what}" if what else line.action


async def every_column(convene: Harness) -> str:
    """All that the audit log holds, as one text to search."""

    return "\n".join(repr(row.model_dump()) for row in await convene.rows(AuditEntry))


# -- who did what, when -------------------------------------------------------------------------


async def test_a_convener_adding_and_removing_a_member_is_logged_with_who_and_when(
    convene: Harness,
) -> None:
    await convene.command("you", "/convene me tz Europe/Madrid")
    await convene.command("you", "/convene silo add Radiotherapy")
    await convene.command("you", "/convene member add alice --silo Radiotherapy")
    convene.clock.advance(timedelta(hours=6, minutes=2))
    (asked,) = await convene.command("you", "/convene member remove alice")
    assert await logged(convene) == [
        "silo add: Radiotherapy",
        "member add: [alice] --silo Radiotherapy",
    ]  # asking first changes nothing

    await convene.press("you", asked, "Remove, keep their contributions")

    assert await logged(convene) == [
        "silo add: Radiotherapy",
        "member add: [a former member] --silo Radiotherapy",
        "member remove: [a former member] (kept their contributions)",
    ]
    (shown,) = await convene.command("you", "/convene audit")
    assert shown.text.splitlines() == [
        "What conveners did in the last 30 days, newest first (times in Europe/Madrid):",
        "30 Nov 15:02 you: member remove: a former member (kept their contributions)",
        "30 Nov 09:00 you: member add: a former member --silo Radiotherapy",
        "30 Nov 09:00 you: silo add: Radiotherapy",
    ]
    assert "alice" not in await every_column(convene)


async def test_a_convener_button_that_changes_something_is_logged_and_cancel_is_not(
    convene: Harness,
) -> None:
    convene.adapter.channel_members["general"] = GENERAL
    await convene.command("you", '/convene checkin create "Pulse" #general every Friday 09:00')
    (asked,) = await convene.command("you", '/convene checkin delete "Pulse"')
    await convene.press("you", asked, "Keep it")
    assert await logged(convene) == [
        'checkin create: Pulse #general "every Friday 09:00"',
    ]

    (asked,) = await convene.command("you", '/convene checkin delete "Pulse"')
    await convene.press("you", asked, 'Delete "Pulse"')

    assert (await logged(convene))[-1] == "checkin delete: Pulse"


# -- what is not logged --------------------------------------------------------------------------


async def test_a_refused_command_logs_nothing(convene: Harness) -> None:
    await convene.command("you", "/convene silo remove Nowhere")
    await convene.command("you", "/convene member add alice --tz Mars/Olympus")
    await convene.command("you", '/convene checkin create "Pulse" #general every Blursday 09:00')
    await convene.command("alice", "/convene silo add Radiotherapy")  # not a convener

    assert await convene.rows(AuditEntry) == []
    assert await convene.rows(Silo) == []


async def test_a_command_that_fails_after_writing_logs_nothing(
    convene: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_reply(self: Context, text: str, *args: object, **kwargs: object) -> None:
        raise RuntimeError("the reply could not be queued")

    monkeypatch.setattr(Context, "reply", broken_reply)
    await convene.command("you", "/convene silo add Radiotherapy")
    monkeypatch.undo()

    assert await convene.rows(Silo) == []
    assert await convene.rows(AuditEntry) == []


async def test_what_a_convener_only_looks_at_is_not_logged(convene: Harness) -> None:
    await convene.command("you", "/convene silo add Radiotherapy")
    for line in (
        "/convene status",
        "/convene members",
        "/convene settings",
        "/convene pairing starters",
        "/convene pairing settings",
        "/convene digest",
        "/convene silo kinds",
        "/convene audit",
    ):
        await convene.command("you", line)

    assert await logged(convene) == ["silo add: Radiotherapy"]


async def test_what_anyone_does_for_themselves_is_not_a_convener_action(
    convene: Harness,
) -> None:
    convene.adapter.channel_members["general"] = GENERAL
    await convene.command("you", "/convene pairing start #general every Monday 10:00")
    await convene.command("you", "/convene me tz Europe/Madrid")  # a convener, as a member
    await convene.command("you", "/commit Book the room by Friday")
    await convene.command("alice", "/pairing join")
    await convene.command("alice", "/commit Draft the checklist by Friday")

    assert await logged(convene) == ['pairing start: #general "every Monday 10:00"']


async def test_a_member_cannot_read_the_log(convene: Harness) -> None:
    await convene.command("you", "/convene silo add Radiotherapy")

    (refused,) = await convene.command("alice", "/convene audit")

    assert refused.text.startswith("Only conveners can use /convene audit.")
    assert "Radiotherapy" not in refused.text


# -- reading it ------------------------------------------------------------------------------------


async def test_since_shows_only_that_period_and_an_empty_log_says_so(convene: Harness) -> None:
    await convene.command("you", "/convene silo add Radiotherapy")
    convene.clock.advance(timedelta(days=10))
    await convene.command("you", "/convene silo add Oncology")

    (week,) = await convene.command("you", "/convene audit --since 7d")
    (month,) = await convene.command("you", "/convene audit")
    convene.clock.advance(timedelta(days=40))
    (later,) = await convene.command("you", "/convene audit")
    (year,) = await convene.command("you", "/convene audit --since 1y")

    assert week.text.splitlines()[1:] == ["10 Dec 08:00 you: silo add: Oncology"]
    assert month.text.splitlines()[1:] == [
        "10 Dec 08:00 you: silo add: Oncology",
        "30 Nov 08:00 you: silo add: Radiotherapy",
    ]
    assert later.text == (
        "Nothing in the audit log in the last 30 days: no convener changed, removed or "
        "exported anything. A longer period: /convene audit --since 1y"
    )
    assert len(year.text.splitlines()) == 3


@pytest.mark.parametrize("period", ["soon", "0d", "-3w"])
async def test_a_bad_period_gets_one_line_saying_what_to_type(
    convene: Harness, period: str
) -> None:
    (refused,) = await convene.command("you", f"/convene audit --since {period}")

    assert "--since 3mo" in refused.text
    assert "What conveners did" not in refused.text


async def test_a_long_log_fits_one_message_and_says_how_many_more(convene: Harness) -> None:
    for day in range(40):
        await convene.command("you", f"/convene silo add Team-{day:02}-{'x' * 40}")
        convene.clock.advance(timedelta(hours=12))

    (shown,) = await convene.command("you", "/convene audit")

    lines = shown.text.splitlines()
    assert len(shown.text) <= 1900
    assert lines[1].startswith("19 Dec 20:00 you: silo add: Team-39")
    left = 40 - (len(lines) - 2)
    assert lines[-1] == f"{left} more, older, not shown: use --since {(len(lines) - 2) // 2}d " + (
        "to see a shorter period whole."
    )


# -- what the log never holds ----------------------------------------------------------------------


async def test_the_log_never_holds_an_answer_or_other_member_typed_text(
    convene: Harness,
) -> None:
    convene.adapter.channel_members["general"] = GENERAL
    await convene.command("you", "/convene silo add Radiotherapy")
    await convene.command("you", "/convene member add alice --silo Radiotherapy --tz UTC")
    await convene.command(
        "you", '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse'
    )
    await convene.advance(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    await convene.click("alice", "Answer")
    await convene.answer_form("alice", ["4", "SECRET-ANSWER about the discharge rota"])
    await convene.command("you", '/convene retro open "Quarter 4"')
    await convene.click("alice", "Add item", on="*Retro: Quarter 4*")
    add = convene.last_form("alice", "retro.add")
    await convene.submit("alice", add, {"category": "Start", "text": "SECRET-ITEM huddles"})
    await convene.command("you", '/convene checkin questions "Pulse" add "SECRET-QUESTION?"')
    await convene.command("you", '/convene pairing starters add "SECRET-STARTER here"')
    await convene.command("you", "/convene who knows SECRET-ANSWER discharge rota")
    await convene.command("you", '/convene checkin report "Pulse"')
    await convene.command("you", '/convene retro close "Quarter 4"')
    await convene.command("you", '/convene retro export "Quarter 4"')
    await convene.command("you", "/convene export --what checkin_answers --format csv")
    (asked,) = await convene.command("you", "/convene member remove alice")
    await convene.press("you", asked, "Remove and erase everything")

    held = await every_column(convene)
    assert len(await convene.rows(AuditEntry)) >= 8
    assert "SECRET" not in held
    assert "alice" not in held


async def test_a_forgotten_member_reads_as_a_former_member(convene: Harness) -> None:
    await convene.command("you", "/convene member add alice")
    await convene.command("you", "/convene convener add alice")
    await convene.command("alice", "/convene silo add Radiotherapy")
    assert await logged(convene) == [
        "member add: [alice]",
        "convener add: [alice]",
        "silo add: Radiotherapy",
    ]
    (before,) = await convene.command("you", "/convene audit")
    assert "08:00 alice: silo add: Radiotherapy" in before.text

    async with convene.app.sessions.begin() as session:  # as storage.repositories.erasure does
        await session.exec(
            update(Member)
            .where(col(Member.platform_user_id) == "alice")
            .values(
                display_name="a former member",
                platform_user_id="former-2",
                erased_at=convene.clock.now(),
                is_convener=False,
            )
        )

    (after,) = await convene.command("you", "/convene audit")
    assert after.text.splitlines()[1:] == [
        "30 Nov 08:00 a former member: silo add: Radiotherapy",
        "30 Nov 08:00 you: convener add: a former member",
        "30 Nov 08:00 you: member add: a former member",
    ]


# -- no convener command can forget -------------------------------------------------------------


async def test_a_new_convener_command_that_never_mentions_the_log_is_logged_all_the_same(
    database_url: str, start: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever adds a command need not remember the audit log: its changes are seen."""

    async def touch(context: Context, args: Args) -> None:
        assert context.workspace.id is not None
        await silos_repo.add(
            context.session, context.workspace.id, args["name"], "team", context.now
        )
        await context.reply("Done.")

    async def look(context: Context, args: Args) -> None:
        await context.reply("Nothing to see.")

    def with_new_commands(build: Callable[[], Registry]) -> Callable[[], Registry]:
        def built() -> Registry:
            registry = build()
            for path, handler in ((("convene", "touch"), touch), (("convene", "look"), look)):
                registry.command(
                    CommandSpec(
                        path,
                        handler,
                        "A command written without a thought for the audit log.",
                        "/" + " ".join(path) + " NAME",
                        "/" + " ".join(path) + " Oncology",
                        params=(Positional("name"),),
                        convener_only=True,
                    )
                )
            return registry

        return built

    monkeypatch.setattr(harness_module, "build_registry", with_new_commands(build_registry))
    async with running(database_url, start=start) as convene:
        await convene.command("you", "/convene touch Oncology")
        await convene.command("you", "/convene look Oncology")

        assert await logged(convene) == ["touch: Oncology"]


SETUP = "setup"
"""A step that prepares the next ones; what it logs is not checked."""

EVERY_CONVENER_COMMAND: list[tuple[str, str | None]] = [
    ("/convene silo add Radiotherapy", SETUP),
    ("/convene silo add Oncology", SETUP),
    ("/convene member add bob --silo Oncology", SETUP),
    (
        '/convene silo add "Public Health" --kind organisation',
        'silo add: "Public Health" --kind organisation',
    ),
    (
        "/convene member add alice --silo Radiotherapy --tz Europe/London",
        "member add: [alice] --silo Radiotherapy --tz Europe/London",
    ),
    (
        '/convene checkin create "Weekly pulse" #general every Friday 09:00 --template pulse',
        'checkin create: "Weekly pulse" #general "every Friday 09:00" --template pulse',
    ),
    ('/convene checkin run now "Weekly pulse"', 'checkin run now: "Weekly pulse"'),
    (
        '/convene retro open "Quarter 4" --format start-stop-continue --anonymous '
        '--closes "friday 17:00"',
        'retro open: "Quarter 4" --format start-stop-continue --anonymous --closes "friday 17:00"',
    ),
    (
        "/convene pairing start #general every 2 weeks on Monday 10:00 --size 2 "
        "--mix team,organisation",
        'pairing start: #general "every 2 weeks on Monday 10:00" --size 2 --mix team,organisation',
    ),
    ("/convene status", None),
    ("/convene settings", None),
    ("/convene settings date-order mdy", "settings date-order: mdy"),
    ("/convene silo import usergroups", None),  # the memory platform has no groups: refused
    ("/convene silo kinds add ward", "silo kinds: add ward"),
    ('/convene member silo add alice "Public Health"', 'member silo: [alice] add "Public Health"'),
    ("/convene members --silo Radiotherapy", None),
    ("/convene convener add alice", "convener add: [alice]"),
    ("/convene convener remove alice", "convener remove: [alice]"),
    ("/convene member remove alice", None),  # asks first; the button is logged
    ("/convene member import", None),  # asks for the file; importing it is logged
    ("/convene map --kind team --since 3mo", "map: --kind team --since 3mo (sent 2 files)"),
    ("/convene dashboard", None),  # off unless the config turns it on
    (
        "/convene report --since 6mo --programme #general",
        "report: --since 6mo --programme #general (sent 6 files)",
    ),
    (
        "/convene export --what members,commitments --format csv",
        "export: --what members,commitments --format csv (sent 2 files)",
    ),
    ("/convene digest off", "digest: off"),
    ("/pairing join", SETUP),
    ("/convene pairing pause #general", "pairing pause: #general"),
    ("/convene pairing resume #general", "pairing resume: #general"),
    ("/convene pairing round now #general", "pairing round now: #general"),
    ("/convene pairing status", None),
    ("/convene pairing settings #general --size 3", "pairing settings: #general --size 3"),
    ('/convene pairing starters add "What surprised you this month?"', "pairing starters: add"),
    ("/convene pairing stats #general", None),
    (
        "/convene pairing met @alice @bob --round 1",
        "pairing met: [alice] --round 1 and 1 other member",
    ),
    ("/convene pairing stories", None),
    (
        '/convene checkin questions "Weekly pulse" add "What surprised you?"',
        'checkin questions: "Weekly pulse" add',
    ),
    ("/convene checkin list", None),
    ('/convene checkin pause "Weekly pulse"', 'checkin pause: "Weekly pulse"'),
    ('/convene checkin resume "Weekly pulse"', 'checkin resume: "Weekly pulse"'),
    (
        '/convene checkin settings "Weekly pulse" --remind-after 2h --closes 18:00',
        'checkin settings: "Weekly pulse" --remind-after 2h --closes 18:00',
    ),
    ('/convene checkin report "Weekly pulse" --runs 8', None),
    ('/convene retro close "Quarter 4"', 'retro close: "Quarter 4"'),
    ('/convene retro export "Quarter 4"', 'retro export: "Quarter 4"'),
    ("/convene retro list", None),
    ("/convene commitments --overdue --silo Radiotherapy", None),
    ("/convene opportunities", None),
    ("/convene silo kind Radiotherapy profession", "silo kind: Radiotherapy profession"),
    (
        "/convene opportunities settings --apart team,profession --weeks 8",
        "opportunities settings: --apart team,profession --weeks 8",
    ),
    ("/convene opportunities off", "opportunities: off"),
    ("/convene who knows discharge planning", None),
    ("/convene audit --since 7d", None),
    ('/convene checkin delete "Weekly pulse"', None),  # asks first; the button is logged
    ("/convene silo remove Oncology", "silo remove: Oncology"),
    (
        '/convene silo rename Radiotherapy "Radiation Therapy"',
        'silo rename: Radiotherapy "Radiation Therapy"',
    ),
]
"""Every convener command, as a convener types it, and what the audit log then holds
(None: nothing, as for a command that only shows)."""


async def test_every_convener_command_is_covered_by_the_recording_rule(convene: Harness) -> None:
    """Adding a convener command fails this test until it is listed here with what it logs."""

    table = build_registry().commands
    convener_commands = {spec.words for spec in table.commands if spec.convener_only}
    checked: set[str] = set()
    convene.adapter.channel_members["general"] = GENERAL
    wrong: list[str] = []
    for line, expected in EVERY_CONVENER_COMMAND:
        before = len(await logged(convene))
        actor = "bob" if line.startswith("/pairing") else "you"
        await convene.command(actor, line)
        if line.startswith("/pairing"):
            await convene.command("alice", line)
        if expected == SETUP:
            continue
        words = line.split()
        found = table.match(words[0][1:], words[1:])
        assert found is not None, line
        checked.add(found[0].words)
        now_logged = (await logged(convene))[before:]
        if now_logged != ([] if expected is None else [expected]):
            wrong.append(f"{line}\n  expected {expected!r}\n  logged   {now_logged!r}")

    assert not wrong, "\n".join(wrong)
    assert convener_commands - checked == set(), "list these here, with what they log"
