"""How big a file a member may hand Convene, and how sizes read to people.

A file a member attaches (a CSV of members to import) is read into memory in
one piece, inside the handling of their command: a limit keeps one careless
attachment (a video, a database dump) from holding the process's memory and a
worker for minutes. Five megabytes is some 50,000 rows of members, far more
than any organisation's list, and the same on every platform so that the
member's sentence is the same everywhere.
"""

from __future__ import annotations

MAX_READ_BYTES = 5 * 1024 * 1024
"""The largest attached file Convene reads."""

_UNITS = ("KB", "MB", "GB")


def size_text(size: int) -> str:
    """``512 bytes``, ``12.3 KB``, ``4.0 MB``: a size as a person reads it (1 KB = 1,024 bytes)."""

    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    amount = float(size)
    for unit in _UNITS:
        amount /= 1024
        if amount < 1024 or unit == _UNITS[-1]:
            return f"{amount:.1f} {unit}"
    raise AssertionError("unreachable")


def too_large(name: str, size: int) -> str:
    """The sentence for a member whose file is over ``MAX_READ_BYTES``."""

    return (
        f"{name} is {size_text(size)}; I read files of up to {size_text(MAX_READ_BYTES)}. "
        "Send a smaller file (split a long list into several), and I will read it."
    )
