"""The dashboard's web server: sign-in by one-time link, then read-only pages and JSON.

Served by ``convene run`` itself on its own port (``[dashboard]``), with
aiohttp, imported only when the dashboard is on. Only GET (and HEAD) is
routed: aiohttp answers 405 to anything else on a known address, and
nothing here writes but the link's exchange for a session.

Every answer carries a Content-Security-Policy allowing only this origin
(no inline script or style, no other host): the page's JavaScript and CSS
are files shipped in this package, so it works without a network. No
access log is written: the sign-in address holds a token, and tokens never
reach a log line.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.adapter import PlatformUnavailable
from bot.clock import Clock
from bot.config import DashboardSection
from handlers.landscape.dashboard import data
from handlers.landscape.dashboard.tokens import (
    COOKIE,
    LINK_LIFETIME,
    SESSION_LIFETIME,
    digest,
    looks_like_token,
    new_token,
)
from storage.busy import retry_when_busy
from storage.repositories import dashboard as dashboard_repo

log = logging.getLogger("convene.dashboard")

Json = dict[str, Any]
Reader = Callable[[AsyncSession, dashboard_repo.Holder, datetime], Awaitable[Json]]

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}

STATIC_TYPES = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
    "icon.svg": "image/svg+xml",
}

ASK_AGAIN = "Ask for a new link with /convene dashboard in your workspace."
_MINUTES = int(LINK_LIFETIME.total_seconds() // 60)
UNKNOWN_LINK = f"This link does not open the dashboard (it was mistyped or closed). {ASK_AGAIN}"
USED_LINK = f"This link was used already: each link opens the dashboard once. {ASK_AGAIN}"
EXPIRED_LINK = f"This link has expired: links last {_MINUTES} minutes. {ASK_AGAIN}"
NOT_SIGNED_IN = f"You are not signed in to the dashboard, or your 8 hours are over. {ASK_AGAIN}"
NOT_A_CONVENER = (
    "The dashboard is for conveners, and you are not one now. A convener can make you one "
    "with /convene convener add."
)


LINK_PREVIEWS = re.compile(
    r"Slackbot|Slack-ImgProxy|Discordbot|facebookexternalhit|Twitterbot|TelegramBot|WhatsApp"
    r"|LinkedInBot|SkypeUriPreview|MicrosoftPreview|Googlebot|bingbot",
    re.IGNORECASE,
)
"""The robots chat platforms send to preview a link posted in a message."""


def is_link_preview(user_agent: str) -> bool:
    """Whether a request is a platform previewing the link rather than the convener
    opening it: the preview must not use up the one-time link."""

    return LINK_PREVIEWS.search(user_agent) is not None


@dataclass(frozen=True, slots=True)
class Refusal:
    sentence: str


class Dashboard:
    """The web application, over the store and the app's (injectable) clock."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: DashboardSection,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.secure_cookie = settings.base_url.startswith("https://")
        folder = files("handlers.landscape.dashboard") / "static"
        self.page = (folder / "index.html").read_bytes()
        self.static = {name: (folder / name).read_bytes() for name in STATIC_TYPES}

    def application(self) -> web.Application:
        app = web.Application()
        app.on_response_prepare.append(_with_headers)
        app.router.add_get("/", self.index)
        app.router.add_get("/login/{token}", self.login)
        app.router.add_get("/static/{name}", self.static_file)
        app.router.add_get("/api/me", self._reading(_me))
        app.router.add_get("/api/landscape", self._reading(_landscape))
        app.router.add_get("/api/coverage", self._reading(_coverage))
        app.router.add_get("/api/checkins", self._reading(_checkins))
        app.router.add_get("/api/commitments", self._reading(_commitments))
        app.router.add_get("/api/stories", self._reading(_stories))
        return app

    # -- signing in ---------------------------------------------------------------------

    async def login(self, request: web.Request) -> web.StreamResponse:
        """Exchange a one-time link for a session cookie, then go to the dashboard.

        The link is claimed with a conditional update in the same transaction
        that makes the session, so it opens one session whatever happens.
        """

        token = request.match_info["token"]
        if not looks_like_token(token):
            return refusal_page(UNKNOWN_LINK)
        if request.method == "HEAD" or is_link_preview(request.headers.get("User-Agent", "")):
            return preview_page()
        now = self.clock.now()

        async def exchange() -> str | Refusal:
            async with self.sessions.begin() as session:
                link = await dashboard_repo.holder(session, digest(token), dashboard_repo.LINK)
                if link is None:
                    return Refusal(UNKNOWN_LINK)
                if link.used_at is not None:
                    return Refusal(USED_LINK)
                if link.expires_at <= now:
                    return Refusal(EXPIRED_LINK)
                if not link.is_convener:
                    return Refusal(NOT_A_CONVENER)
                if not await dashboard_repo.claim_link(session, digest(token), now):
                    return Refusal(USED_LINK)
                opened = new_token()
                await dashboard_repo.add_token(
                    session,
                    token_hash=digest(opened),
                    workspace_id=link.workspace_id,
                    member_id=link.member_id,
                    purpose=dashboard_repo.SESSION,
                    now=now,
                    expires_at=now + SESSION_LIFETIME,
                )
                return opened

        opened = await retry_when_busy(exchange, what="opening a dashboard session")
        if isinstance(opened, Refusal):
            return refusal_page(opened.sentence)
        response = signed_in_page()
        response.set_cookie(
            COOKIE,
            opened,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.secure_cookie,
        )
        return response

    async def _holder(
        self, session: AsyncSession, request: web.Request
    ) -> dashboard_repo.Holder | Refusal:
        """The convener signed in with this request's cookie, or the reason there is none."""

        token = request.cookies.get(COOKIE, "")
        if not looks_like_token(token):
            return Refusal(NOT_SIGNED_IN)
        found = await dashboard_repo.holder(session, digest(token), dashboard_repo.SESSION)
        if found is None or found.expires_at <= self.clock.now():
            return Refusal(NOT_SIGNED_IN)
        if not found.is_convener:
            return Refusal(NOT_A_CONVENER)
        return found

    # -- pages --------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        async with self.sessions() as session:
            found = await self._holder(session, request)
        if isinstance(found, Refusal):
            return refusal_page(found.sentence)
        return web.Response(body=self.page, content_type="text/html", charset="utf-8")

    async def static_file(self, request: web.Request) -> web.StreamResponse:
        """The page's own script, style and icon: public, since they hold no data."""

        name = request.match_info["name"]
        if name not in self.static:
            raise web.HTTPNotFound()
        return web.Response(
            body=self.static[name], content_type=STATIC_TYPES[name], charset="utf-8"
        )

    def _reading(self, read: Reader) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """A JSON route for signed-in conveners: the check and the reading in one session."""

        async def handle(request: web.Request) -> web.StreamResponse:
            async with self.sessions() as session:
                found = await self._holder(session, request)
                if isinstance(found, Refusal):
                    return web.json_response({"error": found.sentence}, status=403)
                body = await read(session, found, self.clock.now())
            return web.Response(
                text=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                content_type="application/json",
                charset="utf-8",
            )

        return handle


