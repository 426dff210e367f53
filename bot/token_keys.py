"""The keys that encrypt platform tokens at rest: ``[privacy] secret_key`` as Fernet keys.

A copy of the database alone must open nothing, so every token Convene keeps
(Slack's bot and refresh tokens, installed over OAuth) is encrypted with
Fernet (AES with an HMAC: a changed byte fails to decrypt instead of reading
as another token). ``CONVENE_SECRET_KEY`` holds one key or several,
comma-separated, newest first: the first encrypts, any of them decrypts. A
key is rotated by putting a new one in front; once every token has been
written again with it (``rotate``, or simply a token refreshed), the old
one can be dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

MAKE_A_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
"""The one line that prints a new key."""


class BadSecretKey(ValueError):
    """``[privacy] secret_key`` is missing or holds something that is not a Fernet key (the
    config's check turns it into its one-line ``ConfigError``)."""


class UnreadableToken(Exception):
    """A stored token none of the keys opens (its key was dropped, or the row was changed)."""


class TokenKeys:
    """Encrypts with the newest key, decrypts with any (``cryptography``'s MultiFernet)."""

    def __init__(self, keys: Sequence[Fernet]) -> None:
        if not keys:
            raise BadSecretKey(f"no secret key is set; make one with: {MAKE_A_KEY}")
        self._keys = MultiFernet(list(keys))
        self.count = len(keys)
        """How many keys are set: more than one while a rotation is under way."""

    @classmethod
    def from_setting(cls, value: str, *, label: str = "$CONVENE_SECRET_KEY") -> TokenKeys:
        """The keys in ``value`` (comma-separated, newest first), or ``BadSecretKey`` saying
        which one is wrong and how to make a good one (never the key itself)."""

        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts:
            raise BadSecretKey(
                f"{label} is empty: tokens are encrypted with it; make a key with: {MAKE_A_KEY}"
            )
        keys = []
        for place, part in enumerate(parts, start=1):
            try:
                keys.append(Fernet(part.encode()))
            except (ValueError, TypeError):
                which = "" if len(parts) == 1 else f" (key {place} of {len(parts)})"
                raise BadSecretKey(
                    f"{label}{which} is not a Fernet key (44 characters of URL-safe base64); "
                    f"make one with: {MAKE_A_KEY}"
                ) from None
        return cls(keys)

    def encrypt(self, token: str) -> str:
        return self._keys.encrypt(token.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._keys.decrypt(stored.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise UnreadableToken(
                "a stored token cannot be decrypted with any key of $CONVENE_SECRET_KEY "
                "(was the key that wrote it dropped?); install the app again to store a new one"
            ) from None

    def rotate(self, stored: str) -> str:
        """``stored`` encrypted again with the newest key (whichever key wrote it)."""

        try:
            return self._keys.rotate(stored.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise UnreadableToken(
                "a stored token cannot be decrypted with any key of $CONVENE_SECRET_KEY"
            ) from None
