"""The Slack adapter: Convene in a Slack workspace, on slack-bolt and slack_sdk.

Incoming requests (slash commands, button clicks, modal submissions, Events
API callbacks) go through one bolt ``AsyncApp`` (``listeners``), which checks
their signature; each is acknowledged at once and handed to Convene's dispatch
after the ack, so Slack's 3-second limit holds whatever the work. They come in
over Socket Mode (``socket_mode``) or HTTP mode's endpoint (``http_mode``);
both see this adapter only as an ``EventSink`` (``sink``), so neither imports it.

Outgoing messages are Block Kit (``render``) sent with ``AsyncWebClient``
at ``[slack] api_base_url``, so that tests and proxies can point it elsewhere.
Slack's answers become the outbox's vocabulary: ``ratelimited`` (429) is
``RateLimited`` with its ``Retry-After``, a channel the bot is not in or a
member who left is permanent, a 5xx or a dropped connection is transient.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.limits import MethodPace
from adapters.slack.render import blocks_for, fallback_text, modal_for
from bot.adapter import (
    Capabilities,
    ChannelMember,
    DeliveryError,
    Dispatch,
    MessageRef,
    PermanentDeliveryError,
    PlatformUnavailable,
    RateLimited,
    TransientDeliveryError,
)
from bot.clock import Clock, SystemClock
from bot.config import SlackSection
from bot.errors import UserError
from bot.events import ButtonClicked, Event, SlashCommand
from bot.messages import Form, OutgoingMessage

log = logging.getLogger("convene.slack")

PLATFORM = "slack"
CAPABILITIES = Capabilities(
    group_dm=True,
    modals=True,
    threads=True,
    channel_membership=True,
    home_tab=True,
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
PROFILE_READS_AT_ONCE = 8
"""users.profile.get calls in flight at once when importing a profile field."""
NOT_THERE = frozenset({"not_in_channel", "channel_not_found", "user_not_in_channel"})
"""Where an ephemeral reply cannot go, a DM to the member can."""
_CHANNEL_LINK = re.compile(r"^<#(?P<id>[A-Z0-9]+)(?:\|[^>]*)?>$")


class SlackAdapter:
    """One Slack workspace (one bot token), reached at ``api_base_url``."""

    def __init__(
        self, settings: SlackSection, *, http_port: int | None = None, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._pace = MethodPace(self._clock)
        self._http_port = settings.http_port if http_port is None else http_port
        self.client = AsyncWebClient(
            token=settings.bot_token.reveal() or None, base_url=settings.api_base_url
        )
        self._dispatch: Dispatch | None = None
        self._server: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._queue: asyncio.Queue[Event] | None = None
        self._names: dict[str, ChannelMember] = {}
        self._channels: dict[str, str] = {}
        self.bot_user_id: str | None = None
        self.team_id: str | None = None
        self.acks_in_flight = 0
        """Requests the HTTP endpoint is answering right now."""

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
        try:
            identity = await self.client.auth_test()
        except SlackApiError as failed:
            raise PlatformUnavailable(
                f"Slack refused the bot token ({failed.response.get('error')}); "
                "check SLACK_BOT_TOKEN"
            ) from None
        self.bot_user_id = identity.get("user_id")
        self.team_id = identity.get("team_id")
        if self._settings.mode == "socket":
            from adapters.slack.socket_mode import SlackSocketConnection

            self._server = SlackSocketConnection(self, app_token=self._settings.app_token.reveal())
            await self._server.start()
            log.info("Slack adapter connected over Socket Mode for team %s", self.team_id)
            return
        self._server = SlackHttpServer(self, host=self._settings.http_host, port=self._http_port)
        await self._server.start()
        log.info("Slack adapter listening on %s for team %s", self._server.url, self.team_id)

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

    @property
    def signing_secret(self) -> str:
        return self._settings.signing_secret.reveal()

    def after_ack(self, event: Event) -> None:
        """Hand an event to Convene once Slack has its acknowledgement.

        A few workers take events from a queue: a task for each event made
        thousands compete for the database under a burst, stalled the loop
        that answers Slack, and timed some out (measured in bench.slack_events).
        """

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
            await self._dispatch(await self._with_name(event))
        except Exception:
            log.exception("dispatching a Slack %s failed", type(event).__name__)

    async def wait_idle(self) -> None:
        """Wait until every event handed over so far has been dispatched."""

        if self._queue is not None:
            await self._queue.join()

    async def _with_name(self, event: Event) -> Event:
        """The event with the actor's display name and time zone, as Slack knows them."""

        person = await self._member(event.actor_id)
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
                if not person.is_bot and person.platform_user_id != self.bot_user_id:
                    people.append(person)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return people

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
        people = [await self._member(user_id) for user_id in ids]
        return [p for p in people if p.platform_user_id != self.bot_user_id]

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        link = _CHANNEL_LINK.match(reference.strip())
        if link is not None:
            return link["id"]
        name = reference.strip().removeprefix("#").lower()
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
                    self._channels[str(channel.get("name", "")).lower()] = str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor or name in self._channels:
                break
        return self._channels.get(name)

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
            people = [await self._member(str(user)) for user in group.get("users") or []]
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

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        opened = await self._call(self.client.conversations_open, users=member_id)
        return str((opened.get("channel") or {}).get("id"))

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        opened = await self._call(self.client.conversations_open, users=",".join(member_ids))
        return str((opened.get("channel") or {}).get("id"))

    # -- sending ---------------------------------------------------------------------------

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        target = message.target
        text, blocks = fallback_text(message), blocks_for(message)
        if target.kind == "home":
            return await self._publish_home(target.member_ids[0], message)
        if target.kind == "dm":
            channel = target.member_ids[0]
        elif target.kind == "group":
            channel = await self.open_group(workspace_id, target.member_ids)
        else:
            assert target.channel_id is not None
            channel = target.channel_id
        thread_ts = target.thread_id if target.kind == "thread" else None
        if message.visible_to is not None and target.kind in ("channel", "thread"):
            try:
                sent = await self._call(
                    self.client.chat_postEphemeral,
                    channel=channel,
                    user=message.visible_to,
                    text=text,
                    blocks=blocks,
                    thread_ts=thread_ts,
                )
                return {"message_id": str(sent.get("message_ts")), "channel_id": channel}
            except PermanentDeliveryError as refused:
                if str(refused) not in NOT_THERE:
                    raise
                # Not in that channel (a command typed where the bot is not): say it in a DM.
                channel, thread_ts = message.visible_to, None
        sent = await self._call(
            self.client.chat_postMessage,
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        ref: MessageRef = {
            "message_id": str(sent.get("ts")),
            "channel_id": str(sent.get("channel")),
        }
        if thread_ts:
            ref["thread_id"] = thread_ts
        return ref

    async def _publish_home(self, user_id: str, message: OutgoingMessage) -> MessageRef:
        """A member's App Home, replaced as a whole (views.publish keeps no history)."""

        view = {"type": "home", "blocks": blocks_for(message)}
        await self._call(self.client.views_publish, user_id=user_id, view=view)
        return {"message_id": f"home:{user_id}", "channel_id": f"home:{user_id}"}

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        if message.target.kind == "home":
            return await self._publish_home(message.target.member_ids[0], message)
        await self._call(
            self.client.chat_update,
            channel=ref["channel_id"],
            ts=ref["message_id"],
            text=fallback_text(message),
            blocks=blocks_for(message),
        )
        return ref

    async def open_form(self, event: Event, form: Form) -> None:
        trigger_id = event.trigger_id if isinstance(event, SlashCommand | ButtonClicked) else None
        trigger_id = trigger_id or event.raw.get("trigger_id")
        if not trigger_id:
            log.warning("cannot open the form %s: the event carries no trigger_id", form.form_id)
            return
        origin = {"channel_id": event.place.channel_id, "thread_id": event.place.thread_id}
        try:
            await self._call(
                self.client.views_open, trigger_id=trigger_id, view=modal_for(form, origin=origin)
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

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        """One Web API call, paced by its method's tier, its failures translated for the outbox."""

        name = str(method.__name__).replace("_", ".")
        arguments = {key: value for key, value in kwargs.items() if value is not None}
        await self._pace.before(name)
        try:
            return await method(**arguments)
        except SlackApiError as failed:
            response = failed.response
            error = str(response.get("error", "unknown_error"))
            if response.status_code == 429 or error == "ratelimited":
                retry_after = float(response.headers.get("Retry-After", 1) or 1)
                self._pace.pause(name, retry_after)
                raise RateLimited(retry_after) from None
            if error in AUTH_ERRORS:
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
