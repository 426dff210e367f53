"""Members import benchmark: 10,000 members in 30 silos from a CSV file, into SQLite.

Run from the repository root::

    python -m bench.imports                     # 10,000 members, 30 silos
    python -m bench.imports --members 20000    # about the 2 MB a members file may be

It writes a members file (``member,silos,timezone,email``: each member in
one team, one organisation and one profession of 10 each, in one of 12
zones, every other one with an email), then times what ``convene import
members`` and ``/convene member import`` do with it on a fresh SQLite file
(WAL, migrated first, not timed): the bytes decoded and every row checked
(``members_file``), then checked against the workspace and written
(``member_import``) and committed, in one transaction. Target (issue 16):
under 5 s for 10,000 members. It then imports the same file again (every
row matched, nothing to write) and checks that nothing changed, and that the
database holds exactly the members, silos and links the file names.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from handlers.landscape.member_import import ImportSummary, import_members
from handlers.landscape.members_file import decode, read_members_file
from storage import migrate
from storage.engine import create_engine, session_factory
from storage.repositories import workspaces as workspaces_repo

TARGET_SECONDS = 5.0
ZONES = (
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "Africa/Lagos",
    "UTC",
)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def members_csv(members: int, seed: int = 1) -> bytes:
    """A members file of ``members`` people in 30 silos (10 of each of three kinds)."""

    rng = random.Random(seed)
    lines = ["member,silos,timezone,email"]
    for n in range(members):
        silos = ";".join(
            (
                f"team:Team {rng.randrange(10)}",
                f"organisation:Organisation {rng.randrange(10)}",
                f"profession:Profession {rng.randrange(10)}",
            )
        )
        email = f"member{n}@example.org" if n % 2 == 0 else ""
        lines.append(f"Member {n:05d},{silos},{rng.choice(ZONES)},{email}")
    return ("\n".join(lines) + "\n").encode("utf-8")


async def _import_once(url: str, data: bytes) -> tuple[ImportSummary, float, float]:
    """Import the file in one transaction: (summary, seconds reading, seconds in all)."""

    engine = create_engine(url)
    try:
        started = time.perf_counter()
        members = read_members_file(decode(data, "members.csv"), "members.csv", "shell", NOW)
        read = time.perf_counter() - started
        async with session_factory(engine).begin() as session:
            workspace = await workspaces_repo.get_or_create(session, "shell", "shell", "Bench", NOW)
            summary = await import_members(
                session, workspace, members, NOW, add_kind=lambda kind: f"--add-kind {kind}"
            )
        return summary, read, time.perf_counter() - started
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def _counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as db:
        return tuple(  # type: ignore[return-value]
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("members", "silos", "member_silos")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()

    data = members_csv(args.members)
    load = os.getloadavg()[0]
    print(
        f"members import: {args.members:,} members, 30 silos, {len(data) / 1_048_576:.2f} MB; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load {load:.2f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(_migrate(url))
        first, read, total = asyncio.run(_import_once(url, data))
        verdict = "PASS" if total < TARGET_SECONDS else "FAIL"
        print(
            f"first import:  {total:.2f} s (target < {TARGET_SECONDS:.0f} s) {verdict}: "
            f"{read:.2f} s reading and checking rows, {total - read:.2f} s checking against "
            f"the workspace, writing and committing"
        )
        print(f"  {first.sentence()}")
        links = args.members * 3
        assert (first.new_members, first.new_silos) == (args.members, 30), first
        assert _counts(path) == (args.members, 30, links), _counts(path)

        again, read, total = asyncio.run(_import_once(url, data))
        print(f"same file again: {total:.2f} s ({read:.2f} s reading): {again.sentence()}")
        assert again.changed_nothing, again
        assert _counts(path) == (args.members, 30, links)


if __name__ == "__main__":
    main()
