"""The dashboard's tests and benchmark: Convene with the dashboard on, a landscape to
show, and the dashboard served on a free port of this machine.

``seed_landscape`` writes, in one transaction, what a year of convening
leaves: members in silos of two kinds (a few in one of each), an
introductions programme with rounds of groups, the bridges those groups
made and who met, learning stories under each kind of consent, a weekly
check-in and commitments. Rows are written directly (the rounds are not
run), so a 200-member landscape takes a fraction of a second.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from adapters.memory import MemoryAdapter
from bot.app import ConveneApp
from bot.clock import ManualClock
from bot.config import ConveneSection, DashboardSection, Settings
from bot.wiring import build_registry
from storage.models import (
    Checkin,
    CheckinPrompt,
    CheckinRun,
    Commitment,
    Member,
    MemberSilo,
    PairingGroup,
    PairingGroupMember,
    PairingRound,
    Programme,
    Silo,
    SiloBridge,
    Workspace,
)
from tests.support.harness import DEFAULT_START, Harness

SILO_NAMES = (
    "Radiotherapy",
    "Oncology",
    "Public Health",
    "Pharmacy",
    "Estates",
    "Data & Analytics",
    "Midwifery",
    "Physiotherapy",
    "Cardiology",
    "Emergency",
    "Paediatrics",
    'R&D <script>alert("x")</script>',
    "Trust A",
    "Trust B",
    "County Council",
    "University",
    "Hospice",
    "GP Federation",
    "Ambulance Service",
    "Charity Alliance",
)
"""Teams (the first three fifths) then organisations; one name is markup, to be shown
as text."""
FIRST_NAMES = [
    "Ada",
    "Amir",
    "Bea",
    "Chidi",
    "Dana",
    "Eli",
    "Femi",
    "Gita",
    "Hana",
    "Ivo",
    "Jun",
    "Kofi",
    "Lea",
    "Mara",
    "Nia",
    "Oren",
    "Pia",
    "Quinn",
    "Ravi",
    "Sana",
    "Tomas",
    "Uma",
    "Vik",
    "Wen",
    "Xiu",
    "Yara",
    "Zeno",
]
SECRET_STORY = "kept for conveners only"
"""Words only conveners-only stories hold: no dashboard output may show them."""


@dataclass
class Seeded:
    workspace_id: int
    silo_ids: list[int]
    member_names: dict[int, str]
    rounds: int
    named_stories: dict[str, str] = field(default_factory=dict)
    """Each story shared with its author's name: text, author."""
    anonymous_stories: dict[str, str] = field(default_factory=dict)
    """Each story shared without a name: text, the author the dashboard must not name."""


@asynccontextmanager
async def dashboard_convene(
    database_url: str,
    *,
    public_url: str = "",
    enabled: bool = True,
    start: datetime = DEFAULT_START,
) -> AsyncIterator[Harness]:
    """Convene on the memory adapter with the dashboard on, "you" its convener."""

    settings = Settings(
        convene=ConveneSection(database_url=database_url, conveners=["you"], instance_id="test"),
        dashboard=DashboardSection(enabled=enabled, port=8088, public_url=public_url),
    )
    clock = ManualClock(start)
    adapter = MemoryAdapter(platform="memory")
    app = ConveneApp(settings, [adapter], build_registry(), clock)
    await app.start(background=False)
    try:
        yield Harness(app, adapter, clock)
    finally:
        await app.stop()


@asynccontextmanager
async def served(convene: Harness) -> AsyncIterator[str]:
    """The dashboard of this Convene on a free port of 127.0.0.1; yields its base URL."""

    from handlers.landscape.dashboard.server import serving

    settings = convene.app.settings.dashboard
    async with serving(convene.app.sessions, convene.clock, settings, port=0) as port:
        yield f"http://127.0.0.1:{port}"


def link_in(text: str) -> str:
    """The path of the one-time link a ``/convene dashboard`` reply holds."""

    start = text.index("/login/")
    return text[start:].split()[0]


