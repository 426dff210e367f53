"""The Slack adapter: Convene in a Slack workspace, on slack-bolt and slack_sdk.

Incoming requests (slash commands, button clicks, modal submissions, Events
API callbacks) go through one bolt ``AsyncApp`` (``listeners``), which checks
their signature; each is acknowledged at once and handed to Convene's dispatch
after the ack, so Slack's 3-second limit holds whatever the work. They come in
over Socket Mode (``socket_mode``) or HTTP mode's endpoint (``http_mode``);
both see this adapter only as an ``EventSink`` (``sink``), so neither imports it.

Outgoing messages are Block Kit (``render``) sent with ``AsyncWebClient``
at ``[slack] api_base_url``, so that tests and proxies can point it elsewhere.
A message longer than one Slack message holds goes as several in a row, under
one outbox reference (``parts``); a long App Home is shown in pages. A
message's files follow its text in the same conversation (``files``): the text
goes first as Block Kit, like every message, so its buttons work and the
outbox's reference names a real message a thread can hang from; the files are
then shared after it (Slack's ``initial_comment`` takes neither blocks nor
buttons, and its message's ``ts`` may not be known when the share returns).
Slack's answers become the outbox's vocabulary: ``ratelimited`` (429) is
``RateLimited`` with its ``Retry-After``, a channel the bot is not in or a
member who left is permanent, a 5xx or a dropped connection is transient.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar, cast

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.files import SlackFiles
from adapters.slack.inbound import with_mention_names
from adapters.slack.limits import MethodPace
from adapters.slack.parts import FILES, Place, SentParts
from adapters.slack.render import (
    HOME_PAGE_ACTION,
    VIEW_BLOCKS,
    SlackMessage,
    home_pages,
    messages_for,
    modal_for,
)
from bot.adapter import (
    Capabilities,
    ChannelMember,
    DeliveryError,
    Dispatch,
    MessageRef,
    PartlyDelivered,
    PermanentDeliveryError,
    PlatformUnavailable,
    RateLimited,
    TransientDeliveryError,
)
from bot.clock import Clock, SystemClock
from bot.config import PrivacySection, SlackSection
from bot.errors import UserError
from bot.events import ButtonClicked, Event, HomeOpened, IncomingFile, SlashCommand
from bot.inbox import keeper_of
from bot.messages import Form, OutgoingMessage
from bot.metrics import rate_limited
from bot.shared_limits import RateLimits

if TYPE_CHECKING:
    from aiohttp import web
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from adapters.slack.installations import ConveneInstallationStore, ConveneOAuthStateStore
    from adapters.slack.oauth import InstalledAuthorize
    from adapters.slack.tokens import WorkspaceTokens

log = logging.getLogger("convene.slack")

PLATFORM = "slack"
CAPABILITIES = Capabilities(
    group_dm=True,
    modals=True,
    threads=True,
    channel_membership=True,
    home_tab=True,
    max_form_fields=VIEW_BLOCKS,  # a modal holds 100 blocks: the core pages longer forms
    silo_sources=frozenset({"usergroups", "field"}),
    # chat.postMessage: about one a second per channel with short bursts, and
    # "several hundred" a minute per workspace; Retry-After rules beyond that.
    # The other methods a delivery calls are paced by tier in limits.py.
    rate_per_second=4.0,
    burst=4,
    per_target_rate=1.0,
    per_target_burst=3,
)
WORKERS = 2
"""Events dispatched at once: the database, not Slack, is the limit."""
DRAIN_SECONDS = 5.0
ACKS_FIRST_STEP = 0.002
ACKS_FIRST_MOST = 0.5
"""While requests are being acknowledged, a worker waits (in steps, at most this long
for each event) before doing an event's work: under a burst the loop is saturated,
and Slack's 3 s matter more than how soon an acknowledged event is recorded."""
PERMANENT_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "message_not_found",
        "cant_update_message",
        "restricted_action",
    }
)
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
READ_TRIES = 4
"""A read Slack answers 429 is asked again after Retry-After, up to this many times."""
MEMBER_READS_AT_ONCE = 8
"""users.info calls in flight at once when reading a channel's members met for the first time."""
PROFILE_READS_AT_ONCE = 8
"""users.profile.get calls in flight at once when importing a profile field."""
NOT_THERE = frozenset({"not_in_channel", "channel_not_found", "user_not_in_channel"})
"""Where an ephemeral reply cannot go, a DM to the member can."""
_CHANNEL_LINK = re.compile(r"^<#(?P<id>[A-Z0-9]+)(?:\|[^>]*)?>$")

