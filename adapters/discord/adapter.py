"""The Discord adapter: Convene in Discord servers, through discord.py's client.

One process serves every server the bot is in (each one a Convene
workspace), over one gateway connection or, with ``[discord] sharded``,
discord.py's ``AutoShardedClient``. With ``shard_count`` and ``shard_ids``
the shards are spread over instances (``shards``): each receives only its
shards' events, and reaches other servers over REST (``servers``).
Commands are generated from Convene's own command table (``commands``) and
synced to each server on start (each instance its own shards' servers),
only when they differ from what Discord holds. Interactions are answered within
Discord's three seconds (``interactions``); buttons carry their whole
meaning in a stable ``custom_id``, so a button sent before a restart works
after it without any view kept in memory.

Requests go through discord.py's HTTP client, which keeps Discord's per-route
buckets and waits out a 429 before trying again (so a message goes out once).
The adapter adds the one limit discord.py leaves to its user: no more than 50
requests a second across the bot (49.5, to keep a margin), and the deliverer
keeps to five messages in five seconds in any one channel.

Gateway intents are kept to what features need: servers (channels, roles,
threads), members (a privileged intent: who can see a channel, roles as
silos, nicknames) and DM messages (check-in answers typed in a DM). Reading
messages in server channels (retro items replied in the retro's thread) needs
the privileged Message Content intent, and is off unless
``[discord] read_channel_messages`` is set.

A message's files ride on its last part (the one with the buttons), as
``multipart/form-data``: the JSON body as ``payload_json`` with an
``attachments`` list whose ids are the placeholders ``0..n`` of the parts
``files[n]`` (Discord's "Uploading Files"), through discord.py's
``HTTPClient.request(form=..., files=...)``, which rewinds the files when it
retries after a 429. A file a member attached to a command comes from
Discord's CDN (``HTTPClient.get_from_cdn``, no token), checked for size first.

The REST and gateway addresses are discord.py's class attributes
(``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``); ``point_at`` sets them
in this one place, from ``[discord] api_base_url`` and ``gateway_url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.commands import CommandSet, build_commands, fingerprint, invoked
from adapters.discord.inbound import display_name, interaction_event, message_event
from adapters.discord.interactions import (
    ACK_WINDOW,
    CHOICES,
    DEFER_REPLY,
    DEFER_UPDATE,
    EPHEMERAL,
    MODAL,
    MODAL_SUBMIT,
    REPLY,
    Answer,
    Interactions,
    Pending,
)
from adapters.discord.parts import (
    Part,
    copies,
    digest,
    grouped,
    plan_edit,
    with_parts,
    without_copies,
)
from adapters.discord.render import message_payloads, modal_payload
from adapters.discord.servers import Servers
from adapters.discord.shards import client_kind, described, ready_within
from adapters.file_limits import MAX_READ_BYTES, too_large
from bot.adapter import (
    Capabilities,
    ChannelMember,
    DeliveryError,
    Dispatch,
    FileUnavailable,
    MemberUnreachable,
    MessageRef,
    PartlyDelivered,
    PermanentDeliveryError,
    PlatformUnavailable,
    RateLimited,
    TransientDeliveryError,
    sent_parts,
)
from bot.clock import Clock, SystemClock
from bot.commands import CommandSpec
from bot.config import DiscordSection
from bot.errors import UserError
from bot.events import Event, IncomingFile
from bot.inbox import keeper_of
from bot.messages import FileAttachment, Form, OutgoingMessage
from bot.metrics import rate_limit_trace
from bot.ratelimit import Limiter, TokenBucket
from bot.shared_limits import RateLimits

log = logging.getLogger("convene.discord")

PLATFORM = "discord"
CAPABILITIES = Capabilities(
    group_dm=False,  # bots cannot open group DMs: a private thread instead
    modals=True,
    threads=True,
    private_threads=True,
    max_form_fields=5,
    channel_membership=True,
    silo_sources=frozenset({"roles"}),
    member_timezones=False,
    reads_channel_messages=False,  # unless [discord] read_channel_messages
    # The adapter paces requests itself (a delivery may take two or three);
    # the deliverer keeps Discord's five messages in five seconds a channel.
    per_target_rate=1.0,
    per_target_burst=5,
)
GLOBAL_RATE = 49.5
"""Requests a second the adapter allows itself; Discord's global limit is 50.

