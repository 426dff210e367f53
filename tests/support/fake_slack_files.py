"""The fake Slack's files: the external upload flow in three steps, and members' files out.

Slack's upload flow (docs.slack.dev, reference/methods/files.getUploadURLExternal
and files.completeUploadExternal, "Uploading files"):

1. ``files.getUploadURLExternal`` with ``filename`` and ``length`` (bytes, a
   whole number) answers a ``file_id`` and a pre-signed ``upload_url``. A
   missing field is ``invalid_arguments``; here a ``length`` under 1 is too
   (Slack stores no empty file).
2. The client POSTs the bytes to ``upload_url`` (raw, or as a multipart
   ``file`` field), with no token. The fake's upload server refuses a body
   whose length is not the ``length`` announced, with HTTP 400: a client that
   announces one size and sends another has a bug a lenient fake would hide.
3. ``files.completeUploadExternal`` with ``files`` (JSON ``[{id, title}]``),
   ``channel_id`` (a conversation: Slack refuses a member's ``U`` id with
   ``invalid_arguments`` and the pattern ``^[CGDZ][A-Z0-9]{8,}$``, per
   slackapi/bolt-js#2115; the fake's short test ids keep only the first
   letter's rule), optional ``thread_ts`` and ``initial_comment``. An id never
   asked for, or asked for and never uploaded, or already shared, is
   ``file_not_found``; nothing is shared unless every file can be.

A member's file (``add_file``) is served at its ``url_private_download`` on
the fake itself, and only with the bot token as Bearer: without it Slack
answers 200 with its HTML sign-in page, and so does the fake. A file removed
since (``remove_file``) is 404.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

Payload = dict[str, Any]

SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
    "<body><h1>Sign in to your workspace</h1></body></html>"
)
_CONVERSATION_ID = re.compile(r"^[CGDZ][A-Z0-9]+$")
_EPOCH = 1_700_000_000


class FileRefusal(Exception):
    """Slack's ``{"ok": false, "error": error, **fields}`` for a files method."""

    def __init__(self, error: str, **fields: Any) -> None:
        super().__init__(error)
        self.error = error
        self.fields = fields


def _invalid(message: str) -> FileRefusal:
    return FileRefusal("invalid_arguments", response_metadata={"messages": [message]})


@dataclass(slots=True)
class Upload:
    """A file asked for with ``files.getUploadURLExternal``, until it is shared."""

    file_id: str
    filename: str
    length: int
    ticket: str
    data: bytes | None = None
    shared: bool = False


@dataclass(frozen=True, slots=True)
class SharedFile:
    """A file the bot shared (``files.completeUploadExternal`` answered ``ok``)."""

    file_id: str
    name: str
    title: str
    data: bytes
    channel: str
    thread_ts: str | None
    initial_comment: str
    ts: str


@dataclass(slots=True)
class MemberFile:
    """A file a member sent, which the bot may download."""

    file_id: str
    name: str
    data: bytes
    mimetype: str
    user: str
    removed: bool = False


@dataclass(frozen=True, slots=True)
class Download:
    """One request for a member's file: which, and the token it carried (None: no header)."""

    file_id: str
    token: str | None
    status: int


