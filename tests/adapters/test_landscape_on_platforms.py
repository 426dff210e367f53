"""The real landscape commands, end to end through the fake Slack and the fake Discord.

A convener imports an organisation from a CSV the way each platform sends a file (in the
DM Convene asks for it in on Slack, attached to the command on Discord), then asks for
the map and gets the picture and its matrix in their DM, uploaded the platform's way.
The handlers' own tests drive the memory adapter; these prove nothing is lost on the way.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.support.discord_rig import ALICE, GENERAL, DiscordRig, discord_convene
from tests.support.slack_rig import SlackRig, dm_file_event, slack_convene

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ORGANISATION = (
    b"member,silos,timezone\n"
    b"Aisha,team:Oncology,Europe/London\n"
    b"Ben,team:Public Health,Europe/London\n"
    b"Carys,team:Oncology,Asia/Kolkata\n"
    b"Dev,team:Public Health,America/New_York\n"
)
IMPORTED = (
    "Imported members.csv: 4 new members, 0 updated, 2 new silos, "
    "4 new links of a member to a silo."
)
MATRIX_EDGE = ["silo", "Oncology", "Public Health"]


def matrix_rows(data: bytes) -> list[list[str]]:
    """The matrix CSV as rows of cells (it is written with a BOM for spreadsheets)."""

    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def members_listed(said: str) -> list[str]:
    return [name for name in ("Aisha", "Ben", "Carys", "Dev") if name in said]


# -- Slack ---------------------------------------------------------------------------------


async def slack_members(rig: SlackRig) -> str:
    await rig.command("U1", "/convene", "members")
    return str(rig.ephemeral_to("U1")[-1]["text"])


async def test_on_slack_a_convener_imports_a_csv_sent_in_the_dm_and_gets_the_map_there(
    sqlite_url: str,
) -> None:
    async with slack_convene(sqlite_url) as rig:
        await rig.command("U1", "/convene", "member import")

        [asked] = [m for m in rig.dms("U1") if "Send me the members CSV file here" in m["text"]]
        assert "within 15 minutes" in asked["text"]
        sent = rig.fake.add_file("U1", "members.csv", ORGANISATION)
        await rig.event(dm_file_event("U1", [sent], "1700000200.000100"), event_id="EvImport")

        assert IMPORTED in rig.told("U1")
        assert [(d.token, d.status) for d in rig.fake.file_downloads] == [(rig.fake.bot_token, 200)]
        assert members_listed(await slack_members(rig)) == ["Aisha", "Ben", "Carys", "Dev"]

        await rig.command("U1", "/convene", "map")

        shared = rig.fake.shared_files
        assert [f.name for f in shared] == ["map.png", "matrix-team.csv"]
        assert {f.channel for f in shared} == {"DU1"}
        png, matrix = (f.data for f in shared)
        assert png.startswith(PNG_MAGIC) and len(png) > 1000
        rows = matrix_rows(matrix)
        assert rows[0] == MATRIX_EDGE and [r[0] for r in rows[1:]] == MATRIX_EDGE[1:]
        history = rig.fake.history("DU1")
        at = next(i for i, m in enumerate(history) if m.get("files"))
        assert "map.png" in history[at - 1]["text"]  # the map's text, just above its files
        assert [f["name"] for f in history[at]["files"]] == ["map.png", "matrix-team.csv"]
        assert any("direct message" in m["text"] for m in rig.ephemeral_to("U1"))


# -- Discord -------------------------------------------------------------------------------


def attached(rig: DiscordRig, message: dict[str, Any]) -> dict[str, bytes]:
    return {a["filename"]: rig.fake.attachment_data(a["id"]) for a in message["attachments"]}


async def test_on_discord_a_convener_imports_a_csv_on_the_command_and_gets_the_map_in_a_dm(
    sqlite_url: str,
) -> None:
    async with discord_convene(sqlite_url) as rig:
        csv_file = rig.fake.add_attachment(GENERAL, "members.csv", ORGANISATION)

        await rig.slash(ALICE, "convene", "member", "import", file=csv_file["id"])

        assert IMPORTED in rig.replies(ALICE)
        assert rig.fake.cdn_fetches == [(int(csv_file["id"]), 200)]
        await rig.slash(ALICE, "convene", "members")
        assert members_listed(rig.replies(ALICE)[-1]) == ["Aisha", "Ben", "Carys", "Dev"]

        await rig.slash(ALICE, "convene", "map")

        [sent] = [m for m in rig.dms(ALICE) if m["attachments"]]
        files = attached(rig, sent)
        assert list(files) == ["map.png", "matrix-team.csv"]
        assert files["map.png"].startswith(PNG_MAGIC) and len(files["map.png"]) > 1000
        rows = matrix_rows(files["matrix-team.csv"])
        assert rows[0] == MATRIX_EDGE and [r[0] for r in rows[1:]] == MATRIX_EDGE[1:]
        assert "map.png" in sent["content"]  # the map's text, on the message with its files
        [upload] = [r for r in rig.fake.calls("POST", "/channels/{id}/messages") if r.uploads]
        assert [part.filename for part in upload.uploads] == ["map.png", "matrix-team.csv"]
        assert any("direct message" in said for said in rig.replies(ALICE))
