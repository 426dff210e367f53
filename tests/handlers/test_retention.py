"""Members' words are kept ``[privacy] retain_answers_months`` (12 by default), then deleted.

Every night at 03:00 UTC each workspace is pruned: check-in answers cleared
(the prompt's status stays, so participation still counts), the items of
retros closed before then deleted with their votes, follow-up take-aways
cleared (whether they met stays), and Convene's copies of old messages
deleted; a message still waiting to go out never is. ``/convene status``
says how long words are kept and what the last prune deleted.

The scenarios begin on Monday 30 November 2026 at 08:00 UTC; what they hold
from before was written 13 months ago (old enough to go) or 11 months ago
(kept). The clock moves to the next prune: nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.config import PrivacySection
from handlers.privacy.retention import PRUNE_JOB
from storage.models import (
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    Member,
    OutboxMessage,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Retro,
    RetroItem,
    RetroVote,
    Schedule,
    Workspace,
    WorkspaceSettings,
)
from storage.repositories.retention import months_before
from tests.support.harness import DEFAULT_START, Harness, running

OLD = months_before(DEFAULT_START, 13)
RECENT = months_before(DEFAULT_START, 11)
PRUNE_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
FAR_AWAY = DEFAULT_START + timedelta(days=3650)


@dataclass
class World:
    """What a year of Convene left: ids of the rows each scenario reads back."""

    workspace: Workspace
    you: Member
    ben: Member
    old_run: int
    recent_run: int
    old_retro: int
    recent_retro: int
    old_group: int
    recent_group: int


async def seed(convene: Harness) -> World:
    """A check-in run, a closed retro and an introduction from 13 months ago and from 11,
    and Convene's copies of messages sent then; a message still waiting since then."""

    await convene.command("you", "/convene status")  # the workspace, and its prune schedule
    [workspace] = await convene.rows(Workspace)
    [you] = await convene.rows(Member)
    wid = workspace.id
    assert wid is not None
    async with convene.app.sessions.begin() as session:
        ben = Member(workspace_id=wid, platform_user_id="ben", display_name="ben", created_at=OLD)
        checkin = Checkin(
            workspace_id=wid,
            name="Standup",
            name_key="standup",
            channel_id="general",
            channel_name="general",
            template="standup",
            weekdays="mon",
            timezone="UTC",
            anchor_at=OLD,
            created_at=OLD,
        )
        session.add_all([ben, checkin])
        await session.flush()
        runs = [
            CheckinRun(
                checkin_id=checkin.id,
                run_date=f"{when:%Y-%m-%d}",
                status="closed",
                opened_at=when,
                closed_at=when + timedelta(hours=12),
            )
            for when in (OLD, RECENT)
        ]
        retros = [
            Retro(
                workspace_id=wid,
                name=name,
                name_key=name.lower(),
                channel_id="general",
                channel_name="general",
                format="start-stop-continue",
                status="closed",
                opened_at=when - timedelta(days=1),
                closed_at=when,
            )
            for name, when in (("Autumn", OLD), ("Winter", RECENT))
        ]
        rounds = [
            PairingRound(workspace_id=wid, origin="asked", number=0, slot_at=when)
            for when in (OLD, RECENT)
        ]
        session.add_all([*runs, *retros, *rounds])
        await session.flush()
        groups = [PairingGroup(round_id=each.id) for each in rounds]
        session.add_all(groups)
        await session.flush()
        for run, when in zip(runs, (OLD, RECENT), strict=True):
            assert run.id is not None and you.id is not None and ben.id is not None
            session.add_all(
                [
                    CheckinPrompt(
                        run_id=run.id,
                        member_id=you.id,
                        status="answered",
                        due_at=when,
                        close_at=when + timedelta(hours=12),
                        answered_at=when + timedelta(hours=1),
                        answers=[f"you on {when:%b %Y}", "rota", "nothing"],
                    ),
                    CheckinPrompt(
                        run_id=run.id,
                        member_id=ben.id,
                        status="missed",
                        due_at=when,
                        close_at=when + timedelta(hours=12),
                    ),
                ]
            )
        items = [
            RetroItem(retro_id=retro.id, number=n, category="Start", text=f"{retro.name} {n}")
            for retro in retros
            for n in ((1, 2) if retro is retros[0] else (1,))
        ]
        session.add_all(items)
        await session.flush()
        session.add(RetroVote(item_id=items[0].id, member_id=ben.id, retro_id=retros[0].id))
        session.add(
            Commitment(
                workspace_id=wid,
                owner_id=you.id,
                text="Write the rota down",
                status="open",
                item_id=items[0].id,
                created_at=OLD,
                updated_at=OLD,
            )
        )
        for group, when in zip(groups, (OLD, RECENT), strict=True):
            session.add(
                PairingGroupMember(
                    group_id=group.id,
                    member_id=you.id,
                    outcome="met",
                    answered_at=when,
                    learning=f"learned in {when:%b %Y}",
                )
            )
        for key, status, when in (
            ("old-sent", "sent", OLD),
            ("old-dead", "dead", OLD),
            ("recent-sent", "sent", RECENT),
            ("old-pending", "pending", OLD),
        ):
            session.add(
                OutboxMessage(
                    idempotency_key=key,
                    platform=workspace.platform,
                    workspace_external_id=workspace.external_id,
                    # A channel of its own: the waiting one holds nobody else's messages back.
                    target_key="channel:archive",
                    payload={"target": {"kind": "channel", "channel_id": "archive"}, "text": key},
                    status=status,
                    sent_at=when if status == "sent" else None,
                    created_at=when,
                    next_attempt_at=FAR_AWAY if status == "pending" else when,
                    message_ref={"message_id": key} if status == "sent" else None,
                )
            )
        await session.flush()
        assert all(r.id is not None for r in [*runs, *retros, *groups])
        world = World(
            workspace,
            you,
            ben,
            runs[0].id or 0,
            runs[1].id or 0,
            retros[0].id or 0,
            retros[1].id or 0,
            groups[0].id or 0,
            groups[1].id or 0,
        )
    return world


