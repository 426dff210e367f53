"""A fake Discord on loopback that the real discord.py client logs in to and connects through.

The Discord adapter will talk to Discord through discord.py's ``Client``:
its REST client (``discord.http.HTTPClient``), its interaction webhooks
(``discord.webhook.async_``) and its gateway WebSocket
(``discord.gateway.DiscordWebSocket``). Rather than mock those, a test runs
the real client against this fake, so request encoding, rate-limit handling,
payload parsing and the interaction plumbing are the ones production uses::

    async with FakeDiscord() as fake:
        fake.add_guild(GUILD, "Conveners")
        fake.add_user(ADA, "ada", global_name="Ada")
        fake.add_member(GUILD, ADA)
        fake.add_channel(GUILD, GENERAL, "general")
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        tree = app_commands.CommandTree(client)  # with a "convene" guild command
        with fake.patch_discord():
            async with run_client(client, fake):
                await tree.sync(guild=discord.Object(GUILD))  # Discord only sends known commands
                payload = fake.slash_command_payload(GUILD, GENERAL, ADA, "convene")
                await fake.gateway_dispatch("INTERACTION_CREATE", payload)
                callback = await fake.wait_for_callback(payload)
                assert callback.type == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE

How discord.py 2.7 finds Discord, and therefore what ``patch_discord``
redirects (read from its source, not guessed):

* REST: every call builds a ``discord.http.Route`` whose ``url`` is
  ``Route.BASE + path``, computed when the route is constructed. The
  interaction and webhook adapter imports the same ``Route`` class, so one
  class attribute sends bot calls, interaction callbacks and follow-ups here.
  ``Client.login`` asks ``GET /users/@me`` and then
  ``GET /oauth2/applications/@me`` (not ``/applications/@me``).
* Gateway: a plain ``Client`` never asks ``/gateway`` or ``/gateway/bot``;
  it connects to ``DiscordWebSocket.DEFAULT_GATEWAY`` with
  ``?v=10&encoding=json&compress=zlib-stream`` (``zstd-stream`` when the
  ``zstandard`` package or Python 3.14's ``compression.zstd`` is present).
  Only ``AutoShardedClient`` asks ``/gateway/bot`` for the URL and shard
  count. After READY, resumes go to READY's ``resume_gateway_url``; an
  INVALID_SESSION sends the client back to ``DEFAULT_GATEWAY``. The client
  accepts text frames whatever it asked for, and inflates binary frames with
  the negotiated stream; the fake compresses with ``zlib-stream`` when asked
  (so that path is exercised) and sends text otherwise.
* Bodies: discord.py decodes JSON only when ``Content-Type`` is exactly
  ``application/json`` (aiohttp's ``json_response`` adds ``; charset=utf-8``,
  which discord.py would hand on as a string), so the fake sends it exactly.
* 429s: discord.py treats a 429 without a ``Via`` header as a Cloudflare ban
  and raises instead of retrying, so every answer here carries
  ``Via: 1.1 google`` as Discord's do. It retries a request at most five
  times, sleeping the body's ``retry_after`` (not the header) in between.
* Interaction callbacks always go out with ``?with_response=1`` and
  discord.py reads ``body["interaction"]``: a bare 204 would crash it, so
  the fake answers 200 with the ``interaction`` and ``resource`` objects.

Answers have the shapes discord.py's models parse (snowflakes as strings,
every key it indexes rather than reads with ``.get``), errors are Discord's
``{"code", "message"}`` with its JSON error codes, and every answer carries
the ``X-RateLimit-*`` headers so discord.py's per-bucket limiter runs as in
production. Anything the fake does not implement answers 404 (405 for a
known path with another method) and stays in ``requests``, so a test that
relies on it fails loudly; ``unmatched()`` lists those.

Not modelled: voice, presences, forum posts, and
the gateway events Discord would echo after a REST write (MESSAGE_CREATE,
THREAD_CREATE, ...): a test that needs one sends it with
``gateway_dispatch`` using the payload helpers (``message``,
``channel_payload``, ``member_payload``).

Shards: an IDENTIFY with ``shard: [shard_id, num_shards]`` gets only the
servers with ``(guild_id >> 22) % num_shards == shard_id`` (in READY, as
GUILD_CREATEs, and their events, a message in a server's channel included),
and DMs come down shard 0 only; a shard outside ``0 <= shard_id <
num_shards`` is closed with 4010 ("Invalid shard"). ``GET /gateway/bot``
answers ``recommended_shards`` and ``max_concurrency``; with
``enforce_identify_limit`` an IDENTIFY whose rate-limit key (``shard_id %
max_concurrency``) started a session in the last five seconds is answered
INVALID_SESSION (op 9), as Discord answers one. ``GET /users/@me/guilds``
lists the bot's servers in pages of at most 200, as another instance's
servers are found over REST.

Time for the rate limiters comes from the ``now`` function the fake is
given (``time.monotonic`` by default), and so does time for Discord's
interaction deadlines: a first answer more than three seconds after the
interaction went down the gateway is refused 404 (10062, Unknown
interaction), and its token refused 401 (50027, Invalid Webhook Token)
fifteen minutes on.

Files: a message's ``files[n]`` parts are kept with their bytes
(``DiscordRequest.uploads``) and served, like members' attachments
(``add_attachment``), from the fake's own CDN path; more than 10 files or one
over 10 MiB is refused as Discord refuses it (``fake_discord_files``).

Bodies beyond Discord's documented limits (``discord_limits``: content,
embeds, components, modals, autocompletion choices, command definitions) are
refused 400 with Discord's ``{"code": 50035, "message": "Invalid Form
Body", "errors": {...}}``, and the payload builders refuse to make what
Discord's client would never send (``NotSendable``): an option value beyond
the command's declared ``max_length`` or choices, a form value beyond its
input's.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import re
import time
import uuid
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Literal

import discord
import yarl
from aiohttp import BodyPartReader, WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.support.discord_limits import (
    ANSWER_WINDOW,
    TOKEN_LIFETIME,
    Problem,
    check_option_values,
    check_submission,
    choices_problems,
    commands_problems,
    errors_object,
    message_problems,
    modal_problems,
    upload_problems,
)
from tests.support.fake_discord_files import DiscordCdn, UploadedPart, too_large
from tests.support.loopback import LoopbackServer, scripted_times

Payload = dict[str, Any]

API_VERSION = 10
# Snowflakes count milliseconds from the first second of 2015.
DISCORD_EPOCH_MS = 1_420_070_400_000

# Gateway intents the fake looks at (the rest are recorded, not acted on).
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
# Identifying with one of these needs it enabled for the app in the developer portal.
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Application flags saying which privileged intents the (unverified) app may use.
_APP_FLAG_FOR_INTENT = {
    INTENT_GUILD_PRESENCES: 1 << 13,  # GATEWAY_PRESENCE_LIMITED
    INTENT_GUILD_MEMBERS: 1 << 15,  # GATEWAY_GUILD_MEMBERS_LIMITED
    INTENT_MESSAGE_CONTENT: 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED
}
_APP_FLAG_COMMAND_BADGE = 1 << 23

_ALL_PERMISSIONS = discord.Permissions.all().value
_ADMINISTRATOR = discord.Permissions(administrator=True).value
# What @everyone gets in a new guild: enough to talk, thread and use commands.
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    create_instant_invite=True,
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_external_emojis=True,
    read_message_history=True,
    use_application_commands=True,
    change_nickname=True,
    connect=True,
    speak=True,
).value
# What Discord reports as the app's permissions in a DM with it.
_DM_APP_PERMISSIONS = discord.Permissions.text().value

_MESSAGE_FLAG_EPHEMERAL = 1 << 6
_MESSAGE_FLAG_LOADING = 1 << 7
_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_ARCHIVE_DURATIONS = frozenset({60, 1440, 4320, 10080})
_VIA = "1.1 google"


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GROUP_DM = 3
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13
    GUILD_FORUM = 15
    GUILD_MEDIA = 16


_THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)
_VOICE_TYPES = frozenset({ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE})


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9
    LAUNCH_ACTIVITY = 12


# Which callbacks Discord accepts for which interaction.
_ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    InteractionType.PING: frozenset({CallbackType.PONG}),
    InteractionType.APPLICATION_COMMAND: frozenset({4, 5, 9, 12}),
    InteractionType.MESSAGE_COMPONENT: frozenset({4, 5, 6, 7, 9, 12}),
    InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE: frozenset({8}),
    InteractionType.MODAL_SUBMIT: frozenset({4, 5, 6, 7}),
}


class OptionType(IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class ComponentType(IntEnum):
    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    LABEL = 18


# -- records -------------------------------------------------------------------


@dataclass(slots=True)
class DiscordRequest:
    """One REST request as the fake received it, and the status it answered.

    ``path`` is relative to the API root (``/channels/1/messages``);
    ``json`` is the decoded JSON body, or the ``payload_json`` part of a
    multipart upload (whose file names are in ``files``). ``route`` is the
    template that matched (``/channels/{channel_id}/messages``), None when
    nothing did. ``at`` is the fake's clock on arrival; ``status`` is set
    once the answer is decided, so it is 0 only while a request is in flight.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    at: float
    files: list[str] = field(default_factory=list)
    route: str | None = None
    status: int = 0
    uploads: list[UploadedPart] = field(default_factory=list)
    """The file parts of a multipart request, with their bytes."""

    def header(self, name: str) -> str | None:
        """A request header, looked up without regard to case as HTTP does."""

        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")


@dataclass(frozen=True, slots=True)
class Callback:
    """An interaction callback (``POST /interactions/{id}/{token}/callback``) that was accepted."""

    interaction_id: int
    token: str
    type: int
    data: Payload | None
    at: float


@dataclass(slots=True, eq=False)
class GatewayConnection:
    """One WebSocket the client opened to the fake gateway.

    ``path`` tells the first connection (``/gateway``) from a resume
    (``/resume``, what READY hands out as ``resume_gateway_url``); ``query``
    is what the client asked for (``v``, ``encoding``, ``compress``);
    ``compression`` is what the fake did (``zlib-stream`` or None for text).
    ``sent`` and ``received`` are the decoded frames in order; ``close_code``
    is the code the fake closed with (4004, 4014, ...) or, when the client
    closed first, the client's.
    """

    path: str
    query: dict[str, str]
    compression: str | None
    socket: web.WebSocketResponse = field(repr=False)
    sent: list[Payload] = field(default_factory=list, repr=False)
    received: list[Payload] = field(default_factory=list, repr=False)
    session_id: str | None = None
    close_code: int | None = None
    _compress: Callable[[bytes], bytes] | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def open(self) -> bool:
        return not self.socket.closed


# -- internal state ------------------------------------------------------------


class _DiscordError(Exception):
    """An error answer: ``{"code": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: int, message: str, errors: Payload | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> Payload:
        body: Payload = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _form_error(name: str, code: str, message: str) -> _DiscordError:
    """Discord's 50035 with its nested ``errors`` object naming the bad field."""

    return _DiscordError(
        400, 50035, "Invalid Form Body", {name: {"_errors": [{"code": code, "message": message}]}}
    )


def _refuse(problems: Sequence[Problem]) -> None:
    """Answer as Discord does a body beyond its documented limits (``discord_limits``)."""

    if problems:
        raise _DiscordError(400, 50035, "Invalid Form Body", errors_object(problems))


def _unknown(what: str, code: int) -> _DiscordError:
    return _DiscordError(404, code, f"Unknown {what}")


@dataclass(slots=True)
class _Guild:
    id: int
    name: str
    owner_id: int
    joined_at: str
    locale: str
    features: list[str]
    roles: dict[int, Payload] = field(default_factory=dict)
    # Member objects without ``user``; the user comes from the world's users.
    members: dict[int, Payload] = field(default_factory=dict)


@dataclass(slots=True)
class _Interaction:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    name: str | None = None
    message_id: int | None = None  # the message a component was on
    response: int | None = None  # the callback type, once answered
    original_id: int | None = None
    loading: bool = False


@dataclass(slots=True)
class _Session:
    id: str
    shard: tuple[int, int] | None
    intents: int
    large_threshold: int
    seq: int = 0
    frames: list[Payload] = field(default_factory=list)
    connection: GatewayConnection | None = None


@dataclass(slots=True)
class _DiscordFault:
    method: str
    pattern: re.Pattern[str]
    remaining: int
    kind: Literal["error", "ratelimit"]
    status: int = 429
    body: Payload = field(default_factory=dict)
    retry_after: float = 1.0
    global_: bool = False
    scope: str = "user"


@dataclass(frozen=True, slots=True)
class _RouteLimit:
    method: str
    pattern: re.Pattern[str]
    limit: int
    per: float


