"""No log level shows what members wrote, or a token or secret: not even DEBUG.

Convene runs here with its logging set up as ``convene run`` sets it up, at
DEBUG, and goes through a Slack workspace's day (a slash command, a message
in a DM, a reply in a thread, a button and a modal); every record any logger
emitted, Convene's or a library's, is read for members' words and secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import cli
from bot.config import ConveneSection, Settings
from bot.library_logs import FLOORS
from tests.support.slack_rig import SIGNING_SECRET, dm_event, slack_convene

WORDS = ("Tangerine", "Marmalade", "Quokka", "Zeppelin", "Xylophone")
"""What members write below; each must stay out of the logs."""


@pytest.fixture
def logging_as_convene_run_sets_it(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Logging at DEBUG as ``convene run`` configures it; every level put back afterwards."""

    names = ["", "convene", "convene.slack.socket", *FLOORS]
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    caplog.set_level(logging.DEBUG)
    cli._configure_logging(Settings(convene=ConveneSection(log_level="DEBUG")))
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)


def leaks(caplog: pytest.LogCaptureFixture, secrets: tuple[str, ...]) -> list[str]:
    found = []
    for record in caplog.records:
        said = " ".join(
            str(part)
            for part in (record.getMessage(), record.exc_text or "", record.stack_info or "")
        )
        for secret in secrets:
            if secret.lower() in said.lower():
                found.append(f"{record.name} {record.levelname}: {secret} in {said[:300]!r}")
    return found


def test_convenes_logging_holds_the_libraries_above_their_chatty_levels(
    logging_as_convene_run_sets_it: None,
) -> None:
    assert logging.getLogger("convene").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("slack_sdk.web.async_base_client").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("slack_bolt.App").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("discord.gateway").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_at_debug_no_log_line_shows_members_words_tokens_or_secrets(
    sqlite_url: str,
    mode: str,
    caplog: pytest.LogCaptureFixture,
    logging_as_convene_run_sets_it: None,
) -> None:
    async with slack_convene(sqlite_url, mode=mode) as rig:
        secrets = (*WORDS, rig.fake.bot_token, rig.fake.app_token, SIGNING_SECRET, "xoxb-", "xapp-")
        # A slash command, whose answer repeats what was typed.
        await rig.command("U1", "/convene", f"silo add {WORDS[0]}")
        assert any(WORDS[0] in said for said in rig.told("U1"))
        # A retro: a button, a modal typed into, a reply in its thread.
        await rig.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
        root = rig.posted("*Retro: Quarter 4*")[0]
        root_ts = rig.fake.history("C1")[0]["ts"]
        await rig.click("U2", {**root, "ts": root_ts}, "Add item")
        await rig.submit("U2", rig.last_view(), {"category": "Stop", "text": WORDS[1]})
        await rig.event(
            {
                "type": "message",
                "channel": "C1",
                "channel_type": "channel",
                "user": "U3",
                "text": f"start: {WORDS[2]} &amp; <@U2>",
                "ts": "1800000000.000001",
                "thread_ts": root_ts,
            },
            event_id="Ev-thread",
        )
        assert rig.posted(WORDS[1]) and rig.posted(WORDS[2])
        # A message in a DM.
        await rig.event(dm_event("U2", f"{WORDS[3]} {WORDS[4]}", "1800000000.2"), event_id="Ev-dm")

    assert caplog.records, "nothing was logged at all: the scenario did not run"
    assert leaks(caplog, secrets) == []