async def seed_landscape(
    convene: Harness,
    *,
    members: int = 200,
    silos: int = 20,
    rounds: int = 12,
    groups_per_round: int = 16,
    seed: int = 16,
) -> Seeded:
    """A workspace of ``members`` in ``silos`` after ``rounds`` weekly rounds, in the
    memory workspace where "you" (a convener) already is."""

    await convene.command("you", "/convene conveners")  # the workspace and "you" now exist
    chance = random.Random(seed)
    now = convene.clock.now()
    async with convene.app.sessions.begin() as session:
        workspace = (await session.exec(select(Workspace))).one()
        assert workspace.id is not None
        wid = workspace.id
        names = [SILO_NAMES[i] if i < len(SILO_NAMES) else f"Silo {i}" for i in range(silos)]
        silo_rows = [
            Silo(
                workspace_id=wid,
                name=name,
                name_key=name.casefold(),
                kind="team" if i < silos * 3 // 5 else "organisation",
                created_at=now - timedelta(days=400),
            )
            for i, name in enumerate(names)
        ]
        session.add_all(silo_rows)
        people = [
            Member(
                workspace_id=wid,
                platform_user_id=f"m{i:04d}",
                display_name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {i:03d}",
                timezone="Europe/London",
                created_at=now - timedelta(days=400),
            )
            for i in range(members)
        ]
        session.add_all(people)
        await session.flush()
        silo_ids = [s.id for s in silo_rows if s.id is not None]
        member_ids = [m.id for m in people if m.id is not None]
        silos_of: dict[int, list[int]] = {}
        for index, member_id in enumerate(member_ids):
            home = silo_ids[index % len(silo_ids)]
            silos_of[member_id] = [home]
            if index % 25 == 3:  # a few belong to a team and an organisation
                teams = len(silo_ids) * 3 // 5
                other = (index // 25) % 3
                is_team = index % len(silo_ids) < teams
                silos_of[member_id].append(silo_ids[-1 - other] if is_team else silo_ids[other])
        session.add_all(
            MemberSilo(member_id=m, silo_id=s) for m, held in silos_of.items() for s in held
        )
        programme = Programme(
            workspace_id=wid,
            channel_id="C-intros",
            channel_name="intros",
            timezone="Europe/London",
            anchor_at=now - timedelta(weeks=rounds + 1),
            created_at=now - timedelta(weeks=rounds + 1),
        )
        session.add(programme)
        await session.flush()
        assert programme.id is not None
        seeded = Seeded(wid, silo_ids, {m.id: m.display_name for m in people if m.id}, rounds)
        consents = ("conveners", "named", "anonymous")
        story = 0
        for number in range(1, rounds + 1):
            slot = now - timedelta(weeks=rounds - number, days=3)
            pairing_round = PairingRound(
                workspace_id=programme.workspace_id,
                programme_id=programme.id,
                number=number,
                slot_at=slot,
                participants=2 * groups_per_round,
            )
            session.add(pairing_round)
            await session.flush()
            assert pairing_round.id is not None
            chosen = chance.sample(member_ids, 2 * groups_per_round)
            for first, second in zip(chosen[::2], chosen[1::2], strict=True):
                group = PairingGroup(round_id=pairing_round.id)
                session.add(group)
                await session.flush()
                assert group.id is not None
                met = chance.random() < 0.6
                for place, member_id in enumerate((first, second)):
                    learning = None
                    consent = "conveners"
                    if met and place == 0:
                        consent = consents[story % 3]
                        story += 1
                        name = seeded.member_names[member_id]
                        if consent == "conveners":
                            learning = f"Something {SECRET_STORY} ({number}.{group.id})"
                        else:
                            learning = f"How the other team plans its week ({number}.{group.id})"
                            kept = (
                                seeded.named_stories
                                if consent == "named"
                                else seeded.anonymous_stories
                            )
                            kept[learning] = name
                    session.add(
                        PairingGroupMember(
                            group_id=group.id,
                            member_id=member_id,
                            outcome=("met" if met and place == 0 else "not_yet" if met else None),
                            answered_at=slot + timedelta(days=3) if met and place == 0 else None,
                            learning=learning,
                            learning_consent=consent,
                        )
                    )
                pairs = {
                    (min(a, b), max(a, b))
                    for a in silos_of[first]
                    for b in silos_of[second]
                    if a != b
                }
                session.add_all(
                    SiloBridge(
                        group_id=group.id,
                        silo_a=a,
                        silo_b=b,
                        workspace_id=wid,
                        round_id=pairing_round.id,
                    )
                    for a, b in sorted(pairs)
                )
        await _seed_checkins_and_commitments(session, wid, member_ids, now, rounds, chance)
    return seeded


async def _seed_checkins_and_commitments(
    session: AsyncSession,
    workspace_id: int,
    member_ids: list[int],
    now: datetime,
    weeks: int,
    chance: random.Random,
) -> None:
    checkin = Checkin(
        workspace_id=workspace_id,
        name="Weekly pulse",
        name_key="weekly pulse",
        channel_id="C-general",
        channel_name="general",
        template="standup",
        weekdays="0",
        timezone="Europe/London",
        anchor_at=now - timedelta(weeks=weeks + 1),
        created_at=now - timedelta(weeks=weeks + 1),
    )
    session.add(checkin)
    await session.flush()
    assert checkin.id is not None
    asked = member_ids[:40]
    for week in range(weeks):
        opened = now - timedelta(weeks=weeks - week)
        run = CheckinRun(
            checkin_id=checkin.id,
            run_date=opened.date().isoformat(),
            status="closed",
            opened_at=opened,
            closed_at=opened + timedelta(hours=15),
        )
        session.add(run)
        await session.flush()
        assert run.id is not None
        answering = 0.55 + 0.3 * week / max(1, weeks - 1)
        for member_id in asked:
            roll = chance.random()
            status = "answered" if roll < answering else "skipped" if roll > 0.95 else "missed"
            session.add(
                CheckinPrompt(
                    run_id=run.id,
                    member_id=member_id,
                    status=status,
                    due_at=opened,
                    close_at=opened + timedelta(hours=15),
                    asked_at=None if status == "skipped" else opened,
                    answered_at=opened + timedelta(hours=2) if status == "answered" else None,
                    answers=["Fine"] if status == "answered" else [],
                )
            )
    for index in range(40):
        status = ("done", "done", "open", "blocked", "dropped")[index % 5]
        due = (now + timedelta(days=(index % 9) * 4 - 16)).date().isoformat()
        session.add(
            Commitment(
                workspace_id=workspace_id,
                number=index + 1,
                owner_id=member_ids[index * 3 % len(member_ids)],
                text=f"Share the rota with the other team ({index})",
                due_on=due,
                status=status,
                created_at=now - timedelta(days=30),
                updated_at=now - timedelta(days=1),
                done_at=now - timedelta(days=2) if status == "done" else None,
                done_on_time=(index % 3 != 0) if status == "done" else None,
            )
        )
