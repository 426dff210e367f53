"""The fake Discord's files: what a multipart upload carried, and the CDN that serves them.

A message with files is a ``multipart/form-data`` body (developer docs,
reference, "Uploading Files"): its JSON in the part ``payload_json`` and one
part ``files[n]`` a file, each with a ``filename``. The fake keeps each
part's bytes (``UploadedPart``) so a test reads exactly what Convene sent, and
refuses what Discord refuses (``discord_limits.upload_problems`` and
``too_large``): more than 10 files, a file over the 10 MiB a bot may upload
without boosts (413, code 40005), an ``attachments`` placeholder naming no
``files[n]``.

Attachments, the bot's and members' (``FakeDiscord.add_attachment``), are
served on the fake itself at ``/attachments/{channel}/{id}/{filename}``, as
Discord's CDN serves them (no token; a signed query string, not checked
here). An expired one (``expire``) answers 404 as the CDN does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.discord_limits import FILE_BYTES

Payload = dict[str, Any]

CDN_GONE = b"This content is no longer available."


@dataclass(frozen=True, slots=True)
class UploadedPart:
    """One file part of a multipart request, as received."""

    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class CdnFile:
    attachment_id: int
    channel_id: int
    filename: str
    content_type: str
    data: bytes
    expired: bool = False


def too_large(parts: list[UploadedPart]) -> UploadedPart | None:
    """The first file over the upload limit, if any: Discord answers it 413 (40005)."""

    return next((part for part in parts if len(part.data) > FILE_BYTES), None)


class DiscordCdn:
    """Attachments by id, and every fetch of one (id, status)."""

    def __init__(self, base: Any) -> None:
        self._base = base
        self.files: dict[int, CdnFile] = {}
        self.fetches: list[tuple[int, int]] = []

    def add(
        self, attachment_id: int, channel_id: int, filename: str, content_type: str, data: bytes
    ) -> Payload:
        """Keep a file; its attachment object, as messages and ``resolved`` carry it."""

        file = CdnFile(attachment_id, channel_id, filename, content_type, data)
        self.files[attachment_id] = file
        return self.attachment(file)

    def attachment(self, file: CdnFile) -> Payload:
        url = (
            f"{self._base()}/attachments/{file.channel_id}/{file.attachment_id}/{file.filename}"
            "?ex=6a000000&is=69f00000&hm=fake"
        )
        return {
            "id": str(file.attachment_id),
            "filename": file.filename,
            "size": len(file.data),
            "url": url,
            "proxy_url": url,
            "content_type": file.content_type,
        }

    def get(self, attachment_id: int) -> CdnFile:
        return self.files[attachment_id]

    def serve(self, attachment_id: str) -> tuple[int, str, bytes]:
        """A GET of an attachment's URL: (status, content type, body)."""

        found = self.files.get(int(attachment_id)) if attachment_id.isdigit() else None
        if found is None or found.expired:
            answer = (404, "text/plain", CDN_GONE)
        else:
            answer = (200, found.content_type, found.data)
        self.fetches.append((int(attachment_id) if attachment_id.isdigit() else 0, answer[0]))
        return answer