@dataclass(slots=True)
class _Window:
    start: float
    count: int = 0


@dataclass(slots=True)
class _GlobalLimit:
    allowed: int  # requests per window
    window: float
    current: _Window | None = None


@dataclass(slots=True)
class _Call:
    record: DiscordRequest
    params: dict[str, str]

    @property
    def body(self) -> Payload:
        return self.record.json if isinstance(self.record.json, dict) else {}


_Answer = tuple[int, Any]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Callable[[_Call], _Answer]
    auth: bool
    global_limit: bool

    @property
    def bucket(self) -> str:
        # Discord's bucket hashes are opaque; a stable one per route is all discord.py needs.
        return hashlib.sha1(f"{self.method} {self.template}".encode()).hexdigest()[:32]


# Route parameters that make a separate bucket, as Discord's "major parameters" do.
_MAJOR_PARAMETERS = (
    "channel_id",
    "guild_id",
    "webhook_id",
    "webhook_token",
    "interaction_id",
    "interaction_token",
)


# -- the fake ------------------------------------------------------------------


class FakeDiscord(LoopbackServer[DiscordRequest]):
    """An aiohttp server on 127.0.0.1 serving Discord's REST API (a subset) and gateway.

    The world (guilds, users, members, roles, channels) is what the test
    adds; the bot user, the application (with the same id, as modern apps
    have) and its owner exist from the start. Ids are ints in this API and
    strings on the wire, as Discord sends snowflakes.
    """

    name = "the fake Discord"

    client_max_size = 256 * 1024**2
    """Room for a request of ten files over Discord's limit, to answer it as Discord does."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_user_id: int = 1_200_000_000_000_000_001,
        bot_name: str = "Convene",
        application_id: int | None = None,
        owner_id: int = 1_200_000_000_000_000_002,
        allowed_intents: int = PRIVILEGED_INTENTS,
        heartbeat_interval_ms: int = 41_250,
        bucket_limit: int = 50,
        bucket_window: float = 1.0,
        transport_compression: bool = True,
        now: Callable[[], float] = time.monotonic,
        recommended_shards: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        """``allowed_intents`` are the privileged intents enabled in the "portal":
        identifying with another one is closed with 4014, and the member-list
        endpoint needs ``INTENT_GUILD_MEMBERS``. ``bucket_limit`` requests per
        ``bucket_window`` seconds is what every route's bucket allows unless
        ``set_route_limit`` says otherwise; the defaults are generous so
        discord.py never has to wait unless a test asks for it.
        ``recommended_shards`` and ``max_concurrency`` are what ``GET /gateway/bot``
        answers: the shards Discord asks for, and how many IDENTIFYs (one per
        rate-limit key, ``shard_id % max_concurrency``) may start in five seconds
        (enforced with ``enforce_identify_limit``).
        """

        if bucket_limit < 1 or bucket_window <= 0:
            raise ValueError("a bucket needs bucket_limit >= 1 and bucket_window > 0")
        if recommended_shards < 1 or max_concurrency < 1:
            raise ValueError("recommended_shards and max_concurrency must be at least 1")
        super().__init__()
        self.token = token
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.application_id = application_id if application_id is not None else bot_user_id
        self.owner_id = owner_id
        self.allowed_intents = allowed_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.bucket_limit = bucket_limit
        self.bucket_window = bucket_window
        self.transport_compression = transport_compression
        self.recommended_shards = recommended_shards
        self.max_concurrency = max_concurrency

        self.identify_payloads: list[Payload] = []
        self.identifies_refused = 0
        """IDENTIFYs answered INVALID_SESSION for coming too soon (``enforce_identify_limit``)."""
        self.gateway_connections: list[GatewayConnection] = []
        self.presence_updates: list[Payload] = []
        self.heartbeats = 0
        self.resumes = 0
        self.interactions_sent: dict[int, float] = {}
        """When (the fake's clock) each INTERACTION_CREATE went down the gateway, by id."""
        self.invalid_bodies: list[tuple[DiscordRequest, Payload]] = []
        """Requests refused 400 "Invalid Form Body" (50035), with Discord's answer: what
        Discord would have refused of the client's own making."""

        self._now = now
        self._changed = asyncio.Condition()
        self._id_counter = itertools.count(1)
        self._last_id = 0

        self._users: dict[int, Payload] = {}
        self._guilds: dict[int, _Guild] = {}
        self._channels: dict[int, Payload] = {}
        self._thread_members: dict[int, dict[int, str]] = {}
        self._dm_channels: dict[int, int] = {}
        self._dms_closed: set[int] = set()
        self._messages: dict[int, Payload] = {}
        self.deleted: list[Payload] = []
        """Every message deleted (by the bot, or its interaction's webhook), as it read."""
        self._channel_messages: dict[int, list[int]] = {}
        self._commands: dict[int | None, list[Payload]] = {}
        self._command_puts: Counter[int | None] = Counter()
        self._command_changes: Counter[int | None] = Counter()
        self._interactions: dict[int, _Interaction] = {}
        self._callbacks: list[Callback] = []

        self._faults: list[_DiscordFault] = []
        self._route_limits: list[_RouteLimit] = []
        self._windows: dict[tuple[str, str], _Window] = {}
        self._global: _GlobalLimit | None = None
        self._limited: Counter[str] = Counter()

        self._sessions: dict[str, _Session] = {}
        self._identify_window: float | None = None
        self._identified_at: dict[int, list[float]] = {}
        self._routes = self._build_routes()
        self._cdn = DiscordCdn(lambda: self.url)

        self.add_user(bot_user_id, bot_name, bot=True)
        self.add_user(owner_id, "owner", global_name="App Owner")

    # -- lifecycle -------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/gateway", self._serve_gateway)
        app.router.add_get("/resume", self._serve_gateway)
        app.router.add_get(
            "/attachments/{channel_id}/{attachment_id}/{filename}", self._serve_attachment
        )
        app.router.add_route("*", "/{tail:.*}", self._serve)

    async def close_connections(self) -> None:
        for connection in list(self.gateway_connections):
            if connection.open:
                await connection.socket.close(code=1001, message=b"server shutting down")

    @property
    def now(self) -> Callable[[], float]:
        """The fake's clock, in seconds: what its rate limits, its record and Discord's
        three seconds and fifteen minutes for interactions are measured on."""

        return self._now

    @property
    def base_url(self) -> str:
        """What ``Route.BASE`` becomes: the REST API root, without a trailing slash."""

        return f"{self.url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` and ``/gateway/bot`` point at."""

        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """What READY hands out for resuming; a separate path so tests can tell them apart."""

        return f"ws://127.0.0.1:{self.port}/resume"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST root and default gateway here, and restore both after.

        Both are class attributes read at use time (``Route.url`` when a route
        is built, the gateway URL when ``Client.connect`` opens a socket), so
        a client created before or inside the block is redirected while the
        block runs. Nothing else in discord.py names discord.com for requests.
        """

        old_base = Route.BASE
        old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.base_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE = old_base
            DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # -- the world -------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        name: str,
        *,
        global_name: str | None = None,
        bot: bool = False,
        avatar: str | None = None,
    ) -> None:
        """Add (or replace) a user: ``name`` is the username, ``global_name`` the display name."""

        user: Payload = {
            "id": str(user_id),
            "username": name,
            "global_name": global_name,
            "discriminator": "0",
            "avatar": avatar,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
            "collectibles": None,
        }
        if bot:  # Discord only sends the key for bots.
            user["bot"] = True
        self._users[user_id] = user

    def add_guild(
        self,
        guild_id: int,
        name: str,
        *,
        owner_id: int | None = None,
        locale: str = "en-US",
        features: Iterable[str] = (),
    ) -> None:
        """Add (or replace) a guild the bot is in, with its @everyone role and the bot as member.

        The @everyone role has the guild's id, as on Discord. The owner
        defaults to the application's owner, who need not be a member.
        """

        guild = _Guild(
            id=guild_id,
            name=name,
            owner_id=owner_id if owner_id is not None else self.owner_id,
            joined_at=_iso(),
            locale=locale,
            features=list(features),
        )
        self._guilds[guild_id] = guild
        guild.roles[guild_id] = _role_object(
            guild_id, "@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS, position=0
        )
        self.add_member(guild_id, self.bot_user_id)

    def add_role(
        self,
        guild_id: int,
        role_id: int,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        color: int = 0,
        hoist: bool = False,
        mentionable: bool = False,
        managed: bool = False,
    ) -> None:
        guild = self._guild(guild_id)
        if position is None:
            position = len(guild.roles)
        guild.roles[role_id] = _role_object(
            role_id,
            name,
            permissions=permissions,
            position=position,
            color=color,
            hoist=hoist,
            mentionable=mentionable,
            managed=managed,
        )

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        nick: str | None = None,
        roles: Iterable[int] = (),
        joined_at: datetime | None = None,
    ) -> None:
        """Make a known user a member of a guild (again, to change nick or roles)."""

        guild = self._guild(guild_id)
        self._user(user_id)
        role_ids = list(dict.fromkeys(roles))
        unknown = [r for r in role_ids if r not in guild.roles]
        if unknown:
            raise ValueError(f"roles {unknown} are not in guild {guild_id}; add_role them first")
        guild.members[user_id] = {
            "roles": [str(r) for r in role_ids if r != guild_id],
            "nick": nick,
            "avatar": None,
            "banner": None,
            "joined_at": (joined_at or datetime.now(UTC)).isoformat(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }

    def remove_member(self, guild_id: int, user_id: int) -> None:
        self._guild(guild_id).members.pop(user_id, None)

    def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        name: str,
        type: int = ChannelType.GUILD_TEXT,
        *,
        parent_id: int | None = None,
        topic: str | None = None,
        position: int | None = None,
        nsfw: bool = False,
    ) -> None:
        """Add (or replace) a guild channel; a thread type (10, 11, 12) needs ``parent_id``."""

        self._guild(guild_id)
        kind = ChannelType(type)
        if kind in _THREAD_TYPES:
            if parent_id is None:
                raise ValueError("a thread needs parent_id")
            self._channels[channel_id] = self._thread_object(
                channel_id, guild_id, parent_id, name, kind, invitable=True, archive=1440
            )
            self._thread_members.setdefault(channel_id, {})
            return
        if kind in (ChannelType.DM, ChannelType.GROUP_DM):
            raise ValueError("DM channels come from POST /users/@me/channels, not add_channel")
        if position is None:
            position = sum(1 for c in self._channels.values() if c.get("guild_id") == str(guild_id))
        channel: Payload = {
            "id": str(channel_id),
            "type": int(kind),
            "guild_id": str(guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": [],
            "parent_id": None if parent_id is None else str(parent_id),
            "nsfw": nsfw,
            "flags": 0,
        }
        if kind is ChannelType.GUILD_CATEGORY:
            pass
        elif kind in _VOICE_TYPES:
            channel.update(
                bitrate=64000,
                user_limit=0,
                rtc_region=None,
                last_message_id=None,
                rate_limit_per_user=0,
            )
        else:
            channel.update(
                topic=topic,
                last_message_id=None,
                rate_limit_per_user=0,
                default_auto_archive_duration=1440,
                default_thread_rate_limit_per_user=0,
            )
            if kind in (ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA):
                channel.update(
                    available_tags=[],
                    default_reaction_emoji=None,
                    default_sort_order=None,
                    default_forum_layout=0,
                )
        self._channels[channel_id] = channel

    def add_message(
        self,
        channel_id: int,
        author_id: int,
        content: str,
        *,
        components: Sequence[Payload] = (),
    ) -> Payload:
        """Put a message by anyone in a channel, e.g. one a user wrote that the bot will thread."""

        self._channel(channel_id)
        return copy.deepcopy(
            self._store_message(
                channel_id,
                self._user(author_id),
                {"content": content, "components": list(components)},
            )
        )

    def add_attachment(
        self, channel_id: int, filename: str, data: bytes, content_type: str = "text/csv"
    ) -> Payload:
        """A file a member attaches (to a command's file option, or a message): its
        attachment object, served at its ``url`` until ``expire_attachment``."""

        return self._cdn.add(self._next_id(), channel_id, filename, content_type, data)

    def expire_attachment(self, attachment_id: int | str) -> None:
        """The attachment's link has expired: its URL answers 404 from now on."""

        self._cdn.get(int(attachment_id)).expired = True

    def attachment_data(self, attachment_id: int | str) -> bytes:
        """The bytes of an attachment, the bot's or a member's."""

        return self._cdn.get(int(attachment_id)).data

    @property
    def cdn_fetches(self) -> list[tuple[int, int]]:
        """(attachment id, status) of every GET of an attachment's URL."""

        return list(self._cdn.fetches)

    def close_dms(self, user_id: int, closed: bool = True) -> None:
        """Refuse (or allow again) the bot's DMs to a user: sending answers 403 code 50007."""

        self._user(user_id)
        if closed:
            self._dms_closed.add(user_id)
        else:
            self._dms_closed.discard(user_id)

    # -- payloads a test may dispatch or compare with --------------------------

    def user_payload(self, user_id: int) -> Payload:
        return copy.deepcopy(self._user(user_id))

    def member_payload(self, guild_id: int, user_id: int) -> Payload:
        """A member object with ``user``, as GUILD_MEMBER_ADD and the member endpoints carry it."""

        return self._member_object(self._guild(guild_id), user_id)

    def channel_payload(self, channel_id: int) -> Payload:
        return copy.deepcopy(self._channel(channel_id))

    def guild_payload(self, guild_id: int) -> Payload:
        return self._guild_object(self._guild(guild_id))

    def message(self, message_id: int) -> Payload:
        try:
            return copy.deepcopy(self._messages[message_id])
        except KeyError:
            raise KeyError(f"no message {message_id}") from None

    def messages_in(self, channel_id: int) -> list[Payload]:
        """Every message in a channel, oldest first, as edited: the bot's posts and
        interaction responses (ephemeral ones too, with flag 64) and added messages."""

        return [
            copy.deepcopy(self._messages[m]) for m in self._channel_messages.get(channel_id, [])
        ]

    def dm_channel_of(self, user_id: int) -> int | None:
        """The id of the DM channel the bot opened with a user, if it did."""

        return self._dm_channels.get(user_id)

    def thread_members(self, thread_id: int) -> list[int]:
        return list(self._thread_members.get(thread_id, {}))

    def commands(self, guild_id: int | None = None) -> list[Payload]:
        """The application commands as last overwritten (global when ``guild_id`` is None)."""

        return copy.deepcopy(self._commands.get(guild_id, []))

    def command_puts(self, guild_id: int | None = None) -> int:
        """How many bulk overwrites (PUTs) were accepted for that scope."""

        return self._command_puts[guild_id]

    def command_changes(self, guild_id: int | None = None) -> int:
        """How many accepted PUTs actually changed the definitions (the first one always does)."""

        return self._command_changes[guild_id]

    # -- reading the record ----------------------------------------------------

    def calls(
        self, method: str, pattern: str, *, status: int | None = None
    ) -> list[DiscordRequest]:
        """Requests whose method and path match, in arrival order.

        ``pattern`` is a path relative to the API root where any ``{...}``
        matches one segment: ``"/channels/{id}/messages"`` or an exact
        ``f"/channels/{channel_id}/messages"``.
        """

        regex = _pattern(pattern)
        return [
            r
            for r in self.requests
            if r.method == method.upper()
            and regex.fullmatch(r.path)
            and (status is None or r.status == status)
        ]

    def unmatched(self) -> list[DiscordRequest]:
        """Requests no route answered (404/405): what a test relied on that the fake lacks."""

        return [r for r in self.requests if r.route is None]

    def callbacks(self, interaction: int | str | Mapping[str, Any] | None = None) -> list[Callback]:
        """Accepted interaction callbacks, in order; all of them or one interaction's."""

        if interaction is None:
            return list(self._callbacks)
        wanted = _interaction_id(interaction)
        return [c for c in self._callbacks if c.interaction_id == wanted]

    def answer_delay(self, interaction: int | str | Mapping[str, Any]) -> float | None:
        """Seconds (the fake's clock) from sending an interaction down the gateway to its
        first accepted callback: what Discord holds to its three seconds. None while
        it is unanswered (or was never sent)."""

        wanted = _interaction_id(interaction)
        sent = self.interactions_sent.get(wanted)
        answers = self.callbacks(wanted)
        if sent is None or not answers:
            return None
        return answers[0].at - sent

    def rate_limited(self, scope: str | None = None) -> int:
        """How many 429s were answered: all, or those of one scope (user, global, shared)."""

        if scope is None:
            return sum(self._limited.values())
        return self._limited[scope]

    @property
    def global_429s(self) -> int:
        return self._limited["global"]

    async def wait_for_calls(
        self,
        method: str,
        pattern: str,
        count: int = 1,
        *,
        status: int | None = None,
        within: float = 5.0,
    ) -> list[DiscordRequest]:
        """Wait until ``count`` matching requests have been answered; return them all."""

        def answered() -> list[DiscordRequest]:
            return [r for r in self.calls(method, pattern, status=status) if r.status]

        await self._wait(lambda: len(answered()) >= count, within, f"{count} × {method} {pattern}")
        return answered()

    async def wait_for_callback(
        self, interaction: int | str | Mapping[str, Any], *, within: float = 5.0
    ) -> Callback:
        """Wait for the client to answer an interaction (pass its id or its payload)."""

        wanted = _interaction_id(interaction)
        await self._wait(
            lambda: bool(self.callbacks(wanted)), within, f"a callback for interaction {wanted}"
        )
        return self.callbacks(wanted)[0]

    async def _wait(self, predicate: Callable[[], bool], within: float, what: str) -> None:
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"no {what} within {within:g} s") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- misbehaving -----------------------------------------------------------

    def rate_limit_next(
        self,
        method: str,
        path_pattern: str,
        *,
        retry_after: float = 1.0,
        times: int = 1,
        global_: bool = False,
        scope: Literal["user", "global", "shared"] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests 429, as Discord does.

        The body is ``{"message": "You are being rate limited.",
        "retry_after": X, "global": bool}`` with ``Retry-After``,
        ``X-RateLimit-Scope`` (and ``X-RateLimit-Global`` for a global one).
        A refused request does not count against its bucket. Faults queue in
        the order scripted; ``path_pattern`` is as for ``calls``.
        """

        self._faults.append(
            _DiscordFault(
                method=method.upper(),
                pattern=_pattern(path_pattern),
                remaining=scripted_times(times),
                kind="ratelimit",
                retry_after=retry_after,
                global_=global_,
                scope=scope or ("global" if global_ else "user"),
            )
        )

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        code: int,
        message: str,
        times: int = 1,
        errors: Payload | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with a Discord error.

        For example ``status=403, code=50001, message="Missing Access"`` or
        ``status=404, code=10003, message="Unknown Channel"``. A 5xx makes
        discord.py sleep 1 s, 3 s, ... before retrying: keep those for tests
        that can afford it.
        """

        body: Payload = {"message": message, "code": code}
        if errors is not None:
            body["errors"] = errors
        self._faults.append(
            _DiscordFault(
                method=method.upper(),
                pattern=_pattern(path_pattern),
                remaining=scripted_times(times),
                kind="error",
                status=status,
                body=body,
            )
        )

    def enforce_global_limit(self, per_second: float = 50.0, *, window: float = 1.0) -> None:
        """Refuse requests beyond ``per_second`` with a global 429, counted in fixed windows.

        Discord's global limit is 50 requests a second per bot; interaction
        callbacks and follow-ups are exempt from it, here as there. Each
        ``window`` (on the fake's clock) allows ``per_second * window``
        requests, and a refusal's ``retry_after`` is the time until the next
        window, when the whole quota is back. (A token bucket would answer
        "one token's time", so every waiting request retries at once and
        most are refused again; discord.py gives up after five tries, which
        is not how it fares against Discord.) A short window keeps tests quick.
        """

        if per_second <= 0 or window <= 0:
            raise ValueError("per_second and window must be positive")
        self._global = _GlobalLimit(max(1, round(per_second * window)), window)

    def set_route_limit(self, method: str, path_pattern: str, limit: int, per: float) -> None:
        """Give matching routes a bucket of ``limit`` requests per ``per`` seconds.

        The headers announce it, so discord.py waits for the window to reset;
        a client that sends anyway gets a 429 of scope ``user``. Real buckets
        are tighter than the default (about 5 per 5 s for messages in a
        channel): use this to see a component pace itself.
        """

        if limit < 1 or per <= 0:
            raise ValueError("a limit needs limit >= 1 and per > 0")
        self._route_limits.insert(
            0, _RouteLimit(method.upper(), _pattern(path_pattern), limit, per)
        )
        self._windows.clear()

    def _next_fault(self, record: DiscordRequest) -> _DiscordFault | None:
        for fault in self._faults:
            if fault.method == record.method and fault.pattern.fullmatch(record.path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- interaction payloads --------------------------------------------------

    def slash_command_payload(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        options: Sequence[Payload] = (),
        *,
        command_id: int | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """An INTERACTION_CREATE for a chat-input command, as Discord sends it.

        ``options`` are Discord's option objects (see ``option``,
        ``subcommand`` and ``subcommand_group``). When the command was synced
        through the fake, its id is used and, for a guild command,
        ``data.guild_id`` is set — discord.py's ``CommandTree`` looks guild
        commands up by it. User, member, role and channel options get their
        ``resolved`` entries from the world, so they reach the callback as
        ``discord.Member``/``Role``/``AppCommandChannel`` objects.
        """

        data = self._command_data(guild_id, user_id, name, options, command_id)
        return self._interaction_payload(
            InteractionType.APPLICATION_COMMAND,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            data=data,
            locale=locale,
            name=name,
        )

    def autocomplete_payload(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        name: str,
        options: Sequence[Payload],
        focused: str,
        *,
        command_id: int | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """An autocomplete interaction (type 4) with the option named ``focused`` marked focused.

        The focused option's value is what the user has typed so far; the
        answer is a callback of type 8 with ``data.choices``.
        """

        marked = copy.deepcopy(list(options))
        if not _mark_focused(marked, focused):
            raise ValueError(f"no option named {focused!r} to focus")
        data = self._command_data(guild_id, user_id, name, marked, command_id)
        return self._interaction_payload(
            InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            data=data,
            locale=locale,
            name=name,
        )

    def button_payload(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        *,
        message: Payload | int | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """A button click (type 3, ``component_type`` 2); ``guild_id`` None for a DM.

        ``message`` is the message the button was on: a stored message's id,
        a full message object, or None to have the bot post one carrying this
        button first (so UPDATE_MESSAGE and DEFERRED_UPDATE have a target).
        """

        return self.component_payload(
            guild_id,
            channel_id,
            user_id,
            custom_id,
            component_type=ComponentType.BUTTON,
            message=message,
            locale=locale,
        )

    def component_payload(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        *,
        component_type: int = ComponentType.BUTTON,
        values: Sequence[str] | None = None,
        message: Payload | int | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """A message component interaction; selects pass ``values``."""

        channel = self._interaction_channel_id(guild_id, channel_id, user_id)
        if isinstance(message, int):
            shown = self.message(message)
        elif message is None:
            row: Payload = {
                "type": int(ComponentType.ACTION_ROW),
                "id": 1,
                "components": [
                    {
                        "type": int(component_type),
                        "id": 2,
                        "custom_id": custom_id,
                        "style": 1,
                        "label": custom_id,
                    }
                ],
            }
            stored = self._store_message(
                channel, self._user(self.bot_user_id), {"content": "", "components": [row]}
            )
            shown = copy.deepcopy(stored)
        else:
            shown = copy.deepcopy(dict(message))
        data: Payload = {"custom_id": custom_id, "component_type": int(component_type), "id": 2}
        if values is not None:
            data["values"] = list(values)
        return self._interaction_payload(
            InteractionType.MESSAGE_COMPONENT,
            guild_id=guild_id,
            channel_id=channel,
            user_id=user_id,
            data=data,
            locale=locale,
            message=shown,
        )

    def modal_submit_payload(
        self,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        custom_id: str,
        values: Mapping[str, str],
        *,
        labels: bool = False,
        message: Payload | int | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """A modal submission (type 5): ``values`` maps each text input's custom_id to its text.

        By default each input comes in an action row (type 1) around a text
        input (type 4), which discord.py 2.7 reads; ``labels=True`` sends the
        newer label (type 18) wrapping, which 2.7 also reads. ``message`` is
        the message whose component opened the modal, if any.
        """

        shown_modal = next(
            (
                c.data
                for c in reversed(self._callbacks)
                if c.type == CallbackType.MODAL and (c.data or {}).get("custom_id") == custom_id
            ),
            None,
        )
        if shown_modal is not None:
            # A member fills in the form Discord showed, within its inputs' limits.
            check_submission(shown_modal, values)
        ids = itertools.count(1)
        components: list[Payload] = []
        for input_id, text in values.items():
            text_input: Payload = {
                "type": int(ComponentType.TEXT_INPUT),
                "id": 0,
                "custom_id": input_id,
                "value": text,
            }
            if labels:
                label_id = next(ids)
                text_input["id"] = next(ids)
                components.append(
                    {"type": int(ComponentType.LABEL), "id": label_id, "component": text_input}
                )
            else:
                row_id = next(ids)
                text_input["id"] = next(ids)
                components.append(
                    {
                        "type": int(ComponentType.ACTION_ROW),
                        "id": row_id,
                        "components": [text_input],
                    }
                )
        channel = self._interaction_channel_id(guild_id, channel_id, user_id)
        shown: Payload | None = None
        if isinstance(message, int):
            shown = self.message(message)
        elif message is not None:
            shown = copy.deepcopy(dict(message))
        return self._interaction_payload(
            InteractionType.MODAL_SUBMIT,
            guild_id=guild_id,
            channel_id=channel,
            user_id=user_id,
            data={"custom_id": custom_id, "components": components},
            locale=locale,
            message=shown,
        )

    def _command_data(
        self,
        guild_id: int | None,
        user_id: int,
        name: str,
        options: Sequence[Payload],
        command_id: int | None,
    ) -> Payload:
        found_guild = None
        stored = None
        if guild_id is not None:
            stored = _find_command(self._commands.get(guild_id, []), name)
            if stored is not None:
                found_guild = guild_id
        if stored is None:
            stored = _find_command(self._commands.get(None, []), name)
        data: Payload = {"type": 1, "name": name}
        if command_id is not None:
            data["id"] = str(command_id)
        elif stored is not None:
            data["id"] = stored["id"]
        else:
            data["id"] = str(self._next_id())
        if found_guild is not None:
            data["guild_id"] = str(found_guild)
        if options:
            if stored is not None:
                # Discord's client sends only what the command declares, within its limits.
                check_option_values(stored.get("options") or [], options, f"/{name} ")
            data["options"] = copy.deepcopy(list(options))
            resolved = self._resolve(guild_id, user_id, data["options"])
            if resolved:
                data["resolved"] = resolved
        return data

    def _resolve(self, guild_id: int | None, user_id: int, options: list[Payload]) -> Payload:
        """The ``resolved`` map for snowflake options, from the world, as Discord fills it."""

        resolved: dict[str, dict[str, Payload]] = {}
        guild = self._guilds.get(guild_id) if guild_id is not None else None

        def add_user(target: int) -> bool:
            user = self._users.get(target)
            if user is None:
                return False
            resolved.setdefault("users", {})[str(target)] = copy.deepcopy(user)
            if guild is not None and target in guild.members:
                member = copy.deepcopy(guild.members[target])
                member["permissions"] = str(self._permissions(guild, target))
                resolved.setdefault("members", {})[str(target)] = member
            return True

        def add_role(role_id: int) -> bool:
            if guild is None or role_id not in guild.roles:
                return False
            resolved.setdefault("roles", {})[str(role_id)] = copy.deepcopy(guild.roles[role_id])
            return True

        def walk(items: list[Payload]) -> None:
            for item in items:
                kind = item.get("type")
                if kind in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
                    walk(item.get("options", []))
                    continue
                raw = item.get("value")
                if not isinstance(raw, str) or not raw.isdigit():
                    continue
                value = int(raw)
                if kind == OptionType.USER:
                    add_user(value)
                elif kind == OptionType.ROLE:
                    add_role(value)
                elif kind == OptionType.MENTIONABLE:
                    if not add_user(value):
                        add_role(value)
                elif kind == OptionType.ATTACHMENT and value in self._cdn.files:
                    attachment = self._cdn.attachment(self._cdn.files[value])
                    resolved.setdefault("attachments", {})[str(value)] = attachment
                elif kind == OptionType.CHANNEL and value in self._channels:
                    channel = copy.deepcopy(self._channels[value])
                    user_perms = self._permissions(guild, user_id) if guild is not None else 0
                    channel["permissions"] = str(user_perms)
                    resolved.setdefault("channels", {})[str(value)] = channel

        walk(options)
        return dict(resolved)

    def _interaction_channel_id(
        self, guild_id: int | None, channel_id: int | None, user_id: int
    ) -> int:
        if guild_id is None:
            dm = self._open_dm(user_id)
            if channel_id is not None and channel_id != dm:
                raise ValueError(f"channel {channel_id} is not the DM with user {user_id}")
            return dm
        if channel_id is None:
            raise ValueError("a guild interaction needs its channel_id")
        channel = self._channel(channel_id)
        if channel.get("guild_id") != str(guild_id):
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        return channel_id

    def _interaction_payload(
        self,
        kind: InteractionType,
        *,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
        data: Payload,
        locale: str,
        name: str | None = None,
        message: Payload | None = None,
    ) -> Payload:
        user = self._user(user_id)
        channel = self._interaction_channel_id(guild_id, channel_id, user_id)
        interaction_id = self._next_id()
        token = f"fake-interaction-{uuid.uuid4().hex}"
        payload: Payload = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": int(kind),
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": str(channel),
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": _ATTACHMENT_SIZE_LIMIT,
        }
        if guild_id is not None:
            guild = self._guild(guild_id)
            if user_id not in guild.members:
                raise ValueError(f"user {user_id} is not a member of guild {guild_id}")
            permissions = self._permissions(guild, user_id)
            shown_channel = copy.deepcopy(self._channels[channel])
            shown_channel["permissions"] = str(permissions)
            member = self._member_object(guild, user_id)
            member["permissions"] = str(permissions)
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": guild.locale, "features": guild.features},
                guild_locale=guild.locale,
                channel=shown_channel,
                member=member,
                app_permissions=str(self._permissions(guild, self.bot_user_id)),
                context=0,
                authorizing_integration_owners={"0": str(guild_id)},
            )
        else:
            payload.update(
                channel=copy.deepcopy(self._channels[channel]),
                user=copy.deepcopy(user),
                app_permissions=str(_DM_APP_PERMISSIONS),
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        if message is not None:
            payload["message"] = message
        self._interactions[interaction_id] = _Interaction(
            id=interaction_id,
            token=token,
            type=int(kind),
            guild_id=guild_id,
            channel_id=channel,
            user_id=user_id,
            name=name,
            message_id=int(message["id"]) if message is not None else None,
        )
        return payload

    # -- gateway: the test's side ----------------------------------------------

    async def wait_identified(self, *, count: int = 1, within: float = 5.0) -> Payload:
        """Wait until the client has identified ``count`` times in all; return the last IDENTIFY.

        READY and the GUILD_CREATEs have been sent by the time this returns.
        """

        await self._wait(
            lambda: len(self.identify_payloads) >= count, within, f"IDENTIFY number {count}"
        )
        return copy.deepcopy(self.identify_payloads[-1])

    async def gateway_dispatch(self, event: str, data: Payload, *, within: float = 5.0) -> int:
        """Send a DISPATCH (op 0) to the connected session; return its sequence number.

        With several shards connected, an event of a server (its ``guild_id``,
        or a channel of that server) goes only to the shard that server lives on,
        ``(guild_id >> 22) % num_shards``, anything else (DMs) only to shard 0, as
        Discord routes them. A message in a server's channel gets the ``guild_id``
        Discord's gateway adds. Waits (at most ``within`` seconds) for a session
        that is identified and open.
        """

        wanted_guild = self._guild_of_event(data)
        if wanted_guild is not None and event.startswith("MESSAGE_") and "guild_id" not in data:
            data = {**data, "guild_id": str(wanted_guild)}

        def targets() -> list[_Session]:
            live = [
                s for s in self._sessions.values() if s.connection is not None and s.connection.open
            ]
            return [s for s in live if self._on_shard(s, wanted_guild)]

        await self._wait(lambda: bool(targets()), within, f"open gateway session for {event}")
        seq = 0
        for session in targets():
            seq = await self._dispatch(session, event, copy.deepcopy(data))
        return seq

    async def gateway_reconnect(self, *, within: float = 5.0) -> None:
        """Send RECONNECT (op 7) and return once the client has resumed on a new socket.

        discord.py closes the socket, opens ``resume_gateway_url`` and sends
        RESUME; the fake replays what the client missed and sends RESUMED.
        """

        live = [s for s in self._sessions.values() if s.connection and s.connection.open]
        if not live:
            raise RuntimeError("no gateway session to reconnect")
        resumes = self.resumes
        for session in live:
            assert session.connection is not None
            await self._send(session.connection, {"op": 7, "d": None, "s": None, "t": None})
        await self._wait(lambda: self.resumes >= resumes + len(live), within, "RESUME")

    def enforce_identify_limit(self, seconds: float = 5.0) -> None:
        """Answer an IDENTIFY with INVALID_SESSION when its rate-limit key
        (``shard_id % max_concurrency``) already started a session in the last
        ``seconds``, as Discord limits session starts (five seconds there)."""

        if seconds <= 0:
            raise ValueError("seconds must be positive")
        self._identify_window = seconds

    def _identify_too_soon(self, shard: tuple[int, int] | None) -> bool:
        if self._identify_window is None:
            return False
        key = (shard[0] if shard is not None else 0) % self.max_concurrency
        now = self._now()
        recent = [t for t in self._identified_at.get(key, []) if now - t < self._identify_window]
        if recent:
            self._identified_at[key] = recent
            return True
        self._identified_at[key] = [now]
        return False

    def shard_sessions(self) -> dict[tuple[int, int] | None, int]:
        """How many open gateway sessions identified with each shard (None: unsharded)."""

        counted: Counter[tuple[int, int] | None] = Counter()
        for session in self._sessions.values():
            if session.connection is not None and session.connection.open:
                counted[session.shard] += 1
        return dict(counted)

    def dispatched_on(self, shard: tuple[int, int] | None) -> list[Payload]:
        """Every DISPATCH frame sent to sessions identified with ``shard``, in order."""

        return [
            copy.deepcopy(frame)
            for session in self._sessions.values()
            if session.shard == shard
            for frame in session.frames
        ]

    def _guild_of_event(self, data: Payload) -> int | None:
        """The server an event belongs to: its ``guild_id``, else its channel's server."""

        guild_id = data.get("guild_id")
        if isinstance(guild_id, str | int):
            return int(guild_id)
        channel_id = data.get("channel_id")
        channel = self._channels.get(int(channel_id)) if isinstance(channel_id, str | int) else None
        owner = channel.get("guild_id") if channel is not None else None
        return int(owner) if isinstance(owner, str | int) else None

    def _on_shard(self, session: _Session, guild_id: int | None) -> bool:
        if session.shard is None:
            return True
        shard_id, count = session.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    # -- gateway: the client's side ----------------------------------------------

    async def _serve_gateway(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        compression = (
            "zlib-stream"
            if self.transport_compression and query.get("compress") == "zlib-stream"
            else None
        )
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        connection = GatewayConnection(
            path=request.path, query=query, compression=compression, socket=socket
        )
        if compression is not None:
            compressor = zlib.compressobj()

            def compress(data: bytes) -> bytes:
                # One zlib stream per connection, each message ending in a sync flush.
                return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)

            connection._compress = compress
        self.gateway_connections.append(connection)
        try:
            if query.get("encoding", "json") != "json":
                await self._close(connection, 4002, "Error while decoding payload.")
                return socket
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
            await self._send(connection, {"op": 10, "d": hello, "s": None, "t": None})
            await self._notify()
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    await self._gateway_received(connection, message.data)
                elif message.type is WSMsgType.BINARY:
                    await self._close(connection, 4002, "Error while decoding payload.")
        finally:
            if connection.close_code is None:  # the client closed it, not the fake
                connection.close_code = socket.close_code
            for session in self._sessions.values():
                if session.connection is connection:
                    session.connection = None
            await self._notify()
        return socket

    async def _gateway_received(self, connection: GatewayConnection, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            await self._close(connection, 4002, "Error while decoding payload.")
            return
        if not isinstance(frame, dict):
            await self._close(connection, 4002, "Error while decoding payload.")
            return
        connection.received.append(frame)
        op = frame.get("op")
        data = frame.get("d")
        if op == 1:
            self.heartbeats += 1
            await self._send(connection, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(connection, data if isinstance(data, dict) else {})
        elif op == 6:
            await self._resume(connection, data if isinstance(data, dict) else {})
        elif op in (3, 4, 8):
            session = self._sessions.get(connection.session_id or "")
            if session is None:
                await self._close(connection, 4003, "Not authenticated.")
            elif op == 3 and isinstance(data, dict):
                self.presence_updates.append(data)
            elif op == 8 and isinstance(data, dict):
                await self._request_members(session, data)
        else:
            await self._close(connection, 4001, "Unknown opcode.")
        await self._notify()

    async def _identify(self, connection: GatewayConnection, data: Payload) -> None:
        if connection.session_id is not None:
            await self._close(connection, 4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await self._close(connection, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0:
            await self._close(connection, 4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            await self._close(connection, 4014, "Disallowed intent(s).")
            return
        shard: tuple[int, int] | None = None
        raw_shard = data.get("shard")
        if raw_shard is not None:
            if (
                not isinstance(raw_shard, list)
                or len(raw_shard) != 2
                or not all(isinstance(n, int) for n in raw_shard)
                or not 0 <= raw_shard[0] < raw_shard[1]
            ):
                await self._close(connection, 4010, "Invalid shard.")
                return
            shard = (raw_shard[0], raw_shard[1])
        if self._identify_too_soon(shard):
            # Discord's answer to an IDENTIFY beyond max_concurrency: identify again later.
            self.identifies_refused += 1
            await self._send(connection, {"op": 9, "d": False, "s": None, "t": None})
            return
        threshold = data.get("large_threshold", 50)
        session = _Session(
            id=uuid.uuid4().hex,
            shard=shard,
            intents=intents,
            large_threshold=threshold if isinstance(threshold, int) else 50,
            connection=connection,
        )
        self._sessions[session.id] = session
        connection.session_id = session.id
        self.identify_payloads.append(copy.deepcopy(data))

        guilds = [g for g in self._guilds.values() if self._on_shard(session, g.id)]
        ready: Payload = {
            "v": API_VERSION,
            "user": self._me(),
            "user_settings": {},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["rotterdam"],
            "auth": {},
            "_trace": ["fake-gateway"],
        }
        if shard is not None:
            ready["shard"] = [shard[0], shard[1]]
        await self._dispatch(session, "READY", ready)
        if intents & INTENT_GUILDS:
            for guild in guilds:
                await self._dispatch(session, "GUILD_CREATE", self._guild_create(guild, session))

    async def _resume(self, connection: GatewayConnection, data: Payload) -> None:
        if data.get("token") != self.token:
            await self._close(connection, 4004, "Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        if session is None:
            # Not resumable: the client must identify afresh.
            await self._send(connection, {"op": 9, "d": False, "s": None, "t": None})
            return
        old = session.connection
        if old is not None and old is not connection and old.open:
            await self._close(old, 4000, "Session resumed elsewhere.")
        session.connection = connection
        connection.session_id = session.id
        seen = data.get("seq")
        last = seen if isinstance(seen, int) else 0
        for frame in session.frames:
            if frame["s"] > last:
                await self._send(connection, frame)
        await self._dispatch(session, "RESUMED", {"_trace": ["fake-gateway"]})
        self.resumes += 1

    async def _request_members(self, session: _Session, data: Payload) -> None:
        raw = data.get("guild_id")
        guild_ids = raw if isinstance(raw, list) else [raw]
        query = data.get("query")
        limit = data.get("limit") or 0
        user_ids = data.get("user_ids")
        nonce = data.get("nonce")
        wanted = (
            {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            if user_ids is not None
            else None
        )
        for raw_id in guild_ids:
            guild = self._guilds.get(int(raw_id)) if isinstance(raw_id, str | int) else None
            if guild is None:
                continue
            members: list[Payload] = []
            for user_id in guild.members:
                if wanted is not None and user_id not in wanted:
                    continue
                if isinstance(query, str) and query:
                    user = self._users[user_id]
                    names = [user["username"], guild.members[user_id].get("nick") or ""]
                    if not any(n.lower().startswith(query.lower()) for n in names):
                        continue
                members.append(self._member_object(guild, user_id))
            if limit and isinstance(limit, int):
                members = members[:limit]
            chunks = [members[i : i + 1000] for i in range(0, len(members), 1000)] or [[]]
            for index, chunk in enumerate(chunks):
                event: Payload = {
                    "guild_id": str(guild.id),
                    "members": chunk,
                    "chunk_index": index,
                    "chunk_count": len(chunks),
                }
                if nonce is not None:
                    event["nonce"] = nonce
                if wanted is not None and index == 0:
                    event["not_found"] = [str(u) for u in wanted if u not in guild.members]
                if data.get("presences"):
                    event["presences"] = []
                await self._dispatch(session, "GUILD_MEMBERS_CHUNK", event)

    async def _dispatch(self, session: _Session, event: str, data: Payload) -> int:
        session.seq += 1
        frame: Payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        if session.connection is not None and session.connection.open:
            await self._send(session.connection, frame)
            if event == "INTERACTION_CREATE":
                self.interactions_sent.setdefault(int(data["id"]), self._now())
        return session.seq

    async def _send(self, connection: GatewayConnection, frame: Payload) -> None:
        text = json.dumps(frame)
        async with connection._lock:
            if connection.socket.closed:
                return
            connection.sent.append(frame)
            if connection._compress is not None:
                await connection.socket.send_bytes(connection._compress(text.encode()))
            else:
                await connection.socket.send_str(text)

    async def _close(self, connection: GatewayConnection, code: int, reason: str) -> None:
        connection.close_code = code
        await connection.socket.close(code=code, message=reason.encode())

    # -- REST: serving ---------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        at = self._now()
        version, path = _split_api_path(request.path)
        body, uploads, bad_body = await _read_body(request)
        record = DiscordRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            headers=dict(request.headers),
            at=at,
            files=[part.filename for part in uploads],
            uploads=uploads,
        )
        self.record(record)
        response = self._answer(record, version, bad_body)
        record.status = response.status
        await self._notify()
        return response

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        status, content_type, body = self._cdn.serve(request.match_info["attachment_id"])
        return web.Response(status=status, body=body, content_type=content_type)

    def _answer(self, record: DiscordRequest, version: str | None, bad_body: bool) -> web.Response:
        match = self._match(record.method, record.path) if version is not None else None
        if match is None:
            if version is not None and self._path_known(record.path):
                return _respond(405, {"message": "405: Method Not Allowed", "code": 0})
            return _respond(404, {"message": "404: Not Found", "code": 0})
        route, params = match
        record.route = route.template
        if route.auth and record.authorization != f"Bot {self.token}":
            return _respond(401, {"message": "401: Unauthorized", "code": 0})

        now = self._now()
        fault = self._next_fault(record)
        if fault is not None and fault.kind == "ratelimit":
            return self._too_many(
                route, params, fault.retry_after, global_=fault.global_, scope=fault.scope
            )
        if route.global_limit:
            wait = self._take_global(now)
            if wait is not None:
                return self._too_many(route, params, wait, global_=True, scope="global")
        headers, wait = self._take_bucket(route, params, now)
        if wait is not None:
            return self._too_many(route, params, wait, global_=False, scope="user")
        if fault is not None:
            return _respond(fault.status, fault.body, headers)
        if bad_body:
            return _respond(
                400, {"message": "The request body contains invalid JSON.", "code": 50109}, headers
            )
        try:
            status, body = route.handler(_Call(record, params))
        except _DiscordError as error:
            status, body = error.status, error.body()
            if error.code == 50035:
                self.invalid_bodies.append((record, body))
        return _respond(status, body, headers)

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method != method:
                continue
            found = route.regex.fullmatch(path)
            if found is not None:
                return route, found.groupdict()
        return None

    def _path_known(self, path: str) -> bool:
        return any(route.regex.fullmatch(path) for route in self._routes)

    def _limit_for(self, route: _Route) -> tuple[int, float]:
        for rule in self._route_limits:
            if rule.method == route.method and rule.pattern.fullmatch(route.template):
                return rule.limit, rule.per
        return self.bucket_limit, self.bucket_window

    def _major(self, params: Mapping[str, str]) -> str:
        return "+".join(params[name] for name in _MAJOR_PARAMETERS if name in params)

    def _take_bucket(
        self, route: _Route, params: Mapping[str, str], now: float
    ) -> tuple[dict[str, str], float | None]:
        """Count a request against its bucket; return the headers and, if it was full, the wait."""

        limit, per = self._limit_for(route)
        key = (route.bucket, self._major(params))
        window = self._windows.get(key)
        if window is None or now >= window.start + per:
            window = self._windows[key] = _Window(now)
        reset_after = max(0.0, window.start + per - now)
        if window.count >= limit:
            return _bucket_headers(route.bucket, limit, 0, reset_after), reset_after
        window.count += 1
        return _bucket_headers(route.bucket, limit, limit - window.count, reset_after), None

    def _take_global(self, now: float) -> float | None:
        """Count a request against the global window; return the wait if it is used up."""

        limit = self._global
        if limit is None:
            return None
        current = limit.current
        if current is None or now >= current.start + limit.window:
            current = limit.current = _Window(now)
        if current.count >= limit.allowed:
            return current.start + limit.window - now
        current.count += 1
        return None

    def _too_many(
        self,
        route: _Route,
        params: Mapping[str, str],
        retry_after: float,
        *,
        global_: bool,
        scope: str,
    ) -> web.Response:
        self._limited[scope] += 1
        # Milliseconds, rounded up so that waiting exactly that long is always enough.
        retry = max(0.001, math.ceil(retry_after * 1000) / 1000)
        headers = {"Retry-After": str(max(1, math.ceil(retry))), "X-RateLimit-Scope": scope}
        if global_:
            headers["X-RateLimit-Global"] = "true"
        else:
            limit, _ = self._limit_for(route)
            headers.update(_bucket_headers(route.bucket, limit, 0, retry))
        body = {"message": "You are being rate limited.", "retry_after": retry, "global": global_}
        return _respond(429, body, headers)

    def _build_routes(self) -> list[_Route]:
        # Literal segments (@me, @original) come before the parameter that would also match them.
        table: list[tuple[str, str, Callable[[_Call], _Answer], bool, bool]] = [
            ("GET", "/users/@me", self._get_me, True, True),
            ("POST", "/users/@me/channels", self._open_dm_channel, True, True),
            ("GET", "/users/@me/guilds", self._get_my_guilds, True, True),
            ("GET", "/users/{user_id}", self._get_user, True, True),
            ("GET", "/gateway", self._get_gateway, False, True),
            ("GET", "/gateway/bot", self._get_gateway_bot, True, True),
            ("GET", "/applications/@me", self._get_application, True, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True, True),
            ("GET", "/applications/{application_id}/commands", self._get_commands, True, True),
            ("PUT", "/applications/{application_id}/commands", self._put_commands, True, True),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._get_commands,
                True,
                True,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self._put_commands,
                True,
                True,
            ),
            ("GET", "/channels/{channel_id}", self._get_channel, True, True),
            ("GET", "/channels/{channel_id}/messages", self._get_messages, True, True),
            ("POST", "/channels/{channel_id}/messages", self._post_message, True, True),
            (
                "GET",
                "/channels/{channel_id}/messages/{message_id}",
                self._get_message,
                True,
                True,
            ),
            (
                "PATCH",
                "/channels/{channel_id}/messages/{message_id}",
                self._patch_message,
                True,
                True,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}",
                self._delete_channel_message,
                True,
                True,
            ),
            ("POST", "/channels/{channel_id}/threads", self._post_thread, True, True),
            (
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                self._post_message_thread,
                True,
                True,
            ),
            (
                "PUT",
                "/channels/{channel_id}/thread-members/{user_id}",
                self._put_thread_member,
                True,
                True,
            ),
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self._post_callback,
                False,
                False,
            ),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._get_original,
                False,
                False,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._patch_original,
                False,
                False,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
                self._delete_original,
                False,
                False,
            ),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self._post_followup, False, False),
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._get_followup,
                False,
                False,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._patch_followup,
                False,
                False,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self._delete_followup,
                False,
                False,
            ),
            ("GET", "/guilds/{guild_id}", self._get_guild, True, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_roles, True, True),
            ("GET", "/guilds/{guild_id}/members", self._get_members, True, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, True, True),
        ]
        return [
            _Route(method, template, _route_regex(template), handler, auth, global_limit)
            for method, template, handler, auth, global_limit in table
        ]

    # -- REST: users, gateway, application -------------------------------------

    def _get_me(self, call: _Call) -> _Answer:
        return 200, self._me()

    def _get_user(self, call: _Call) -> _Answer:
        user_id = _param_id(call, "user_id")
        if user_id not in self._users:
            raise _unknown("User", 10013)
        return 200, copy.deepcopy(self._users[user_id])

    def _get_gateway(self, call: _Call) -> _Answer:
        return 200, {"url": self.gateway_url}

    def _get_gateway_bot(self, call: _Call) -> _Answer:
        return 200, {
            "url": self.gateway_url,
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - len(self.identify_payloads),
                "reset_after": 14_400_000,
                "max_concurrency": self.max_concurrency,
            },
        }

    def _get_my_guilds(self, call: _Call) -> _Answer:
        """The bot's servers, a page at a time: ``limit`` 1 to 200 (200 unless given),
        after or before an id, in id order (Discord's "Get Current User Guilds")."""

        limit = _query_int(call, "limit", 200)
        if not 1 <= limit <= 200:
            raise _form_error("limit", "NUMBER_TYPE_MAX", "int value should be <= 200 and >= 1.")
        after = _query_int(call, "after", 0)
        before = _query_int(call, "before", 0)
        ids = [g for g in sorted(self._guilds) if g > after and (not before or g < before)]
        page = ids[-limit:] if before and not after else ids[:limit]
        counts = call.record.query.get("with_counts", "").lower() in ("1", "true")
        listed: list[Payload] = []
        for guild_id in page:
            guild = self._guilds[guild_id]
            entry: Payload = {
                "id": str(guild.id),
                "name": guild.name,
                "icon": None,
                "banner": None,
                "owner": guild.owner_id == self.bot_user_id,
                "permissions": str(self._permissions(guild, self.bot_user_id)),
                "features": list(guild.features),
            }
            if counts:
                entry["approximate_member_count"] = len(guild.members)
                entry["approximate_presence_count"] = 0
            listed.append(entry)
        return 200, listed

    def _get_application(self, call: _Call) -> _Answer:
        install = {"scopes": ["applications.commands", "bot"], "permissions": "0"}
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "owner": copy.deepcopy(self._users[self.owner_id]),
            "team": None,
            "flags": self._application_flags(),
            "bot": self._me(),
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": install,
            "integration_types_config": {"0": {"oauth2_install_params": install}},
            "approximate_guild_count": len(self._guilds),
            "approximate_user_install_count": 0,
        }

    # -- REST: application commands --------------------------------------------

    def _command_scope(self, call: _Call) -> int | None:
        if _param_id(call, "application_id") != self.application_id:
            raise _DiscordError(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        if "guild_id" not in call.params:
            return None
        guild_id = _param_id(call, "guild_id")
        if guild_id not in self._guilds:
            raise _DiscordError(403, 50001, "Missing Access")
        return guild_id

    def _get_commands(self, call: _Call) -> _Answer:
        return 200, self.commands(self._command_scope(call))

    def _put_commands(self, call: _Call) -> _Answer:
        scope = self._command_scope(call)
        body = call.record.json
        if not isinstance(body, list):
            raise _form_error(
                "_errors", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
            )
        _refuse(commands_problems(body))
        old = {(c["name"], c.get("type", 1)): c for c in self._commands.get(scope, [])}
        stored: list[Payload] = []
        seen: set[tuple[str, int]] = set()
        for index, raw in enumerate(body):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise _form_error(str(index), "BASE_TYPE_REQUIRED", "This field is required")
            kind = int(raw.get("type", 1))
            key = (raw["name"], kind)
            if key in seen:
                raise _form_error(
                    str(index),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            seen.add(key)
            if kind == 1 and not raw.get("description"):
                raise _form_error(
                    f"{index}.description", "BASE_TYPE_REQUIRED", "This field is required"
                )
            command: Payload = {
                "type": kind,
                "application_id": str(self.application_id),
                "name": raw["name"],
                "description": raw.get("description", ""),
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                "name_localizations": None,
                "description_localizations": None,
            }
            if scope is None:
                command["dm_permission"] = True
            command.update(copy.deepcopy(raw))
            previous = old.get(key)
            unchanged = previous is not None and _definition(previous) == _definition(command)
            command["id"] = previous["id"] if previous is not None else str(self._next_id())
            command["version"] = (
                previous["version"] if previous is not None and unchanged else str(self._next_id())
            )
            if scope is not None:
                command["guild_id"] = str(scope)
            stored.append(command)
        before = [_definition(c) for c in self._commands.get(scope, [])]
        after = [_definition(c) for c in stored]
        self._command_puts[scope] += 1
        if scope not in self._commands or sorted(map(_canonical, before)) != sorted(
            map(_canonical, after)
        ):
            self._command_changes[scope] += 1
        self._commands[scope] = stored
        return 200, copy.deepcopy(stored)

    # -- REST: channels and messages -------------------------------------------

    def _get_channel(self, call: _Call) -> _Answer:
        channel = self._channels.get(_param_id(call, "channel_id"))
        if channel is None:
            raise _unknown("Channel", 10003)
        return 200, copy.deepcopy(channel)

    def _get_messages(self, call: _Call) -> _Answer:
        """A channel's messages, newest first: ``limit`` 1 to 100 (50 unless given),
        before, after or around an id (Discord's "Get Channel Messages")."""

        channel_id = _param_id(call, "channel_id")
        self._channel_or_404(channel_id)
        limit = _query_int(call, "limit", 50)
        if not 1 <= limit <= 100:
            raise _form_error("limit", "NUMBER_TYPE_MAX", "int value should be <= 100 and >= 1.")
        ids = sorted(m for m in self._channel_messages.get(channel_id, []) if m in self._messages)
        before, after = _query_int(call, "before", 0), _query_int(call, "after", 0)
        around = _query_int(call, "around", 0)
        if around:
            older = [m for m in ids if m < around][-(limit // 2) :] if limit > 1 else []
            page = older + [m for m in ids if m >= around][: limit - len(older)]
        elif after:
            page = [m for m in ids if m > after][:limit]
        else:
            page = [m for m in ids if not before or m < before][-limit:]
        return 200, [copy.deepcopy(self._messages[m]) for m in sorted(page, reverse=True)]

    def _open_dm_channel(self, call: _Call) -> _Answer:
        raw = call.body.get("recipient_id")
        if not isinstance(raw, str | int) or not str(raw).isdigit() or int(raw) not in self._users:
            raise _DiscordError(400, 50033, "Invalid Recipient(s)")
        return 200, copy.deepcopy(self._channels[self._open_dm(int(raw))])

    def _post_message(self, call: _Call) -> _Answer:
        channel_id = _param_id(call, "channel_id")
        channel = self._channel_or_404(channel_id)
        if channel["type"] == ChannelType.DM:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self._dms_closed:
                raise _DiscordError(403, 50007, "Cannot send messages to this user")
        if channel["type"] == ChannelType.GUILD_CATEGORY:
            raise _DiscordError(400, 50008, "Cannot send messages in a non-text channel")
        body = copy.deepcopy(call.body)
        if call.record.uploads:
            body["attachments"] = self._uploaded(channel_id, body, call.record.uploads)
        reference = body.get("message_reference")
        referenced: Payload | None = None
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            referenced = self._messages.get(int(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise _form_error(
                    "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                )
        message = self._store_message(channel_id, self._user(self.bot_user_id), body)
        if referenced is not None:
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": channel["guild_id"]} if "guild_id" in channel else {}),
            }
            message["referenced_message"] = copy.deepcopy(referenced)
        return 200, copy.deepcopy(message)

    def _uploaded(self, channel_id: int, body: Payload, parts: list[UploadedPart]) -> list[Payload]:
        """A message's uploaded files, checked as Discord checks them and put on the CDN,
        described as ``attachments`` says (its ``description``) or by their part alone."""

        big = too_large(parts)
        if big is not None:
            raise _DiscordError(413, 40005, "Request entity too large")
        _refuse(upload_problems(body, [part.name for part in parts]))
        described = {
            str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)
        }
        made = []
        for part in parts:
            placeholder = part.name.removeprefix("files[").removesuffix("]")
            attachment = self._cdn.add(
                self._next_id(), channel_id, part.filename, part.content_type, part.data
            )
            about = described.get(placeholder, {})
            if about.get("description"):
                attachment["description"] = about["description"]
            made.append(attachment)
        return made

    def _get_message(self, call: _Call) -> _Answer:
        return 200, copy.deepcopy(self._message_in(call))

    def _patch_message(self, call: _Call) -> _Answer:
        message = self._message_in(call)
        if int(message["author"]["id"]) != self.bot_user_id and set(call.body) - {"flags"}:
            raise _DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self._edit_message(message, call.body)
        return 200, copy.deepcopy(message)

    def _delete_channel_message(self, call: _Call) -> _Answer:
        message = self._message_in(call)
        if int(message["author"]["id"]) != self.bot_user_id:
            # Deleting another's message needs Manage Messages, which the fake never grants.
            raise _DiscordError(403, 50013, "Missing Permissions")
        self._delete_message(message)
        return 204, None

    def _message_in(self, call: _Call) -> Payload:
        channel_id = _param_id(call, "channel_id")
        self._channel_or_404(channel_id)
        message = self._messages.get(_param_id(call, "message_id"))
        if message is None or message["channel_id"] != str(channel_id):
            raise _unknown("Message", 10008)
        return message

    # -- REST: threads ---------------------------------------------------------

    def _post_thread(self, call: _Call) -> _Answer:
        parent_id = _param_id(call, "channel_id")
        parent = self._channel_or_404(parent_id)
        body = call.body
        # Forum and media posts (a thread with its first message) are not modelled.
        if parent["type"] not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise _DiscordError(400, 50024, "Cannot execute action on this channel type")
        default = (
            ChannelType.ANNOUNCEMENT_THREAD
            if parent["type"] == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PRIVATE_THREAD
        )
        raw_type = body.get("type", default)
        try:
            kind = ChannelType(int(raw_type))
        except (TypeError, ValueError):
            raise _form_error(
                "type", "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12)."
            ) from None
        if kind not in _THREAD_TYPES or (
            kind is ChannelType.PRIVATE_THREAD and parent["type"] != ChannelType.GUILD_TEXT
        ):
            raise _form_error("type", "BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")
        thread = self._new_thread(parent, body, kind)
        return 201, thread

    def _post_message_thread(self, call: _Call) -> _Answer:
        message = self._message_in(call)
        parent = self._channels[int(message["channel_id"])]
        if parent["type"] not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise _DiscordError(400, 50024, "Cannot execute action on this channel type")
        if "thread" in message:
            raise _DiscordError(400, 160004, "A thread has already been created for this message")
        kind = (
            ChannelType.ANNOUNCEMENT_THREAD
            if parent["type"] == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD
        )
        # A thread started from a message takes the message's id.
        thread = self._new_thread(parent, call.body, kind, thread_id=int(message["id"]))
        message["thread"] = {k: v for k, v in thread.items() if k != "member"}
        return 201, thread

    def _new_thread(
        self, parent: Payload, body: Payload, kind: ChannelType, thread_id: int | None = None
    ) -> Payload:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _form_error(
                "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        archive = body.get("auto_archive_duration") or parent.get(
            "default_auto_archive_duration", 1440
        )
        if archive not in _ARCHIVE_DURATIONS:
            raise _form_error(
                "auto_archive_duration",
                "BASE_TYPE_CHOICES",
                "Value must be one of (60, 1440, 4320, 10080).",
            )
        new_id = thread_id if thread_id is not None else self._next_id()
        thread = self._thread_object(
            new_id,
            int(parent["guild_id"]),
            int(parent["id"]),
            name,
            kind,
            invitable=bool(body.get("invitable", True)),
            archive=int(archive),
            slowmode=int(body.get("rate_limit_per_user") or 0),
        )
        self._channels[new_id] = thread
        joined = _iso()
        self._thread_members[new_id] = {self.bot_user_id: joined}
        thread["member_count"] = 1
        answer = copy.deepcopy(thread)
        answer["member"] = {
            "id": str(new_id),
            "user_id": str(self.bot_user_id),
            "join_timestamp": joined,
            "flags": 0,
        }
        return answer

    def _put_thread_member(self, call: _Call) -> _Answer:
        thread_id = _param_id(call, "channel_id")
        thread = self._channel_or_404(thread_id)
        if thread["type"] not in _THREAD_TYPES:
            raise _DiscordError(400, 50024, "Cannot execute action on this channel type")
        raw_user = call.params["user_id"]
        user_id = self.bot_user_id if raw_user == "@me" else _param_id(call, "user_id")
        if user_id not in self._users:
            raise _unknown("User", 10013)
        guild = self._guilds[int(thread["guild_id"])]
        if user_id not in guild.members:
            raise _unknown("Member", 10007)
        if thread["thread_metadata"]["archived"]:
            raise _DiscordError(400, 50083, "Thread is archived")
        members = self._thread_members.setdefault(thread_id, {})
        members.setdefault(user_id, _iso())
        thread["member_count"] = len(members)
        return 204, None

    # -- REST: interactions and their webhooks ---------------------------------

    def _interaction_for(self, call: _Call) -> _Interaction:
        raw_id = call.params["interaction_id"]
        found = self._interactions.get(int(raw_id)) if raw_id.isdigit() else None
        if found is None or found.token != call.params["interaction_token"]:
            raise _unknown("interaction", 10062)
        return found

    def _post_callback(self, call: _Call) -> _Answer:
        interaction = self._interaction_for(call)
        if interaction.response is not None:
            raise _DiscordError(400, 40060, "Interaction has already been acknowledged.")
        sent = self.interactions_sent.get(interaction.id)
        if sent is not None and self._now() - sent > ANSWER_WINDOW:
            # Not answered within its three seconds: Discord has forgotten the interaction.
            raise _unknown("interaction", 10062)
        body = call.body
        kind = body.get("type")
        if not isinstance(kind, int) or kind not in _ALLOWED_CALLBACKS[interaction.type]:
            raise _form_error(
                "type",
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Callback type {kind!r} is not valid for interaction type {interaction.type}",
            )
        raw_data = body.get("data")
        data: Payload = copy.deepcopy(raw_data) if isinstance(raw_data, dict) else {}
        if kind in (CallbackType.CHANNEL_MESSAGE_WITH_SOURCE, CallbackType.UPDATE_MESSAGE):
            _refuse(message_problems(data, ("data",)))
        elif kind == CallbackType.MODAL:
            _refuse(modal_problems(data))
        elif kind == CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            _refuse(choices_problems(data))
        message: Payload | None = None
        if kind == CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            message = self._interaction_message(interaction, data)
            interaction.original_id = int(message["id"])
        elif kind == CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = _MESSAGE_FLAG_LOADING | (int(data.get("flags") or 0) & _MESSAGE_FLAG_EPHEMERAL)
            message = self._interaction_message(interaction, {"flags": flags}, allow_empty=True)
            interaction.original_id = int(message["id"])
            interaction.loading = True
        elif kind in (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE):
            if interaction.message_id is None or interaction.message_id not in self._messages:
                raise _DiscordError(400, 50035, "Invalid Form Body: the interaction has no message")
            message = self._messages[interaction.message_id]
            if kind == CallbackType.UPDATE_MESSAGE:
                self._edit_message(message, data)
            interaction.original_id = interaction.message_id
        elif kind == CallbackType.MODAL:
            for key in ("custom_id", "title", "components"):
                if not data.get(key):
                    raise _form_error(f"data.{key}", "BASE_TYPE_REQUIRED", "This field is required")
        interaction.response = kind
        self._callbacks.append(
            Callback(
                interaction_id=interaction.id,
                token=interaction.token,
                type=kind,
                data=copy.deepcopy(raw_data) if isinstance(raw_data, dict) else None,
                at=self._now(),
            )
        )
        if call.record.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        answer: Payload = {"interaction": {"id": str(interaction.id), "type": interaction.type}}
        if message is not None:
            flags = int(message.get("flags", 0))
            answer["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=bool(flags & _MESSAGE_FLAG_LOADING),
                response_message_ephemeral=bool(flags & _MESSAGE_FLAG_EPHEMERAL),
            )
        if kind in (4, 5, 6, 7):
            resource: Payload = {"type": kind}
            if kind in (4, 7) and message is not None:
                resource["message"] = copy.deepcopy(message)
            answer["resource"] = resource
        return 200, answer

    def _webhook_interaction(self, call: _Call) -> _Interaction:
        """The interaction whose token the webhook route names; its webhook exists once answered."""

        token = call.params["webhook_token"]
        found = next((i for i in self._interactions.values() if i.token == token), None)
        sent = self.interactions_sent.get(found.id) if found is not None else None
        if sent is not None and self._now() - sent > TOKEN_LIFETIME:
            # An interaction's token works for 15 minutes; after them Discord answers 401.
            raise _DiscordError(401, 50027, "Invalid Webhook Token")
        if (
            call.params["webhook_id"] != str(self.application_id)
            or found is None
            or found.response is None
        ):
            raise _unknown("Webhook", 10015)
        return found

    def _original(self, interaction: _Interaction) -> Payload:
        if interaction.original_id is None or interaction.original_id not in self._messages:
            raise _unknown("Message", 10008)
        return self._messages[interaction.original_id]

    def _get_original(self, call: _Call) -> _Answer:
        return 200, copy.deepcopy(self._original(self._webhook_interaction(call)))

    def _patch_original(self, call: _Call) -> _Answer:
        interaction = self._webhook_interaction(call)
        message = self._original(interaction)
        self._edit_message(message, call.body, finish_loading=True)
        interaction.loading = False
        return 200, copy.deepcopy(message)

    def _delete_original(self, call: _Call) -> _Answer:
        interaction = self._webhook_interaction(call)
        self._delete_message(self._original(interaction))
        interaction.original_id = None
        interaction.loading = False
        return 204, None

    def _post_followup(self, call: _Call) -> _Answer:
        interaction = self._webhook_interaction(call)
        body = copy.deepcopy(call.body)
        if interaction.loading and interaction.original_id in self._messages:
            # The first follow-up after a "thinking" defer replaces the loading message.
            message = self._messages[interaction.original_id]
            self._edit_message(message, body, finish_loading=True)
            interaction.loading = False
        else:
            message = self._interaction_message(interaction, body)
        if call.record.query.get("wait", "").lower() in ("1", "true"):
            return 200, copy.deepcopy(message)
        return 204, None

    def _followup(self, call: _Call) -> Payload:
        interaction = self._webhook_interaction(call)
        message = self._messages.get(_param_id(call, "message_id"))
        if message is None or message.get("webhook_id") != str(self.application_id):
            raise _unknown("Message", 10008)
        if message["interaction_metadata"]["id"] != str(interaction.id):
            raise _unknown("Message", 10008)
        return message

    def _get_followup(self, call: _Call) -> _Answer:
        return 200, copy.deepcopy(self._followup(call))

    def _patch_followup(self, call: _Call) -> _Answer:
        message = self._followup(call)
        self._edit_message(message, call.body, finish_loading=True)
        return 200, copy.deepcopy(message)

    def _delete_followup(self, call: _Call) -> _Answer:
        self._delete_message(self._followup(call))
        return 204, None

    # -- REST: guild reads -----------------------------------------------------

    def _guild_or_404(self, call: _Call) -> _Guild:
        guild = self._guilds.get(_param_id(call, "guild_id"))
        if guild is None:
            raise _unknown("Guild", 10004)
        return guild

    def _get_guild(self, call: _Call) -> _Answer:
        guild = self._guild_or_404(call)
        payload = self._guild_object(guild)
        if call.record.query.get("with_counts", "").lower() in ("1", "true"):
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return 200, payload

    def _get_guild_channels(self, call: _Call) -> _Answer:
        guild = self._guild_or_404(call)
        return 200, [copy.deepcopy(c) for c in self._guild_channels(guild.id)]

    def _get_roles(self, call: _Call) -> _Answer:
        guild = self._guild_or_404(call)
        return 200, [copy.deepcopy(r) for r in guild.roles.values()]

    def _get_members(self, call: _Call) -> _Answer:
        guild = self._guild_or_404(call)
        if not self.allowed_intents & INTENT_GUILD_MEMBERS:
            # Listing members needs the privileged intent enabled for the app.
            raise _DiscordError(403, 50001, "Missing Access")
        limit = _query_int(call, "limit", 1)
        after = _query_int(call, "after", 0)
        if not 1 <= limit <= 1000:
            raise _form_error("limit", "NUMBER_TYPE_MAX", "int value should be <= 1000 and >= 1.")
        page = [u for u in sorted(guild.members) if u > after][:limit]
        return 200, [self._member_object(guild, u) for u in page]

    def _get_member(self, call: _Call) -> _Answer:
        guild = self._guild_or_404(call)
        user_id = _param_id(call, "user_id")
        if user_id not in guild.members:
            raise _unknown("Member", 10007)
        return 200, self._member_object(guild, user_id)

    # -- model helpers ---------------------------------------------------------

    def _next_id(self) -> int:
        """A fresh snowflake: milliseconds since 2015, increasing even within a millisecond."""

        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (ms << 22) | (1 << 17) | (next(self._id_counter) & 0xFFF)
        self._last_id = max(candidate, self._last_id + 1)
        return self._last_id

    def _me(self) -> Payload:
        me = copy.deepcopy(self._users[self.bot_user_id])
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None, bot=True)
        return me

    def _application_flags(self) -> int:
        flags = _APP_FLAG_COMMAND_BADGE
        for intent, flag in _APP_FLAG_FOR_INTENT.items():
            if self.allowed_intents & intent:
                flags |= flag
        return flags

    def _user(self, user_id: int) -> Payload:
        try:
            return self._users[user_id]
        except KeyError:
            raise ValueError(f"no user {user_id}; add_user it first") from None

    def _guild(self, guild_id: int) -> _Guild:
        try:
            return self._guilds[guild_id]
        except KeyError:
            raise ValueError(f"no guild {guild_id}; add_guild it first") from None

    def _channel(self, channel_id: int) -> Payload:
        try:
            return self._channels[channel_id]
        except KeyError:
            raise ValueError(f"no channel {channel_id}; add_channel it first") from None

    def _channel_or_404(self, channel_id: int) -> Payload:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise _unknown("Channel", 10003)
        return channel

    def _guild_channels(self, guild_id: int) -> list[Payload]:
        return [
            c
            for c in self._channels.values()
            if c.get("guild_id") == str(guild_id) and c["type"] not in _THREAD_TYPES
        ]

    def _permissions(self, guild: _Guild, user_id: int) -> int:
        """Guild-level permissions: @everyone's and the roles'; all for owners and admins."""

        if user_id == guild.owner_id:
            return _ALL_PERMISSIONS
        value = int(guild.roles[guild.id]["permissions"])
        member = guild.members.get(user_id)
        for role_id in member["roles"] if member is not None else []:
            role = guild.roles.get(int(role_id))
            if role is not None:
                value |= int(role["permissions"])
        return _ALL_PERMISSIONS if value & _ADMINISTRATOR else value

    def _member_object(self, guild: _Guild, user_id: int) -> Payload:
        try:
            member = copy.deepcopy(guild.members[user_id])
        except KeyError:
            raise ValueError(f"user {user_id} is not a member of guild {guild.id}") from None
        member["user"] = copy.deepcopy(self._users[user_id])
        return member

    def _guild_object(self, guild: _Guild) -> Payload:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [copy.deepcopy(r) for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(guild.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500_000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": guild.locale,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }

    def _guild_create(self, guild: _Guild, session: _Session) -> Payload:
        """GUILD_CREATE as a session with these intents gets it.

        Without the presences intent (or in a guild of ``large_threshold``
        members or more) Discord sends only the bot's own member; the client
        then asks for the rest with REQUEST_GUILD_MEMBERS, answered in chunks.
        """

        everyone = [self._member_object(guild, u) for u in guild.members]
        large = len(everyone) >= session.large_threshold
        full_list = bool(session.intents & INTENT_GUILD_PRESENCES) and not large
        members = (
            everyone
            if full_list
            else [m for m in everyone if m["user"]["id"] == str(self.bot_user_id)]
        )
        threads = [
            copy.deepcopy(c)
            for c in self._channels.values()
            if c.get("guild_id") == str(guild.id)
            and c["type"] in _THREAD_TYPES
            and not c["thread_metadata"]["archived"]
        ]
        payload = self._guild_object(guild)
        payload.update(
            joined_at=guild.joined_at,
            large=large,
            unavailable=False,
            member_count=len(everyone),
            voice_states=[],
            members=members,
            channels=[copy.deepcopy(c) for c in self._guild_channels(guild.id)],
            threads=threads,
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            embedded_activities=[],
            lazy=True,
        )
        return payload

    def _thread_object(
        self,
        thread_id: int,
        guild_id: int,
        parent_id: int,
        name: str,
        kind: ChannelType,
        *,
        invitable: bool,
        archive: int,
        slowmode: int = 0,
    ) -> Payload:
        now = _iso()
        metadata: Payload = {
            "archived": False,
            "auto_archive_duration": archive,
            "archive_timestamp": now,
            "locked": False,
            "create_timestamp": now,
        }
        if kind is ChannelType.PRIVATE_THREAD:
            metadata["invitable"] = invitable
        return {
            "id": str(thread_id),
            "type": int(kind),
            "guild_id": str(guild_id),
            "parent_id": str(parent_id),
            "owner_id": str(self.bot_user_id),
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": slowmode,
            "message_count": 0,
            "member_count": 0,
            "total_message_sent": 0,
            "flags": 0,
            "thread_metadata": metadata,
        }

    def _open_dm(self, user_id: int) -> int:
        """The DM channel with a user, created on first use and the same ever after."""

        existing = self._dm_channels.get(user_id)
        if existing is not None:
            return existing
        channel_id = self._next_id()
        self._channels[channel_id] = {
            "id": str(channel_id),
            "type": int(ChannelType.DM),
            "last_message_id": None,
            "flags": 0,
            "recipients": [copy.deepcopy(self._user(user_id))],
        }
        self._dm_channels[user_id] = channel_id
        return channel_id

    def _store_message(
        self,
        channel_id: int,
        author: Payload,
        body: Payload,
        *,
        kind: int = 0,
        allow_empty: bool = False,
        extra: Payload | None = None,
    ) -> Payload:
        content = body.get("content")
        text = content if isinstance(content, str) else ""
        _refuse(message_problems(body))
        has_something = any(
            body.get(key)
            for key in ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
        )
        if not has_something and not allow_empty:
            raise _DiscordError(400, 50006, "Cannot send an empty message")
        message_id = self._next_id()
        mentions, mention_roles, everyone = self._mentions(
            channel_id, text, body.get("allowed_mentions")
        )
        message: Payload = {
            "id": str(message_id),
            "type": kind,
            "channel_id": str(channel_id),
            "author": copy.deepcopy(author),
            "content": text,
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": [
                _attachment(a) for a in body.get("attachments") or [] if isinstance(a, dict)
            ],
            "embeds": [
                {"type": "rich", **e} for e in body.get("embeds") or [] if isinstance(e, dict)
            ],
            "components": copy.deepcopy(body.get("components") or []),
            "pinned": False,
            "flags": int(body.get("flags") or 0),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if extra:
            message.update(extra)
        self._messages[message_id] = message
        self._channel_messages.setdefault(channel_id, []).append(message_id)
        channel = self._channels.get(channel_id)
        if channel is not None:
            channel["last_message_id"] = str(message_id)
            if channel["type"] in _THREAD_TYPES:
                channel["message_count"] += 1
                channel["total_message_sent"] += 1
        return message

    def _interaction_message(
        self, interaction: _Interaction, body: Payload, *, allow_empty: bool = False
    ) -> Payload:
        metadata: Payload = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": copy.deepcopy(self._users[interaction.user_id]),
            "authorizing_integration_owners": {
                "0": str(interaction.guild_id) if interaction.guild_id is not None else "0"
            },
        }
        if interaction.name is not None:
            metadata["name"] = interaction.name
            metadata["command_type"] = 1
        if interaction.message_id is not None:
            metadata["interacted_message_id"] = str(interaction.message_id)
        if interaction.original_id is not None:
            metadata["original_response_message_id"] = str(interaction.original_id)
        kind = 20 if interaction.type == InteractionType.APPLICATION_COMMAND else 0
        return self._store_message(
            interaction.channel_id,
            self._user(self.bot_user_id),
            body,
            kind=kind,
            allow_empty=allow_empty,
            extra={
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
                "interaction_metadata": metadata,
            },
        )

    def _edit_message(
        self, message: Payload, body: Payload, *, finish_loading: bool = False
    ) -> None:
        _refuse(message_problems(body))
        if "content" in body:
            content = body["content"]
            text = content if isinstance(content, str) else ""
            message["content"] = text
            mentions, roles, everyone = self._mentions(
                int(message["channel_id"]), text, body.get("allowed_mentions")
            )
            message.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        if "embeds" in body:
            message["embeds"] = [
                {"type": "rich", **e} for e in body["embeds"] or [] if isinstance(e, dict)
            ]
        if "components" in body:
            message["components"] = copy.deepcopy(body["components"] or [])
        if "attachments" in body:
            message["attachments"] = [
                _attachment(a) for a in body["attachments"] or [] if isinstance(a, dict)
            ]
        flags = int(message.get("flags", 0))
        if "flags" in body and body["flags"] is not None:
            # Ephemerality and loading are fixed at creation; the rest can change.
            keep = flags & (_MESSAGE_FLAG_EPHEMERAL | _MESSAGE_FLAG_LOADING)
            flags = keep | (int(body["flags"]) & ~(_MESSAGE_FLAG_EPHEMERAL | _MESSAGE_FLAG_LOADING))
        if finish_loading:
            flags &= ~_MESSAGE_FLAG_LOADING
        message["flags"] = flags
        message["edited_timestamp"] = _iso()

    def _delete_message(self, message: Payload) -> None:
        message_id = int(message["id"])
        if self._messages.pop(message_id, None) is not None:
            self.deleted.append(copy.deepcopy(message))
        ids = self._channel_messages.get(int(message["channel_id"]), [])
        if message_id in ids:
            ids.remove(message_id)

    def _mentions(
        self, channel_id: int, text: str, allowed: Any
    ) -> tuple[list[Payload], list[str], bool]:
        """Who a message pings, after ``allowed_mentions`` as Discord applies it."""

        parse: set[str] = {"users", "roles", "everyone"}
        users_allowed: set[str] = set()
        roles_allowed: set[str] = set()
        if isinstance(allowed, dict):
            parse = set(allowed.get("parse") or [])
            users_allowed = {str(u) for u in allowed.get("users") or []}
            roles_allowed = {str(r) for r in allowed.get("roles") or []}
        mentions: list[Payload] = []
        for raw in dict.fromkeys(re.findall(r"<@!?(\d+)>", text)):
            user = self._users.get(int(raw))
            if user is not None and ("users" in parse or raw in users_allowed):
                mentions.append(copy.deepcopy(user))
        guild_id = self._channels.get(channel_id, {}).get("guild_id")
        guild = self._guilds.get(int(guild_id)) if guild_id is not None else None
        roles = [
            raw
            for raw in dict.fromkeys(re.findall(r"<@&(\d+)>", text))
            if guild is not None
            and int(raw) in guild.roles
            and ("roles" in parse or raw in roles_allowed)
        ]
        everyone = "everyone" in parse and ("@everyone" in text or "@here" in text)
        return mentions, roles, everyone


async def _await_stop(task: asyncio.Task[None], within: float) -> None:
    """Wait for the client's connect task to end; cancel it if it will not."""

    try:
        async with asyncio.timeout(within):
            await asyncio.shield(task)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def run_client(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    reconnect: bool = False,
    within: float = 5.0,
) -> AsyncIterator[discord.Client]:
    """Log ``client`` in to the fake, connect it, and yield once it is ready; close it after.

    ``reconnect=False`` by default so that any unexpected close surfaces at
    once as ``discord.ConnectionClosed`` instead of a retry loop with
    back-off sleeps. RECONNECT and INVALID_SESSION are handled either way.
    Production runs with ``reconnect=True``, which is also the only mode in
    which discord.py turns a 4014 close into ``PrivilegedIntentsRequired``.

    Use inside ``fake.patch_discord()``, and give the client a small
    ``guild_ready_timeout`` (0.05): discord.py waits that long after the
    last GUILD_CREATE before ``on_ready``, 2 s by default.
    """

    await client.login(fake.token)
    connecting = asyncio.create_task(client.connect(reconnect=reconnect))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {connecting, ready}, timeout=within, return_when=asyncio.FIRST_COMPLETED
        )
        if connecting in done:
            connecting.result()  # raises what stopped the connection
            raise RuntimeError("the client stopped before it was ready")
        if ready not in done:
            raise TimeoutError(f"the client was not ready within {within:g} s")
        yield client
    finally:
        ready.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready
        await client.close()
        if not connecting.done():
            await _await_stop(connecting, within)
        elif not connecting.cancelled():
            connecting.exception()  # retrieved, so asyncio does not log it as never retrieved


# -- builders for command options ------------------------------------------------


def option(
    name: str,
    value: str | int | float | bool,
    *,
    kind: int | None = None,
    focused: bool = False,
) -> Payload:
    """One command option as Discord sends it; the type follows the value unless ``kind`` says.

    For users, roles, channels and mentionables pass the id and
    ``kind=OptionType.USER`` (etc.): Discord sends those ids as strings.
    """

    if kind is None:
        if isinstance(value, bool):
            kind = OptionType.BOOLEAN
        elif isinstance(value, int):
            kind = OptionType.INTEGER
        elif isinstance(value, float):
            kind = OptionType.NUMBER
        else:
            kind = OptionType.STRING
    shown: str | int | float | bool = value
    if kind in (OptionType.USER, OptionType.CHANNEL, OptionType.ROLE, OptionType.MENTIONABLE):
        shown = str(value)
    payload: Payload = {"name": name, "type": int(kind), "value": shown}
    if focused:
        payload["focused"] = True
    return payload


def subcommand(name: str, *options: Payload) -> Payload:
    """A subcommand (option type 1) and the options given to it."""

    return {"name": name, "type": int(OptionType.SUB_COMMAND), "options": list(options)}


def subcommand_group(name: str, *subcommands: Payload) -> Payload:
    """A subcommand group (option type 2) holding one subcommand."""

    return {"name": name, "type": int(OptionType.SUB_COMMAND_GROUP), "options": list(subcommands)}


# -- small helpers ---------------------------------------------------------------


def _iso() -> str:
    return datetime.now(UTC).isoformat()


def _pattern(pattern: str) -> re.Pattern[str]:
    """A path pattern where each ``{...}`` matches one segment, the rest literally."""

    prefix = f"/api/v{API_VERSION}"
    if pattern.startswith(prefix):
        pattern = pattern[len(prefix) :]
    parts = re.split(r"(\{[^/{}]*\})", pattern)
    return re.compile(
        "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    )


def _route_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", template)
    return re.compile(
        "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    )


def _split_api_path(path: str) -> tuple[str | None, str]:
    """``/api/v10/users/@me`` → ``("10", "/users/@me")``; anything else has no version."""

    found = re.fullmatch(r"/api/v(\d+)(/.*)?", path)
    if found is None:
        return None, path
    return found.group(1), found.group(2) or "/"


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedPart], bool]:
    """The JSON body (or a multipart's ``payload_json``), the file parts, and whether it
    was bad."""

    if not request.body_exists:
        return None, [], False
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[UploadedPart] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                try:
                    payload = json.loads(await part.text())
                except ValueError:
                    return None, files, True
            else:
                data = bytes(await part.read())
                kind = part.headers.get("Content-Type", "application/octet-stream")
                files.append(
                    UploadedPart(part.name or "", part.filename or part.name or "", kind, data)
                )
        return payload, files, False
    raw = await request.read()
    if not raw:
        return None, [], False
    try:
        return json.loads(raw), [], False
    except ValueError:
        return None, [], True


def _respond(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    all_headers = {"Via": _VIA, **(headers or {})}
    if status == 204:
        return web.Response(status=204, headers=all_headers)
    # Exactly "application/json", as Discord sends it: discord.py compares the header with
    # that string, so aiohttp's json_response ("...; charset=utf-8") would reach it as text.
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


def _bucket_headers(bucket: str, limit: int, remaining: int, reset_after: float) -> dict[str, str]:
    # Rounded up to the millisecond, so a client waiting that long finds the window reset.
    after = math.ceil(reset_after * 1000) / 1000
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + after:.3f}",
        "X-RateLimit-Reset-After": f"{after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def _param_id(call: _Call, name: str) -> int:
    raw = call.params[name]
    if not raw.isdigit():
        raise _form_error(name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not snowflake.')
    return int(raw)


def _query_int(call: _Call, name: str, default: int) -> int:
    raw = call.record.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise _form_error(name, "NUMBER_TYPE_COERCE", f'Value "{raw}" is not int.') from None


def _role_object(
    role_id: int,
    name: str,
    *,
    permissions: int,
    position: int,
    color: int = 0,
    hoist: bool = False,
    mentionable: bool = False,
    managed: bool = False,
) -> Payload:
    return {
        "id": str(role_id),
        "name": name,
        "color": color,
        "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
        "hoist": hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": mentionable,
        "flags": 0,
    }


def _attachment(sent: Payload) -> Payload:
    """An attachment object: as the fake's CDN made it, or from a body that only names it."""

    attachment_id = str(sent.get("id", "0"))
    filename = str(sent.get("filename", "file"))
    url = str(
        sent.get("url") or f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
    )
    made = {
        "id": attachment_id,
        "filename": filename,
        "size": int(sent.get("size", 0)),
        "url": url,
        "proxy_url": str(sent.get("proxy_url") or url),
        "content_type": str(sent.get("content_type") or "application/octet-stream"),
    }
    if sent.get("description"):
        made["description"] = str(sent["description"])
    return made


def _find_command(commands: list[Payload], name: str) -> Payload | None:
    return next((c for c in commands if c["name"] == name and c.get("type", 1) == 1), None)


_SERVER_SET = ("id", "application_id", "version", "guild_id")


def _definition(command: Payload) -> Payload:
    """A command without the fields Discord assigns, to tell whether a PUT changed anything."""

    return {k: v for k, v in command.items() if k not in _SERVER_SET}


def _canonical(definition: Payload) -> str:
    return json.dumps(definition, sort_keys=True)


def _mark_focused(options: list[Payload], name: str) -> bool:
    for item in options:
        if item.get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            if _mark_focused(item.get("options", []), name):
                return True
        elif item.get("name") == name:
            item["focused"] = True
            return True
    return False


def _interaction_id(interaction: int | str | Mapping[str, Any]) -> int:
    if isinstance(interaction, Mapping):
        return int(interaction["id"])
    return int(interaction)
