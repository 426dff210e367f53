"""The log watch the Slack and Discord sets run under catches what it is for.

Every test of ``tests/adapters/slack`` and ``tests/adapters/discord`` runs with
``tests.support.log_leaks`` on (``tests/adapters/conftest.py``): logging at
DEBUG as Convene sets it up, every record read afterwards for tokens, signing
secrets, the encryption key and what members typed. These scenarios show the
watch sees a leak when there is one: a careless debug line on the way in, a
library logging a token above its floor, the encryption key in a message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.dispatcher import Dispatcher
from bot.events import Event
from tests.support.log_leaks import KNOWN_SECRET_KEY, LeakWatch, watching
from tests.support.slack_rig import SIGNING_SECRET, dm_event, slack_convene

TYPED = "Our ward huddle moved to 08:15 because of the night shift handover"


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[LeakWatch]:
    yield from watching(monkeypatch)


def careless(monkeypatch: pytest.MonkeyPatch) -> None:
    """A debug line that says what a member wrote, on every event's way in."""

    dispatching = Dispatcher.dispatch

    async def dispatch(dispatcher: Dispatcher, event: Event, *args: Any, **kwargs: Any) -> Any:
        logging.getLogger("convene.dispatcher").debug("got %r", getattr(event, "text", ""))
        return await dispatching(dispatcher, event, *args, **kwargs)

    monkeypatch.setattr(Dispatcher, "dispatch", dispatch)


async def test_a_members_words_in_a_debug_line_are_caught(
    sqlite_url: str, watch: LeakWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    careless(monkeypatch)
    async with slack_convene(sqlite_url) as rig:
        await rig.event(dm_event("U2", TYPED, "1800000000.2"), event_id="Ev-dm")

    assert TYPED in watch.typed
    (leak,) = watch.leaks()
    assert leak.startswith("convene.dispatcher DEBUG: typed") and "ward huddle" in leak


async def test_the_same_scenario_without_the_careless_line_leaks_nothing(
    sqlite_url: str, watch: LeakWatch
) -> None:
    async with slack_convene(sqlite_url) as rig:
        await rig.event(dm_event("U2", TYPED, "1800000000.2"), event_id="Ev-dm")
        await rig.command("U1", "/convene", 'silo add "Night Shift Handover"')

    assert {TYPED, 'silo add "Night Shift Handover"'} <= watch.typed
    assert {rig.fake.bot_token, SIGNING_SECRET, KNOWN_SECRET_KEY} <= watch.secrets
    assert watch.records, "nothing was logged: the watch saw nothing"
    assert watch.leaks() == []


async def test_a_token_a_library_logs_is_never_made_below_its_floor_and_caught_above(
    sqlite_url: str, watch: LeakWatch
) -> None:
    async with slack_convene(sqlite_url) as rig:
        token = rig.fake.bot_token
        logging.getLogger("slack_sdk.web.async_base_client").debug("Bearer %s", token)
        assert watch.leaks() == []  # slack_sdk is held at INFO: the record was never made
        logging.getLogger("slack_sdk.web.async_base_client").warning("Bearer %s", token)

    (leak,) = watch.leaks()
    assert leak.startswith("slack_sdk.web.async_base_client WARNING: a secret")
    assert token not in leak  # the failure itself shows no secret


def test_the_encryption_key_set_for_the_run_is_looked_for(watch: LeakWatch) -> None:
    logging.getLogger("convene.keys").debug("keys: %s", KNOWN_SECRET_KEY)

    (leak,) = watch.leaks()
    assert leak.startswith("convene.keys DEBUG: a secret")
