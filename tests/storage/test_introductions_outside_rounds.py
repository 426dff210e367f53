"""Introductions made outside the rounds, as every reading sees them, on SQLite and PostgreSQL.

An accepted suggestion (or a member's ask) is kept as a round of its own with
no programme and number 0. The workspace's views count it (the landscape,
the report's rounds, the exports, the stories); a programme's views and its
round numbering never see it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.shared.landscape import INTRODUCED, MET, NEVER, load_landscape
from handlers.shared.stories import load_stories
from storage.models import PairingRound
from storage.repositories import pairings as pairings_repo
from storage.repositories import reports as reports_repo
from tests.storage.test_landscape_reading import NOW, Network, _network


async def outside(net: Network, weeks: int, origin: str = "suggestion") -> PairingRound:
    """An introduction outside the rounds, ``weeks`` after the start."""

    return await pairings_repo.add_round(
        net.session,
        PairingRound(
            workspace_id=net.wid,
            programme_id=None,
            origin=origin,
            number=0,
            slot_at=NOW + timedelta(weeks=weeks),
            participants=2,
        ),
    )


async def test_an_introduction_outside_the_rounds_counts_for_the_workspace_not_a_programme(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        net = await _network(session)
        programme = await net.programme()
        assert programme.id is not None
        first = await net.round(programme, 1)
        await net.group(first, ("Cy", "Ben"), ("Oncology", "Public Health"))
        suggested = await outside(net, 2)
        asked = await outside(net, 3, "asked")  # two rounds numbered 0, neither a programme's
        group = await net.group(
            suggested,
            ("Ana", "Ben"),
            ("Radiotherapy", "Public Health"),
            ("Trust A", "County Council"),
        )
        await net.group(asked, ("Dee", "Ben"))
        await net.answer(group, "Ana", "met", "Discharge lists travel well.", "named")

        everywhere = await load_landscape(session, net.wid)
        in_programme = await load_landscape(session, net.wid, programme_id=programme.id)
        rounds = await reports_repo.pairing_rounds(session, net.wid, since=None, until=None)
        programme_rounds = await reports_repo.pairing_rounds(
            session, net.wid, since=None, until=None, programme_id=programme.id
        )
        before = await reports_repo.pairs_before(session, net.wid, before=NOW + timedelta(weeks=10))
        rows = await reports_repo.introduction_rows(session, net.wid)
        stories = await load_stories(session, net.wid, audience="shared")
        programme_stories = await load_stories(
            session, net.wid, audience="shared", programme_id=programme.id
        )
        count = await pairings_repo.round_count(session, programme.id)
        numbers = [r.number for r in await pairings_repo.rounds(session, programme.id)]
        last = await pairings_repo.last_introductions(
            session, programme.id, [net.people["Ana"].id or 0, net.people["Ben"].id or 0]
        )
        made_outside = await pairings_repo.rounds_outside(session, net.wid)
        ana_ben = await pairings_repo.rounds_together(
            session, net.wid, [net.people["Ana"].id or 0, net.people["Ben"].id or 0]
        )
        cy_ben = [net.people["Cy"].id or 0, net.people["Ben"].id or 0]
        cy_ben_outside = await pairings_repo.rounds_together(session, net.wid, cy_ben, outside=True)
        cy_ben_anywhere = await pairings_repo.rounds_together(session, net.wid, cy_ben)

    # The workspace's landscape: the suggestion's bridges, under the every-kind rule.
    assert everywhere.state(net.pair("Radiotherapy", "Public Health")) == MET
    assert everywhere.state(net.pair("Trust A", "County Council")) == MET
    assert everywhere.state(net.pair("Oncology", "Public Health")) == INTRODUCED
    assert everywhere.bridges[net.pair("Radiotherapy", "Public Health")].rounds == {suggested.id}
    # One programme's landscape: its own round only.
    assert set(in_programme.bridges) == {net.pair("Oncology", "Public Health")}
    assert in_programme.state(net.pair("Radiotherapy", "Public Health")) == NEVER

    assert [(r.programme, r.number, r.origin, r.groups, r.met) for r in rounds] == [
        ("meet", 1, "round", 1, 0),
        (None, 0, "suggestion", 1, 1),
        (None, 0, "asked", 1, 0),
    ]
    assert [r.outside for r in rounds] == [False, True, True]
    assert [(r.programme, r.number) for r in programme_rounds] == [("meet", 1)]
    assert {(p.programme_id, (p.silo_a, p.silo_b), p.met) for p in before} >= {
        (None, net.pair("Radiotherapy", "Public Health"), True),
        (programme.id, net.pair("Oncology", "Public Health"), False),
    }
    assert [(r.programme, r.origin, r.name) for r in rows] == [
        ("meet", "round", "Ben"),
        ("meet", "round", "Cy"),
        (None, "suggestion", "Ana"),
        (None, "suggestion", "Ben"),
        (None, "asked", "Ben"),
        (None, "asked", "Dee"),
    ]
    assert [(s.text, s.outside, s.where) for s in stories] == [
        ("Discharge lists travel well.", True, "an introduction suggested by a convener")
    ]
    assert programme_stories == []

    # The programme's numbering and history never see them.
    assert (count, numbers) == (1, [1])
    assert set(last) == {net.people["Ben"].id}
    assert last[net.people["Ben"].id or 0].id == first.id
    assert [r.id for r in made_outside] == [suggested.id, asked.id]
    assert [r.id for r in ana_ben] == [suggested.id]
    assert cy_ben_outside == []
    assert [r.id for r in cy_ben_anywhere] == [first.id]
