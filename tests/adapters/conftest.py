"""The Slack and Discord sets run with the log watch on (``tests.support.log_leaks``):
at DEBUG, no log record of theirs may hold a token, a secret, the encryption key or
anything a member typed. ``CONVENE_LOG_WATCH=0`` turns the watch off (to time it)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.log_leaks import LeakWatch, watching

WATCHED = ("slack", "discord")
"""The folders whose every test is watched."""


@pytest.fixture(autouse=True)
def nothing_leaks_into_logs(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LeakWatch | None]:
    if os.environ.get("CONVENE_LOG_WATCH") == "0" or request.path.parent.name not in WATCHED:
        yield None
        return
    for watch in watching(monkeypatch):
        yield watch
        leaks = watch.leaks()
        if leaks:
            pytest.fail(
                f"{len(leaks)} log records hold a secret or a member's words:\n"
                + "\n".join(leaks[:10]),
                pytrace=False,
            )