Paced one at a time (a burst of 1), 51 requests span at least 50 / 49.5 =
1.0101 s, so no one second ever holds more than 50 even when a request
reaches Discord 10 ms later than the one 50 before it. The deliverer sends
one request after another and a late turn is not made up (a burst of 2 would
let 51 through in a second), so the steady share of the 50 is this rate less
the time lost to late turns: at 49 that capped it at 98 %."""
WORKERS = 2
READY_TIMEOUT = 60.0
DRAIN_SECONDS = 5.0
AFTER_HANDLING = 0.5
"""Once handled, how long to wait for the reply to answer the interaction itself."""
UNUSED_NOTE_SECONDS = 15.0
"""A "thinking…" note no reply replaced in this time is deleted."""
SUGGESTIONS = 25

JSON = "application/json"

# Discord's JSON error codes that need more than "refused".
CANNOT_DM = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_MESSAGE = 10008
INVALID_WEBHOOK_TOKEN = 50027
"""An interaction's token past its 15 minutes: not the bot's token."""

Suggest = Callable[[str, str, str, str], Awaitable[list[tuple[str, str]]]]
"""(kind, workspace, member, typed) -> (shown, value) pairs, for autocompletion."""


def point_at(settings: DiscordSection) -> None:
    """Send discord.py's REST calls and gateway connection where the config says."""

    Route.BASE = settings.api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def intents_for(settings: DiscordSection) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.dm_messages = True
    if settings.read_channel_messages:
        intents.guild_messages = True
        intents.message_content = True
    return intents


