"""Where Convene keeps the small files of one installation: beside its SQLite database.

The shell's log (``convene.log``) and its line history (``.convene_history``)
belong with the chat they record, and the chat is the database: a second
database in another folder (``CONVENE_DATABASE_URL=sqlite:///team/convene.db``)
gets a log and a history of its own. With PostgreSQL (or a database in
memory) there is no folder to share, so they go in the current folder.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url


def beside_database(database_url: str, name: str) -> Path:
    """The file ``name`` in the SQLite database's folder, else in the current folder."""

    url = make_url(database_url)
    database = url.database or ""
    if (
        url.get_backend_name() != "sqlite"
        or not database
        or database == ":memory:"
        or database.startswith("file:")
    ):
        return Path(name)
    return Path(database).expanduser().parent / name
