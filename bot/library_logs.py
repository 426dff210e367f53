"""The libraries' loggers, held where they cannot show members' words or secrets.

Convene's own log lines name ids, kinds and counts, never what a member
wrote. The libraries under it are not so careful below a certain level:

- slack_sdk at DEBUG logs every Web API call's arguments and Slack's answer
  (the text of each message sent, the profiles read), and its Socket Mode
  client every envelope (members' messages and commands);
- SQLAlchemy at INFO logs each statement with its parameters (check-in
  answers, retro items), aiosqlite at DEBUG each call with its arguments;
- discord.py at DEBUG logs each gateway payload (message content) and each
  request's body;
- httpx and urllib3 at INFO or DEBUG log each URL, and a webhook's URL holds
  its token.

So each of them is held at a floor, whatever level Convene runs at: running
Convene at DEBUG makes Convene say more, never them. ``hold_library_logs`` is
called wherever logging is set up (``cli``).
"""

from __future__ import annotations

import logging

FLOORS: dict[str, int] = {
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
    "aiohttp": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "alembic": logging.WARNING,
    "apscheduler": logging.INFO,
    "discord": logging.INFO,
    "websockets": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.INFO,
    "urllib3": logging.WARNING,
}
"""The lowest level each library's loggers (and their children) may log at."""


def hold_library_logs(level: int | str) -> None:
    """Raise each library's logger to its floor, or to ``level`` (Convene's) when that is
    higher; a level set higher still (quieter) is kept."""

    wanted = logging.getLevelName(level) if isinstance(level, str) else level
    wanted = wanted if isinstance(wanted, int) else logging.INFO
    for name, floor in FLOORS.items():
        library = logging.getLogger(name)
        library.setLevel(max(floor, wanted, library.level))
