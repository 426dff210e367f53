"""A database busy for a moment: an event is tried again, not lost."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event

from tests.support.harness import running


async def test_a_command_that_meets_a_locked_database_is_tried_again_and_acts_once(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:
        refusals = {"left": 2}

        @event.listens_for(convene.app.engine.sync_engine, "before_cursor_execute")
        def busy_twice(
            conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
        ) -> None:
            # Another writer held SQLite's lock past busy_timeout, twice in a row.
            if statement.startswith("INSERT INTO silos") and refusals["left"]:
                refusals["left"] -= 1
                raise sqlite3.OperationalError("database is locked")

        delivered = await convene.command("you", "/convene silo add Radiotherapy --kind team")

        assert [d.text for d in delivered] == ["Added the silo Radiotherapy (team)."]
        assert refusals["left"] == 0
        listing = await convene.reply_to("you", "/convene silos")
        assert listing.count("Radiotherapy") == 1


async def test_a_database_locked_for_longer_gives_one_apology_and_keeps_nothing(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url) as convene:

        @event.listens_for(convene.app.engine.sync_engine, "before_cursor_execute")
        def always_busy(
            conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
        ) -> None:
            if statement.startswith("INSERT INTO silos"):
                raise sqlite3.OperationalError("database is locked")

        delivered = await convene.command("you", "/convene silo add Radiotherapy --kind team")

        replies = [d.text for d in delivered if d.message.target.kind == "channel"]
        assert len(replies) == 1
        assert replies[0].startswith("Sorry, something went wrong on my side")
        # ... and the convener (here the same person) hears about it in a DM.
        assert any(d.text.startswith("Heads up") for d in delivered)
        event.remove(convene.app.engine.sync_engine, "before_cursor_execute", always_busy)
        assert (await convene.reply_to("you", "/convene silos")).startswith("There are no silos")
