"""A fake Slack Web API on loopback, for testing the Slack adapter end to end.

The adapter talks to Slack through slack_sdk's ``AsyncWebClient``; pointing
that client's ``base_url`` here lets a test exercise the real request
encoding (JSON bodies for ``chat.*`` and ``views.*``, query strings for the
rest, ``Authorization: Bearer`` tokens) instead of a mock of the client::

    async with FakeSlack() as slack:
        slack.add_user("U1", "ada", tz="Europe/Paris")
        slack.add_channel("C1", "general", ["U1"])
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.base_url)
        slack.rate_limit_next("chat.postMessage", retry_after=2)
        ...
        assert slack.calls("chat.postMessage")[0]["blocks"] == [...]

Answers have the shapes Slack documents (``ok``, ``error``, cursors in
``response_metadata.next_cursor``, 429 with ``Retry-After``), so the
adapter's parsing and error handling are tested against what Slack sends,
not against what we imagine it sends. Anything the fake does not implement
answers ``unknown_method`` so that a test relying on it fails loudly.

Time comes from the ``now`` function the fake is given (``time.monotonic``
by default): a test can drive the optional rate limiter with a manual clock
instead of sleeping.

Files go through Slack's external upload flow (``files.getUploadURLExternal``,
a POST of the bytes to the ``upload_url`` it hands out on this same server,
``files.completeUploadExternal``); what was shared is in ``shared_files``. A
member's file (``add_file``) is served at its ``url_private_download`` here,
only to the bot token (``tests.support.fake_slack_files`` has the rules)::

    csv = slack.add_file("U1", "members.csv", b"member,silos\n")
    event = {..., "subtype": "file_share", "files": [csv]}

Installs over OAuth too, for one Convene serving several workspaces: a test
adds a workspace (``add_workspace``), has an installer approve the app there
(``approve_install`` gives the one-use code Slack's authorize page would),
and ``oauth.v2.access`` exchanges the code, with the app's client id and
secret, for that workspace's own bot token (expiring, with a refresh token,
under ``token_rotation``). Every token answers ``auth.test`` for its own
workspace, and each call is recorded with the token it carried, so a test
sees which workspace's token answered what (``team_of``, ``calls_by_team``)::

    slack.add_workspace("T2", "Second Org", bot_user_id="UBOT2")
    code = slack.approve_install("T2")
    # ... GET /slack/oauth_redirect?code=...&state=... on the adapter ...
    assert slack.calls_by_team("chat.postEphemeral")["T2"]

Socket Mode is here too: ``apps.connections.open`` (with the app-level
``xapp-`` token as Bearer) hands out a one-use ``ws://`` URL on the same
port, whose WebSocket says ``hello`` and then carries the envelopes a test
pushes; the client's acknowledgements are recorded and can be awaited::

    envelope_id = await slack.socket_send("slash_commands", {"command": "/convene", ...})
    ack = await slack.socket_ack(envelope_id)  # fails after a bounded wait
    await slack.socket_disconnect()  # "refresh_requested": returns once reconnected
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import hashlib
import itertools
import json
import math
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, WSMsgType, web
from aiohttp.web_request import FileField

from tests.support.fake_slack_files import (
    Download,
    FileRefusal,
    SharedFile,
    SlackFileStore,
)
from tests.support.loopback import LoopbackServer, scripted_times
from tests.support.slack_limits import Refusal, message_refusal, view_refusal

Payload = dict[str, Any]

# Fields Slack accepts as JSON text inside form or query parameters; the
# record decodes them so a test compares Python objects whichever way the
# client chose to encode the request.
_JSON_FIELDS = (
    "blocks",
    "attachments",
    "view",
    "metadata",
    "user_auth_blocks",
    "unfurls",
    "files",
)

# All generated timestamps start here so that they look like real ones.
_EPOCH = 1_700_000_000

# What ``missing_scope`` names as ``needed`` when the test does not say.
_NEEDED_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "conversations.open": "im:write",
    "conversations.members": "channels:read",
    "conversations.list": "channels:read",
    "conversations.info": "channels:read",
    "users.info": "users:read",
    "users.list": "users:read",
    "usergroups.list": "usergroups:read",
    "users.profile.get": "users.profile:read",
    "team.profile.get": "users.profile:read",
    "usergroups.users.list": "usergroups:read",
    "team.info": "team:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.delete": "files:write",
}

_DEFAULT_SCOPES = (
    "chat:write",
    "channels:read",
    "groups:read",
    "im:write",
    "mpim:write",
    "users:read",
    "users.profile:read",
    "usergroups:read",
    "team:read",
    "commands",
    "files:write",
    "files:read",
)

ChannelKind = Literal["public", "private", "im", "mpim"]

# Methods that take the app-level token (xapp-...) rather than the bot's.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Methods that take the app's client id and secret (HTTP Basic) rather than a token.
_CLIENT_METHODS = frozenset({"oauth.v2.access"})
TOKEN_LIFETIME = 43_200
"""Seconds a rotating bot token lives (Slack's twelve hours)."""


@dataclass(slots=True)
class _Workspace:
    """A workspace the app can be installed in (besides the fake's own, ``team_id``)."""

    team_id: str
    name: str
    bot_user_id: str
    bot_id: str


# The envelope types Slack sends over a Socket Mode connection (besides hello and disconnect).
SocketEnvelopeType = Literal["slash_commands", "interactive", "events_api"]
_ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")
# Interactions whose acknowledgement may carry a response (errors, options, a new view).
_INTERACTIONS_WITH_RESPONSE = frozenset({"view_submission", "block_suggestion"})


@dataclass(slots=True)
class SlackCall:
    """One request as the fake received it, whatever it answered.

    ``payload`` merges query parameters, form fields and the JSON body (in
    that order of precedence, the body last), with JSON-encoded text fields
    such as ``blocks`` and ``view`` decoded, and without ``token``: the
    token, from the ``Authorization`` header or the legacy ``token``
    parameter, is in ``token``. ``at`` is the fake's clock when it arrived.
    ``ok`` is whether the fake answered ``ok: true``: a refused call (an
    error, a 429, a server error) is recorded, but nothing it asked for happened.
    """

    method: str
    payload: Payload
    token: str | None
    at: float
    ok: bool = False


@dataclass(frozen=True, slots=True)
class SocketAck:
    """A Socket Mode acknowledgement as the client sent it.

    ``payload`` is the response it carried (a slash command's answer, a view
    submission's errors), or None for a bare acknowledgement.
    """

    envelope_id: str
    payload: Payload | None
    at: float


class _SlackError(Exception):
    """A Slack error answer: ``{"ok": false, "error": error, **fields}``."""

    def __init__(self, error: str, **fields: Any) -> None:
        super().__init__(error)
        self.error = error
        self.fields = fields


@dataclass(slots=True)
class _Channel:
    id: str
    name: str
    members: list[str]
    kind: ChannelKind
    created: int
    user: str | None = None  # the other party of an IM


@dataclass(slots=True)
class _SlackFault:
    """A scripted misbehaviour for the next ``remaining`` calls of a method."""

    kind: Literal["error", "ratelimited", "server"]
    remaining: int
    error: str = ""
    fields: Payload = field(default_factory=dict)
    retry_after: int = 1
    status: int = 500
    after: int = 0
    """Calls of the method let through before this fault fires (the second part of a
    message refused, say)."""


@dataclass(frozen=True, slots=True)
class _Limit:
    per_second: float
    burst: int


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class FakeSlack(LoopbackServer[SlackCall]):
    """An aiohttp server on 127.0.0.1 that answers a subset of the Slack Web API.

    The world (users, channels, user groups) is what the test adds; the bot
    itself is a user from the start, as it is in a real workspace, so
    ``users.list`` and ``conversations.members`` include it.
    """

    name = "the fake Slack"
    client_max_size = 64 * 1024**2
    """Room for the uploads of a message's files (Convene attaches up to 8 MiB each)."""

    def __init__(
        self,
        *,
        require_token: bool = True,
        now: Callable[[], float] = time.monotonic,
        team_id: str = "T0001",
        team_name: str = "Convene Test",
        bot_user_id: str = "UBOT",
        bot_id: str = "B0001",
        app_id: str = "A0001",
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        scopes: Iterable[str] = _DEFAULT_SCOPES,
        client_id: str = "1111.2222",
        client_secret: str = "fake-client-secret",
        token_rotation: bool = False,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_rotation = token_rotation
        """Whether installs hand out expiring tokens with refresh tokens."""
        self._workspaces: dict[str, _Workspace] = {
            team_id: _Workspace(team_id, team_name, bot_user_id, bot_id)
        }
        self._tokens: dict[str, str] = {bot_token: team_id}
        """Every bot token that works, and its workspace."""
        self._expiry: dict[str, float] = {}
        """Rotating tokens' expiry, on the fake's clock."""
        self._refresh_tokens: dict[str, str] = {}
        self._codes: dict[str, str] = {}
        self._issued = itertools.count(1)
        self.issued: list[str] = []
        """Every bot token and refresh token ``oauth.v2.access`` handed out (for a test
        that looks for them where they must not be: logs, database rows)."""
        self._token_teams: dict[str, str | None] = {}
        """Each token seen on a call, and the workspace it was for then (kept after revocation)."""
        self._auth_team = team_id
        self.require_token = require_token
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.bot_token = bot_token
        self.app_token = app_token
        self.scopes = tuple(scopes)
        # Socket Mode: what was pushed, and the envelope ids acknowledged, in order.
        self.socket_sent: list[Payload] = []
        self.socket_acked: list[str] = []
        self.socket_connects = 0

        self._now = now
        self._users: dict[str, Payload] = {}
        self._channels: dict[str, _Channel] = {}
        self._history: dict[str, list[Payload]] = {}
        self._usergroups: dict[str, Payload] = {}
        self._views: dict[str, Payload] = {}
        self._home_views: dict[str, str] = {}
        self._faults: dict[str, deque[_SlackFault]] = {}
        self._limits: dict[str, _Limit] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._accepted: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        self._ts_counter = itertools.count(1)
        self._view_counter = itertools.count(1)
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, SocketAck] = {}
        self._socket_changed = asyncio.Condition()
        self._handlers: dict[str, Callable[[Payload], Payload]] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_v2_access,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.list": self._conversations_list,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "team.info": self._team_info,
            "team.profile.get": self._team_profile_get,
            "users.profile.get": self._users_profile_get,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.delete": self._files_delete,
        }
        self.deleted: list[Payload] = []
        """Every message ``chat.delete`` took away (as it read), in order."""
        self.deleted_files: list[str] = []
        """The ids of the files ``files.delete`` took away, in order."""
        self._files = SlackFileStore(team_id, lambda: self.url)
        self._profile_fields: list[Payload] = []
        self.add_user(bot_user_id, "convene", real_name="Convene", is_bot=True)

    # -- lifecycle -------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._serve)
        app.router.add_get("/link/", self._serve_socket)
        app.router.add_post("/upload/v1/{ticket}", self._serve_upload)
        app.router.add_get("/files-pri/{key}/download/{name}", self._serve_file)
        app.router.add_get("/files-pri/{key}/{name}", self._serve_file)

    async def close_connections(self) -> None:
        for socket in list(self._sockets):
            await socket.close(code=1001, message=b"server shutting down")

    @property
    def base_url(self) -> str:
        """What to pass as ``AsyncWebClient(base_url=...)``."""

        return f"{self.url}/api/"

    # -- the world -------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
        profile_fields: Mapping[str, str | Mapping[str, Any]] | None = None,
    ) -> None:
        """Add (or replace) a workspace member.

        ``profile_fields`` maps custom profile field ids to a value, or to
        Slack's full ``{"value": ..., "alt": ...}`` form. ``display_name``
        defaults to ``name``; pass ``""`` to test the fallback to
        ``real_name`` that real profiles often need.
        """

        zone = ZoneInfo(tz)  # an unknown zone fails here, not in the adapter
        local = datetime.now(UTC).astimezone(zone)
        offset = local.utcoffset()
        real = name if real_name is None else real_name
        display = name if display_name is None else display_name
        fields = {
            key: ({"value": value, "alt": ""} if isinstance(value, str) else dict(value))
            for key, value in (profile_fields or {}).items()
        }
        profile: Payload = {
            "real_name": real,
            "real_name_normalized": real,
            "display_name": display,
            "display_name_normalized": display,
            "fields": fields,
            "status_text": "",
            "status_emoji": "",
            "team": self.team_id,
        }
        if is_bot and user_id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
            profile["api_app_id"] = self.app_id
        self._users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": local.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": _EPOCH,
            "profile": profile,
        }

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str],
        *,
        is_private: bool = False,
        bot_is_member: bool = True,
    ) -> None:
        """Add (or replace) a channel with an empty history.

        The bot joins by default because most tests want to post; pass
        ``bot_is_member=False`` to get Slack's ``not_in_channel`` (or
        ``channel_not_found`` for a private channel) on posting.
        """

        member_list = list(dict.fromkeys(members))
        if bot_is_member and self.bot_user_id not in member_list:
            member_list.append(self.bot_user_id)
        if not bot_is_member and self.bot_user_id in member_list:
            member_list.remove(self.bot_user_id)
        self._channels[channel_id] = _Channel(
            id=channel_id,
            name=name,
            members=member_list,
            kind="private" if is_private else "public",
            created=_EPOCH - 86_400,
        )
        self._history[channel_id] = []

    def add_profile_field(self, field_id: str, label: str, *, hint: str = "") -> None:
        """Add a custom profile field (``Xf01…``) that ``add_user(profile_fields=)`` fills."""

        self._profile_fields.append(
            {
                "id": field_id,
                "ordering": len(self._profile_fields),
                "field_name": None,
                "label": label,
                "hint": hint,
                "type": "text",
                "possible_values": None,
                "options": None,
                "is_hidden": False,
                "section_id": "S1",
            }
        )

    def add_usergroup(
        self, usergroup_id: str, handle: str, name: str, users: Iterable[str]
    ) -> None:
        """Add (or replace) a user group (a ``@handle`` that mentions several people)."""

        self._usergroups[usergroup_id] = {
            "id": usergroup_id,
            "team_id": self.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": name,
            "description": "",
            "handle": handle,
            "is_external": False,
            "date_create": _EPOCH - 86_400,
            "date_update": _EPOCH - 86_400,
            "date_delete": 0,
            "auto_type": None,
            "created_by": self.bot_user_id,
            "updated_by": self.bot_user_id,
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "users": list(dict.fromkeys(users)),
        }

    def add_file(self, user: str, name: str, data: bytes, *, mimetype: str = "text/csv") -> Payload:
        """A file ``user`` sends: the file object a ``file_share`` message event lists,
        whose ``url_private_download`` serves ``data`` (to the bot token only)."""

        return self._files.add(user, name, data, mimetype)

    def remove_file(self, file_id: str) -> None:
        """The member deleted the file: its URL answers 404 from now on."""

        self._files.member_files[file_id].removed = True

    @property
    def shared_files(self) -> list[SharedFile]:
        """Files the bot shared, in order (each with its bytes, conversation and comment)."""

        return list(self._files.shared)

    @property
    def file_downloads(self) -> list[Download]:
        """Every request for a member's file, with the token it carried."""

        return list(self._files.downloads)

    @property
    def upload_posts(self) -> list[tuple[str, int]]:
        """(upload ticket, bytes received) of every POST to an upload URL."""

        return list(self._files.upload_posts)

    def post_as(self, user: str, channel_id: str, text: str) -> str:
        """A member's own message in a channel's history (the bot may not delete it); its ts."""

        ts = self._next_ts()
        message: Payload = {"type": "message", "user": user, "text": text, "ts": ts}
        self._history.setdefault(channel_id, []).append(message)
        return ts

    def history(self, channel_id: str) -> list[Payload]:
        """The messages in a channel (as updated; the bot's, and members' from ``post_as``),
        oldest first; deleted ones are gone."""

        return copy.deepcopy(self._history.get(channel_id, []))

    def view(self, view_id: str) -> Payload:
        """A view opened or published through the fake, as it answered it."""

        return copy.deepcopy(self._views[view_id])

    # -- workspaces installed over OAuth ----------------------------------------

    def add_workspace(
        self, team_id: str, name: str, *, bot_user_id: str, bot_id: str | None = None
    ) -> None:
        """Another workspace the app may be installed in (its bot has its own member id).

        The world (users, channels) is shared: a test gives each workspace's
        people their own ids.
        """

        self._workspaces[team_id] = _Workspace(
            team_id, name, bot_user_id, bot_id or f"B{bot_user_id}"
        )
        self.add_user(bot_user_id, "convene", real_name="Convene", is_bot=True)

    def approve_install(self, team_id: str) -> str:
        """An installer approved the app in ``team_id`` on Slack's authorize page: the
        one-use code Slack sends back to the redirect URL."""

        if team_id not in self._workspaces:
            raise ValueError(f"no workspace {team_id}: add_workspace it first")
        code = f"code-{team_id}-{next(self._issued)}"
        self._codes[code] = team_id
        return code

    def team_of(self, token: str | None) -> str | None:
        """The workspace a bot token was issued for (None: not a bot token, or revoked)."""

        return self._tokens.get(token or "")

    def tokens_of(self, team_id: str) -> list[str]:
        """The bot tokens that work in ``team_id`` now."""

        return [token for token, team in self._tokens.items() if team == team_id]

    def calls_by_team(self, method: str) -> dict[str | None, list[Payload]]:
        """The ``method`` calls Slack took, by the workspace whose token each carried."""

        found: dict[str | None, list[Payload]] = {}
        for record in self.requests:
            if record.method == method and record.ok:
                team = self._token_teams.get(record.token or "")
                found.setdefault(team, []).append(record.payload)
        return found

    def revoke(self, team_id: str) -> None:
        """The app was uninstalled from ``team_id``: its tokens stop working."""

        for token in self.tokens_of(team_id):
            del self._tokens[token]
        for refresh, team in list(self._refresh_tokens.items()):
            if team == team_id:
                del self._refresh_tokens[refresh]

    def expire_tokens(self) -> None:
        """Every rotating token's twelve hours are over (the fake's clock is not moved)."""

        for token in self._expiry:
            self._expiry[token] = self._now()

    # -- reading the record ----------------------------------------------------

    def calls(self, method: str) -> list[Payload]:
        """The payloads of every request for ``method``, refused or not, in arrival order."""

        return [r.payload for r in self.requests if r.method == method]

    def accepted_calls(self, method: str) -> list[Payload]:
        """The payloads of the ``method`` calls answered ``ok: true``, in arrival order:
        what happened, where ``calls`` is what was asked."""

        return [r.payload for r in self.requests if r.method == method and r.ok]

    def accepted(self, method: str) -> int:
        """How many ``method`` calls were answered ``ok: true``."""

        return self._accepted[method]

    def refused(self, method: str) -> int:
        """How many ``method`` calls were answered 429, by the limiter or a script."""

        return self._refused[method]

    # -- misbehaving -----------------------------------------------------------

    def fail_next(self, method: str, error: str, times: int = 1, **fields: Any) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``.

        ``fields`` are added to the answer (``missing_scope`` gets Slack's
        ``needed`` and ``provided`` unless given). Faults queue per method in
        the order they were scripted.
        """

        self._check_method(method)
        if error == "missing_scope":
            fields.setdefault("needed", _NEEDED_SCOPES.get(method, "chat:write"))
            fields.setdefault("provided", ",".join(self.scopes))
        self._script(
            method, _SlackFault("error", scripted_times(times), error=error, fields=fields)
        )

    def rate_limit_next(
        self, method: str, retry_after: int = 1, times: int = 1, *, after: int = 0
    ) -> None:
        """Answer the next ``times`` calls with HTTP 429, ``Retry-After`` and ``ratelimited``
        (once ``after`` calls have gone through)."""

        self._check_method(method)
        self._script(
            method,
            _SlackFault("ratelimited", scripted_times(times), retry_after=retry_after, after=after),
        )

    def server_error_next(
        self, method: str, status: int = 500, times: int = 1, *, after: int = 0
    ) -> None:
        """Answer the next ``times`` calls with an HTML error page, as Slack's edge does
        (once ``after`` calls have gone through)."""

        self._check_method(method)
        self._script(
            method, _SlackFault("server", scripted_times(times), status=status, after=after)
        )

    def limit(self, method: str, per_second: float, burst: int = 1) -> None:
        """Enforce a token bucket per (method, channel), answering 429 when it is empty.

        Slack allows about one ``chat.postMessage`` per second per channel
        with short bursts; a benchmark uses this to see how the adapter paces
        itself. Calls without a channel share one bucket. Setting a limit
        again starts its buckets full.
        """

        self._check_method(method)
        if per_second <= 0 or burst < 1:
            raise ValueError("a limit needs per_second > 0 and burst >= 1")
        self._limits[method] = _Limit(per_second, burst)
        for key in [key for key in self._buckets if key[0] == method]:
            del self._buckets[key]

    def _check_method(self, method: str) -> None:
        # A typo would otherwise script a fault that never fires.
        if method not in self._handlers:
            raise ValueError(f"the fake Slack does not implement {method!r}")

    def _script(self, method: str, fault: _SlackFault) -> None:
        self._faults.setdefault(method, deque()).append(fault)

    def _next_fault(self, method: str) -> _SlackFault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        if fault.after > 0:
            fault.after -= 1
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    def _take_token(self, method: str, payload: Payload) -> int | None:
        """Take a token from the bucket; return the Retry-After seconds if there was none."""

        rule = self._limits.get(method)
        if rule is None:
            return None
        key = (method, self._bucket_key(payload))
        now = self._now()
        bucket = self._buckets.setdefault(key, _Bucket(float(rule.burst), now))
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(rule.burst), bucket.tokens + elapsed * rule.per_second)
        bucket.updated = now
        if bucket.tokens >= 1.0 - 1e-9:
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
            return None
        # Slack's Retry-After is whole seconds; never tell a client to retry at once.
        return max(1, math.ceil((1.0 - bucket.tokens) / rule.per_second))

    def _bucket_key(self, payload: Payload) -> str:
        channel = _text(payload, "channel") or ""
        if channel[:1] in ("U", "W"):
            return _im_id(channel)
        return channel

    # -- Socket Mode -----------------------------------------------------------

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode WebSockets are open now."""

        return sum(1 for socket in self._sockets if not socket.closed)

    async def socket_send(
        self,
        envelope_type: SocketEnvelopeType,
        payload: Payload,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        within: float = 5.0,
    ) -> str:
        """Push one envelope to the newest open connection; return its ``envelope_id``.

        ``payload`` is what Slack puts in the envelope: a slash command's
        fields, an interaction's payload object, an Events API callback.
        ``retry_attempt`` and ``retry_reason`` only go with ``events_api``, as
        Slack sends them. Waits (at most ``within`` seconds) for a connection.
        """

        if envelope_type not in _ENVELOPE_TYPES:
            raise ValueError(f"Socket Mode has no envelope type {envelope_type!r}")
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive"
                and payload.get("type") in _INTERACTIONS_WITH_RESPONSE
            )
        envelope: Payload = {
            "envelope_id": str(uuid.uuid4()),
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
            "payload": copy.deepcopy(payload),
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        socket = await self._open_socket(within)
        self.socket_sent.append(envelope)
        await socket.send_json(envelope)
        return str(envelope["envelope_id"])

    async def socket_ack(self, envelope_id: str, *, within: float = 5.0) -> SocketAck:
        """Wait (at most ``within`` seconds) for the client to acknowledge an envelope."""

        try:
            async with asyncio.timeout(within), self._socket_changed:
                await self._socket_changed.wait_for(lambda: envelope_id in self._acks)
        except TimeoutError:
            raise TimeoutError(
                f"envelope {envelope_id} was not acknowledged within {within:g} s"
            ) from None
        return self._acks[envelope_id]

    async def socket_disconnect(
        self, reason: str = "refresh_requested", *, within: float = 5.0
    ) -> None:
        """Ask the client to reconnect, as Slack does every few hours; return once it has.

        The client is expected to call ``apps.connections.open`` again and
        open a new WebSocket; this waits for that one and for the old one to
        close.
        """

        old = [socket for socket in self._sockets if not socket.closed]
        if not old:
            raise RuntimeError("no Socket Mode connection to disconnect")
        connects = self.socket_connects
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        for socket in old:
            await socket.send_json(message)
        try:
            async with asyncio.timeout(within), self._socket_changed:
                await self._socket_changed.wait_for(
                    lambda: self.socket_connects > connects and all(s.closed for s in old)
                )
        except TimeoutError:
            raise TimeoutError(f"the client did not reconnect within {within:g} s") from None

    async def _open_socket(self, within: float) -> web.WebSocketResponse:
        def newest() -> web.WebSocketResponse | None:
            return next((s for s in reversed(self._sockets) if not s.closed), None)

        try:
            async with asyncio.timeout(within), self._socket_changed:
                await self._socket_changed.wait_for(lambda: newest() is not None)
        except TimeoutError:
            raise TimeoutError(f"no Socket Mode connection within {within:g} s") from None
        socket = newest()
        assert socket is not None
        return socket

    async def _serve_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            # Each URL from apps.connections.open is good for one connection.
            return web.Response(status=401, text="invalid or used ticket")
        self._tickets.discard(ticket)
        # autoping: the client's pings ("sdk-ping-pong:<time>") get their pong, as from Slack.
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        self.socket_connects += 1
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": self.socket_connections,
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        await self._socket_notify()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    await self._socket_received(message.data)
        finally:
            self._sockets.remove(socket)
            await self._socket_notify()
        return socket

    async def _socket_received(self, text: str) -> None:
        try:
            answer = json.loads(text)
        except ValueError:
            return
        if not isinstance(answer, dict) or not isinstance(answer.get("envelope_id"), str):
            return
        envelope_id = answer["envelope_id"]
        payload = answer.get("payload")
        self.socket_acked.append(envelope_id)
        self._acks.setdefault(
            envelope_id,
            SocketAck(envelope_id, payload if isinstance(payload, dict) else None, self._now()),
        )
        await self._socket_notify()

    async def _socket_notify(self) -> None:
        async with self._socket_changed:
            self._socket_changed.notify_all()

    # -- serving ---------------------------------------------------------------

    async def _serve_upload(self, request: web.Request) -> web.Response:
        """An upload URL from ``files.getUploadURLExternal``: raw bytes or a multipart file."""

        data = await _upload_body(request)
        status, text = self._files.receive(request.match_info["ticket"], data)
        return web.Response(status=status, text=text)

    async def _serve_file(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else None
        status, content_type, body = self._files.serve(
            request.match_info["key"], token, self.bot_token
        )
        return web.Response(status=status, body=body, content_type=content_type)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        at = self._now()
        payload, bad_body = await _read_payload(request)
        header = request.headers.get("Authorization", "")
        token: str | None = (
            header[len("Bearer ") :].strip() if header.startswith("Bearer ") else None
        )
        body_token = payload.pop("token", None)
        if token is None and isinstance(body_token, str):
            token = body_token
        record = SlackCall(method=method, payload=payload, token=token, at=at)
        self.record(record)

        handler = self._handlers.get(method)
        if handler is None:
            return self._error("unknown_method", req_method=method)
        if method in _CLIENT_METHODS:
            # The app's credentials, as HTTP Basic (slack_sdk's way) or in the body.
            client = {**payload, **_basic_credentials(header)}
            client.pop("token", None)
            return self._answer(method, record, lambda: handler(client))
        if self.require_token and token is None:
            return self._error("not_authed")
        if self.require_token and method in _APP_TOKEN_METHODS:
            if not (token or "").startswith("xapp-"):
                return self._error("not_allowed_token_type")
            if token != self.app_token:
                return self._error("invalid_auth")
        elif self.require_token and token not in self._tokens:
            return self._error("invalid_auth")
        elif self.require_token and self._now() >= self._expiry.get(token or "", math.inf):
            return self._error("token_expired")
        if bad_body is not None:
            return self._error(bad_body)
        self._token_teams[token or ""] = self._tokens.get(token or "")
        self._auth_team = self._tokens.get(token or "", self.team_id)

        fault = self._next_fault(method)
        if fault is not None:
            if fault.kind == "ratelimited":
                return self._rate_limited(method, fault.retry_after)
            if fault.kind == "server":
                return web.Response(
                    status=fault.status,
                    text=f"<html><body><h1>{fault.status} Server Error</h1></body></html>",
                    content_type="text/html",
                )
            return self._error(fault.error, **fault.fields)

        retry_after = self._take_token(method, payload)
        if retry_after is not None:
            return self._rate_limited(method, retry_after)

        return self._answer(method, record, lambda: handler(payload))

    def _answer(
        self, method: str, record: SlackCall, handle: Callable[[], Payload]
    ) -> web.Response:
        try:
            body = handle()
        except _SlackError as error:
            return self._error(error.error, **error.fields)
        self._accepted[method] += 1
        record.ok = True
        return web.json_response({"ok": True, **body}, headers=self._headers())

    def _headers(self) -> dict[str, str]:
        return {"X-OAuth-Scopes": ",".join(self.scopes)}

    def _error(self, error: str, **fields: Any) -> web.Response:
        # Slack answers API errors with HTTP 200 and ok: false.
        return web.json_response({"ok": False, "error": error, **fields}, headers=self._headers())

    def _rate_limited(self, method: str, retry_after: int) -> web.Response:
        self._refused[method] += 1
        headers = {**self._headers(), "Retry-After": str(retry_after)}
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)

    # -- methods ---------------------------------------------------------------

    def _apps_connections_open(self, payload: Payload) -> Payload:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"}

    def _auth_test(self, payload: Payload) -> Payload:
        """Who the token is: the bot of the workspace it was issued for."""

        workspace = self._workspaces.get(self._auth_team, self._workspaces[self.team_id])
        return {
            "url": f"https://{'-'.join(workspace.name.lower().split())}.slack.com/",
            "team": workspace.name,
            "user": self._users[workspace.bot_user_id]["name"],
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "bot_id": workspace.bot_id,
            "is_enterprise_install": False,
        }

    def _oauth_v2_access(self, payload: Payload) -> Payload:
        """A code exchanged for a workspace's bot token, or (token rotation) a refresh
        token for a new pair; Slack's documented errors for a wrong client or grant."""

        if _text(payload, "client_id") != self.client_id:
            raise _SlackError("invalid_client_id")
        if _text(payload, "client_secret") != self.client_secret:
            raise _SlackError("bad_client_secret")
        grant = _text(payload, "grant_type") or "authorization_code"
        if grant == "refresh_token":
            team_id = self._refresh_tokens.pop(_text(payload, "refresh_token") or "", None)
            if team_id is None:
                raise _SlackError("invalid_refresh_token")
            return self._issue(team_id)
        if grant != "authorization_code":
            raise _SlackError("invalid_grant_type")
        team_id = self._codes.pop(_text(payload, "code") or "", None)
        if team_id is None:
            raise _SlackError("invalid_code")
        workspace = self._workspaces[team_id]
        return {
            **self._issue(team_id),
            "app_id": self.app_id,
            "authed_user": {"id": "UINSTALLER"},
            "scope": ",".join(self.scopes),
            "token_type": "bot",
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _issue(self, team_id: str) -> Payload:
        """A new bot token for ``team_id`` (with a refresh token under rotation)."""

        number = next(self._issued)
        if not self.token_rotation:
            token = f"xoxb-{team_id}-{number}-{uuid.uuid4().hex[:12]}"
            self._tokens[token] = team_id
            self.issued.append(token)
            return {"access_token": token}
        token = f"xoxe.xoxb-{team_id}-{number}-{uuid.uuid4().hex[:12]}"
        refresh = f"xoxe-1-{team_id}-{number}-{uuid.uuid4().hex[:12]}"
        self._tokens[token] = team_id
        self._expiry[token] = self._now() + TOKEN_LIFETIME
        self._refresh_tokens[refresh] = team_id
        self.issued.extend((token, refresh))
        return {"access_token": token, "refresh_token": refresh, "expires_in": TOKEN_LIFETIME}

    def _chat_post_message(self, payload: Payload) -> Payload:
        channel = self._postable_channel(payload)
        if not any(payload.get(key) for key in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        _refuse(message_refusal(payload))
        ts = self._next_ts()
        message: Payload = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": _text(payload, "text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata"):
            if payload.get(key) is not None:
                message[key] = copy.deepcopy(payload[key])
        thread_ts = _text(payload, "thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._history.setdefault(channel.id, []).append(message)
        return {"channel": channel.id, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, payload: Payload) -> Payload:
        channel = self._postable_channel(payload)
        user = _required(payload, "user")
        if channel.kind in ("public", "private") and user not in channel.members:
            raise _SlackError("user_not_in_channel")
        if not any(payload.get(key) for key in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        _refuse(message_refusal(payload))
        return {"message_ts": self._next_ts()}

    def _chat_update(self, payload: Payload) -> Payload:
        channel = self._channels.get(_text(payload, "channel") or "")
        if channel is None:
            raise _SlackError("channel_not_found")
        ts = _required(payload, "ts")
        message = next((m for m in self._history.get(channel.id, []) if m["ts"] == ts), None)
        if message is None:
            raise _SlackError("message_not_found")
        if not any(payload.get(key) for key in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        _refuse(message_refusal(payload))
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in payload:
                message[key] = copy.deepcopy(payload[key])
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, payload: Payload) -> Payload:
        channel = self._channels.get(_text(payload, "channel") or "")
        if channel is None:
            raise _SlackError("channel_not_found")
        ts = _required(payload, "ts")
        history = self._history.get(channel.id, [])
        message = next((m for m in history if m["ts"] == ts), None)
        if message is None:
            raise _SlackError("message_not_found")
        if message.get("user") != self.bot_user_id:
            # A bot token deletes only the bot's own messages.
            raise _SlackError("cant_delete_message")
        history.remove(message)
        self.deleted.append(copy.deepcopy(message))
        return {"channel": channel.id, "ts": ts}

    def _conversations_open(self, payload: Payload) -> Payload:
        existing = _text(payload, "channel")
        if existing:
            if existing not in self._channels:
                raise _SlackError("channel_not_found")
            return {"no_op": True, "already_open": True, "channel": {"id": existing}}
        users = [u.strip() for u in (_text(payload, "users") or "").split(",") if u.strip()]
        users = [u for u in dict.fromkeys(users) if u != self.bot_user_id]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) > 8:
            raise _SlackError("too_many_users")
        for user in users:
            known = self._users.get(user)
            if known is not None and known["deleted"]:
                raise _SlackError("user_disabled")
        if len(users) == 1:
            channel_id = _im_id(users[0])
            already = channel_id in self._channels
            self._open_im(users[0])
        else:
            channel_id = _mpim_id(users)
            already = channel_id in self._channels
            if not already:
                names = [self._users.get(u, {}).get("name", u.lower()) for u in users]
                self._channels[channel_id] = _Channel(
                    id=channel_id,
                    name=f"mpdm-{'--'.join(names)}-1",
                    members=[*users, self.bot_user_id],
                    kind="mpim",
                    created=_EPOCH,
                )
                self._history[channel_id] = []
        answer: Payload = {"channel": {"id": channel_id}}
        if already:
            answer = {"no_op": True, "already_open": True, **answer}
        return answer

    def _conversations_members(self, payload: Payload) -> Payload:
        channel = self._visible_channel(payload)
        return _page(list(channel.members), payload, "members", default_limit=100)

    def _conversations_list(self, payload: Payload) -> Payload:
        types = {t.strip() for t in (_text(payload, "types") or "public_channel").split(",")}
        kinds = {
            kind
            for kind, type_name in (
                ("public", "public_channel"),
                ("private", "private_channel"),
                ("im", "im"),
                ("mpim", "mpim"),
            )
            if type_name in types
        }
        channels = [
            self._channel_object(c)
            for c in self._channels.values()
            if c.kind in kinds and (c.kind == "public" or self.bot_user_id in c.members)
        ]
        return _page(channels, payload, "channels", default_limit=100)

    def _conversations_info(self, payload: Payload) -> Payload:
        return {"channel": self._channel_object(self._visible_channel(payload))}

    def _users_info(self, payload: Payload) -> Payload:
        user = self._users.get(_text(payload, "user") or "")
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _users_list(self, payload: Payload) -> Payload:
        # Like Slack, users.list leaves custom profile fields out: only
        # users.profile.get gives a person's values.
        users = [copy.deepcopy(u) for u in self._users.values()]
        for user in users:
            user["profile"].pop("fields", None)
        answer = _page(users, payload, "members", default_limit=0)
        answer["cache_ts"] = _EPOCH
        return answer

    def _views_open(self, payload: Payload) -> Payload:
        _required(payload, "trigger_id")
        _refuse(view_refusal(_view_of(payload)))
        view = self._store_view(_view_of(payload))
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, payload: Payload) -> Payload:
        user_id = _required(payload, "user_id")
        requested = _view_of(payload)
        if requested.get("type") != "home":
            raise _SlackError(
                "invalid_arguments",
                response_metadata={
                    "messages": ["[ERROR] views.publish only accepts views of type home"]
                },
            )
        _refuse(view_refusal(requested))
        view = self._store_view(requested, view_id=self._home_views.get(user_id))
        self._home_views[user_id] = view["id"]
        return {"view": copy.deepcopy(view)}

    def _usergroups_list(self, payload: Payload) -> Payload:
        include_users = _flag(payload, "include_users")
        groups = []
        for group in self._usergroups.values():
            shown = copy.deepcopy(group)
            shown["user_count"] = len(group["users"])
            if not include_users:
                del shown["users"]
            groups.append(shown)
        return {"usergroups": groups}

    def _usergroups_users_list(self, payload: Payload) -> Payload:
        group = self._usergroups.get(_text(payload, "usergroup") or "")
        if group is None:
            raise _SlackError("no_such_subteam")
        return {"users": list(group["users"])}

    def _files_get_upload_url_external(self, payload: Payload) -> Payload:
        self._need_scope("files.getUploadURLExternal")
        try:
            return self._files.ask_upload(payload)
        except FileRefusal as refused:
            raise _SlackError(refused.error, **refused.fields) from None

    def _files_complete_upload_external(self, payload: Payload) -> Payload:
        self._need_scope("files.completeUploadExternal")

        def check_channel(channel_id: str) -> None:
            self._postable_channel({"channel": channel_id})

        try:
            shared, body = self._files.complete(
                payload, check_channel=check_channel, next_ts=self._next_ts
            )
        except FileRefusal as refused:
            raise _SlackError(refused.error, **refused.fields) from None
        if shared:
            first = shared[0]
            message: Payload = {
                "type": "message",
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": first.initial_comment,
                "ts": first.ts,
                "files": [{"id": f.file_id, "name": f.name, "title": f.title} for f in shared],
                "upload": True,
            }
            if first.thread_ts:
                message["thread_ts"] = first.thread_ts
            self._history.setdefault(first.channel, []).append(message)
        return body

    def _files_delete(self, payload: Payload) -> Payload:
        """A file the bot shared goes, and with it from the message that showed it."""

        self._need_scope("files.delete")
        file_id = _required(payload, "file")
        if file_id in self._files.member_files:
            raise _SlackError("cant_delete_file")
        if file_id in self.deleted_files or not any(
            f.file_id == file_id for f in self._files.shared
        ):
            raise _SlackError("file_not_found")
        self.deleted_files.append(file_id)
        for history in self._history.values():
            for message in list(history):
                files = [f for f in message.get("files", ()) if f.get("id") != file_id]
                if len(files) == len(message.get("files", ())):
                    continue
                if files:
                    message["files"] = files
                else:
                    history.remove(message)
        return {}

    def _need_scope(self, method: str) -> None:
        needed = _NEEDED_SCOPES[method]
        if needed not in self.scopes:
            raise _SlackError("missing_scope", needed=needed, provided=",".join(self.scopes))

    def _team_info(self, payload: Payload) -> Payload:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self._domain(),
                "email_domain": "",
                "icon": {"image_default": True},
                "is_verified": False,
            }
        }

    def _team_profile_get(self, payload: Payload) -> Payload:
        return {
            "profile": {
                "fields": copy.deepcopy(self._profile_fields),
                "sections": [{"id": "S1", "section_type": "custom", "label": "About me"}],
            }
        }

    def _users_profile_get(self, payload: Payload) -> Payload:
        user = self._users.get(_text(payload, "user") or "")
        if user is None:
            raise _SlackError("user_not_found")
        return {"profile": copy.deepcopy(user["profile"])}

    # -- method helpers --------------------------------------------------------

    def _domain(self) -> str:
        return "-".join(self.team_name.lower().split())

    def _next_ts(self) -> str:
        # 100 µs apart: unique, increasing, and in Slack's "seconds.micros" form.
        micros = next(self._ts_counter) * 100
        return f"{_EPOCH + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _open_im(self, user: str) -> _Channel:
        channel_id = _im_id(user)
        channel = self._channels.get(channel_id)
        if channel is None:
            channel = _Channel(
                id=channel_id,
                name=channel_id,
                members=[user, self.bot_user_id],
                kind="im",
                created=_EPOCH,
                user=user,
            )
            self._channels[channel_id] = channel
            self._history[channel_id] = []
        return channel

    def _postable_channel(self, payload: Payload) -> _Channel:
        """The channel a ``chat.*`` call addresses, as Slack resolves it."""

        raw = _text(payload, "channel") or ""
        if raw[:1] in ("U", "W"):  # posting to a user id goes to the DM with them
            user = self._users.get(raw)
            if user is not None and user["deleted"]:
                raise _SlackError("user_disabled")
            return self._open_im(raw)
        if raw.startswith("#"):
            channel = next((c for c in self._channels.values() if c.name == raw[1:]), None)
        else:
            channel = self._channels.get(raw)
        if channel is None:
            raise _SlackError("channel_not_found")
        if self.bot_user_id not in channel.members:
            # A private channel the bot is not in is invisible to it.
            raise _SlackError(
                "channel_not_found" if channel.kind == "private" else "not_in_channel"
            )
        return channel

    def _visible_channel(self, payload: Payload) -> _Channel:
        channel = self._channels.get(_text(payload, "channel") or "")
        if channel is None:
            raise _SlackError("channel_not_found")
        if channel.kind != "public" and self.bot_user_id not in channel.members:
            raise _SlackError("channel_not_found")
        return channel

    def _channel_object(self, channel: _Channel) -> Payload:
        if channel.kind == "im":
            return {
                "id": channel.id,
                "created": channel.created,
                "is_im": True,
                "is_org_shared": False,
                "user": channel.user,
                "is_user_deleted": bool(
                    self._users.get(channel.user or "", {}).get("deleted", False)
                ),
                "priority": 0,
            }
        topic = {"value": "", "creator": "", "last_set": 0}
        return {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "created": channel.created,
            "creator": self.bot_user_id,
            "is_channel": channel.kind == "public",
            "is_group": channel.kind == "private",
            "is_im": False,
            "is_mpim": channel.kind == "mpim",
            "is_private": channel.kind != "public",
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_member": self.bot_user_id in channel.members,
            "context_team_id": self.team_id,
            "num_members": len(channel.members),
            "topic": dict(topic),
            "purpose": dict(topic),
        }

    def _store_view(self, requested: Payload, view_id: str | None = None) -> Payload:
        number = next(self._view_counter)  # also makes the hash change on every update
        if view_id is None:
            view_id = f"V{number:08d}"
        view: Payload = {
            "id": view_id,
            "team_id": self.team_id,
            "type": requested.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{_EPOCH + number}.{hashlib.sha1(view_id.encode()).hexdigest()[:8]}",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        view.update(copy.deepcopy(requested))
        view["id"] = view_id
        self._views[view_id] = view
        return view


# -- request decoding and small helpers ----------------------------------------


async def _read_payload(request: web.Request) -> tuple[Payload, str | None]:
    """Merge query, form and JSON body; return the payload and a body error, if any."""

    payload: Payload = dict(request.query)
    error: str | None = None
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                payload.update(body)
            else:
                error = "invalid_json"
        else:
            form = await request.post()
            for key, value in form.items():
                payload[key] = _form_value(value)
    for key in _JSON_FIELDS:
        text = payload.get(key)
        if isinstance(text, str):
            # Undecodable text is kept as sent: Slack would reject it, the test may want to see it.
            with contextlib.suppress(ValueError):
                payload[key] = json.loads(text)
    return payload, error


async def _upload_body(request: web.Request) -> bytes:
    """The bytes POSTed to an upload URL: the body, or a multipart body's first file."""

    if not request.content_type.startswith("multipart/"):
        return await request.read()
    reader = await request.multipart()
    async for part in reader:
        if isinstance(part, BodyPartReader) and part.filename is not None:
            return bytes(await part.read())
    return b""


def _basic_credentials(header: str) -> Payload:
    """``client_id`` and ``client_secret`` from an ``Authorization: Basic`` header, if any."""

    if not header.startswith("Basic "):
        return {}
    try:
        decoded = base64.b64decode(header[len("Basic ") :], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, _, client_secret = decoded.partition(":")
    return {"client_id": client_id, "client_secret": client_secret}


def _form_value(value: str | bytes | bytearray | FileField) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return {"filename": value.filename, "content_type": value.content_type}


def _text(payload: Payload, key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _flag(payload: Payload, key: str) -> bool:
    # slack_sdk sends booleans in query strings as "1"/"0", in JSON as true/false.
    return payload.get(key) in (True, 1, "1", "true")


def _required(payload: Payload, key: str) -> str:
    value = _text(payload, key)
    if not value:
        raise _SlackError(
            "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {key}"]},
        )
    return value


def _refuse(refusal: Refusal | None) -> None:
    """Answer as Slack does when a message or view breaks a Block Kit limit
    (``tests.support.slack_limits`` names the documents)."""

    if refusal is not None:
        raise _SlackError(refusal.error, **refusal.fields())


def _view_of(payload: Payload) -> Payload:
    view = payload.get("view")
    if not isinstance(view, dict):
        raise _SlackError(
            "invalid_arguments",
            response_metadata={"messages": ["[ERROR] missing required field: view"]},
        )
    return view


def _im_id(user_id: str) -> str:
    return f"D{user_id}"


def _mpim_id(users: Iterable[str]) -> str:
    # Derived from the set of people so the same group always gets the same id.
    digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()
    return f"G{digest[:10].upper()}"


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        offset = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _SlackError("invalid_cursor") from None
    if kind != "offset" or offset < 0:
        raise _SlackError("invalid_cursor")
    return offset


def _page(items: list[Any], payload: Payload, key: str, *, default_limit: int) -> Payload:
    """One page of ``items`` the way Slack's cursor pagination hands it out.

    ``default_limit`` 0 means everything at once (``users.list`` without a
    limit); Slack caps a page at 1000.
    """

    try:
        limit = int(payload.get("limit") or 0)
    except (TypeError, ValueError):
        limit = 0
    if limit <= 0:
        limit = default_limit or max(1, len(items))
    limit = min(limit, 1000)
    cursor = _text(payload, "cursor")
    start = _decode_cursor(cursor) if cursor else 0
    page = items[start : start + limit]
    end = start + len(page)
    next_cursor = _encode_cursor(end) if end < len(items) else ""
    return {key: page, "response_metadata": {"next_cursor": next_cursor}}
