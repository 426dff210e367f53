"""An adapter that delivers over real HTTP to the fake platform.

It answers the outbox the way a real platform adapter must: a 429 becomes
``RateLimited`` carrying the ``Retry-After``, a 5xx or a dropped connection is
``TransientDeliveryError`` (try again later), any other 4xx is
``PermanentDeliveryError`` (never going to work). A message's files ride in the
JSON (base64, as the outbox keeps them); a member's file is fetched from its URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.file_limits import MAX_READ_BYTES, too_large
from bot.adapter import (
    Capabilities,
    ChannelMember,
    Dispatch,
    FileUnavailable,
    MessageRef,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.events import Event, IncomingFile
from bot.messages import Form, OutgoingMessage
from tests.support.loopback import StopsOnExit

DEFAULT_RETRY_AFTER = 1.0


class HttpPlatformAdapter(StopsOnExit):
    """POSTs each message as JSON to ``{base_url}/messages``; ``async with`` closes it."""

    def __init__(
        self,
        base_url: str,
        *,
        platform: str = "fake",
        rate_per_second: float | None = None,
        burst: int = 1,
        per_target_rate: float | None = None,
        per_target_burst: int = 1,
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._platform = platform
        self._capabilities = Capabilities(
            group_dm=True,
            rate_per_second=rate_per_second,
            burst=burst,
            per_target_rate=per_target_rate,
            per_target_burst=per_target_burst,
        )
        # trust_env=False: never route loopback traffic through a proxy from the environment.
        # ``headers`` go with every request (a chaos test names the sending process).
        self._client = httpx.AsyncClient(timeout=timeout, trust_env=False, headers=headers)
        self._dispatch: Dispatch | None = None

    @property
    def platform(self) -> str:
        return self._platform

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def start(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch

    async def stop(self) -> None:
        self._dispatch = None
        await self._client.aclose()

    async def deliver(
        self, workspace_id: str, message: OutgoingMessage, *, idempotency_key: str
    ) -> MessageRef:
        payload: dict[str, Any] = {
            "idempotency_key": idempotency_key,
            "workspace": workspace_id,
            "target": message.target.to_dict(),
            "text": message.text,
        }
        if message.files:
            payload["files"] = [file.to_dict() for file in message.files]
        try:
            response = await self._client.post(f"{self._base_url}/messages", json=payload)
        except httpx.TransportError as error:
            raise TransientDeliveryError(f"{type(error).__name__}: {error}") from error
        status = response.status_code
        if status == 429:
            raise RateLimited(_retry_after(response.headers.get("retry-after")))
        if status >= 500:
            raise TransientDeliveryError(f"the platform answered {status}")
        if status >= 400:
            raise PermanentDeliveryError(f"the platform answered {status}: {response.text}")
        body = response.json()
        ref: dict[str, Any] = {
            "message_id": str(body["message_id"]),
            "channel_id": str(body["channel_id"]),
        }
        if message.target.thread_id is not None:
            ref["thread_id"] = message.target.thread_id
        return ref

    async def edit(
        self, workspace_id: str, ref: MessageRef, message: OutgoingMessage
    ) -> MessageRef:
        raise PermanentDeliveryError("the fake platform cannot edit messages")

    async def delete(self, workspace_id: str, ref: MessageRef) -> None:
        raise PermanentDeliveryError("the fake platform cannot delete messages")

    async def open_dm(self, workspace_id: str, member_id: str) -> str:
        return f"D-{member_id}"

    async def open_group(self, workspace_id: str, member_ids: tuple[str, ...]) -> str:
        return "G-" + "+".join(sorted(member_ids))

    async def list_channel_members(self, workspace_id: str, channel_id: str) -> list[ChannelMember]:
        return []

    async def download_file(self, workspace_id: str, file: IncomingFile) -> bytes:
        """GET the file's URL: its bytes, or ``FileUnavailable`` with a sentence."""

        if file.size > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, file.size))
        try:
            response = await self._client.get(file.url)
        except httpx.TransportError:
            raise FileUnavailable(
                f"I could not reach the platform to read {file.name}; send it again."
            ) from None
        if response.status_code in (404, 410):
            raise FileUnavailable(f"{file.name} is no longer there; send it again.")
        if response.status_code != 200:
            raise FileUnavailable(f"The platform would not give me {file.name}; send it again.")
        if len(response.content) > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, len(response.content)))
        return response.content

    async def silo_groups(
        self, workspace_id: str, source: str, detail: str | None
    ) -> dict[str, list[ChannelMember]]:
        return {}

    async def open_form(self, event: Event, form: Form) -> None:
        raise PermanentDeliveryError("the fake platform has no forms")

    async def find_channel(self, workspace_id: str, reference: str) -> str | None:
        return reference.removeprefix("#")


def _retry_after(header: str | None) -> float:
    """Seconds from a ``Retry-After`` header (the platforms send seconds, not dates)."""

    if header is None:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(header))
    except ValueError:
        return DEFAULT_RETRY_AFTER