class SlackFileStore:
    """Uploads in progress, files shared, members' files and who downloaded them."""

    def __init__(self, team_id: str, url: Callable[[], str]) -> None:
        self._team_id = team_id
        self._url = url
        self._ids = itertools.count(1)
        self.uploads: dict[str, Upload] = {}
        self._tickets: dict[str, Upload] = {}
        self.shared: list[SharedFile] = []
        self.member_files: dict[str, MemberFile] = {}
        self.downloads: list[Download] = []
        self.upload_posts: list[tuple[str, int]] = []
        """(ticket, bytes received) of every POST to an upload URL, refused or not."""

    def _next_id(self) -> str:
        return f"F{next(self._ids):09d}"

    # -- the upload flow -----------------------------------------------------------

    def ask_upload(self, payload: Payload) -> Payload:
        """``files.getUploadURLExternal``."""

        filename = payload.get("filename")
        if not isinstance(filename, str) or not filename.strip():
            raise _invalid("[ERROR] missing required field: filename")
        raw = payload.get("length")
        if raw in (None, ""):
            raise _invalid("[ERROR] missing required field: length")
        try:
            length = int(str(raw))
        except ValueError:
            raise _invalid("[ERROR] must be an integer [json-pointer:/length]") from None
        if length < 1:
            raise _invalid("[ERROR] must be greater than 0 [json-pointer:/length]")
        upload = Upload(self._next_id(), filename, length, ticket=f"u{next(self._ids)}")
        self.uploads[upload.file_id] = upload
        self._tickets[upload.ticket] = upload
        return {"upload_url": f"{self._url()}/upload/v1/{upload.ticket}", "file_id": upload.file_id}

    def receive(self, ticket: str, data: bytes) -> tuple[int, str]:
        """The POST of a file's bytes to its upload URL: (status, text) to answer."""

        self.upload_posts.append((ticket, len(data)))
        upload = self._tickets.get(ticket)
        if upload is None or upload.shared:
            return 404, "upload not found"
        if len(data) != upload.length:
            return 400, f"length mismatch: {upload.length} announced, {len(data)} received"
        upload.data = data
        return 200, f"OK - {len(data)}"

    def complete(
        self,
        payload: Payload,
        *,
        check_channel: Callable[[str], None],
        next_ts: Callable[[], str],
    ) -> tuple[list[SharedFile], Payload]:
        """``files.completeUploadExternal``: the files shared, and the answer's body."""

        listed = payload.get("files")
        if isinstance(listed, str):
            try:
                listed = json.loads(listed)
            except ValueError:
                raise _invalid("[ERROR] invalid JSON [json-pointer:/files]") from None
        if not isinstance(listed, list) or not listed:
            raise _invalid("[ERROR] missing required field: files")
        chosen: list[tuple[Upload, str]] = []
        for item in listed:
            file_id = item.get("id") if isinstance(item, dict) else None
            upload = self.uploads.get(str(file_id))
            if upload is None or upload.data is None or upload.shared:
                raise FileRefusal("file_not_found")
            chosen.append((upload, str(item.get("title") or upload.filename)))
        channel = str(payload.get("channel_id") or "")
        if channel:
            if not _CONVERSATION_ID.match(channel):
                raise _invalid(
                    "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ "
                    "[json-pointer:/channel_id]"
                )
            check_channel(channel)
        ts = next_ts() if channel else ""
        thread_ts = str(payload.get("thread_ts") or "") or None
        comment = str(payload.get("initial_comment") or "")
        made: list[SharedFile] = []
        answered: list[Payload] = []
        for upload, title in chosen:
            upload.shared = True
            assert upload.data is not None
            if channel:
                made.append(
                    SharedFile(
                        upload.file_id,
                        upload.filename,
                        title,
                        upload.data,
                        channel,
                        thread_ts,
                        comment,
                        ts,
                    )
                )
            shares: Payload = {}
            if channel:
                scope = "public" if channel.startswith("C") else "private"
                shares = {scope: {channel: [{"ts": ts, "channel_name": channel}]}}
            answered.append({"id": upload.file_id, "title": title, "shares": shares})
        self.shared.extend(made)
        return made, {"files": answered}

    # -- members' files ---------------------------------------------------------------

    def add(self, user: str, name: str, data: bytes, mimetype: str) -> Payload:
        """A member's file, as a ``file_share`` message event lists it."""

        file = MemberFile(self._next_id(), name, data, mimetype, user)
        self.member_files[file.file_id] = file
        return self.file_object(file)

    def file_object(self, file: MemberFile) -> Payload:
        base = f"{self._url()}/files-pri/{self._team_id}-{file.file_id}"
        extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
        return {
            "id": file.file_id,
            "created": _EPOCH,
            "timestamp": _EPOCH,
            "name": file.name,
            "title": file.name,
            "mimetype": file.mimetype,
            "filetype": extension,
            "user": file.user,
            "user_team": self._team_id,
            "mode": "hosted",
            "is_external": False,
            "size": len(file.data),
            "url_private": f"{base}/{quote(file.name)}",
            "url_private_download": f"{base}/download/{quote(file.name)}",
        }

    def serve(self, key: str, token: str | None, bot_token: str) -> tuple[int, str, bytes]:
        """A download of ``/files-pri/{key}/…``: (status, content type, body)."""

        file_id = key.removeprefix(f"{self._team_id}-")
        file = self.member_files.get(file_id)
        if token != bot_token:
            answer = (200, "text/html", SIGN_IN_PAGE.encode())
        elif file is None or file.removed:
            answer = (404, "text/plain", b"file not found")
        else:
            answer = (200, file.mimetype, file.data)
        self.downloads.append(Download(file_id, token, answer[0]))
        return answer
