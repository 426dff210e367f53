"""Fixtures of the Slack tests: no proxy between slack_sdk and the fake Slack on loopback,
and Convene on the Slack adapter (``slack``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from tests.support.slack_rig import SlackRig, slack_convene


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk takes a proxy from HTTP(S)_PROXY and ignores NO_PROXY, which would send
    requests for 127.0.0.1 to the proxy."""

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def slack(database_url: str, start: datetime) -> AsyncIterator[SlackRig]:
    """Convene on the Slack adapter (HTTP mode) against the fake Slack's standard world,
    on each kind of database (``slack_convene`` for other settings or a restart)."""

    async with slack_convene(database_url, start=start) as rig:
        yield rig
