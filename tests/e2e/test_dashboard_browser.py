"""A convener opens the dashboard in a real headless Chromium and explores the landscape.

Debian's ``chromium`` (/usr/bin/chromium, which .ci/run installs) is driven
by Playwright; no browser is ever downloaded. The workspace holds 200
members in 20 silos after 12 rounds. The convener follows their link from
another site, as from Slack, and lands on the graph: 20 silos, the bridges
``load_landscape`` reads (met and introduced told apart), a silo clicked
shows its members and bridges, the wheel zooms and a drag moves the picture
without choosing a silo, a name written as markup shows as text, and the
page logs no error. The picture is kept as docs/dashboard.png for the
README (CI keeps it as an artifact).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from handlers.shared.landscape import load_landscape
from tests.support.dashboard import (
    SECRET_STORY,
    SILO_NAMES,
    dashboard_convene,
    link_in,
    seed_landscape,
    served,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
CHAT = "http://chat.example/"
"""A page of "another site" holding the link, answered by Playwright itself (no network)."""

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; .ci/run "
    "installs it)",
)


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


async def test_a_convener_explores_the_landscape_of_200_members(
    sqlite_url: str, chromium: Any
) -> None:
    async with dashboard_convene(sqlite_url) as convene:
        seeded = await seed_landscape(convene, members=200, silos=20, rounds=12)
        async with convene.app.sessions() as session:
            view = await load_landscape(session, seeded.workspace_id)
        reply = await convene.reply_to("you", "/convene dashboard")

        async with served(convene) as base:
            page = await chromium.new_page(viewport={"width": 1400, "height": 1000})
            problems: list[str] = []
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            outside: list[str] = []
            page.on(
                "request",
                lambda request: (
                    None if request.url.startswith((base, CHAT)) else outside.append(request.url)
                ),
            )
            await page.route(
                CHAT,
                lambda route: route.fulfill(
                    body=f'<a id="open" href="{base}{link_in(reply)}">dashboard</a>',
                    content_type="text/html",
                ),
            )
            await page.goto(CHAT)
            await page.click("#open")
            await page.wait_for_selector("body[data-ready=all]", timeout=15_000)
            assert page.url == base + "/"

            nodes = page.locator("#graph g.node")
            assert await nodes.count() == 20
            shown_ids = {int(i) for i in await _all(nodes, "data-silo-id")}
            assert shown_ids == {s.id for s in view.silos}
            edges = await page.locator("#graph line.edge").evaluate_all(
                "lines => lines.map(l => [+l.dataset.a, +l.dataset.b, l.dataset.state,"
                " l.classList.contains('edge-met') ? 'met' : 'introduced'])"
            )
            expected = {(a, b, bridge.state) for (a, b), bridge in view.bridges.items()}
            assert {(a, b, state) for a, b, state, _ in edges} == expected
            assert len(edges) == len(view.bridges)
            assert all(state == drawn for _, _, state, drawn in edges)
            assert {"met", "introduced"} <= {state for _, _, state, _ in edges}

            markup = next(n for n in SILO_NAMES if "<script>" in n)
            assert await page.locator("#graph text", has_text=markup).count() == 1
            assert await page.locator("script").count() == 1

            busiest = max(view.silos, key=lambda s: (s.members, -s.id))
            await page.click(f'#graph g.node[data-silo-id="{busiest.id}"]')
            panel = page.locator("#silo-panel")
            assert await panel.get_attribute("data-silo-id") == str(busiest.id)
            assert await page.locator("#silo-name").text_content() == busiest.name
            names = await page.locator("#silo-members li").all_text_contents()
            in_silo = await _member_names(convene, busiest.id)
            assert names == sorted(in_silo, key=str.casefold)
            bridges_of = [p for p in view.bridges if busiest.id in p]
            assert await page.locator("#silo-bridges li").count() == len(bridges_of)

            viewport = page.locator("#graph g.viewport")
            before = await viewport.get_attribute("transform")
            box = await page.locator("#graph").bounding_box()
            assert box is not None
            middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            await page.mouse.move(*middle)
            await page.mouse.wheel(0, -400)
            zoomed = await viewport.get_attribute("transform")
            assert zoomed != before and "scale(1.0000)" not in (zoomed or "")
            await page.mouse.move(box["x"] + 30, box["y"] + 30)
            await page.mouse.down()
            await page.mouse.move(box["x"] + 150, box["y"] + 90, steps=8)
            await page.mouse.up()
            moved = await viewport.get_attribute("transform")
            assert moved != zoomed
            assert await panel.get_attribute("data-silo-id") == str(busiest.id)

            stories = await page.locator("#stories").inner_text()
            assert SECRET_STORY not in stories
            for text in seeded.anonymous_stories:
                assert text in stories

            await page.click("#zoom-reset")
            await page.click(f'#graph g.node[data-silo-id="{busiest.id}"]')
            SCREENSHOT.parent.mkdir(exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT))
            assert problems == []
            assert outside == []


async def _all(locator: Any, attribute: str) -> list[str]:
    found: list[str] = await locator.evaluate_all(
        f"items => items.map(item => item.getAttribute({attribute!r}))"
    )
    return found


async def _member_names(convene: Any, silo_id: int) -> list[str]:
    from sqlmodel import col, select

    from storage.models import Member, MemberSilo

    async with convene.app.sessions() as session:
        found = await session.exec(
            select(Member.display_name)
            .join(MemberSilo, col(MemberSilo.member_id) == col(Member.id))
            .where(MemberSilo.silo_id == silo_id)
        )
        return list(found.all())
