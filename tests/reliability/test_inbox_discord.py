"""Discord does not resend an interaction either: one answered before a kill is still handled.

Through the fake Discord: alice's command is deferred (Discord has its
answer) while the instance dies before its work is done, and the dead
instance hands nothing back. A new instance on the same database and the
same Discord handles the command once the lease has run out; the answer
goes to alice's DMs, since the interaction's token belonged to the dead
process.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from bot.events import Event
from tests.support.discord_rig import ALICE, DEFAULT_START, discord_convene, discord_world

LEASE = timedelta(seconds=Settings().outbox.lease_seconds)


class ProcessDied(BaseException):
    """Stands for the process being killed: no ``except Exception`` of ours sees it."""


async def dies(event: Event, *, kept: bool = False) -> None:
    raise ProcessDied(f"killed before handling {event.event_id}")


async def hands_nothing_back() -> None:
    """A killed process does not get to hand its events back."""


async def test_a_deferred_interaction_whose_instance_died_is_handled_once_after_a_restart(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with discord_world() as fake:
        async with discord_convene(database_url, fake=fake) as dying:
            monkeypatch.setattr(dying.app.dispatcher, "dispatch", dies)
            monkeypatch.setattr(dying.app.inbox, "stop", hands_nothing_back)
            await dying.slash(ALICE, "convene", "silo", "add", name="Radiotherapy")
            assert fake.calls("POST", "/interactions/{id}/{token}/callback"), (
                "Discord has its answer (a deferral)"
            )
            assert not any("Added the silo" in said for said in dying.told(ALICE))

        later = DEFAULT_START + LEASE + timedelta(seconds=1)
        async with discord_convene(database_url, fake=fake, start=later) as restarted:
            await restarted.settle()
            added = [said for said in restarted.told(ALICE) if "Added the silo" in said]
            assert added == ["Added the silo Radiotherapy (team)."]

            restarted.clock.set(later + 10 * LEASE)
            await restarted.settle()
            added = [said for said in restarted.told(ALICE) if "Added the silo" in said]
            assert added == ["Added the silo Radiotherapy (team)."]
