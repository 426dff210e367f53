"""The secrets that open the dashboard: made at random, kept only as their SHA-256.

The lead chose random tokens hashed in the database over signed (HMAC)
links: a token is bound to one convener in one workspace by its row, needs
no key to manage, and is revoked by deleting the row.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

LINK_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
COOKIE = "convene_dashboard"
_TOKEN = re.compile(r"[0-9a-f]{64}")


def new_token() -> str:
    """256 random bits, in hex: nothing in it a chat platform's markup would read
    (an ``_`` in a Slack link can turn into italics)."""

    return secrets.token_hex(32)


def digest(token: str) -> str:
    """What the database keeps of a token."""

    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(text: str) -> bool:
    """Whether ``text`` could be one of ours (a mangled link is refused before any query)."""

    return _TOKEN.fullmatch(text) is not None
