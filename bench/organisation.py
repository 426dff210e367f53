"""The organisation the landscape benchmarks seed: silos of three kinds and their members.

``bench.map`` and ``bench.report`` measure different commands on the same
kind of workspace (200 silos: 70 % teams, 20 % departments, 10 %
professions; members each in one team of uneven size, that team's
department, and for six in ten a profession), seeded here with Core bulk
inserts so that neither pays the ORM for rows it does not time.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from storage.models import Member, MemberSilo, Silo
from storage.repositories.core import execute, table_of

KIND_SHARES = (("team", 0.70), ("department", 0.20), ("profession", 0.10))
CHUNK = 20_000
NAMES = {"team": "Team", "department": "Department", "profession": "Profession"}


def kinds_of(silos: int) -> list[str]:
    counts = [round(silos * share) for _, share in KIND_SHARES]
    counts[0] += silos - sum(counts)
    return [k for (k, _), n in zip(KIND_SHARES, counts, strict=True) for _ in range(n)]


async def insert_all(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows of ``model``'s table in chunks (SQLite limits the variables of one statement)."""

    for start in range(0, len(rows), CHUNK):
        await execute(session, insert(table_of(model)), rows[start : start + CHUNK])


def bridge_rows(
    group_id: int, round_id: int, wid: int, first: list[int], second: list[int]
) -> list[dict[str, Any]]:
    """The ``silo_bridges`` rows of a group of two: every pair of their silos, as a round
    records them."""

    pairs = {(min(a, b), max(a, b)) for a in first for b in second if a != b}
    return [
        {"group_id": group_id, "silo_a": a, "silo_b": b, "workspace_id": wid, "round_id": round_id}
        for a, b in sorted(pairs)
    ]


async def seed_organisation(
    session: Any, wid: int, silos: int, members: int, rng: random.Random, created: datetime
) -> dict[int, list[int]]:
    """The silos and members of workspace ``wid``; each member's silo ids, by member id."""

    silo_rows: list[dict[str, Any]] = []
    for number, kind in enumerate(kinds_of(silos), start=1):
        name = f"{NAMES[kind]} {number:03d}"
        silo_rows.append(
            {
                "id": 1000 + number,
                "workspace_id": wid,
                "name": name,
                "name_key": name.casefold(),
                "kind": kind,
                "created_at": created,
            }
        )
    await insert_all(session, Silo, silo_rows)
    by_kind: dict[str, list[int]] = {}
    for row in silo_rows:
        by_kind.setdefault(str(row["kind"]), []).append(int(row["id"]))
    teams, departments = by_kind["team"], by_kind["department"]
    professions = by_kind.get("profession", [])
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(teams))]
    member_rows: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    silos_of: dict[int, list[int]] = {}
    for n in range(members):
        member_id = 10_000 + n
        member_rows.append(
            {
                "id": member_id,
                "workspace_id": wid,
                "platform_user_id": f"U{n:05d}",
                "display_name": f"Member {n}",
                "timezone": "Europe/London",
                "is_convener": False,
                "created_at": created,
                "welcomed_at": created,
            }
        )
        team = rng.choices(range(len(teams)), weights)[0]
        mine = [teams[team], departments[team % len(departments)]]
        if professions and rng.random() < 0.6:
            mine.append(rng.choice(professions))
        silos_of[member_id] = mine
        links.extend({"member_id": member_id, "silo_id": s} for s in mine)
    await insert_all(session, Member, member_rows)
    await insert_all(session, MemberSilo, links)
    return silos_of
