"""Where a check-in lets other jobs in: a run has closed.

When a run closes (every member's time to answer is over), the check-ins job
announces it, in the transaction that closes it; the opportunities job
listens and reads the run's needs and offers for who should meet. The
announcement comes from a job (the run's timer) through ``JobContext`` and,
when a command happens to close a run, through ``Context``; listeners
register for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.hooks import Hook
from storage.models import Checkin, CheckinRun, Workspace


@dataclass(frozen=True, slots=True)
class RunClosed:
    """A check-in run just closed: its answers are all in."""

    workspace: Workspace
    checkin: Checkin
    run: CheckinRun


RUN_CLOSED: Hook[RunClosed] = Hook("checkin.run_closed")