@pytest.fixture
async def convene(database_url: str) -> AsyncIterator[Harness]:
    async with running(database_url, start=DEFAULT_START) as harness:
        yield harness


async def answers_by_run(convene: Harness) -> dict[tuple[int, int], tuple[str, list[str]]]:
    return {
        (p.run_id, p.member_id): (p.status, list(p.answers))
        for p in await convene.rows(CheckinPrompt)
    }


async def test_answers_thirteen_months_old_are_cleared_and_eleven_months_old_kept(
    convene: Harness,
) -> None:
    world = await seed(convene)
    assert world.you.id is not None and world.ben.id is not None

    await convene.advance(PRUNE_AT)

    prompts = await answers_by_run(convene)
    assert prompts[(world.old_run, world.you.id)] == ("answered", [])
    assert prompts[(world.old_run, world.ben.id)] == ("missed", [])
    assert prompts[(world.recent_run, world.you.id)] == (
        "answered",
        [f"you on {RECENT:%b %Y}", "rota", "nothing"],
    )


async def test_the_items_and_votes_of_a_retro_closed_long_ago_go_and_the_retro_stays(
    convene: Harness,
) -> None:
    world = await seed(convene)

    await convene.advance(PRUNE_AT)

    assert sorted(r.id for r in await convene.rows(Retro)) == sorted(
        [world.old_retro, world.recent_retro]
    )
    assert [(i.retro_id, i.text) for i in await convene.rows(RetroItem)] == [
        (world.recent_retro, "Winter 1")
    ]
    assert await convene.rows(RetroVote) == []
    [commitment] = await convene.rows(Commitment)
    assert (commitment.text, commitment.item_id) == ("Write the rota down", None)


