"""Every output a convener can take out of Convene honours what each storyteller allowed.

After ``[We met]`` four members say what they took away, through the form:
amadou shares it with his name, bashira without hers, cosimo keeps it for
conveners, and delphine leaves the choice blank (conveners only too). Then
the convener takes out everything Convene gives: the report in every
variant (chat and files), the export of every dataset in both formats, the
``convene export`` command line, the map (words, matrices, picture), the
dashboard's page and every reading, and the monthly digest (words and file).

Read together, they never hold a conveners-only story, nor the name (or
silo) of anyone who did not let their story go with it; the shared stories
are there, so that outputs losing every story would be noticed too.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from adapters.memory import Delivered
from bot.cli_export import add_export, run_export
from handlers.landscape.dashboard.server import Dashboard
from handlers.landscape.dashboard.tokens import COOKIE
from handlers.landscape.export_data import DATASETS
from storage.models import PairingGroupMember
from tests.support.dashboard import dashboard_convene, link_in
from tests.support.harness import Harness
from tests.support.times import THURSDAY_NOON


@dataclass(frozen=True)
class Teller:
    name: str
    silo: str
    story: str
    choice: str
    """What they chose on the form; blank leaves the default."""


NAMED = Teller(
    "amadou", "Radiotherapy", "They plan the rota in quarters, not weeks.", "Shared with my name"
)
ANONYMOUS = Teller(
    "bashira", "Wards", "Our handover sheet loses the night's worries.", "Shared without my name"
)
CONVENERS_ONLY = Teller(
    "cosimo", "Pharmacy", "My manager has stopped answering anyone.", "Conveners only"
)
LEFT_BLANK = Teller("delphine", "Theatres", "I am thinking of leaving the trust soon.", "")
TELLERS = (NAMED, ANONYMOUS, CONVENERS_ONLY, LEFT_BLANK)
UNNAMED = (ANONYMOUS, CONVENERS_ONLY, LEFT_BLANK)
PRIVATE = (CONVENERS_ONLY, LEFT_BLANK)

AFTER_NOVEMBER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIRST_ROUND = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Monday 10:00 London
FOLLOW_UP = FIRST_ROUND + timedelta(days=3)
DIGEST_DAY = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)  # 09:00 for "you" (no zone: UTC)
DASHBOARD_ROUTES = (
    "/",
    "/static/dashboard.js",
    "/api/me",
    "/api/landscape",
    "/api/coverage",
    "/api/checkins",
    "/api/commitments",
    "/api/stories",
)


@dataclass(frozen=True)
class Output:
    """One thing a convener can take out, as text (a picture's bytes read as Latin-1)."""

    where: str
    text: str
    holds_a_dataset_of_stories: bool = False
    """A stories CSV or JSON, or the dashboard's stories: no silo is named in it either."""


# -- the scenario ------------------------------------------------------------------------------


async def four_stories(convene: Harness) -> None:
    """Four members of four teams meet in round 1 and each tells the form a story.

    Convene arrives in November; the round is on 7 December, so that December's
    digest (Convene's first whole month) holds it.
    """

    for line in [
        *(f"/convene silo add {t.silo} --kind team" for t in TELLERS),
        *(f"/convene member add {t.name} --silo {t.silo} --tz Europe/London" for t in TELLERS),
    ]:
        await convene.command("you", line)
    await convene.advance(AFTER_NOVEMBER)
    await convene.command(
        "you", "/convene pairing start #general every Monday 10:00 --tz Europe/London"
    )
    for teller in TELLERS:
        await convene.command(teller.name, "/pairing join")
    await convene.advance(FOLLOW_UP)
    for teller in TELLERS:
        await convene.click(teller.name, "We met")
        form = convene.last_form(teller.name, "pairing.learning")
        await convene.submit(
            teller.name, form, {"learning": teller.story, "consent": teller.choice}
        )


# -- taking everything out ---------------------------------------------------------------------


def outputs_of(asked: str, delivered: list[Delivered]) -> list[Output]:
    """Every message's words and every file a command brought."""

    found = [Output(f"{asked}: message", d.text) for d in delivered]
    for d in delivered:
        for f in d.message.files:
            textual = f.content_type.startswith("text/") or f.name.endswith(
                (".csv", ".json", ".md")
            )
            text = f.data.decode("utf-8-sig") if textual else f.data.decode("latin-1")
            found.append(Output(f"{asked}: {f.name}", text, "stories." in f.name))
    return found


async def in_chat(convene: Harness) -> list[Output]:
    """The report, the export and the map, every way a convener can ask for them."""

    lines = [
        "/convene report",
        "/convene report --since all",
        "/convene report --programme #general",
        "/convene map",
        "/convene map --kind team --programme #general --since 3mo",
        "/convene pairing stats",
    ]
    for format_name in ("csv", "json"):
        lines.append(f"/convene export --format {format_name}")
        lines += [f"/convene export --what {name} --format {format_name}" for name in DATASETS]
    found = []
    for line in lines:
        delivered = await convene.command("you", line)
        assert any(d.message.files for d in delivered) or "stats" in line, (
            line,
            [d.text for d in delivered],
        )
        found += outputs_of(line, delivered)
    return found


async def on_the_command_line(convene: Harness, folder: Path) -> list[Output]:
    """``convene export --out DIR`` in both formats, run as the command line runs it."""

    parser = argparse.ArgumentParser(prog="convene")
    add_export(parser.add_subparsers(dest="command"))
    found = []
    for format_name in ("csv", "json"):
        out = folder / format_name
        args = parser.parse_args(["export", "--format", format_name, "--out", str(out)])
        status = await asyncio.to_thread(run_export, args, convene.app.settings)
        assert status == 0
        found += [
            Output(f"convene export: {p.name}", p.read_text("utf-8-sig"), p.stem == "stories")
            for p in sorted(out.iterdir())
        ]
    assert len(found) == 2 * len(DATASETS)
    return found


async def on_the_dashboard(convene: Harness) -> list[Output]:
    """The dashboard's page, its code and every reading, in a convener's session."""

    text, _ = await convene.only_reply("you", "/convene dashboard")
    dashboard = Dashboard(convene.app.sessions, convene.clock, convene.app.settings.dashboard)
    server = TestServer(dashboard.application())
    found = []
    async with TestClient(server, cookie_jar=aiohttp.DummyCookieJar()) as client:
        opened = await client.get(link_in(text), allow_redirects=False)
        assert opened.status == 200
        session = {"Cookie": f"{COOKIE}={opened.cookies[COOKIE].value}"}
        for route in DASHBOARD_ROUTES:
            answer = await client.get(route, headers=session)
            assert answer.status == 200, route
            found.append(Output(f"dashboard {route}", await answer.text(), route == "/api/stories"))
    return found


async def the_digest(convene: Harness) -> list[Output]:
    """December's digest, sent to the convener on the 1st of January (the programme
    paused first, so that the month passes quickly)."""

    await convene.command("you", "/convene pairing pause #general")
    delivered = await convene.advance(DIGEST_DAY)
    digest = [d for d in delivered if d.text.startswith("*Your monthly Convene digest")]
    assert len(digest) == 1 and digest[0].message.files
    return outputs_of("the digest", digest)


# -- reading it --------------------------------------------------------------------------------


def names(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE) is not None


def holding(outputs: Iterable[Output], words: str) -> list[str]:
    return [o.where for o in outputs if words in o.text]


async def test_no_output_holds_a_story_or_a_name_its_teller_did_not_let_go(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with dashboard_convene(sqlite_url, start=THURSDAY_NOON) as convene:
        await four_stories(convene)
        kept = {p.learning: p.learning_consent for p in await convene.rows(PairingGroupMember)}
        outputs = [
            *await in_chat(convene),
            *await on_the_command_line(convene, tmp_path),
            *await on_the_dashboard(convene),
            *await the_digest(convene),
        ]

    # The form saved all four, the blank choice as conveners only.
    assert {t.story: kept.get(t.story) for t in TELLERS} == {
        NAMED.story: "named",
        ANONYMOUS.story: "anonymous",
        CONVENERS_ONLY.story: "conveners",
        LEFT_BLANK.story: "conveners",
    }
    # Nothing a convener takes out holds a story kept for conveners.
    for teller in PRIVATE:
        assert holding(outputs, teller.story) == [], teller.name
    # Whatever holds a shared story names nobody but the one who allowed it.
    with_stories = [o for o in outputs if NAMED.story in o.text or ANONYMOUS.story in o.text]
    for output in with_stories:
        for teller in UNNAMED:
            assert not names(output.text, teller.name), (output.where, teller.name)
    # A dataset of stories does not say which silo told one, either.
    datasets = [o for o in outputs if o.holds_a_dataset_of_stories]
    for output in datasets:
        for teller in UNNAMED:
            assert not names(output.text, teller.silo), (output.where, teller.silo)
    # The shared stories are there: every report, stories dataset, dashboard and digest.
    assert len(datasets) == 3 + 2 * 2 + 2 + 1  # reports, chat exports (all, one), CLI, dashboard
    for output in datasets:
        assert NAMED.story in output.text and ANONYMOUS.story in output.text, output.where
        assert names(output.text, NAMED.name), output.where
    summaries = [o for o in outputs if "Learning stories shared" in o.text]
    assert len(summaries) == 2 * 4  # each report's and the digest's words and Markdown
    assert all("Learning stories shared: 2." in o.text for o in summaries)
    reports = [o for o in outputs if o.where.endswith(".md")]
    assert len(reports) == 4  # three reports and the digest's
    for output in reports:
        assert f"> {NAMED.story}\n— {NAMED.name}, round 1" in output.text, output.where
        assert f"> {ANONYMOUS.story}\n— a member (shared without their name)" in output.text
