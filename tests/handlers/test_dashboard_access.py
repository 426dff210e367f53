"""Who gets into the conveners' dashboard, and that nothing in it changes anything.

A convener asks ``/convene dashboard`` and gets a one-time link, valid 15
minutes, which becomes an 8-hour session cookie. Everyone else, every old,
reused or made-up link, and every request without a session is refused
with a sentence saying what to do; only GET is answered. The dashboard is
driven here over HTTP with aiohttp's test client, on the app's own clock.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapter import PlatformUnavailable
from bot.app import ConveneApp
from bot.config import ConveneSection, DashboardSection, Settings
from bot.wiring import build_registry
from handlers.landscape.dashboard.server import Dashboard, serving
from handlers.landscape.dashboard.tokens import COOKIE
from handlers.shared.landscape import load_landscape
from storage.models import DashboardToken
from tests.support.dashboard import (
    SECRET_STORY,
    dashboard_convene,
    link_in,
    seed_landscape,
)
from tests.support.harness import Harness

REPO = Path(__file__).resolve().parents[2]
DATA_ROUTES = (
    "/",
    "/api/me",
    "/api/landscape",
    "/api/coverage",
    "/api/checkins",
    "/api/commitments",
    "/api/stories",
)
EVERY_ROUTE = (*DATA_ROUTES, "/login/" + "0" * 64, "/static/dashboard.js")
TOKEN_TABLES = ("dashboard_tokens",)


@asynccontextmanager
async def browser(convene: Harness) -> AsyncIterator[TestClient[aiohttp.web.Request, object]]:
    """An HTTP client of this Convene's dashboard that keeps no cookie by itself."""

    dashboard = Dashboard(convene.app.sessions, convene.clock, convene.app.settings.dashboard)
    server = TestServer(dashboard.application())
    async with TestClient(server, cookie_jar=aiohttp.DummyCookieJar()) as client:
        yield client


async def link_for(convene: Harness, who: str = "you") -> str:
    text, _ = await convene.only_reply(who, "/convene dashboard")
    return link_in(text)


async def signed_in(client: TestClient[aiohttp.web.Request, object], link: str) -> dict[str, str]:
    """Open the link; the cookie header its session gives, for the next requests."""

    opened = await client.get(link, allow_redirects=False)
    assert opened.status == 200, await opened.text()
    return {"Cookie": f"{COOKIE}={opened.cookies[COOKIE].value}"}


async def test_a_convener_opens_the_dashboard_once_with_their_link(database_url: str) -> None:
    async with dashboard_convene(database_url) as convene, browser(convene) as client:
        text, delivered = await convene.only_reply("you", "/convene dashboard")
        assert [d.message.visible_to for d in delivered if "/login/" in d.text] == ["you"]
        assert re.search(r"http://127\.0\.0\.1:8088/login/[0-9a-f]{64}\b", text), text
        assert "15 minutes" in text
        link = link_in(text)

        opened = await client.get(link, allow_redirects=False)
        assert opened.status == 200
        assert '<meta http-equiv="refresh" content="0; url=/">' in await opened.text()
        (cookie,) = opened.headers.getall("Set-Cookie")
        flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
        assert set(flags) == {COOKIE, "httponly", "max-age", "path", "samesite"}
        assert flags["max-age"].strip() == "Max-Age=28800"
        assert flags["path"].strip() == "Path=/"
        assert flags["samesite"].strip() == "SameSite=Strict"

        session = {"Cookie": f"{COOKIE}={opened.cookies[COOKIE].value}"}
        page = await client.get("/", headers=session)
        assert page.status == 200
        assert '<script src="/static/dashboard.js" defer></script>' in await page.text()
        me = await (await client.get("/api/me", headers=session)).json()
        assert me["convener"] == "you"

        again = await client.get(link, allow_redirects=False)
        assert again.status == 403
        refusal = await again.text()
        assert "used already" in refusal
        assert "ask for a new link with /convene dashboard" in refusal.lower()
        assert "Set-Cookie" not in again.headers

        tokens = await convene.rows(DashboardToken, order_by=DashboardToken.created_at)
        kept = {t.purpose: t for t in tokens}
        assert set(kept) == {"link", "session"}
        assert kept["link"].used_at == convene.clock.now()
        assert kept["session"].expires_at == convene.clock.now() + timedelta(hours=8)
        # Only hashes are kept: neither the link's token nor the cookie is in the store.
        secrets = {link.rsplit("/", 1)[1], opened.cookies[COOKIE].value}
        assert not secrets & {t.token_hash for t in tokens}