class DiscordAdapter:
    """Every server one bot token is in."""

    def __init__(
        self,
        settings: DiscordSection,
        *,
        commands: Iterable[CommandSpec],
        clock: Clock | None = None,
        suggest: Suggest | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        self._settings = settings
        self._capabilities = dataclasses.replace(
            CAPABILITIES, reads_channel_messages=settings.read_channel_messages
        )
        self._guild_ready_timeout = guild_ready_timeout
        self.note_seconds = UNUSED_NOTE_SECONDS
        self._clock = clock or SystemClock()
        self.commands: CommandSet = build_commands(commands)
        self.suggest = suggest
        self._pace: Limiter = TokenBucket(self._clock, GLOBAL_RATE, burst=1)
        self._interactions = Interactions(self._clock)
        self._servers = Servers(lambda: self.client, lambda: self._pace.acquire())
        self._dispatch: Dispatch | None = None
        self._client: discord.Client | None = None
        self._runner: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._queue: asyncio.Queue[tuple[Event, Pending | None]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._dm_channels: dict[str, str] = {}
        self._dm_workspace: dict[str, str] = {}
        self._threads: set[str] = set()
        self._group_threads: dict[str, str] = {}
        """The private thread made for a group message, by its outbox key (a retry reuses it)."""
        self._names: dict[tuple[str, str], str] = {}
        self.synced: dict[str, bool] = {}
        """For each server, whether the last start had to send its commands."""

    def share_rate_limits(self, limits: RateLimits) -> None:
        """Keep to Discord's global limit with every instance on the same bot (``bot.app``):
        Discord counts the bot's requests, whichever process makes them."""

        self._pace = limits.bucket("discord:global", GLOBAL_RATE, burst=1)

    @property
    def platform(self) -> str:
        return PLATFORM

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    @property
    def client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the Discord adapter has not been started")
        return self._client

    @property
    def application_id(self) -> str:
        return str(self.client.application_id)

    @property
    def connected(self) -> bool:
        """The gateway said READY and the client is not closed (/readyz)."""

        client = self._client
        return client is not None and client.is_ready() and not client.is_closed()

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        point_at(self._settings)
        # Convene never joins voice: no warning that the voice libraries are missing.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        kind, shard_options = client_kind(self._settings)
        client = kind(
            intents=intents_for(self._settings),
            chunk_guilds_at_startup=False,  # members are read over REST when needed
            max_messages=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=self._guild_ready_timeout,
            http_trace=rate_limit_trace(PLATFORM),
            **shard_options,
        )
        self._client = client
        client.on_ready = self._on_ready  # type: ignore[attr-defined]
        client.on_guild_join = self._on_guild_join  # type: ignore[attr-defined]
        client.on_interaction = self._on_interaction  # type: ignore[attr-defined]
        client.on_message = self._on_message  # type: ignore[attr-defined]
        try:
            await client.login(self._settings.token.reveal())
        except discord.LoginFailure:
            await client.close()
            raise PlatformUnavailable(
                "Discord refused the bot token; check DISCORD_TOKEN"
            ) from None
        except (aiohttp.ClientError, OSError) as failed:
            await client.close()
            raise PlatformUnavailable(
                f"could not reach Discord at {self._settings.api_base_url} ({failed})"
            ) from None
        self._runner = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(self._ready.wait())
        ready_in = ready_within(self._settings, READY_TIMEOUT)
        done, _ = await asyncio.wait(
            {self._runner, ready}, timeout=ready_in, return_when=asyncio.FIRST_COMPLETED
        )
        ready.cancel()
        if self._runner in done:
            failure = self._runner.exception()
            await client.close()
            if isinstance(failure, discord.PrivilegedIntentsRequired):
                raise PlatformUnavailable(
                    "Discord refused the Server Members intent: switch it on for the bot in the "
                    "Developer Portal (Bot, Privileged Gateway Intents)"
                    + (
                        " with Message Content, or set [discord] read_channel_messages = false"
                        if self._settings.read_channel_messages
                        else ""
                    )
                ) from None
            raise PlatformUnavailable(
                f"the Discord gateway closed before READY: {failure}"
            ) from None
        if not done:
            await client.close()
            raise PlatformUnavailable(f"Discord did not say READY within {ready_in:g} s")
        log.info(
            "Discord adapter connected as %s to %d server(s) on %s",
            client.user,
            len(client.guilds),
            described(self._settings),
        )

    async def stop(self) -> None:
        if self._queue is not None:
            try:  # interactions Discord has an answer for: finish them if it is quick
                await asyncio.wait_for(self._queue.join(), timeout=DRAIN_SECONDS)
            except TimeoutError:
                log.warning("stopping with %d Discord events not handled", self._queue.qsize())
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
            self._runner = None

    async def wait_idle(self) -> None:
        """Wait until every event handed over so far has been dispatched."""

        if self._queue is not None:
            await self._queue.join()

    async def _on_ready(self) -> None:
        for guild in self.client.guilds:
            await self._sync_commands(guild.id)
        self._ready.set()

    async def _on_guild_join(self, guild: discord.Guild) -> None:
        await self._sync_commands(guild.id)

    async def _sync_commands(self, guild_id: int) -> None:
        """Send the commands to one server, only when they differ from what it has."""

        http = self.client.http
        app = self.client.application_id
        assert app is not None
        try:
            held = await http.get_guild_commands(app, guild_id)
            changed = fingerprint(held) != fingerprint(self.commands.payload)
            if changed:
                await http.bulk_upsert_guild_commands(app, guild_id, self.commands.payload)
                log.info("sent Convene's commands to server %s", guild_id)
            self.synced[str(guild_id)] = changed
        except discord.HTTPException as failed:
            log.error(
                "could not set up commands in server %s (%s): re-invite the bot with the "
                "applications.commands scope",
                guild_id,
                failed,
            )

    # -- events in ------------------------------------------------------------------------

    async def _hand_over(self, event: Event, pending: Pending | None) -> None:
        """Queue an event for the workers, once it is kept in the inbox.

        Discord sends an interaction or a gateway message once, and may have
        its answer (a deferral) before the work is done: kept first, a killed
        process cannot lose it.
        """

        keep = keeper_of(self._dispatch) if self._dispatch is not None else None
        if keep is not None:
            await keep(event)
        if self._queue is None:
            self._queue = asyncio.Queue()
            for _ in range(WORKERS):
                task = asyncio.get_running_loop().create_task(self._work())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        self._queue.put_nowait((event, pending))

    async def _work(self) -> None:
        assert self._queue is not None and self._dispatch is not None
        while True:
            event, pending = await self._queue.get()
            try:
                await self._dispatch(event)
            except Exception:
                log.exception("dispatching a Discord %s failed", type(event).__name__)
            finally:
                if pending is not None:
                    pending.handled.set()
                self._queue.task_done()

    async def _on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
            return
        dm_workspace = None
        if interaction.guild_id is None:
            # The same resolver as a DM's message: with shards over instances, this one's
            # first server may not be the member's (all DMs come to shard 0).
            dm_workspace = (
                await self._server_of(str(interaction.user.id), str(interaction.channel_id))
                or self._first_server()
            )
        event = interaction_event(interaction, self.commands, dm_workspace)
        if event is not None:
            self._names[(event.workspace_id, event.actor_id)] = event.actor_name
        pending = self._interactions.open(
            Pending(
                interaction_id=str(interaction.id),
                token=interaction.token,
                kind=interaction.type.value,
                actor_id=str(interaction.user.id),
                place=str(interaction.channel_id),
                from_message=interaction.message is not None,
                at=self._clock.now(),
            )
        )
        if event is None:
            await self._defer(pending)
            return
        await self._hand_over(event, pending)
        try:
            await asyncio.wait_for(pending.handled.wait(), ACK_WINDOW)
            # Handled in time: give the reply a moment to be the answer itself.
            await asyncio.wait_for(pending.answered.wait(), AFTER_HANDLING)
        except TimeoutError:
            pass
        await self._defer(pending)
        if pending.answer is Answer.THINKING:
            self._later(self._tidy_note(pending))

    async def _on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        workspace = None
        if message.guild is None:
            workspace = await self._server_of(str(message.author.id), str(message.channel.id))
        event = message_event(message, workspace)
        if event is not None:
            await self._hand_over(event, None)

    async def _server_of(self, user_id: str, channel_id: str) -> str | None:
        """The server a member's DM belongs to: where Convene last wrote to them from (this
        process knows if it wrote; else the buttons of its latest message in the DM say,
        whichever instance sent it), else the first server the bot shares with them (asked
        of Discord once, then kept). With shards over several instances, DMs all come to
        the instance running shard 0, and the server may be one another instance carries."""

        known = self._dm_workspace.get(user_id)
        if known is not None:
            return known
        found = await self._servers.last_wrote_from(channel_id)
        if found is None:
            found = await self._servers.shared_with(user_id)
        if found is not None:
            self._dm_workspace[user_id] = found
        return found

    def _first_server(self) -> str | None:
        guilds = self._client.guilds if self._client is not None else []
        return str(guilds[0].id) if guilds else None

    async def _autocomplete(self, interaction: discord.Interaction[Any]) -> None:
        data: Mapping[str, Any] = interaction.data or {}
        names, given, focused = invoked(data)
        spec = self.commands.spec_for(names)
        choices: list[tuple[str, str]] = []
        if spec is not None and focused is not None and self.suggest is not None:
            kind = self.commands.suggestion_kind(spec, focused)
            typed = str(given.get(focused, (0, ""))[1] or "")
            if kind is not None and interaction.guild_id is not None:
                try:
                    choices = await self.suggest(
                        kind, str(interaction.guild_id), str(interaction.user.id), typed
                    )
                except Exception:
                    log.exception("suggestions for %s failed", kind)
        body = {
            "type": CHOICES,
            "data": {
                "choices": [
                    {"name": shown[:100], "value": value[:100]}
                    for shown, value in choices[:SUGGESTIONS]
                ]
            },
        }
        with contextlib.suppress(discord.HTTPException):
            await self._callback(str(interaction.id), interaction.token, body)

    # -- answering interactions -----------------------------------------------------------

    async def _callback(self, interaction_id: str, token: str, body: dict[str, Any]) -> Any:
        route = Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=interaction_id,
            interaction_token=token,
        )
        return await self.client.http.request(route, json=body)

    def _webhook(self, method: str, token: str, tail: str = "", **params: Any) -> Route:
        return Route(
            method,
            "/webhooks/{webhook_id}/{webhook_token}" + tail,
            webhook_id=self.application_id,
            webhook_token=token,
            **params,
        )

    async def _defer(self, pending: Pending) -> None:
        async with pending.lock:
            if pending.answer is not Answer.NONE:
                return
            if pending.from_message:
                body: dict[str, Any] = {"type": DEFER_UPDATE}
                answer = Answer.ACKNOWLEDGED
            else:
                body = {"type": DEFER_REPLY, "data": {"flags": EPHEMERAL}}
                answer = Answer.THINKING
            try:
                await self._callback(pending.interaction_id, pending.token, body)
            except discord.HTTPException as failed:
                log.warning("could not answer interaction %s: %s", pending.interaction_id, failed)
                return
            pending.answer = answer
            pending.answered.set()

    async def _tidy_note(self, pending: Pending) -> None:
        """Delete a "thinking…" note that no reply replaced (the work said nothing privately)."""

        await pending.handled.wait()
        # Real time, not the injectable clock: this is about a person looking at a screen.
        await asyncio.sleep(self.note_seconds)
        async with pending.lock:
            if pending.original_used:
                return
            pending.original_used = True
        with contextlib.suppress(discord.HTTPException):
            await self.client.http.request(
                self._webhook("DELETE", pending.token, "/messages/@original")
            )

    def _later(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            await work

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def open_form(self, event: Event, form: Form) -> None:
        pending = self._interactions.get(str(event.raw.get("interaction_id", "")))
        if pending is None or pending.kind == MODAL_SUBMIT:
            raise UserError(
                "Discord opens a form only from a button or a command; press the button again."
            )
        async with pending.lock:
            if pending.answer is not Answer.NONE:
                raise UserError(
                    "Discord allows 3 seconds to open a form after a click and that passed; "
                    "please press the button again."
                )
            body = {"type": MODAL, "data": modal_payload(event.workspace_id, form)}
            try:
                await self._callback(pending.interaction_id, pending.token, body)
            except discord.HTTPException as failed:
                log.warning("Discord would not open the form %s: %s", form.form_id, failed)
                raise UserError(
                    "Discord would not open the form just now; please press the button again."
                ) from None
            pending.answer = Answer.MODAL
            pending.answered.set()

    async def _reply_privately(
        self, pending: Pending, workspace_id: str, message: OutgoingMessage
    ) -> MessageRef:
        """A reply only the member sees: the interaction's answer, its note, or a follow-up."""

        bodies = message_payloads(workspace_id, message, self.commands.as_typed_here)
        ref: MessageRef = {"channel_id": pending.place, "interaction_token": pending.token}
        sent: list[Part] = []
        async with pending.lock:
            try:
                for each in bodies:
                    sent.append((await self._reply_part(pending, each), digest(each)))
            except DeliveryError as stopped:
                if not sent:
                    raise
                raise PartlyDelivered(with_parts(ref, sent, listed=True), stopped) from None
        return with_parts(ref, sent)

    async def _reply_part(self, pending: Pending, each: dict[str, Any]) -> str:
        """One part of a private reply (``pending``'s lock held); the id of its message."""

        body = {**each, "flags": EPHEMERAL}
        if pending.answer is Answer.NONE:
            await self._call(
                self._callback(pending.interaction_id, pending.token, {"type": REPLY, "data": body})
            )
            pending.answer = Answer.REPLIED
            pending.original_used = True
            pending.answered.set()
            return "@original"
        if pending.answer is Answer.THINKING and not pending.original_used:
            body.pop("flags")
            await self._call(
                self.client.http.request(
                    self._webhook("PATCH", pending.token, "/messages/@original"), json=body
                )
            )
            pending.original_used = True
            return "@original"
        return await self._follow_up(pending.token, body)

    async def _follow_up(self, token: str, body: dict[str, Any]) -> str:
        """A private message after an interaction's answer; its id."""

        # wait=true: Discord answers with the message (else 204, no id).
        sent = await self._call(
            self.client.http.request(
                self._webhook("POST", token), json=body, params={"wait": "true"}
            )
        )
        return str(sent["id"])

    # -- sending --------------------------------------------------------------------------

    async def _call(self, request: Awaitable[Any]) -> Any:
        """One request, its failures in the outbox's terms."""

        try:
            return await request
        except discord.Forbidden as refused:
            if refused.code == MISSING_PERMISSIONS or refused.code == MISSING_ACCESS:
                log.error(
                    "Discord refused: the bot lacks a permission in that channel (%s); give it "
                    "View Channel, Send Messages, Create Private Threads and Send Messages in "
                    "Threads",
                    refused.text,
                )
            raise PermanentDeliveryError(f"forbidden ({refused.code}): {refused.text}") from None
        except discord.NotFound as gone:
            raise PermanentDeliveryError(f"not found ({gone.code}): {gone.text}") from None
        except discord.DiscordServerError as failed:
            raise TransientDeliveryError(f"Discord answered {failed.status}") from None
        except discord.RateLimited as limited:
            raise RateLimited(limited.retry_after) from None
        except discord.HTTPException as failed:
            if failed.status == 429:
                raise RateLimited(1.0) from None
            if failed.status == 401 and failed.code != INVALID_WEBHOOK_TOKEN:
                log.error("Discord refused the bot's token; check DISCORD_TOKEN")
            raise PermanentDeliveryError(
                f"{failed.status} ({failed.code}): {failed.text}"
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as failed:
            raise TransientDeliveryError(f"could not reach Discord: {failed}") from None

    async def _rest(self, route: Route, body: dict[str, Any] | None = None) -> Any:
        """A REST request within the bot's global limit."""

        await self._pace.acquire()
        request = (
            self.client.http.request(route, json=body)
            if body is not None
            else (self.client.http.request(route))
        )
        return await self._call(request)

    async def _post(
        self,
        channel_id: str,
        message: OutgoingMessage,
        workspace_id: str,
        also: MessageRef | None = None,
    ) -> MessageRef:
        """Post a message, in as many parts as it takes; ``also`` rides in its reference.

        Stopped after its first part, it says which parts went out (``PartlyDelivered``)
        so that the outbox finishes it with ``edit`` rather than send them again.
        """

        ref: MessageRef = {"channel_id": channel_id, **(also or {})}
        sent: list[Part] = []
        bodies = message_payloads(workspace_id, message, self.commands.as_typed_here)
        try:
            for index, body in enumerate(bodies):
                if message.files and index == len(bodies) - 1:
                    posted = await self._post_part(channel_id, body, message.files)
                else:
                    posted = await self._post_part(channel_id, body)
                sent.append((posted, digest(body)))
        except DeliveryError as stopped:
            if not sent:
                raise
            raise PartlyDelivered(with_parts(ref, sent, listed=True), stopped) from None
        return with_parts(ref, sent)

    async def _post_part(
        self, channel_id: str, body: dict[str, Any], files: Sequence[FileAttachment] = ()
    ) -> str:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        if files:
            sent = await self._rest_with_files(route, body, files)
        else:
            sent = await self._rest(route, body)
        return str(sent["id"])

    async def _rest_with_files(
        self, route: Route, body: dict[str, Any], files: Sequence[FileAttachment]
    ) -> Any:
        """A request with files: ``payload_json`` naming them, and one part ``files[n]`` each."""

        attached = [
            discord.File(io.BytesIO(f.data), filename=f.name, description=f.title or None)
            for f in files
        ]
        payload = {**body, "attachments": [a.to_dict(n) for n, a in enumerate(attached)]}
        form: list[dict[str, Any]] = [
            {"name": "payload_json", "value": json.dumps(payload), "content_type": JSON}
        ]
        form += [
            {
                "name": f"files[{n}]",
                "value": a.fp,
                "filename": a.filename,
                "content_type": f.content_type or "application/octet-stream",
            }
            for n, (a, f) in enumerate(zip(attached, files, strict=True))
        ]
        await self._pace.acquire()
        try:
            return await self._call(self.client.http.request(route, form=form, files=attached))
        finally:
            for a in attached:
                a.close()

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        target = message.target
        if message.visible_to is not None and target.kind in ("channel", "thread"):
            place = target.thread_id if target.kind == "thread" else target.channel_id
            pending = self._interactions.latest(message.visible_to, str(place))
            if pending is not None:
                try:
                    return await self._reply_privately(pending, workspace_id, message)
                except PermanentDeliveryError as refused:  # the token ran out: a DM instead
                    log.info("a private reply could not use its interaction (%s)", refused)
            return await self._to_member(workspace_id, message.visible_to, message)
        if target.kind == "dm":
            return await self._to_member(workspace_id, target.member_ids[0], message)
        if target.kind == "group":
            return await self._to_group(workspace_id, message, idempotency_key)
        assert target.channel_id is not None
        if target.kind == "thread":
            assert target.thread_id is not None
            await self._ensure_thread(target.channel_id, target.thread_id)
            return await self._post(
                target.thread_id, message, workspace_id, {"thread_id": target.thread_id}
            )
        return await self._post(target.channel_id, message, workspace_id)

    async def _to_member(
        self, workspace_id: str, member_id: str, message: OutgoingMessage
    ) -> MessageRef:
        self._dm_workspace[member_id] = workspace_id
        channel = await self.open_dm(workspace_id, member_id)
        try:
            return await self._post(channel, message, workspace_id)
        except PermanentDeliveryError as refused:
            if f"({CANNOT_DM})" in str(refused):
                raise MemberUnreachable(
                    member_id, "the member's DMs are closed to the bot"
                ) from None
            raise

    async def _to_group(self, workspace_id: str, message: OutgoingMessage, key: str) -> MessageRef:
        """A private thread of ``channel_id`` inviting exactly the group; else one DM each."""

        target = message.target
        members = target.member_ids
        if target.channel_id is not None:
            try:
                thread = self._group_threads.get(key)
                if thread is None:
                    thread = await self._private_thread(workspace_id, target.channel_id, members)
                    self._group_threads[key] = thread
                return await self._post(thread, message, workspace_id, {"thread_id": thread})
            except PermanentDeliveryError as refused:
                log.warning(
                    "could not open a private thread in %s (%s); sending one DM each",
                    target.channel_id,
                    refused,
                )
        sent: list[MessageRef] = []
        for member_id in members:
            try:
                sent.append(await self._to_member(workspace_id, member_id, message))
            except MemberUnreachable:
                log.info(
                    "member %s has DMs closed; the others still get the introduction", member_id
                )
            except PartlyDelivered as partly:
                # Members not reached yet are not in a reference an edit could finish
                # from: the group goes again as a whole.
                raise partly.cause from None
        if not sent:
            raise PermanentDeliveryError("no member of the group could be reached")
        # Every member's copy is named, so that an edit changes them all.
        return grouped(sent)

    async def _private_thread(
        self, workspace_id: str, channel_id: str, members: tuple[str, ...]
    ) -> str:
        names = [await self._name_in(workspace_id, m) for m in members]
        title = ("Introduction: " + ", ".join(names))[:100]
        created = await self._rest(
            Route("POST", "/channels/{channel_id}/threads", channel_id=channel_id),
            {"name": title, "type": 12, "invitable": False, "auto_archive_duration": 10080},
        )
        thread = str(created["id"])
        for member_id in members:
            await self._rest(
                Route(
                    "PUT",
                    "/channels/{channel_id}/thread-members/{user_id}",
                    channel_id=thread,
                    user_id=member_id,
                )
            )
        self._threads.add(thread)
        return thread

    async def _ensure_thread(self, channel_id: str, thread_id: str) -> None:
        """A thread under a message Convene sent (a retro's root) exists once it is first used.

        On Discord a thread started from a message has that message's id.
        """

        if thread_id in self._threads:
            return
        try:
            root = await self._rest(
                Route(
                    "GET",
                    "/channels/{channel_id}/messages/{message_id}",
                    channel_id=channel_id,
                    message_id=thread_id,
                )
            )
            lines = str(root.get("content") or "").strip().splitlines()
            # Discord takes a thread name of 1 to 100 characters.
            name = (lines[0] if lines else "").replace("*", "").strip()[:100] or "Thread"
            await self._rest(
                Route(
                    "POST",
                    "/channels/{channel_id}/messages/{message_id}/threads",
                    channel_id=channel_id,
                    message_id=thread_id,
                ),
                {"name": name, "auto_archive_duration": 10080},
            )
        except PermanentDeliveryError as refused:
            # Already a thread (or a thread's id, not a message's): post into it.
            log.debug("thread %s not started from its message: %s", thread_id, refused)
        self._threads.add(thread_id)

    async def _name_in(self, workspace_id: str, member_id: str) -> str:
        """A member's name in a server (members are not cached: asked once, then kept)."""

        key = (workspace_id, member_id)
        known = self._names.get(key)
        if known is not None:
            return known
        name = await self._servers.member_name(workspace_id, member_id) or member_id
        self._names[key] = name
        return name

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        """Change every part of a message sent earlier, and every member's copy of it.

        Also finishes a send or an edit that stopped part-way (its ``PartlyDelivered``
        reference): parts that already read right are left alone.
        """

        bodies = message_payloads(workspace_id, message, self.commands.as_typed_here)
        pieces = [without_copies(ref), *copies(ref)]
        done: list[MessageRef] = []
        for index, piece in enumerate(pieces):
            try:
                done.append(await self._edit_parts(piece, bodies, message.files))
            except PartlyDelivered as partly:
                rest = [*done, partly.ref, *pieces[index + 1 :]]
                raise PartlyDelivered(grouped(rest), partly.cause) from None
            except PermanentDeliveryError as refused:
                if index == 0:
                    raise
                log.info("could not edit a member's copy of a message: %s", refused)
                done.append(piece)  # that member's copy is gone
            except DeliveryError as stopped:
                if not done:
                    raise
                raise PartlyDelivered(grouped([*done, *pieces[index:]]), stopped) from None
        return grouped(done)

    async def _edit_parts(
        self,
        ref: MessageRef,
        bodies: list[dict[str, Any]],
        files: Sequence[FileAttachment] = (),
    ) -> MessageRef:
        """Patch the parts that change, post the parts the new text adds, delete the rest.

        ``files`` go with the last part when it is posted here (a send that stopped
        before its last part); a part patched keeps the files it has.
        """

        old = sent_parts(ref)
        plan = plan_edit(old, bodies)
        token = ref.get("interaction_token")
        channel_id = str(ref["channel_id"])
        now = list(old)
        try:
            for message_id, body in plan.patch:
                if token:
                    await self._call(
                        self.client.http.request(
                            self._webhook(
                                "PATCH", str(token), "/messages/{message_id}", message_id=message_id
                            ),
                            json=body,
                        )
                    )
                else:
                    await self._rest(self._message_route("PATCH", channel_id, message_id), body)
                now = [(i, digest(body) if i == message_id else known) for i, known in now]
            for body in plan.post:
                if token:
                    posted = await self._follow_up(str(token), {**body, "flags": EPHEMERAL})
                elif files and body is plan.post[-1]:
                    posted = await self._post_part(channel_id, body, files)
                else:
                    posted = await self._post_part(channel_id, body)
                now.append((posted, digest(body)))
            for message_id in plan.delete:
                await self._delete_part(channel_id, message_id, token)
                now = [(i, known) for i, known in now if i != message_id]
        except DeliveryError as stopped:
            if now == old:
                raise
            raise PartlyDelivered(with_parts(ref, now, listed=True), stopped) from None
        return with_parts(ref, now)

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        """Take a message off Discord: every part of it, and every member's copy.

        A part Discord no longer has (10008, Unknown Message) counts as deleted,
        so a retried delete finishes where the last one stopped. A private reply
        whose interaction token has run out (15 minutes) cannot be reached any
        more; only its member ever saw it, and it is gone when their client
        reloads, so it is left with a log line rather than failing the rest.
        """

        for piece in [without_copies(ref), *copies(ref)]:
            token = piece.get("interaction_token")
            channel_id = str(piece["channel_id"])
            for message_id, _ in sent_parts(piece):
                try:
                    await self._delete_part(channel_id, message_id, token)
                except PermanentDeliveryError as refused:
                    if not token or f"({INVALID_WEBHOOK_TOKEN})" not in str(refused):
                        raise
                    log.info("a private reply's token has run out; it cannot be deleted")
                    break

    async def _delete_part(self, channel_id: str, message_id: str, token: object) -> None:
        """Delete a part an edit no longer needs; one already gone is fine (a retried edit)."""

        try:
            if token:
                await self._call(
                    self.client.http.request(
                        self._webhook(
                            "DELETE", str(token), "/messages/{message_id}", message_id=message_id
                        )
                    )
                )
            else:
                await self._rest(self._message_route("DELETE", channel_id, message_id))
        except PermanentDeliveryError as refused:
            if f"({UNKNOWN_MESSAGE})" not in str(refused):
                raise

    @staticmethod
    def _message_route(method: str, channel_id: str, message_id: str) -> Route:
        return Route(
            method,
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )

    # -- people and channels --------------------------------------------------------------

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        known = self._dm_channels.get(member_id)
        if known is not None:
            return known
        opened = await self._rest(Route("POST", "/users/@me/channels"), {"recipient_id": member_id})
        channel = str(opened["id"])
        self._dm_channels[member_id] = channel
        return channel

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        raise PermanentDeliveryError("Discord bots cannot open group DMs")

    async def _members(self, guild: discord.Guild) -> list[discord.Member]:
        try:
            return [m async for m in guild.fetch_members(limit=None)]
        except discord.HTTPException as failed:
            log.error("could not list the members of %s: %s", guild.id, failed)
            raise UserError(
                "Discord would not list this server's members: switch on the Server Members "
                "intent for the bot in the Developer Portal."
            ) from None

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        """Everyone (not bots) who can see the channel."""

        guild = await self._servers.get(workspace_id)
        channel = await self._servers.channel(guild, channel_id)
        people = await self._members(guild)
        return [
            ChannelMember(str(m.id), display_name(m))
            for m in people
            if not m.bot and (channel is None or channel.permissions_for(m).view_channel)
        ]

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        text = reference.strip()
        if text.startswith("<#") and text.endswith(">"):
            return text[2:-1].split("|", 1)[0]
        if text.isdigit():
            return text
        guild = await self._servers.get(workspace_id)
        name = text.removeprefix("#").casefold()
        for channel in await self._servers.text_channels(guild):
            if channel.name.casefold() == name:
                return str(channel.id)
        return None

    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        """A file a member attached to a command (or a DM), from Discord's CDN."""

        if file.size > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, file.size))
        try:
            data = await self.client.http.get_from_cdn(file.url)
        except discord.NotFound:
            raise FileUnavailable(
                f"{file.name} is no longer on Discord (its link expires after a while); "
                "attach it again."
            ) from None
        except discord.HTTPException as refused:
            log.warning("Discord's CDN answered %s for %s", refused.status, file.name)
            raise FileUnavailable(
                f"Discord would not give me {file.name} just now; attach it again in a minute."
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as failed:
            log.warning("could not fetch %s from Discord's CDN: %s", file.name, failed)
            raise FileUnavailable(
                f"I could not reach Discord to read {file.name}; attach it again in a minute."
            ) from None
        if len(data) > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, len(data)))
        return data

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        """The server's roles (not @everyone, not roles that apps manage), with their people."""

        if source != "roles":
            return {}
        guild = await self._servers.get(workspace_id)
        groups: dict[str, list[ChannelMember]] = {
            role.name: [] for role in guild.roles if not role.is_default() and not role.managed
        }
        for member in await self._members(guild):
            if member.bot:
                continue
            for role in member.roles:
                if role.name in groups and not role.is_default():
                    groups[role.name].append(ChannelMember(str(member.id), display_name(member)))
        return {name: people for name, people in groups.items() if people}
