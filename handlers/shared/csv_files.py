"""A CSV file's lines read from disk, or one line saying why they could not be.

The command line's files (an organisation for ``convene simulate``, answers for
``convene opportunities`` and ``simulate --answers``) are read the same way: a
byte-order mark is allowed (spreadsheets write one), and each way a read can
fail is told as the file's name and what to do.
"""

from __future__ import annotations

from pathlib import Path


def csv_lines(path: Path, problem: type[Exception]) -> list[str]:
    """The lines of ``path``; a failure raised as ``problem`` naming the file."""

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise problem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise problem(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise problem(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as failure:
        raise problem(f"{path}: cannot be read ({failure.strerror})") from None
    return text.splitlines()
