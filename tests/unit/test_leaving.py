"""Convene leaves when it has stopped, even if a driver's worker thread is stuck.

A Ctrl-C that lands while a database statement is in flight could leave
aiosqlite's (non-daemon) worker thread waiting on a connection nobody closes,
and the interpreter then waited for it for ever at exit.
"""

from __future__ import annotations

import subprocess
import sys

STUCK_THREAD = """
import threading
from bot import cli
cli.STUCK_THREAD_GRACE_SECONDS = 0.2
threading.Thread(target=threading.Event().wait, name="stuck-worker").start()
raise SystemExit(cli._leave(3))
"""


def test_a_stuck_worker_thread_does_not_keep_a_stopped_convene_alive() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STUCK_THREAD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert "stuck worker thread" in done.stderr


def test_with_no_stuck_thread_convene_leaves_the_ordinary_way() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from bot import cli; raise SystemExit(cli._leave(0))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stderr == ""
