"""Six shell processes on one ``convene.db``, and another writer that takes the lock now and then.

One of six such processes died with "database is locked" raised from the
scheduler's settle step, and the rest of its script never ran. Here the
processes play scripts with scheduled work (a daily check-in each, the clock
moved day by day) while another connection holds SQLite's write lock for
twice ``busy_timeout`` at a time: every process finishes its whole script,
and every slot runs once.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.cli import convene_env

PROCESSES = 6
DAYS = 2
BUSY_TIMEOUT = 1.0
"""Seconds each process's SQLite connections wait for the lock (set in the database URL)."""
HOLDS, HOLD, PAUSE = 4, 1.5, 1.0
"""The other writer holds the lock ``HOLDS`` times, each for ``HOLD`` seconds (longer than
the busy timeout), letting go for ``PAUSE`` seconds in between."""
DEADLINE = 180


def script(n: int) -> str:
    return "\n".join(
        [
            ":clock 2026-11-30 08:00",
            f"/convene silo add Team{n} --kind team",
            f"/convene member add m{n} --silo Team{n} --tz UTC",
            f'/convene checkin create "Daily {n}" #general every day 09:00 --tz UTC',
            *[":clock +1d"] * DAYS,
            "/convene silos",
            "",
        ]
    )


class LockHog(threading.Thread):
    """Another process's writer: holds the write lock a few times, letting go in between."""

    def __init__(self, path: Path) -> None:
        super().__init__(name="lock-hog", daemon=True)
        self._path = path
        self.stop = threading.Event()
        self.holds = 0

    def run(self) -> None:
        db = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        try:
            while self.holds < HOLDS and not self.stop.is_set():
                db.execute("BEGIN IMMEDIATE")
                self.holds += 1
                self.stop.wait(HOLD)
                db.execute("COMMIT")
                self.stop.wait(PAUSE)
        finally:
            db.close()


def test_six_shells_on_one_database_all_finish_their_scripts_while_the_lock_is_contended(
    tmp_path: Path,
) -> None:
    database = tmp_path / "convene.db"
    sqlite3.connect(database).execute("PRAGMA journal_mode=WAL").close()
    env = convene_env({"CONVENE_DATABASE_URL": f"sqlite:///{database}?timeout={BUSY_TIMEOUT}"})
    hog = LockHog(database)
    processes = []
    try:
        for n in range(PROCESSES):
            (tmp_path / f"script{n}.txt").write_text(script(n))
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot.cli", "run", "--script", f"script{n}.txt"],
                    cwd=tmp_path,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
        hog.start()
        finished = [p.communicate(timeout=DEADLINE) for p in processes]
    finally:
        hog.stop.set()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        if hog.is_alive():
            hog.join()

    assert hog.holds >= 2
    for n, (process, (out, err)) in enumerate(zip(processes, finished, strict=True)):
        assert process.returncode == 0, (n, err[-3000:])
        assert "Traceback" not in err, (n, err[-3000:])
        assert "went wrong" not in out, (n, out)

    # Every line of every script ran. (Which process prints a reply is not
    # fixed: the six shells share one outbox, and any of them may deliver it.)
    db = sqlite3.connect(database)
    try:
        silos = {name for (name,) in db.execute("SELECT name FROM silos")}
        members = {name for (name,) in db.execute("SELECT platform_user_id FROM members")}
        checkins = {name for (name,) in db.execute("SELECT name FROM checkins")}
        commands = db.execute(
            "SELECT count(*) FROM processed_events WHERE event_id LIKE 'shell-%'"
        ).fetchone()[0]
        failures = db.execute("SELECT count(*) FROM handler_failures").fetchone()[0]
        slots = db.execute(
            "SELECT count(*), count(DISTINCT schedule_id || slot_at), sum(status = 'failed') "
            "FROM schedule_runs"
        ).fetchone()
        last_runs = {
            name
            for (name,) in db.execute(
                "SELECT checkins.name FROM checkin_runs JOIN checkins "
                "ON checkins.id = checkin_runs.checkin_id WHERE run_date = ?",
                (f"2026-12-0{DAYS}",),
            )
        }
    finally:
        db.close()
    assert silos == {f"Team{n}" for n in range(PROCESSES)}
    assert {f"m{n}" for n in range(PROCESSES)} <= members
    assert checkins == {f"Daily {n}" for n in range(PROCESSES)}
    assert commands == 4 * PROCESSES  # four slash commands a script
    assert failures == 0
    # No slot was claimed twice and none failed; every check-in reached its last
    # day. (Each process keeps its own clock, so a schedule another process
    # created "earlier" may find its first days past the grace period, skipped.)
    rows, distinct, failed = slots
    assert rows == distinct and not failed, slots
    assert last_runs == checkins