async def test_a_link_opens_within_15_minutes_and_not_after(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        late = await link_for(convene)
        on_time = await link_for(convene)
        convene.clock.advance(timedelta(minutes=14))
        assert (await client.get(on_time, allow_redirects=False)).status == 200

        convene.clock.advance(timedelta(minutes=2))
        refused = await client.get(late, allow_redirects=False)
        assert refused.status == 403
        assert "expired" in await refused.text()
        assert "Set-Cookie" not in refused.headers


async def test_a_chat_platform_previewing_the_link_does_not_use_it_up(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        link = await link_for(convene)
        for robot in (
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        ):
            preview = await client.get(link, headers={"User-Agent": robot})
            assert preview.status == 200
            assert "Set-Cookie" not in preview.headers
        assert "Set-Cookie" not in (await client.head(link)).headers
        assert {t.used_at for t in await convene.rows(DashboardToken)} == {None}
        assert (await client.get(link, allow_redirects=False)).status == 200


async def test_a_link_convene_never_gave_is_refused(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        await link_for(convene)
        for made_up in ("/login/" + "ab" * 32, "/login/not-a-token", "/login/" + "A" * 64):
            refused = await client.get(made_up, allow_redirects=False)
            assert refused.status == 403, made_up
            assert "/convene dashboard" in await refused.text()


async def test_only_conveners_get_a_link_and_a_convener_removed_loses_the_dashboard(
    sqlite_url: str,
) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        refusal = await convene.reply_to("bob", "/convene dashboard")
        assert "Only conveners" in refusal
        assert await convene.rows(DashboardToken) == []

        await convene.command("alice", "/convene me")
        await convene.command("you", "/convene convener add alice")
        session = await signed_in(client, await link_for(convene, "alice"))
        unused = await link_for(convene, "alice")
        assert (await client.get("/api/landscape", headers=session)).status == 200

        await convene.command("you", "/convene convener remove alice")
        for route in DATA_ROUTES:
            refused = await client.get(route, headers=session)
            assert refused.status == 403, route
            assert "for conveners" in await refused.text()
        refused = await client.get(unused, allow_redirects=False)
        assert refused.status == 403
        assert "for conveners" in await refused.text()


async def test_behind_https_the_link_uses_the_public_address_and_the_cookie_is_secure(
    sqlite_url: str,
) -> None:
    async with (
        dashboard_convene(sqlite_url, public_url="https://convene.example.org/") as convene,
        browser(convene) as client,
    ):
        text, _ = await convene.only_reply("you", "/convene dashboard")
        assert "https://convene.example.org/login/" in text
        opened = await client.get(link_in(text), allow_redirects=False)
        assert "; Secure" in opened.headers["Set-Cookie"]


@pytest.mark.parametrize("route", DATA_ROUTES)
async def test_every_page_and_reading_refuses_without_a_session(
    sqlite_url: str, route: str
) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        await seed_landscape(convene, members=20, silos=4, rounds=2, groups_per_round=4)
        session = await signed_in(client, await link_for(convene))
        assert (await client.get(route, headers=session)).status == 200

        nobody = await client.get(route)
        made_up = await client.get(route, headers={"Cookie": f"{COOKIE}={'ab' * 32}"})
        convene.clock.advance(timedelta(hours=8, minutes=1))
        expired = await client.get(route, headers=session)
        for refused in (nobody, made_up, expired):
            assert refused.status == 403
            body = await refused.text()
            assert "not signed in" in body
            assert "/convene dashboard" in body
            assert "Radiotherapy" not in body


async def test_nothing_but_reading_is_answered(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        await seed_landscape(convene, members=20, silos=4, rounds=2, groups_per_round=4)
        link = await link_for(convene)
        before = await convene.snapshot(TOKEN_TABLES)
        for route in EVERY_ROUTE:
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                answer = await client.request(method, route)
                assert answer.status == 405, (method, route)
                assert answer.headers["Allow"] in ("GET,HEAD", "HEAD,GET")
        assert await convene.snapshot(TOKEN_TABLES) == before
        assert (await client.get(link, allow_redirects=False)).status == 200


async def test_every_answer_forbids_other_origins_and_inline_code(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        session = await signed_in(client, await link_for(convene))
        answers = [
            await client.get("/", headers=session),
            await client.get("/api/landscape", headers=session),
            await client.get("/static/dashboard.js"),
            await client.get("/api/landscape"),
            await client.post("/"),
            await client.get("/no-such-page"),
        ]
        for answer in answers:
            policy = answer.headers["Content-Security-Policy"]
            assert "default-src 'self'" in policy
            assert "unsafe" not in policy
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["Referrer-Policy"] == "no-referrer"


async def test_the_page_s_own_code_builds_no_markup_from_data() -> None:
    """Silo and member names are user text: the script sets text, never markup."""

    static = REPO / "handlers" / "landscape" / "dashboard" / "static"
    script = (static / "dashboard.js").read_text()
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert risky not in script
    page = (static / "index.html").read_text()
    assert "<script>" not in page and "style=" not in page


async def test_the_dashboard_shows_the_landscape_load_landscape_reads_and_only_shared_stories(
    database_url: str,
) -> None:
    async with dashboard_convene(database_url) as convene, browser(convene) as client:
        seeded = await seed_landscape(convene)
        session = await signed_in(client, await link_for(convene))
        graph = await (await client.get("/api/landscape", headers=session)).json()
        async with convene.app.sessions() as db:
            view = await load_landscape(db, seeded.workspace_id)
        assert {n["id"] for n in graph["nodes"]} == {s.id for s in view.silos}
        assert {(e["a"], e["b"], e["state"]) for e in graph["edges"]} == {
            (*pair, bridge.state) for pair, bridge in view.bridges.items()
        }
        for node in graph["nodes"]:
            assert 0 <= node["x"] <= 1 and 0 <= node["y"] <= 1
        assert graph["met_share"] == round(view.met_share, 4)

        stories = await (await client.get("/api/stories", headers=session)).text()
        assert SECRET_STORY not in stories
        shown = json.loads(stories)["stories"]
        assert {s["text"]: s["author"] for s in shown} == (
            seeded.named_stories | dict.fromkeys(seeded.anonymous_stories)
        )
        assert seeded.named_stories and seeded.anonymous_stories
        every_reading = "".join(
            [await (await client.get(route, headers=session)).text() for route in DATA_ROUTES]
        )
        assert SECRET_STORY not in every_reading


async def test_when_the_dashboard_is_off_the_command_says_how_to_turn_it_on(
    sqlite_url: str,
) -> None:
    async with dashboard_convene(sqlite_url, enabled=False) as convene:
        reply = await convene.reply_to("you", "/convene dashboard")
        assert "The dashboard is off" in reply
        assert "[dashboard]\nenabled = true" in reply
        assert await convene.rows(DashboardToken) == []


async def test_a_convener_closes_their_links_and_sessions(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene, browser(convene) as client:
        session = await signed_in(client, await link_for(convene))
        unused = await link_for(convene)
        reply = await convene.reply_to("you", "/convene dashboard --revoke")
        assert reply.startswith("Closed 2 dashboard links and sessions of yours.")
        assert (await client.get("/api/me", headers=session)).status == 403
        assert (await client.get(unused, allow_redirects=False)).status == 403


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_convene_run_serves_the_dashboard_while_it_runs(sqlite_url: str) -> None:
    from adapters.memory import MemoryAdapter
    from bot.clock import ManualClock
    from tests.support.harness import DEFAULT_START

    port = _free_port()
    settings = Settings(
        convene=ConveneSection(database_url=sqlite_url, instance_id="test"),
        dashboard=DashboardSection(enabled=True, port=port),
    )
    app = ConveneApp(settings, [MemoryAdapter()], build_registry(), ManualClock(DEFAULT_START))
    await app.start(background=True)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/") as answer,
        ):
            assert answer.status == 403
            assert "/convene dashboard" in await answer.text()
    finally:
        await app.stop()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"http://127.0.0.1:{port}/")


async def test_a_port_in_use_stops_start_up_with_one_line(sqlite_url: str) -> None:
    async with dashboard_convene(sqlite_url) as convene:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            taken = int(holder.getsockname()[1])
            settings = DashboardSection(enabled=True, port=taken)
            with pytest.raises(PlatformUnavailable) as stopped:
                async with serving(convene.app.sessions, convene.clock, settings):
                    pass
        assert f"the dashboard cannot listen on 127.0.0.1:{taken}" in str(stopped.value)
        assert "[dashboard] port" in str(stopped.value)


PROBE = """
import asyncio, sys
from adapters.memory import MemoryAdapter
from bot.app import ConveneApp
from bot.clock import SystemClock
from bot.config import ConveneSection, Settings
from bot.wiring import build_registry

async def main():
    settings = Settings(convene=ConveneSection(database_url=sys.argv[1], instance_id="probe"))
    app = ConveneApp(settings, [MemoryAdapter()], build_registry(), SystemClock())
    await app.start(background=True)
    await app.stop()

asyncio.run(main())
print(sorted(m for m in sys.modules if m.startswith(("aiohttp", "handlers.landscape.dashboard"))))
"""


def test_a_convene_without_the_dashboard_never_loads_a_web_server(sqlite_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, sqlite_url],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == str(
        [
            "handlers.landscape.dashboard",
            "handlers.landscape.dashboard.command",
            "handlers.landscape.dashboard.tokens",
        ]
    )


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("port = 0", "[dashboard] port must be 1 to 65535, not 0"),
        ('host = " "', "[dashboard] host is empty"),
        ('public_url = "convene.example.org"', "[dashboard] public_url must be an http://"),
        ('public_url = "https://"', "[dashboard] public_url must be an http://"),
    ],
)
def test_a_dashboard_setting_that_cannot_work_stops_start_up_with_one_line(
    tmp_path: Path, body: str, said: str
) -> None:
    from bot.config import ConfigError, load_settings

    config = tmp_path / "convene.toml"
    config.write_text(f"[dashboard]\nenabled = true\n{body}\n")
    with pytest.raises(ConfigError) as refused:
        load_settings(str(config), {})
    assert said in str(refused.value)


def test_links_point_at_the_public_address_or_else_the_host_and_port(tmp_path: Path) -> None:
    from bot.config import load_settings

    config = tmp_path / "convene.toml"
    config.write_text('[dashboard]\nhost = "0.0.0.0"\nport = 9000\n')
    assert load_settings(str(config), {}).dashboard.base_url == "http://0.0.0.0:9000"
    assert not load_settings(str(config), {}).dashboard.enabled
    environ = {"CONVENE_DASHBOARD_PUBLIC_URL": "https://convene.example.org/"}
    assert load_settings(str(config), environ).dashboard.base_url == ("https://convene.example.org")
