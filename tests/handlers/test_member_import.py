"""A convener brings members in from a CSV file, on every platform's way of sending one.

The file is checked whole first: a file with any wrong row is refused with
its line numbers and nothing of it is written; importing it again changes
nothing. On Discord the file comes with the command, on Slack in the DM
Convene asks for it in, in the shell as a path.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.memory import DISCORD_LIKE, SLACK_LIKE
from bot.adapter import Capabilities
from storage.models import AwaitedFile, Member
from tests.support.harness import Harness, running

ORG = (
    "member,silos,timezone\n"
    "Aisha,team:Oncology;organisation:NHS Trust A,Europe/London\n"
    "Ben,team:Public Health;organisation:County Council,Europe/London\n"
    "Carys,team:Oncology;organisation:NHS Trust A,Asia/Kolkata\n"
)
TABLES = ("members", "silos", "member_silos", "silo_kinds")
SHELL_LIKE = Capabilities(channel_membership=False, local_files=True)


async def _import(convene: Harness, text: str, name: str = "members.csv") -> str:
    """The convener attaches the file to the command (as on Discord); the reply."""

    attached = convene.adapter.attach(name, text.encode("utf-8"))
    delivered = await convene.command("you", "/convene member import", files=(attached,))
    (reply,) = [d for d in delivered if d.message.visible_to == "you"]
    return reply.text


async def test_a_convener_imports_an_organisation_with_the_file_on_the_command(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        reply = await _import(convene, ORG)
        assert reply == (
            "Imported members.csv: 3 new members, 0 updated, 4 new silos, "
            "6 new links of a member to a silo."
        )
        members = await convene.reply_to("you", "/convene members --silo Oncology")
        assert "Aisha  NHS Trust A, Oncology  Europe/London" in members
        assert "Carys  NHS Trust A, Oncology  Asia/Kolkata" in members
        silos = await convene.reply_to("you", "/convene silos")
        assert "NHS Trust A     organisation  2" in silos


async def test_importing_the_same_file_again_changes_nothing_and_says_so(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        await _import(convene, ORG)
        before = await convene.snapshot(TABLES)
        assert await _import(convene, ORG) == (
            "members.csv: 0 new members, 0 changes; the 3 members in it are already here as "
            "it says."
        )
        assert await convene.snapshot(TABLES) == before


async def test_a_file_with_two_bad_rows_is_refused_naming_them_and_nothing_is_imported(
    sqlite_url: str,
) -> None:
    bad = (
        "member,silos,timezone\n"
        "Aisha,team:Oncology,Europe/London\n"
        "Ben,Public Health,Europe/London\n"  # line 3: a silo without its kind
        "Carys,team:Oncology,Europe/London\n"
        "Dev,team:Oncology,Europe/London\n"
        "\n"
        "Elena,team:Radiotherapy,GMT\n"  # line 7: a clock, not a place
    )
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        await convene.command("you", "/convene silo add Oncology")
        before = await convene.snapshot(TABLES)
        reply = await _import(convene, bad)
        assert reply.startswith(
            "members.csv was not imported, and nothing was changed: 2 lines need fixing."
        )
        lines = reply.splitlines()
        assert lines[1].startswith("line 3: the silo 'Public Health' needs a kind; write")
        assert "team:Public Health" in lines[1]
        assert lines[2].startswith("line 7: 'GMT' is short for Greenwich Mean Time")
        assert "Europe/London" in lines[2]
        assert lines[-1] == "Fix the file and send it again."
        assert await convene.snapshot(TABLES) == before


async def test_every_kind_of_mistake_is_named_on_its_line(sqlite_url: str) -> None:
    rows = (
        "member,silos,timezone,email,platform_id\n"
        ",team:Oncology,,,\n"  # 2
        "Ben,profesion:Nursing,,,\n"  # 3
        "Carys,team:Oncology,Londn,,\n"  # 4
        "Dev,,,dev-at-example.org,\n"  # 5
        "Elena,,,,U0ELENA01\n"  # 6
        "elena,,,,\n"  # 7: the same member again
        "Femi,team:Oncology;profession:Oncology,,,\n"  # 8: one silo, two kinds
        "Grace,,,,,\n"  # 9: a field too many
        "Hamza,,,,hamza\n"  # 10: not a Slack id
    )
    async with running(sqlite_url, platform="slack") as convene:
        lines = (await _import(convene, rows)).splitlines()
    assert lines[1:10] == [
        "line 2: the member name cannot be empty.",
        "line 3: 'profesion' is not a kind of silo here. Did you mean profession? To make "
        "profesion a new kind on purpose: /convene silo kinds add profesion, then send the "
        "file again.",
        "line 4: 'Londn' is not a time zone I know. Did you mean Europe/London?",
        "line 5: 'dev-at-example.org' is not an email address, like ada@example.org.",
        "line 7: elena is already on line 6.",
        "line 8: Oncology is named twice on this line, as team and as profession; a silo has "
        "one kind.",
        "line 9: expected 5 fields, found 6; quote a field that holds a comma, like "
        '"team:Data, Analytics".',
        "line 10: the platform_id 'hamza' is not a Slack member id, like U024BE7LH.",
        "Fix the file and send it again.",
    ]


async def test_a_silo_of_another_kind_and_a_header_typo_are_refused(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        await convene.command("you", "/convene silo add Oncology --kind profession")
        reply = await _import(convene, ORG)
        assert "line 2: Oncology is already a profession here, not a team;" in reply
        assert "line 4: Oncology is already a profession here" in reply
        typo = await _import(convene, "member,silos,timezone,emial\n")
        assert typo.splitlines()[1] == (
            "line 1: 'emial' is not a column I know. Did you mean email? After "
            "member,silos,timezone a file may have email and platform_id."
        )


async def test_a_refusal_lists_ten_problems_and_counts_the_rest(sqlite_url: str) -> None:
    rows = "member,silos,timezone\n" + "".join(f"M{n},Oncology,UTC\n" for n in range(25))
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        lines = (await _import(convene, rows)).splitlines()
    assert lines[0].endswith("25 lines need fixing.")
    assert lines[1].startswith("line 2:") and lines[10].startswith("line 11:")
    assert lines[11] == "… and 15 more problems."


async def test_files_that_are_not_utf8_csv_are_refused_kindly(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        latin = convene.adapter.attach(
            "m.csv", "member,silos,timezone\nZoë,,UTC\n".encode("latin-1")
        )
        reply = (await convene.command("you", "/convene member import", files=(latin,)))[0].text
        assert "line 2: m.csv is not UTF-8 text; save it as CSV UTF-8" in reply
        workbook = convene.adapter.attach("m.xlsx", b"PK\x03\x04" + b"\x00" * 40)
        reply = (await convene.command("you", "/convene member import", files=(workbook,)))[0].text
        assert "m.xlsx is a spreadsheet workbook, not a CSV file" in reply
        huge = convene.adapter.attach("big.csv", b"member,silos,timezone\n" + b"x,,\n" * 600_000)
        reply = (await convene.command("you", "/convene member import", files=(huge,)))[0].text
        assert reply.startswith("big.csv is 2.3 MB; a members file may be up to 2 MB.")
        with_bom = convene.adapter.attach("bom.csv", b"\xef\xbb\xbf" + ORG.encode())
        reply = (await convene.command("you", "/convene member import", files=(with_bom,)))[0].text
        assert reply.startswith("Imported bom.csv: 3 new members")


async def test_only_a_convener_imports(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        attached = convene.adapter.attach("members.csv", ORG.encode())
        (reply,) = await convene.command("bob", "/convene member import", files=(attached,))
        assert reply.text.startswith("Only conveners")
        assert [m.platform_user_id for m in await convene.rows(Member)] == ["bob"]


# -- Slack: the file comes in the DM Convene asks for it in ---------------------------------


async def test_on_slack_the_convener_sends_the_file_in_the_dm_convene_asks_for_it_in(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, capabilities=SLACK_LIKE) as convene:
        delivered = await convene.command("you", "/convene member import")
        note = [d for d in delivered if d.message.visible_to == "you"]
        assert note[0].text == "I asked you for the file in our DM: send it there."
        (ask,) = convene.dms("you", "Send me the members CSV file here")
        assert "within 15 minutes" in ask.text
        assert len(await convene.rows(AwaitedFile)) == 1

        attached = convene.adapter.attach("org.csv", ORG.encode())
        delivered = await convene.say("you", "", place=convene.adapter.dm("you"), files=(attached,))
        assert [d.text for d in delivered] == [
            "Imported org.csv: 3 new members, 0 updated, 4 new silos, "
            "6 new links of a member to a silo."
        ]
        assert await convene.rows(AwaitedFile) == []

        again = convene.adapter.attach("org.csv", ORG.encode())
        delivered = await convene.say("you", "", place=convene.adapter.dm("you"), files=(again,))
        assert delivered[0].text.startswith("Thanks, but what is this file for?")
        assert "/convene member import" in delivered[0].text


async def test_on_slack_a_refused_file_can_be_corrected_and_sent_again(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=SLACK_LIKE) as convene:
        await convene.command("you", "/convene member import", place=convene.adapter.dm("you"))
        wrong = convene.adapter.attach("org.csv", ORG.replace("team:Oncology", "Oncology").encode())
        delivered = await convene.say("you", "", place=convene.adapter.dm("you"), files=(wrong,))
        assert "line 2: the silo 'Oncology' needs a kind" in delivered[0].text
        assert len(await convene.rows(AwaitedFile)) == 1  # still waiting for the right one

        right = convene.adapter.attach("org.csv", ORG.encode())
        delivered = await convene.say("you", "", place=convene.adapter.dm("you"), files=(right,))
        assert delivered[0].text.startswith("Imported org.csv: 3 new members")


async def test_on_slack_a_file_sent_too_late_is_not_imported(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=SLACK_LIKE) as convene:
        await convene.command("you", "/convene member import", place=convene.adapter.dm("you"))
        await convene.advance(convene.clock.now() + timedelta(minutes=16))
        late = convene.adapter.attach("org.csv", ORG.encode())
        delivered = await convene.say("you", "", place=convene.adapter.dm("you"), files=(late,))
        assert delivered[0].text.startswith(
            "I waited 15 minutes for the members file after /convene member import"
        )
        assert [m.display_name for m in await convene.rows(Member)] == ["you"]


# -- the shell: the file is a path ----------------------------------------------------------


async def test_in_the_shell_the_convener_names_the_file_by_its_path(
    sqlite_url: str, tmp_path: Path
) -> None:
    org = tmp_path / "org.csv"
    async with running(sqlite_url, capabilities=SHELL_LIKE) as convene:
        convene.adapter.files[str(org)] = ORG.encode()  # the memory adapter's own disk
        assert await convene.reply_to("you", f"/convene member import {org}") == (
            "Imported org.csv: 3 new members, 0 updated, 4 new silos, "
            "6 new links of a member to a silo."
        )
        missing = await convene.reply_to("you", f"/convene member import {tmp_path}/nope.csv")
        assert missing == "nope.csv is no longer there; attach it again. Nothing was imported."
        which = await convene.reply_to("you", "/convene member import")
        assert which.startswith("Which file? Give the path of the CSV file")


async def test_where_files_are_not_paths_a_typed_path_is_not_opened(sqlite_url: str) -> None:
    async with running(sqlite_url, capabilities=SLACK_LIKE) as convene:
        reply = await convene.reply_to("you", "/convene member import /etc/passwd")
        assert reply.startswith("Here I cannot open a file by its name.")


# -- matching the members Convene already knows ---------------------------------------------


async def test_rows_match_members_by_platform_id_then_email_then_name(sqlite_url: str) -> None:
    async with running(sqlite_url, platform="slack") as convene:
        await convene.command("U0ALICE01", "/convene me")  # a real account, seen already
        await convene.command("you", "/convene member add Bea")  # added by name
        first = (
            "member,silos,timezone,platform_id,email\n"
            "Alice,team:Oncology,Europe/London,U0ALICE01,alice@example.org\n"
            "Bea,team:Oncology,,U0BEA0001,\n"
            "Cal,,,,cal@example.org\n"
        )
        assert await _import(convene, first) == (
            "Imported members.csv: 1 new member, 2 updated, 1 new silo, "
            "2 new links of a member to a silo."
        )
        by_id = {m.platform_user_id: m for m in await convene.rows(Member)}
        assert by_id["U0ALICE01"].timezone == "Europe/London"
        assert by_id["U0ALICE01"].email == "alice@example.org"
        assert by_id["U0BEA0001"].display_name == "Bea"  # added by name, now her account
        assert "Bea" not in by_id
        assert by_id["Cal"].email == "cal@example.org"

        by_email = "member,silos,timezone,email\nCallum,team:Oncology,UTC,CAL@example.org\n"
        assert await _import(convene, by_email) == (
            "Imported members.csv: 0 new members, 1 updated, 0 new silos, "
            "1 new link of a member to a silo."
        )
        assert len(await convene.rows(Member)) == 4  # you, Alice, Bea, Cal

        clash = "member,silos,timezone,platform_id\nAlice,,,U0OTHER01\nBea,,,U0BEA0001\n"
        reply = await _import(convene, clash)
        assert (
            "line 2: Alice has the account U0ALICE01, not U0OTHER01; correct the platform_id "
            "or leave it empty." in reply
        )
        assert "line 3" not in reply


async def test_a_zone_the_file_changes_moves_what_is_planned_at_the_members_local_time(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, capabilities=DISCORD_LIKE) as convene:
        await _import(convene, ORG)
        moved = ORG.replace(
            "Aisha,team:Oncology;organisation:NHS Trust A,Europe/London", "Aisha,,America/New_York"
        )
        assert await _import(convene, moved) == (
            "Imported members.csv: 0 new members, 1 updated, 0 new silos, "
            "0 new links of a member to a silo."
        )
        (aisha,) = [m for m in await convene.rows(Member) if m.display_name == "Aisha"]
        assert aisha.timezone == "America/New_York"
        assert "Aisha  NHS Trust A, Oncology" in await convene.reply_to("you", "/convene members")
