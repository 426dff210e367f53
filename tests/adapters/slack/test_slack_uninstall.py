"""A workspace that uninstalls Convene: its tokens go at once, its schedules stop, its data
goes after the grace period, unless it installs Convene again first.

Two workspaces installed over OAuth (``tests.support.slack_installs``); the
other one carries on untouched throughout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.messages import OutgoingMessage, Target
from bot.outbox import Outbox
from handlers.privacy.uninstall import GIVEN_UP
from storage.models import (
    HandlerFailure,
    Member,
    OutboxMessage,
    Silo,
    SlackInstallation,
    Workspace,
)
from tests.support.log_leaks import LeakWatch
from tests.support.slack_installs import InstallsRig, slack_installs

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday
CHECKIN = 'checkin create "Pulse" #{channel} every Monday 09:00'


@pytest.fixture
async def installs(
    database_url: str, nothing_leaks_into_logs: LeakWatch | None
) -> AsyncIterator[InstallsRig]:
    async with slack_installs(database_url, start=START, watch=nothing_leaks_into_logs) as rig:
        await rig.install("T1")
        await rig.install("T2")
        await rig.command("T1", "U1", "/convene", "silo add Radiology")
        await rig.command("T2", "W1", "/convene", "silo add Pharmacy", channel="C2")
        yield rig


async def workspace(rig: InstallsRig, team_id: str) -> Workspace | None:
    async with rig.app.sessions() as session:
        found = await session.exec(select(Workspace).where(Workspace.external_id == team_id))
        return found.first()


async def installed_teams(rig: InstallsRig) -> set[str]:
    async with rig.app.sessions() as session:
        return {row.team_id for row in (await session.exec(select(SlackInstallation))).all()}


async def rows_of(rig: InstallsRig, workspace_id: int) -> tuple[int, int]:
    """(members, silos) the workspace holds."""

    async with rig.app.sessions() as session:
        members = await session.exec(
            select(func.count()).select_from(Member).where(Member.workspace_id == workspace_id)
        )
        silos = await session.exec(
            select(func.count()).select_from(Silo).where(Silo.workspace_id == workspace_id)
        )
        return members.one(), silos.one()


async def outbox_of(rig: InstallsRig, team_id: str) -> list[OutboxMessage]:
    async with rig.app.sessions() as session:
        found = await session.exec(
            select(OutboxMessage).where(OutboxMessage.workspace_external_id == team_id)
        )
        return list(found.all())


def prompts_to(rig: InstallsRig, user: str) -> list[str]:
    return [
        str(m["text"]) for m in rig.fake.accepted_calls("chat.postMessage") if m["channel"] == user
    ]


async def test_an_uninstall_deletes_the_workspaces_tokens_at_once_and_only_its_own(
    installs: InstallsRig,
) -> None:
    assert installs.adapter.tokens is not None
    assert installs.adapter.tokens.known("T1") is not None

    answer = await installs.uninstall("T1", event_id="Ev-gone")

    assert answer.status == 200
    assert await installed_teams(installs) == {"T2"}
    assert installs.adapter.tokens.known("T1") is None
    gone = await workspace(installs, "T1")
    assert gone is not None and gone.uninstalled_at == START
    kept = await workspace(installs, "T2")
    assert kept is not None and kept.uninstalled_at is None
    # The other workspace is answered as before.
    await installs.command("T2", "W1", "/convene", "silo add Nursing", channel="C2")
    assert (
        "Added the silo Nursing"
        in installs.fake.calls_by_team("chat.postEphemeral")["T2"][-1]["text"]
    )


async def test_both_notices_in_either_order_and_repeated_act_as_one_uninstall(
    installs: InstallsRig,
) -> None:
    await installs.revoked("T1", "UBOT1", event_id="Ev-revoked")
    installs.clock.advance(timedelta(minutes=1))
    await installs.uninstall("T1", event_id="Ev-uninstalled")
    await installs.uninstall("T1", event_id="Ev-uninstalled")  # Slack's retry

    gone = await workspace(installs, "T1")
    assert gone is not None and gone.uninstalled_at == START  # the first notice's moment
    assert await installed_teams(installs) == {"T2"}


async def test_a_revocation_of_members_own_tokens_only_is_not_an_uninstall(
    installs: InstallsRig,
) -> None:
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}}
    await installs.event("T1", event, event_id="Ev-user-tokens")

    still = await workspace(installs, "T1")
    assert still is not None and still.uninstalled_at is None
    assert await installed_teams(installs) == {"T1", "T2"}


async def test_schedules_of_an_uninstalled_workspace_stop_while_the_others_run(
    installs: InstallsRig,
) -> None:
    await installs.command("T1", "U1", "/convene", CHECKIN.format(channel="general"))
    await installs.command("T2", "W1", "/convene", CHECKIN.format(channel="lobby"), channel="C2")

    await installs.uninstall("T1", event_id="Ev-gone")
    queued = len(await outbox_of(installs, "T1"))
    await installs.advance_to(START.replace(hour=9, minute=30))

    # Nothing of T1's ran: no prompt was even queued (it could not have gone anyway).
    assert len(await outbox_of(installs, "T1")) == queued
    assert prompts_to(installs, "U1") == [] and prompts_to(installs, "U2") == []
    assert any(text.startswith("Time for *Pulse*") for text in prompts_to(installs, "W2"))


async def test_messages_still_waiting_for_an_uninstalled_workspace_are_given_up(
    installs: InstallsRig,
) -> None:
    # A reminder queued for T1 that has not gone out yet when the notice arrives.
    async with installs.app.sessions.begin() as session:
        outbox = Outbox(session, "slack", "T1", installs.clock)
        await outbox.send("test:reminder", OutgoingMessage(Target.dm("U1"), "Reminder"))
    waiting = [row for row in await outbox_of(installs, "T1") if row.status == "pending"]
    assert len(waiting) == 1

    await installs.uninstall("T1", event_id="Ev-gone")
    await installs.advance_to(START + timedelta(minutes=5))

    (row,) = [row for row in await outbox_of(installs, "T1") if row.id == waiting[0].id]
    assert (row.status, row.last_error) == ("dead", GIVEN_UP)
    assert "Reminder" not in prompts_to(installs, "U1")


async def test_the_data_of_a_workspace_that_stays_uninstalled_is_deleted_after_the_grace_period(
    installs: InstallsRig,
) -> None:
    first = await workspace(installs, "T1")
    other = await workspace(installs, "T2")
    assert first is not None and first.id is not None and other is not None and other.id
    assert await rows_of(installs, first.id) == (1, 1)
    before = await rows_of(installs, other.id)

    await installs.uninstall("T1", event_id="Ev-gone")
    await installs.advance_to(START + timedelta(days=30) - timedelta(minutes=1))
    assert await workspace(installs, "T1") is not None
    await installs.advance_to(START + timedelta(days=30, minutes=1))

    assert await workspace(installs, "T1") is None
    assert await rows_of(installs, first.id) == (0, 0)
    assert await outbox_of(installs, "T1") == []
    assert await rows_of(installs, other.id) == before
    assert await outbox_of(installs, "T2") != []


async def test_a_workspace_that_installs_again_in_time_keeps_its_data_and_its_schedules(
    installs: InstallsRig,
) -> None:
    await installs.command("T1", "U1", "/convene", CHECKIN.format(channel="general"))
    first = await workspace(installs, "T1")
    assert first is not None and first.id is not None
    held = await rows_of(installs, first.id)

    await installs.uninstall("T1", event_id="Ev-gone")
    await installs.advance_to(START + timedelta(days=10))
    page = await installs.install("T1")

    assert page.status == 200
    back = await workspace(installs, "T1")
    assert back is not None and back.id == first.id and back.uninstalled_at is None
    await installs.advance_to(START + timedelta(days=35))
    assert await workspace(installs, "T1") is not None
    assert await rows_of(installs, first.id) == held
    # The check-in runs again on the Mondays after the install (7 and 14 December...).
    assert any(text.startswith("Time for *Pulse*") for text in prompts_to(installs, "U1"))
    (token,) = installs.fake.tokens_of("T1")
    assert {r.token for r in installs.fake.requests if r.method == "chat.postMessage"} >= {token}


async def test_a_workspace_deleted_after_its_grace_period_that_installs_again_starts_afresh(
    installs: InstallsRig,
) -> None:
    """The uninstall was the last event the dispatcher saw of T1; forty days later T1 installs
    Convene again. Its old row is gone, so its first command makes a new one, rather than
    using a row the dispatcher remembered from before (which would fail its first write)."""

    first = await workspace(installs, "T1")
    assert first is not None and first.id is not None
    await installs.uninstall("T1", event_id="Ev-gone")
    await installs.advance_to(START + timedelta(days=31))
    assert await workspace(installs, "T1") is None

    await installs.install("T1")
    await installs.command("T1", "U1", "/convene", "silo add Nursing")
    await installs.settle()

    again = await workspace(installs, "T1")
    assert again is not None and again.id != first.id and again.uninstalled_at is None
    async with installs.app.sessions() as session:
        failures = (await session.exec(select(HandlerFailure))).all()
    assert failures == []
    assert await rows_of(installs, again.id) == (1, 1)
