"""The landscape as every view reads it: introduced is not met, and only real bridges count.

These scenarios build the rows a few rounds would leave (silos, members,
groups, their silo bridges and follow-up answers) and read them back through
``load_landscape`` and ``load_stories``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.landscape import INTRODUCED, MET, NEVER, Landscape, load_landscape
from handlers.shared.stories import load_stories
from storage.models import Member, PairingGroupMember, PairingRound, Programme, Silo
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo
from storage.repositories import silos as silos_repo
from storage.repositories import workspaces as workspaces_repo

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


class Network:
    """A small hospital network: three teams, two trusts, one person in two teams."""

    def __init__(self, session: AsyncSession, workspace_id: int) -> None:
        self.session = session
        self.wid = workspace_id
        self.silos: dict[str, Silo] = {}
        self.people: dict[str, Member] = {}

    async def silo(self, name: str, kind: str) -> Silo:
        self.silos[name] = await silos_repo.add(self.session, self.wid, name, kind, NOW)
        return self.silos[name]

    async def person(self, name: str, *silos: str) -> Member:
        member = await members_repo.add(self.session, self.wid, f"U-{name}", name, None, NOW)
        for silo in silos:
            await members_repo.link_silo(self.session, member, self.silos[silo])
        self.people[name] = member
        return member

    async def programme(self, mix: str = "") -> Programme:
        return await pairings_repo.add_programme(
            self.session,
            Programme(
                workspace_id=self.wid,
                channel_id="C1",
                channel_name="meet",
                mix_kinds=mix,
                timezone="Europe/London",
                anchor_at=NOW,
                created_at=NOW,
            ),
        )

    async def round(self, programme: Programme, number: int) -> PairingRound:
        assert programme.id is not None
        return await pairings_repo.add_round(
            self.session,
            PairingRound(
                workspace_id=programme.workspace_id,
                programme_id=programme.id,
                number=number,
                slot_at=NOW + timedelta(weeks=number),
                participants=2,
            ),
        )

    async def group(
        self, pairing_round: PairingRound, names: tuple[str, ...], *bridges: tuple[str, str]
    ) -> int:
        assert pairing_round.id is not None
        group = await pairings_repo.add_group(
            self.session,
            round_id=pairing_round.id,
            workspace_id=self.wid,
            member_ids=[self.people[n].id or 0 for n in names],
            starter="",
            reasons={},
            bridges=[(self.silos[a].id or 0, self.silos[b].id or 0) for a, b in bridges],
        )
        assert group.id is not None
        return group.id

    async def answer(
        self, group_id: int, name: str, outcome: str, learning: str = "", consent: str = ""
    ) -> None:
        place = await self.session.get(PairingGroupMember, (group_id, self.people[name].id))
        assert place is not None
        place.outcome = outcome
        place.answered_at = NOW + timedelta(days=40)
        if learning:
            place.learning = learning
            place.learning_consent = consent or "conveners"
        self.session.add(place)
        await self.session.flush()

    def pair(self, a: str, b: str) -> tuple[int, int]:
        x, y = self.silos[a].id or 0, self.silos[b].id or 0
        return (min(x, y), max(x, y))


async def _network(session: AsyncSession) -> Network:
    workspace = await workspaces_repo.get_or_create(session, "slack", "T1", "Network", NOW)
    assert workspace.id is not None
    net = Network(session, workspace.id)
    for name in ("Radiotherapy", "Oncology", "Public Health"):
        await net.silo(name, "team")
    for name in ("Trust A", "County Council"):
        await net.silo(name, "organisation")
    await net.silo("Empty Team", "team")
    await net.person("Ana", "Radiotherapy", "Trust A")
    await net.person("Ben", "Public Health", "County Council")
    await net.person("Cy", "Oncology", "Trust A")
    await net.person("Dee", "Oncology", "Radiotherapy")  # stands in two teams
    return net


async def test_a_round_nobody_answered_is_introduced_everywhere_and_met_nowhere(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        first = await net.round(await net.programme(), 1)
        await net.group(first, ("Ana", "Ben"), ("Radiotherapy", "Public Health"))
        await net.group(first, ("Cy", "Ben"), ("Oncology", "Public Health"))
        land = await load_landscape(session, net.wid)

    assert land.state(net.pair("Radiotherapy", "Public Health")) == INTRODUCED
    assert land.met_pairs == frozenset()
    assert land.met_share == 0.0
    # Radiotherapy-Oncology share Dee, so the teams' bridges to build are the two made.
    assert land.possible == {
        net.pair("Radiotherapy", "Public Health"),
        net.pair("Oncology", "Public Health"),
        net.pair("Trust A", "County Council"),
    }
    assert land.introduced_share == 2 / 3


async def test_one_member_answering_we_met_makes_the_pair_met(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        first = await net.round(await net.programme(), 1)
        group = await net.group(first, ("Ana", "Ben"), ("Radiotherapy", "Public Health"))
        await net.answer(group, "Ana", "met")
        await net.answer(group, "Ben", "not_met")
        land = await load_landscape(session, net.wid)

    bridge = land.bridges[net.pair("Radiotherapy", "Public Health")]
    assert (bridge.state, bridge.introductions, bridge.meetings) == (MET, 1, 1)
    assert bridge.first_met == NOW + timedelta(weeks=1)
    assert [s.name for s in land.unmet_silos()] == ["County Council", "Oncology", "Trust A"]


async def test_silos_that_share_a_member_or_differ_in_kind_are_never_bridges(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        first = await net.round(await net.programme(), 1)
        # What an older engine recorded: a team with an organisation, two teams Dee joins.
        group = await net.group(
            first, ("Ana", "Cy"), ("Radiotherapy", "Trust A"), ("Radiotherapy", "Oncology")
        )
        await net.answer(group, "Ana", "met")
        land = await load_landscape(session, net.wid)

    assert land.bridges == {}
    assert land.state(net.pair("Radiotherapy", "Oncology")) == NEVER
    assert net.pair("Radiotherapy", "Oncology") not in land.possible


async def test_a_programme_that_mixes_teams_with_organisations_counts_that_crossing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        first = await net.round(await net.programme("team,organisation+team"), 1)
        await net.group(first, ("Ana", "Ben"), ("Radiotherapy", "County Council"))
        land = await load_landscape(session, net.wid)

    assert land.state(net.pair("Radiotherapy", "County Council")) == INTRODUCED
    # Organisations are not mixed with each other in this programme.
    assert net.pair("Trust A", "County Council") not in land.possible
    # Ana stands in Radiotherapy and Trust A: that crossing is never one to build.
    assert net.pair("Radiotherapy", "Trust A") not in land.possible


async def test_a_view_of_one_kind_and_one_period_keeps_to_them(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        programme = await net.programme()
        first, third = await net.round(programme, 1), await net.round(programme, 3)
        await net.group(first, ("Ana", "Ben"), ("Radiotherapy", "Public Health"))
        later = await net.group(third, ("Cy", "Ben"), ("Trust A", "County Council"))
        await net.answer(later, "Cy", "met")
        teams = await load_landscape(session, net.wid, kind="team")
        recent = await load_landscape(session, net.wid, since=NOW + timedelta(weeks=2))

    assert {s.kind for s in teams.silos} == {"team"}
    assert set(teams.bridges) == {net.pair("Radiotherapy", "Public Health")}
    assert set(recent.bridges) == {net.pair("Trust A", "County Council")}
    assert recent.met_pairs == {net.pair("Trust A", "County Council")}


async def test_the_next_pairs_to_bridge_are_the_blank_ones_with_most_people(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        await net.person("Eve", "Public Health")
        land = await load_landscape(session, net.wid)

    assert land.next_to_bridge(3)[0] in {
        net.pair("Radiotherapy", "Public Health"),
        net.pair("Oncology", "Public Health"),
    }
    assert len(land.next_to_bridge(3)) == 3


async def test_stories_reach_shared_outputs_only_as_their_authors_allowed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        first = await net.round(await net.programme(), 1)
        one = await net.group(first, ("Ana", "Ben"), ("Radiotherapy", "Public Health"))
        two = await net.group(first, ("Cy", "Dee"))
        await net.answer(one, "Ana", "met", "They plan in years.", "named")
        await net.answer(one, "Ben", "met", "Radiotherapy books weeks ahead.", "anonymous")
        await net.answer(two, "Cy", "met", "A private worry about rotas.", "conveners")
        shared = await load_stories(session, net.wid, audience="shared")
        conveners = await load_stories(session, net.wid, audience="conveners")

    assert [(s.author, s.text) for s in shared] == [
        ("Ana", "They plan in years."),
        (None, "Radiotherapy books weeks ahead."),
    ]
    assert {(s.author, s.consent) for s in conveners} == {
        ("Ana", "named"),
        ("Ben", "anonymous"),
        ("Cy", "conveners"),
    }


async def test_a_reading_without_round_lists_is_the_same_landscape_less_the_lists(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Reports read the landscape without each bridge's rounds; nothing else may change,
    and first moments follow the rounds' times even where ids run the other way."""

    async with sessions.begin() as session:
        net = await _network(session)
        programme = await net.programme()
        first, third = await net.round(programme, 1), await net.round(programme, 3)
        assert programme.id is not None
        early = await pairings_repo.add_round(
            session,
            PairingRound(
                workspace_id=programme.workspace_id,
                programme_id=programme.id,
                number=9,
                slot_at=NOW,
                participants=2,
            ),
        )
        await net.group(first, ("Ana", "Ben"), ("Radiotherapy", "Public Health"))
        late = await net.group(third, ("Ana", "Ben"), ("Radiotherapy", "Public Health"))
        await net.answer(late, "Ben", "met")
        await net.group(early, ("Cy", "Ben"), ("Oncology", "Public Health"))
        periods = [None, NOW + timedelta(days=1)]
        full = [await load_landscape(session, net.wid, since=since) for since in periods]
        lean = [
            await load_landscape(session, net.wid, since=since, with_rounds=False)
            for since in periods
        ]

    def figures(land: Landscape) -> dict[tuple[int, int], tuple[object, ...]]:
        return {
            pair: (b.introductions, b.meetings, b.first_introduced, b.first_met, b.state)
            for pair, b in land.bridges.items()
        }

    for with_lists, without in zip(full, lean, strict=True):
        assert figures(without) == figures(with_lists)
        assert without.met_pairs == with_lists.met_pairs
        assert without.possible == with_lists.possible
        assert all(not bridge.rounds for bridge in without.bridges.values())
    everything = full[0].bridges
    radiotherapy = everything[net.pair("Radiotherapy", "Public Health")]
    assert radiotherapy.rounds == {first.id, third.id}
    assert radiotherapy.first_introduced == NOW + timedelta(weeks=1)
    assert radiotherapy.first_met == NOW + timedelta(weeks=3)
    assert everything[net.pair("Oncology", "Public Health")].first_introduced == NOW
    assert net.pair("Oncology", "Public Health") not in full[1].bridges