async def test_take_aways_from_long_ago_are_cleared_and_whether_they_met_stays(
    convene: Harness,
) -> None:
    world = await seed(convene)

    await convene.advance(PRUNE_AT)

    found = {m.group_id: (m.outcome, m.learning) for m in await convene.rows(PairingGroupMember)}
    assert found == {
        world.old_group: ("met", None),
        world.recent_group: ("met", f"learned in {RECENT:%b %Y}"),
    }


async def test_old_sent_messages_are_deleted_and_a_waiting_message_never_is(
    convene: Harness,
) -> None:
    await seed(convene)

    await convene.advance(PRUNE_AT)

    left = {m.idempotency_key for m in await convene.rows(OutboxMessage)}
    assert {"old-sent", "old-dead"} & left == set()
    assert {"recent-sent", "old-pending"} <= left


async def test_status_shows_how_long_words_are_kept_and_what_the_last_prune_deleted(
    convene: Harness,
) -> None:
    await seed(convene)
    before = await convene.reply_to("you", "/convene status")
    assert (
        "Privacy: check-in answers, retro items and learning stories are kept 12 months; "
        "not pruned yet." in before
    )

    await convene.advance(PRUNE_AT + timedelta(hours=6))
    after = await convene.reply_to("you", "/convene status")

    assert (
        "Privacy: check-in answers, retro items and learning stories are kept 12 months; "
        "last pruned 1 Dec 03:00 UTC: 1 answer, 2 retro items, 1 learning story, "
        "2 old messages deleted." in after
    )


async def test_a_second_prune_the_same_day_deletes_nothing_more_and_keeps_the_days_counts(
    convene: Harness,
) -> None:
    world = await seed(convene)
    wid = world.workspace.id
    assert wid is not None and world.you.id is not None
    # A second instance made a schedule of its own, firing half an hour later.
    async with convene.app.sessions.begin() as session:
        session.add(
            Schedule(
                workspace_id=wid, job=PRUNE_JOB, cron="30 3 * * *", timezone="UTC", created_at=OLD
            )
        )
    await convene.advance(PRUNE_AT)
    [first] = await convene.rows(WorkspaceSettings)
    # An old answer that appears after the first prune (a restore, say) waits for tomorrow.
    async with convene.app.sessions.begin() as session:
        prompt = await session.get(CheckinPrompt, (world.old_run, world.you.id))
        assert prompt is not None
        prompt.answers = ["restored"]
        session.add(prompt)

    await convene.advance(PRUNE_AT + timedelta(hours=1))

    [second] = await convene.rows(WorkspaceSettings)
    assert (second.last_prune_at, second.last_prune_counts) == (
        first.last_prune_at,
        first.last_prune_counts,
    )
    prompts = await answers_by_run(convene)
    assert prompts[(world.old_run, world.you.id)] == ("answered", ["restored"])

    await convene.advance(PRUNE_AT + timedelta(days=1))
    prompts = await answers_by_run(convene)
    assert prompts[(world.old_run, world.you.id)] == ("answered", [])


async def test_retention_of_zero_months_keeps_everything(database_url: str) -> None:
    async with running(
        database_url, start=DEFAULT_START, privacy=PrivacySection(retain_answers_months=0)
    ) as convene:
        world = await seed(convene)
        assert world.you.id is not None

        await convene.advance(PRUNE_AT + timedelta(days=2))

        prompts = await answers_by_run(convene)
        assert prompts[(world.old_run, world.you.id)][1] != []
        assert len(await convene.rows(RetroItem)) == 3
        assert {m.learning for m in await convene.rows(PairingGroupMember)} == {
            f"learned in {OLD:%b %Y}",
            f"learned in {RECENT:%b %Y}",
        }
        assert len(await convene.rows(OutboxMessage, order_by=None)) >= 4
        status = await convene.reply_to("you", "/convene status")
        assert (
            "Privacy: check-in answers, retro items and learning stories are kept until a "
            "member or convener deletes them." in status
        )
        async with convene.app.sessions() as session:
            found = (await session.exec(select(WorkspaceSettings))).all()
        assert all(s.last_prune_at is None for s in found)