async def _me(session: AsyncSession, holder: dashboard_repo.Holder, now: datetime) -> Json:
    return {
        "workspace": holder.workspace_name,
        "convener": holder.display_name,
        "session_ends": holder.expires_at.isoformat(),
        "now": now.isoformat(),
    }


async def _landscape(session: AsyncSession, holder: dashboard_repo.Holder, now: datetime) -> Json:
    return await data.landscape_graph(session, holder.workspace_id)


async def _coverage(session: AsyncSession, holder: dashboard_repo.Holder, now: datetime) -> Json:
    return await data.coverage(session, holder.workspace_id)


async def _checkins(session: AsyncSession, holder: dashboard_repo.Holder, now: datetime) -> Json:
    return await data.checkins(session, holder.workspace_id)


async def _commitments(session: AsyncSession, holder: dashboard_repo.Holder, now: datetime) -> Json:
    return await data.commitments(session, holder.workspace_id, now)


async def _stories(session: AsyncSession, holder: dashboard_repo.Holder, now: datetime) -> Json:
    return await data.stories(session, holder.workspace_id)


async def _with_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The same protections on every answer, refusals and 405s included."""

    response.headers.update(HEADERS)


def _small_page(title: str, body: str, status: int, head: str = "") -> web.Response:
    text = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        '<link rel="icon" href="/static/icon.svg">'
        f'<link rel="stylesheet" href="/static/dashboard.css">{head}</head>'
        f'<body class="small-page"><main><h1>{html.escape(title)}</h1>{body}</main></body></html>'
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def refusal_page(sentence: str) -> web.Response:
    """403, with the one sentence that says what to do instead."""

    return _small_page(
        "Convene dashboard", f'<p class="refusal">{html.escape(sentence)}</p>', status=403
    )


def preview_page() -> web.Response:
    """What a link preview (or a HEAD) gets: a title, and the link left unused."""

    return _small_page(
        "Convene dashboard",
        "<p>A convener's one-time link to Convene's dashboard. Open it in your browser.</p>",
        status=200,
    )


def signed_in_page() -> web.Response:
    """The answer to a good link: on to the dashboard.

    Not a bare HTTP redirect: a link clicked in Slack or Discord is a
    navigation from another site, and a browser keeps a ``SameSite=Strict``
    cookie from every request of that navigation, redirects included, so the
    dashboard would refuse the first page. This page moves on by itself
    (a refresh the page makes is a navigation from this site), with a link
    for a browser that does not.
    """

    return _small_page(
        "Convene dashboard",
        '<p>You are signed in for 8 hours. <a href="/">Open the dashboard</a>.</p>',
        status=200,
        head='<meta http-equiv="refresh" content="0; url=/">',
    )


@asynccontextmanager
async def serving(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    settings: DashboardSection,
    *,
    port: int | None = None,
) -> AsyncIterator[int]:
    """Listen on ``settings.host`` and its port (or ``port``: 0 for any free one) until
    the block ends; yields the port listened on."""

    runner = web.AppRunner(
        Dashboard(sessions, clock, settings).application(), access_log=None, handle_signals=False
    )
    await runner.setup()
    wanted = settings.port if port is None else port
    site = web.TCPSite(runner, settings.host, wanted)
    try:
        await site.start()
    except OSError as failure:
        await runner.cleanup()
        raise PlatformUnavailable(
            f"the dashboard cannot listen on {settings.host}:{wanted} "
            f"({failure.strerror or failure}); change [dashboard] port or host, or stop "
            "what holds it"
        ) from None
    bound = _bound_port(runner, wanted)
    log.info("the conveners' dashboard is served at %s", settings.base_url)
    try:
        yield bound
    finally:
        await runner.cleanup()


def _bound_port(runner: web.AppRunner, wanted: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return wanted
