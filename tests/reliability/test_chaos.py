"""Chaos on PostgreSQL: three real ``convene run`` processes, killed with SIGKILL and
paused with SIGSTOP past their lease at random, while check-ins fan out to 1,200
members. Every member is asked once, every slot runs once, nothing is left unsent.

It takes about a minute, so the main suite skips it; ``.ci/run`` runs it as a
step of its own::

    CONVENE_CHAOS=1 CONVENE_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m pytest -m chaos -n0 tests/reliability/test_chaos.py

``CONVENE_CHAOS_SEED`` picks another sequence of kills and pauses (default 14).
What happens is in ``tests/support/chaos.py``; each instance's log is kept in
the test's temporary folder (``instances.log``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.chaos import CHECKINS, KILLS, PAUSES, ChaosReport, run_chaos
from tests.support.databases import PostgresDatabase, empty_tables

CHAOS_ENV = "CONVENE_CHAOS"
SEED_ENV = "CONVENE_CHAOS_SEED"

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.skipif(
        not os.environ.get(CHAOS_ENV),
        reason=f"the chaos run takes a minute: set {CHAOS_ENV}=1 (.ci/run does)",
    ),
]


def described(report: ChaosReport) -> str:
    return json.dumps(report.summary(), default=str)


async def test_three_instances_killed_and_paused_at_random_ask_each_of_1200_members_once(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    await empty_tables(postgres_database.url)
    seed = int(os.environ.get(SEED_ENV, "14"))

    report = await run_chaos(postgres_database.url, seed, tmp_path)

    print(described(report))
    assert not report.timed_out, f"the outbox was not empty in time: {described(report)}"
    chaos_events = report.applied["kill"] + report.applied["pause"]
    assert chaos_events == KILLS + PAUSES, described(report)

    # What members saw: one prompt each, one thread root per check-in.
    assert len(report.prompts_by_member) == report.members, described(report)
    assert set(report.prompts_by_member.values()) == {1}, described(report)
    assert report.roots_created == CHECKINS
    # What the platform was asked: it takes a nonce (as Discord does), so a repeat is
    # invisible to members, but each kill or pause may cost only the one message
    # that process had in flight, and no other message may go twice.
    assert report.unexplained_repeats == [], described(report)
    assert report.repeated_sends <= chaos_events, described(report)

    # Every slot ran once; each check-in opened one run and asked everyone in it.
    assert [status for _, status in report.slots] == ["ran"] * CHECKINS, described(report)
    assert len({schedule for schedule, _ in report.slots}) == CHECKINS
    assert sorted(report.runs_per_checkin.values()) == [1] * CHECKINS
    assert report.prompt_statuses == {"asked": report.members}, described(report)

    # Nothing left in the outbox, nothing given up on; every process stopped cleanly.
    assert report.outbox == {
        "pending": 0,
        "sending": 0,
        "sent": report.members + CHECKINS,
        "dead": 0,
    }, described(report)
    assert report.exit_codes == [0, 0, 0], described(report)
    assert report.log_lines["ERROR"] == report.log_lines["Traceback"] == 0, described(report)
