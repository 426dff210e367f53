"""Files to and from Slack: Slack's external upload flow out, ``url_private_download`` in.

Out, each file takes three steps (``files.upload`` is retired): ask
``files.getUploadURLExternal`` for an upload URL, giving the file's name and
exact length; POST the bytes to that URL (pre-signed: it takes no token);
then one ``files.completeUploadExternal`` shares every file of the message in
its conversation (a ``C``, ``G`` or ``D`` id: Slack refuses a member's ``U``
id there) and, for a thread, under its ``thread_ts``. slack_sdk's
``files_upload_v2`` does the same steps, but as one call whose upload step
fails with its own exception and no status; here each Web API step goes
through the adapter's ``call`` (its pacing, its 429 as ``RateLimited``, its
errors in the outbox's terms) and the upload's answer is translated the same
way.

In, a member's file comes with a URL that needs the bot token as a Bearer
header (the ``files:read`` scope). Without a valid token Slack does not say
401: it answers 200 with its HTML sign-in page. So a page of HTML where the
file is not HTML is read as "Slack would not give it", never handed to a
handler as the member's CSV. The token goes only to Slack's own hosts (or to
``api_base_url``'s, where tests and proxies point the adapter), whatever URL
an event names.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import yarl

from adapters.file_limits import MAX_READ_BYTES, too_large
from bot.adapter import (
    FileUnavailable,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from bot.events import IncomingFile
from bot.messages import FileAttachment
from bot.metrics import rate_limited

log = logging.getLogger("convene.slack")

Call = Callable[..., Awaitable[Any]]
"""The adapter's Web API call: ``call(client.method, **arguments)``."""

TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)
"""Uploads and downloads of a few megabytes; a stalled one fails as transient."""
SLACK_HOSTS = ("slack.com", "slack-gov.com")
"""Hosts (and their subdomains, over https) that may see the bot token with a download."""


@dataclass(frozen=True, slots=True)
class Shared:
    """Files shared in a conversation: their ids, and the ``ts`` of the message that
    carries them when Slack says it (it may share them a moment later)."""

    file_ids: tuple[str, ...]
    ts: str | None


class SlackFiles:
    """Sends and fetches files for Slack workspaces (through the adapter's calls)."""

    def __init__(
        self,
        client: Any,
        call: Call,
        *,
        api_base_url: str,
        token: str | Callable[[], Awaitable[str]],
    ) -> None:
        """``token`` is the bot token, or (installed in many workspaces) what gives the
        token of the workspace a download is for."""

        self._client = client
        self._call = call
        self._api = yarl.URL(api_base_url)
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _http(self) -> aiohttp.ClientSession:
        """One session for uploads and downloads, made on first use: a text-only Convene
        never opens it."""

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    # -- out ------------------------------------------------------------------------------

    async def share(
        self, files: Sequence[FileAttachment], *, channel: str, thread_ts: str | None
    ) -> Shared:
        """Upload every file, then share them all at once in ``channel`` (a thread's, with
        ``thread_ts``). Raises the outbox's errors; nothing is shared unless all uploaded."""

        uploaded: list[dict[str, str]] = []
        for file in files:
            asked = await self._call(
                self._client.files_getUploadURLExternal, filename=file.name, length=len(file.data)
            )
            await self._upload(str(asked["upload_url"]), file)
            uploaded.append({"id": str(asked["file_id"]), "title": file.title or file.name})
        completed = await self._call(
            self._client.files_completeUploadExternal,
            files=uploaded,
            channel_id=channel,
            thread_ts=thread_ts,
        )
        return Shared(tuple(f["id"] for f in uploaded), _share_ts(completed, channel))

    async def _upload(self, url: str, file: FileAttachment) -> None:
        try:
            async with self._http().post(url, data=file.data) as answer:
                body = (await answer.text())[:200]
                status = answer.status
                retry_after = answer.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError) as failed:
            raise TransientDeliveryError(
                f"could not upload {file.name} to Slack: {failed}"
            ) from None
        if status == 200:
            return
        if status == 429:
            rate_limited("slack")
            raise RateLimited(_seconds(retry_after))
        if status >= 500:
            raise TransientDeliveryError(f"Slack answered {status} to the upload of {file.name}")
        log.warning("Slack refused the upload of %s (%d): %s", file.name, status, body)
        raise PermanentDeliveryError(f"upload of {file.name} refused ({status})")

    # -- in -------------------------------------------------------------------------------

    async def download(self, file: IncomingFile) -> bytes:
        """The bytes of a member's file, or ``FileUnavailable`` with a sentence for them."""

        if file.size > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, file.size))
        url = yarl.URL(file.url)
        if not self._may_see_token(url):
            log.warning("a Slack file's URL is not on Slack (%s): not fetched", url.host)
            raise FileUnavailable(f"{file.name} is not a file on Slack; send it again here.")
        token = self._token if isinstance(self._token, str) else await self._token()
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._http().get(url, headers=headers) as answer:
                self._check_answer(file, answer)
                data = await answer.content.read(MAX_READ_BYTES + 1)
        except (TimeoutError, aiohttp.ClientError) as failed:
            log.warning("could not fetch %s from Slack: %s", file.name, failed)
            raise FileUnavailable(
                f"I could not reach Slack to read {file.name}; send it again in a minute."
            ) from None
        if len(data) > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, len(data)))
        return data

    def _check_answer(self, file: IncomingFile, answer: aiohttp.ClientResponse) -> None:
        if answer.status in (404, 410):
            raise FileUnavailable(
                f"{file.name} is no longer on Slack (deleted, perhaps); send it again."
            )
        if answer.status in (401, 403) or (
            answer.status == 200 and _sign_in_page(answer, file.content_type)
        ):
            log.error(
                "Slack would not give the bot %s (%s): reinstall the app from the manifest "
                "so that it has the files:read scope",
                file.name,
                answer.status,
            )
            raise FileUnavailable(
                f"Slack would not let me read {file.name}. A workspace admin may need to "
                "reinstall Convene (it needs the files:read permission); then send it again."
            )
        if answer.status != 200:
            log.warning("Slack answered %d for %s", answer.status, file.name)
            raise FileUnavailable(
                f"Slack would not give me {file.name} just now; send it again in a minute."
            )
        declared = answer.content_length
        if declared is not None and declared > MAX_READ_BYTES:
            raise FileUnavailable(too_large(file.name, declared))

    def _may_see_token(self, url: yarl.URL) -> bool:
        host = url.host or ""
        if (url.scheme, host, url.port) == (self._api.scheme, self._api.host, self._api.port):
            return True
        return url.scheme == "https" and any(
            host == known or host.endswith("." + known) for known in SLACK_HOSTS
        )


def _sign_in_page(answer: aiohttp.ClientResponse, expected: str) -> bool:
    """Slack's answer to a download without a valid token: a web page, status 200."""

    return answer.content_type == "text/html" and not expected.startswith("text/html")


def _share_ts(completed: Any, channel: str) -> str | None:
    """The ``ts`` of the message Slack made for the shared files, when it says so
    (``files[0].shares.public|private[channel][0].ts``)."""

    files = completed.get("files") or []
    shares = (files[0].get("shares") or {}) if files and isinstance(files[0], dict) else {}
    for scope in ("public", "private"):
        found = (shares.get(scope) or {}).get(channel) or []
        if found and isinstance(found[0], dict) and found[0].get("ts"):
            return str(found[0]["ts"])
    return None


def _seconds(header: str | None) -> float:
    try:
        return max(1.0, float(header or 1))
    except ValueError:
        return 1.0