_TEAM: ContextVar[str | None] = ContextVar("convene_slack_team", default=None)
"""The workspace (team id) the Web API calls being made now are for: installed over OAuth,
``_call`` takes that workspace's token."""
_Method = TypeVar("_Method", bound=Callable[..., Awaitable[Any]])


@contextlib.contextmanager
def _calls_for(team_id: str) -> Iterator[None]:
    """Make the Web API calls inside for this workspace (with its token)."""

    mark = _TEAM.set(team_id)
    try:
        yield
    finally:
        _TEAM.reset(mark)


def _in_workspace(method: _Method) -> _Method:
    """A method whose first argument is the workspace it acts in: its calls use that
    workspace's token (one Convene may serve many workspaces)."""

    @functools.wraps(method)
    async def scoped(self: SlackAdapter, workspace_id: str, *args: Any, **kwargs: Any) -> Any:
        with _calls_for(workspace_id):
            return await method(self, workspace_id, *args, **kwargs)

    return cast(_Method, scoped)


class SlackAdapter:
    """Slack, reached at ``api_base_url``: one workspace with ``[slack] bot_token``, or with
    ``[slack] client_id`` any number installed over OAuth, each call with its workspace's
    token (``use_database`` gives it the store the installations are kept in)."""

    def __init__(
        self, settings: SlackSection, *, http_port: int | None = None, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._pace = MethodPace(self._clock)
        self._http_port = settings.http_port if http_port is None else http_port
        self._over_oauth = settings.installs_over_oauth
        self.client = AsyncWebClient(
            token=None if self._over_oauth else settings.bot_token.reveal() or None,
            base_url=settings.api_base_url,
        )
        self._files = SlackFiles(
            self.client,
            self._call,
            api_base_url=settings.api_base_url,
            token=self._current_token if self._over_oauth else settings.bot_token.reveal(),
        )
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self.tokens: WorkspaceTokens | None = None
        """Each workspace's token (installed over OAuth only)."""
        self.installations: ConveneInstallationStore | None = None
        self._states: ConveneOAuthStateStore | None = None
        self._authorize: InstalledAuthorize | None = None
        self._dispatch: Dispatch | None = None
        self._server: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._queue: asyncio.Queue[Event] | None = None
        self._names: dict[str, ChannelMember] = {}
        self._channels: dict[tuple[str, str], str] = {}
        """Channel ids by (workspace, name), as found."""
        self._home_pages: dict[str, list[list[dict[str, Any]]]] = {}
        self._home_page: dict[str, int] = {}
        """Each member's App Home in pages (when longer than one view) and the page shown."""
        self.bot_user_id: str | None = None
        self.team_id: str | None = None
        self.acks_in_flight = 0
        """Requests the HTTP endpoint is answering right now."""
        self.serve_beside: Callable[[web.Application], None] | None = None
        """Adds Convene's /healthz, /readyz and /metrics to HTTP mode's server (the app's)."""

    def share_rate_limits(self, limits: RateLimits) -> None:
        """Pace the Web API methods with every instance that shares ``limits`` (``bot.app``)."""

        self._pace = MethodPace(self._clock, limits)

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    @property
    def api_base_url(self) -> str:
        return self._settings.api_base_url

    @property
    def connected(self) -> bool:
        """Socket Mode: Slack's connection is open; HTTP mode: the endpoint listens (/readyz)."""

        return self._server is not None and bool(getattr(self._server, "connected", True))

    def use_database(
        self, sessions: async_sessionmaker[AsyncSession], privacy: PrivacySection
    ) -> None:
        """Where installations are kept (over OAuth), and where an install clears a
        workspace's ``uninstalled_at``; called once the app has its sessions, before start."""

        from adapters.slack.installations import (
            ConveneInstallationStore,
            ConveneOAuthStateStore,
        )
        from adapters.slack.oauth import InstalledAuthorize
        from adapters.slack.tokens import WorkspaceTokens
        from bot.token_keys import TokenKeys

        self._sessions = sessions
        if not self._over_oauth:
            return
        keys = TokenKeys.from_setting(privacy.secret_key.reveal())
        self.tokens = WorkspaceTokens(
            sessions,
            keys,
            self._clock,
            refresh=self._refresh_token if self._settings.token_rotation else None,
        )
        self.installations = ConveneInstallationStore(sessions, keys, on_change=self.tokens.forget)
        self._states = ConveneOAuthStateStore(sessions, self._clock)
        self._authorize = InstalledAuthorize(self.tokens)

    @property
    def oauth(self) -> Any:
        """bolt's OAuth settings and authorize (installed over OAuth), or None."""

        if self.installations is None or self._states is None or self._authorize is None:
            return None
        from adapters.slack.oauth import oauth_settings

        return (
            oauth_settings(self._settings, self.installations, self._states),
            self._authorize,
        )

    async def _refresh_token(self, refresh_token: str) -> dict[str, Any]:
        """Slack's token rotation: a new bot token for the refresh token (single use)."""

        from adapters.slack.oauth import refresh_answer

        answer = await self._call(
            self.client.oauth_v2_access,
            client_id=self._settings.client_id,
            client_secret=self._settings.client_secret.reveal(),
            grant_type="refresh_token",
            refresh_token=refresh_token,
            with_token=False,
        )
        return refresh_answer(answer)

    async def _current_token(self) -> str:
        """The token of the workspace the calls being made now are for (over OAuth)."""

        team = _TEAM.get()
        if team is None or self.tokens is None:
            raise PermanentDeliveryError("a Slack call was made for no workspace")
        return (await self.tokens.of(team)).token

    def _own_user_id(self) -> str | None:
        """The bot's member id in the workspace the calls being made now are for."""

        team = _TEAM.get()
        if self.tokens is not None and team is not None:
            known = self.tokens.known(team)
            return known.bot_user_id if known is not None else None
        return self.bot_user_id

    @property
    def url(self) -> str:
        """Where HTTP mode listens (once started)."""

        from adapters.slack.http_mode import SlackHttpServer

        if not isinstance(self._server, SlackHttpServer):
            raise RuntimeError("only HTTP mode has an endpoint, once started")
        return self._server.url

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, dispatch: Dispatch) -> None:
        # The ways in load slack_bolt (and HTTP mode aiohttp's server): only a start needs them.
        from adapters.slack.http_mode import SlackHttpServer

        self._dispatch = dispatch
        if self._over_oauth:
            await self._start_for_installs()
            return
        try:
            identity = await self.client.auth_test()
        except SlackApiError as failed:
            raise PlatformUnavailable(
                f"Slack refused the bot token ({failed.response.get('error')}); "
                "check SLACK_BOT_TOKEN"
            ) from None
        except (TimeoutError, aiohttp.ClientError) as failed:
            raise PlatformUnavailable(
                f"could not reach Slack at {self.api_base_url} ({failed}); check the network, "
                "or [slack] api_base_url"
            ) from None
        self.bot_user_id = identity.get("user_id")
        self.team_id = identity.get("team_id")
        await self._installed_again(self.team_id)
        if self._settings.mode == "socket":
            from adapters.slack.socket_mode import SlackSocketConnection

            self._server = SlackSocketConnection(self, app_token=self._settings.app_token.reveal())
            await self._server.start()
            log.info("Slack adapter connected over Socket Mode for team %s", self.team_id)
            return
        self._server = SlackHttpServer(self, host=self._settings.http_host, port=self._http_port)
        try:
            await self._server.start()
        except OSError as refused:
            raise PlatformUnavailable(
                f"Slack's HTTP mode cannot listen on {self._settings.http_host}:{self._http_port} "
                f"({refused.strerror or refused}): stop what holds that port, or set "
                "[slack] http_port (or $CONVENE_SLACK_HTTP_PORT) to a free one"
            ) from None
        log.info("Slack adapter listening on %s for team %s", self._server.url, self.team_id)

    async def _start_for_installs(self) -> None:
        """HTTP mode serving installs over OAuth: no token of its own to check at start."""

        from adapters.slack.http_mode import SlackHttpServer

        if self.tokens is None:
            raise PlatformUnavailable(
                "installs over OAuth keep their tokens in Convene's database, which the "
                "Slack adapter was not given (SlackAdapter.use_database)"
            )
        if self.installations is not None and self.installations.rotating:
            rewritten = await self.installations.rotate_keys()
            log.info(
                "Slack installations whose tokens were written again with the newest key of "
                "CONVENE_SECRET_KEY: %d; the older keys can be dropped",
                rewritten,
            )
        self._server = SlackHttpServer(self, host=self._settings.http_host, port=self._http_port)
        try:
            await self._server.start()
        except OSError as refused:
            raise PlatformUnavailable(
                f"Slack's HTTP mode cannot listen on {self._settings.http_host}:{self._http_port} "
                f"({refused.strerror or refused}): stop what holds that port, or set "
                "[slack] http_port (or $CONVENE_SLACK_HTTP_PORT) to a free one"
            ) from None
        log.info(
            "Slack adapter listening on %s; install it in a workspace at %s",
            self._server.url,
            self._server.install_url,
        )

    async def _installed_again(self, team_id: str | None) -> None:
        """The bot token works in ``team_id``: if that workspace had uninstalled Convene, it
        has installed it again (a new SLACK_BOT_TOKEN), and its schedules run again."""

        if self._sessions is None or not team_id:
            return
        from storage.repositories import workspaces as workspaces_repo

        async with self._sessions.begin() as session:
            if await workspaces_repo.mark_installed(session, PLATFORM, team_id):
                log.info("Convene is installed again in Slack workspace %s", team_id)

    async def forget_workspace(self, team_id: str) -> None:
        """Slack uninstalled Convene from ``team_id`` (or revoked its token): its tokens are
        deleted now and nothing cached for it is used again."""

        if self.installations is not None:
            await self.installations.delete(team_id)
        if self.tokens is not None:
            self.tokens.forget(team_id)
        for key in [key for key in self._channels if key[0] == team_id]:
            del self._channels[key]

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self._queue is not None:
            try:  # events Slack already has an ack for: finish them if it is quick
                await asyncio.wait_for(self._queue.join(), timeout=DRAIN_SECONDS)
            except TimeoutError:
                log.warning("stopping with %d Slack events not handled", self._queue.qsize())
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()
        await self._files.close()

    @property
    def signing_secret(self) -> str:
        return self._settings.signing_secret.reveal()

    async def after_ack(self, event: Event) -> None:
        """Hand an event to Convene as Slack is given its acknowledgement.

        Slack sends a command, a click or an event once it has its ack, so the
        event is first kept in the inbox (a batched write; the ack leaves once
        it is durable) and a killed process cannot lose it. Then a few workers
        take events from a queue: a task for each event made thousands compete
        for the database under a burst, stalled the loop that answers Slack,
        and timed some out (measured in bench.slack_events).
        """

        keep = keeper_of(self._dispatch) if self._dispatch is not None else None
        if keep is not None and not _turns_home_page(event):
            await keep(event)
        if self._queue is None:
            self._start_workers()
        assert self._queue is not None
        self._queue.put_nowait(event)

    def _start_workers(self) -> None:
        self._queue = asyncio.Queue()
        loop = asyncio.get_running_loop()
        for _ in range(WORKERS):
            task = loop.create_task(self._work())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            event = await self._queue.get()
            waited = 0.0
            while self.acks_in_flight and waited < ACKS_FIRST_MOST:
                await asyncio.sleep(ACKS_FIRST_STEP)  # real time: it is the loop's load
                waited += ACKS_FIRST_STEP
            try:
                await self._run(event)
            finally:
                self._queue.task_done()

    async def _run(self, event: Event) -> None:
        assert self._dispatch is not None
        try:
            with _calls_for(event.workspace_id):
                if _turns_home_page(event):
                    await self._turn_home_page(event)
                    return
                await self._dispatch(await self._with_name(event))
        except Exception:
            log.exception("dispatching a Slack %s failed", type(event).__name__)

    async def wait_idle(self) -> None:
        """Wait until every event handed over so far has been dispatched."""

        if self._queue is not None:
            await self._queue.join()

    async def _with_name(self, event: Event) -> Event:
        """The event with the actor's display name and time zone, as Slack knows them
        (and a message's mentions with the names of those it mentions)."""

        if not event.actor_id:
            return event  # the platform acted (an uninstall), not a member
        person = await self._member(event.actor_id)
        event = await with_mention_names(event, self._member)
        return dataclasses.replace(
            event, actor_name=person.display_name, actor_timezone=person.timezone
        )

    # -- people and channels --------------------------------------------------------------

    async def _member(self, user_id: str) -> ChannelMember:
        known = self._names.get(user_id)
        if known is not None:
            return known
        try:
            found = await self._read(self.client.users_info, user=user_id)
        except DeliveryError as failed:
            log.warning("users.info for %s failed: %s", user_id, failed)
            return ChannelMember(user_id, user_id)
        return self._remember(found.get("user") or {"id": user_id})

    def _remember(self, user: dict[str, Any]) -> ChannelMember:
        """A Slack user object as a member, kept for the next event they cause."""

        user_id = str(user["id"])
        profile = user.get("profile") or {}
        person = ChannelMember(
            platform_user_id=user_id,
            display_name=str(
                profile.get("display_name") or user.get("name") or user.get("real_name") or user_id
            ),
            timezone=user.get("tz"),
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        )
        self._names[user_id] = person
        return person

    async def _workspace_people(self) -> list[ChannelMember]:
        """Everyone active in the workspace who is a person (users.list, paged)."""

        people: list[ChannelMember] = []
        cursor = None
        while True:
            page = await self._read(self.client.users_list, limit=200, cursor=cursor)
            for user in page.get("members") or []:
                if user.get("deleted"):
                    continue
                person = self._remember(user)
                if not person.is_bot and person.platform_user_id != self._own_user_id():
                    people.append(person)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return people

    @_in_workspace
    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        ids: list[str] = []
        cursor = None
        while True:
            page = await self._read(
                self.client.conversations_members, channel=channel_id, limit=1000, cursor=cursor
            )
            ids.extend(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        people = await self._members(ids)
        return [p for p in people if p.platform_user_id != self._own_user_id()]

    async def _members(self, user_ids: list[str]) -> list[ChannelMember]:
        """Members by id, those not met yet read from ``users.info`` a few at a time.

        At most ``MEMBER_READS_AT_ONCE`` reads are in flight; a 429 holds its
        place until Slack's ``Retry-After`` has passed, so the rest wait too.
        """

        limit = asyncio.Semaphore(MEMBER_READS_AT_ONCE)

        async def one(user_id: str) -> ChannelMember:
            if user_id in self._names:
                return self._names[user_id]
            async with limit:
                return await self._member(user_id)

        return list(await asyncio.gather(*(one(user_id) for user_id in user_ids)))

    @_in_workspace
    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        link = _CHANNEL_LINK.match(reference.strip())
        if link is not None:
            return link["id"]
        name = (workspace_id, reference.strip().removeprefix("#").lower())
        if name in self._channels:
            return self._channels[name]
        cursor = None
        while True:
            page = await self._read(
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if channel.get("is_member", True):  # a channel the bot is not in is no use
                    named = (workspace_id, str(channel.get("name", "")).lower())
                    self._channels[named] = str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor or name in self._channels:
                break
        return self._channels.get(name)

    @_in_workspace
    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        """A file a member sent in a message (Slack's slash commands carry none)."""

        return await self._files.download(file)

    @_in_workspace
    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        """Slack's user groups (@radiology) or a profile field's values, with their people."""

        if source == "field" and detail:
            return await self._profile_field_groups(detail)
        if source != "usergroups":
            return {}
        listed = await self._read(self.client.usergroups_list, include_users=True)
        groups: dict[str, list[ChannelMember]] = {}
        for group in listed.get("usergroups") or []:
            if group.get("date_delete"):
                continue
            people = await self._members([str(user) for user in group.get("users") or []])
            groups[str(group.get("name") or group.get("handle"))] = [
                p for p in people if not p.is_bot
            ]
        return groups

    async def _profile_field_groups(self, label: str) -> dict[str, list[ChannelMember]]:
        """Everyone grouped by their value of the custom profile field called ``label``.

        Slack lists the fields in team.profile.get but gives a person's values
        only one person at a time (users.profile.get), so this reads each
        profile, a few at once; it runs before the import's write, never inside it.
        """

        listed = await self._read(self.client.team_profile_get)
        fields = (listed.get("profile") or {}).get("fields") or []
        wanted = " ".join(label.split()).casefold()
        chosen = next(
            (f for f in fields if " ".join(str(f.get("label", "")).split()).casefold() == wanted),
            None,
        )
        if chosen is None:
            labels = sorted(str(f["label"]) for f in fields if f.get("label"))
            raise UserError(
                f"Slack's profiles here have no field called {label!r}. "
                + (
                    f"The fields are: {', '.join(labels)}. Type one of those, like: "
                    f"/convene silo import field {labels[0]}"
                    if labels
                    else "This workspace has no custom profile fields: a Slack admin adds "
                    "them under Customize workspace, Profile."
                )
            )
        field_id = str(chosen["id"])
        people = await self._workspace_people()
        limit = asyncio.Semaphore(PROFILE_READS_AT_ONCE)

        async def value_of(person: ChannelMember) -> str:
            async with limit:
                try:
                    found = await self._read(
                        self.client.users_profile_get, user=person.platform_user_id
                    )
                except DeliveryError as failed:
                    log.warning(
                        "users.profile.get for %s failed: %s", person.platform_user_id, failed
                    )
                    return ""
            values = (found.get("profile") or {}).get("fields") or {}
            return " ".join(str((values.get(field_id) or {}).get("value") or "").split())

        values = await asyncio.gather(*(value_of(person) for person in people))
        groups: dict[str, list[ChannelMember]] = {}
        spelled: dict[str, str] = {}  # "radiology" -> "Radiology", as first seen
        for person, value in zip(people, values, strict=True):
            if value:
                name = spelled.setdefault(value.casefold(), value)
                groups.setdefault(name, []).append(person)
        return groups

    @_in_workspace
    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        opened = await self._call(self.client.conversations_open, users=member_id)
        return str((opened.get("channel") or {}).get("id"))

    @_in_workspace
    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        opened = await self._call(self.client.conversations_open, users=",".join(member_ids))
        return str((opened.get("channel") or {}).get("id"))

    # -- sending ---------------------------------------------------------------------------

    @_in_workspace
    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        """Post a message: as several Slack messages in a row when Block Kit's limits say so.

        The reference names the first part (where a thread hangs) and, for a
        message in several parts, every part in order with a digest of what it
        says (``SentParts``). If a part fails after the first went out, the
        parts sent so far are reported with ``PartlyDelivered``, and ``edit``
        later sends only the rest.
        """

        target = message.target
        if target.kind == "home":
            return await self._publish_home(target.member_ids[0], message)
        if target.kind == "dm":
            channel = target.member_ids[0]
        elif target.kind == "group":
            channel = await self.open_group(workspace_id, target.member_ids)
        else:
            assert target.channel_id is not None
            channel = target.channel_id
        private = message.visible_to is not None and target.kind in ("channel", "thread")
        place = Place(
            channel=channel,
            thread_ts=target.thread_id if target.kind == "thread" else None,
            visible_to=message.visible_to if private else None,
        )
        parts = SentParts()
        for part in messages_for(message) if _has_words(message) else ():
            try:
                place, ts = await self._post_part(place, part)
            except DeliveryError as failed:
                if not parts.ids:
                    raise
                raise PartlyDelivered(parts.ref(place, listed=True), failed) from None
            parts.add(ts, part)
        if message.files:
            return await self._share_files(workspace_id, place, parts, message)
        return parts.ref(place)

    async def _share_files(
        self, workspace_id: str, place: Place, parts: SentParts, message: OutgoingMessage
    ) -> MessageRef:
        """Share a message's files where its text went (the reference then names them).

        Stopped after the text went out, it says so with ``PartlyDelivered``; the
        outbox's ``edit`` then shares the files without posting the text again.
        """

        if place.channel[:1] in ("U", "W"):
            # Files alone to a member: Slack shares files only in a conversation's id.
            place = dataclasses.replace(
                place, channel=await self.open_dm(workspace_id, place.channel)
            )
        try:
            shared = await self._files.share(
                message.files, channel=place.channel, thread_ts=place.thread_ts
            )
        except DeliveryError as failed:
            if not parts.ids:
                raise
            raise PartlyDelivered(parts.ref(place, listed=True), failed) from None
        if parts.ids:
            ref = parts.ref(place)
        else:
            ref = {"message_id": shared.ts or shared.file_ids[0], "channel_id": place.channel}
            if place.thread_ts:
                ref["thread_id"] = place.thread_ts
        ref[FILES] = list(shared.file_ids)
        return ref

    async def _post_part(self, place: Place, part: SlackMessage) -> tuple[Place, str]:
        """Post one Slack message; where it went (a DM, when an ephemeral reply could not
        go to its channel) and its ``ts``."""

        if place.visible_to is not None:
            try:
                sent = await self._call(
                    self.client.chat_postEphemeral,
                    channel=place.channel,
                    user=place.visible_to,
                    text=part.text,
                    blocks=part.blocks,
                    thread_ts=place.thread_ts,
                )
                return place, str(sent.get("message_ts"))
            except PermanentDeliveryError as refused:
                if str(refused) not in NOT_THERE:
                    raise
                # Not in that channel (a command typed where the bot is not): say it in a DM.
                place = Place(channel=place.visible_to)
        sent = await self._call(
            self.client.chat_postMessage,
            channel=place.channel,
            text=part.text,
            blocks=part.blocks,
            thread_ts=place.thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        # Posting to a member's id lands in the DM, whose id Slack answers with.
        return dataclasses.replace(place, channel=str(sent.get("channel"))), str(sent.get("ts"))

    async def _publish_home(self, user_id: str, message: OutgoingMessage) -> MessageRef:
        """A member's App Home, replaced as a whole (views.publish keeps no history).

        A home longer than one view's 100 blocks is shown a page at a time, on
        the page the member last turned to; its pages are kept here for the
        page buttons (a home of one page needs nothing kept).
        """

        pages = home_pages(message)
        if len(pages) > 1:
            self._home_pages[user_id] = pages
        else:
            self._home_pages.pop(user_id, None)
            self._home_page.pop(user_id, None)
        await self._show_home_page(user_id, pages, self._home_page.get(user_id, 0))
        return {"message_id": f"home:{user_id}", "channel_id": f"home:{user_id}"}

    async def _show_home_page(
        self, user_id: str, pages: list[list[dict[str, Any]]], page: int
    ) -> None:
        page = min(max(page, 0), len(pages) - 1)
        if page:
            self._home_page[user_id] = page
        else:
            self._home_page.pop(user_id, None)
        view = {"type": "home", "blocks": pages[page]}
        await self._call(self.client.views_publish, user_id=user_id, view=view)

    async def _turn_home_page(self, event: ButtonClicked) -> None:
        """A page button on the App Home: the adapter shows that page itself.

        Pages not kept (Convene restarted since the home was drawn) are drawn
        afresh, as when the member opens the home, on the page asked for.
        """

        page = int(event.value) if event.value.isdigit() else 0
        pages = self._home_pages.get(event.actor_id)
        if pages is None:
            self._home_page[event.actor_id] = page
            assert self._dispatch is not None
            opened = HomeOpened(
                platform=PLATFORM,
                workspace_id=event.workspace_id,
                actor_id=event.actor_id,
                actor_name=event.actor_name,
                place=event.place,
                event_id=f"home-page:{event.event_id}",
                raw=event.raw,
            )
            await self._dispatch(await self._with_name(opened))
            return
        try:
            await self._show_home_page(event.actor_id, pages, page)
        except DeliveryError as refused:
            log.warning(
                "could not turn %s's App Home to page %d: %s", event.actor_id, page, refused
            )

    @_in_workspace
    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        """Make the message at ``ref`` say ``message``, part by part.

        A part whose digest says it already reads so is left alone (no
        "edited" mark, no call): this is also how a message stopped part-way
        is finished. Parts the new text needs are posted after the last, and
        parts it no longer needs are deleted. Ephemeral parts cannot be
        changed (Slack offers no way): the missing ones are posted.
        """

        if message.target.kind == "home":
            return await self._publish_home(message.target.member_ids[0], message)
        old = SentParts.of(ref)
        place = Place(
            channel=str(ref["channel_id"]),
            thread_ts=ref.get("thread_id"),
            visible_to=ref.get("visible_to"),
        )
        now = SentParts()
        wanted = messages_for(message)
        try:
            for index, part in enumerate(wanted):
                if index >= len(old.ids):
                    place, ts = await self._post_part(place, part)
                    now.add(ts, part)
                    continue
                if old.digests[index] != part.digest() and place.visible_to is None:
                    await self._call(
                        self.client.chat_update,
                        channel=place.channel,
                        ts=old.ids[index],
                        text=part.text,
                        blocks=part.blocks,
                    )
                now.add(old.ids[index], part)
            for ts in old.ids[len(wanted) :]:
                await self._delete_part(place, ts)
                now.deleted += 1
        except DeliveryError as failed:
            if not now.ids and not now.deleted:
                raise
            raise PartlyDelivered(now.progress(old, place), failed) from None
        if message.files:
            if FILES not in ref:
                # A send whose text went out before its files could: share them now.
                return await self._share_files(workspace_id, place, now, message)
            return {**now.ref(place), FILES: ref[FILES]}
        return now.ref(place)

    @_in_workspace
    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        """Take a message off Slack: ``chat.delete`` for every part, ``files.delete`` for
        the files shared after it.

        A part or file Slack no longer has counts as deleted (a retried delete);
        App Home views and ephemeral replies have nothing to delete (a home is
        replaced as a whole, an ephemeral reply fades).
        """

        if str(ref.get("channel_id", "")).startswith("home:"):
            return
        place = Place(
            channel=str(ref["channel_id"]),
            thread_ts=ref.get("thread_id"),
            visible_to=ref.get("visible_to"),
        )
        for ts in SentParts.of(ref).ids:
            await self._delete_part(place, ts)
        for file_id in ref.get(FILES) or ():
            try:
                await self._call(self.client.files_delete, file=str(file_id))
            except PermanentDeliveryError as refused:
                if str(refused) != "file_not_found":
                    raise

    async def _delete_part(self, place: Place, ts: str) -> None:
        """Delete a part an edit no longer needs; one already gone is fine."""

        if place.visible_to is not None:
            return  # an ephemeral message fades by itself
        try:
            await self._call(self.client.chat_delete, channel=place.channel, ts=ts)
        except PermanentDeliveryError as refused:
            if str(refused) != "message_not_found":
                raise

    async def open_form(self, event: Event, form: Form) -> None:
        trigger_id = event.trigger_id if isinstance(event, SlashCommand | ButtonClicked) else None
        trigger_id = trigger_id or event.raw.get("trigger_id")
        if not trigger_id:
            log.warning("cannot open the form %s: the event carries no trigger_id", form.form_id)
            return
        origin = {"channel_id": event.place.channel_id, "thread_id": event.place.thread_id}
        try:
            with _calls_for(event.workspace_id):
                await self._call(
                    self.client.views_open,
                    trigger_id=trigger_id,
                    view=modal_for(form, origin=origin),
                )
        except DeliveryError as refused:
            log.warning("Slack would not open the form %s: %s", form.form_id, refused)
            raise UserError(
                "Slack would not open the form just now (it allows 3 seconds after a click); "
                "please press the button again."
            ) from None

    async def _read(self, method: Any, **kwargs: Any) -> Any:
        """A call made while handling an event: on a 429, wait as Slack asks and try again.

        (Sends go through ``_call`` alone: the outbox honours their 429s, so
        nothing waits twice. slack_sdk's own rate-limit retry handler is not used.)
        """

        for attempt in range(1, READ_TRIES + 1):
            try:
                return await self._call(method, **kwargs)
            except RateLimited as limited:
                if attempt == READ_TRIES:
                    raise
                log.info(
                    "Slack asked us to wait %g s before %s", limited.retry_after, method.__name__
                )
                await self._clock.sleep(limited.retry_after)
        raise AssertionError("unreachable")

    async def _call(self, method: Any, *, with_token: bool = True, **kwargs: Any) -> Any:
        """One Web API call, paced by its method's tier, its failures translated for the outbox.

        Installed over OAuth, the call carries the token of the workspace it is made for
        (``_calls_for``); ``with_token=False`` for the calls that authenticate otherwise
        (``oauth.v2.access``, with the app's client id and secret).
        """

        name = str(method.__name__).replace("_", ".")
        arguments = {key: value for key, value in kwargs.items() if value is not None}
        if self._over_oauth and with_token:
            arguments["token"] = await self._current_token()
        await self._pace.before(name)
        try:
            return await method(**arguments)
        except SlackApiError as failed:
            response = failed.response
            error = str(response.get("error", "unknown_error"))
            if response.status_code == 429 or error == "ratelimited":
                rate_limited(PLATFORM)
                retry_after = float(response.headers.get("Retry-After", 1) or 1)
                self._pace.pause(name, retry_after)
                raise RateLimited(retry_after) from None
            if error in AUTH_ERRORS:
                team = _TEAM.get()
                if self.tokens is not None and team is not None:
                    # Read the row again next time: another instance may have refreshed it.
                    self.tokens.forget(team)
                    log.error("Slack refused the token of workspace %s (%s)", team, error)
                else:
                    log.error("Slack refused the bot's token (%s); check SLACK_BOT_TOKEN", error)
                raise PermanentDeliveryError(f"Slack refused the token: {error}") from None
            if error == "missing_scope":
                needed = response.get("needed")
                log.error(
                    "the Slack app lacks the scope %s; reinstall it from the manifest", needed
                )
                raise PermanentDeliveryError(f"missing scope {needed}") from None
            if error in PERMANENT_ERRORS:
                raise PermanentDeliveryError(error) from None
            if response.status_code >= 500:
                raise TransientDeliveryError(f"Slack answered {response.status_code}") from None
            raise PermanentDeliveryError(error) from None
        except (TimeoutError, aiohttp.ClientError) as failed:
            raise TransientDeliveryError(f"could not reach Slack: {failed}") from None


def _has_words(message: OutgoingMessage) -> bool:
    """Whether a message has text or buttons to post (files may go alone)."""

    return bool(message.text.strip() or message.buttons or not message.files)


def _turns_home_page(event: Event) -> TypeGuard[ButtonClicked]:
    """A page button on the App Home: the adapter answers it itself (not kept, not dispatched)."""

    return isinstance(event, ButtonClicked) and event.action_id == HOME_PAGE_ACTION
