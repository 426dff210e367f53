"""Convene driven by another program through a pipe, and stopped with Ctrl-C."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cli import ConveneCommand, convene_env

DEADLINE_SECONDS = 30


def read_line_until(process: subprocess.Popen[str], needle: str) -> list[str]:
    """Read output lines until one contains needle (bounded by a deadline)."""

    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if not ready:
            continue
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if needle in line:
            return seen
    raise AssertionError(f"never saw {needle!r}; saw {seen}")


def wait_or_explain(process: subprocess.Popen[str]) -> int:
    """The exit code; if the process does not stop in time, fail with where its threads stood.

    The process runs with PYTHONFAULTHANDLER set, so SIGABRT makes it print
    every thread's stack on stderr before it dies.
    """

    try:
        return process.wait(timeout=DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGABRT)
        _, stderr = process.communicate(timeout=DEADLINE_SECONDS)
        raise AssertionError(f"convene did not stop after Ctrl-C; its threads:\n{stderr}") from None


def start_convene(tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=convene_env({"PYTHONFAULTHANDLER": "1"}),
    )


def test_a_program_gets_each_answer_before_it_types_the_next_line(tmp_path: Path) -> None:
    process = start_convene(tmp_path)
    try:
        assert process.stdin is not None
        read_line_until(process, "the first convener")
        process.stdin.write("/convene silo add Radiotherapy\n")
        process.stdin.flush()
        assert (
            "Added the silo Radiotherapy (team)." in read_line_until(process, "Added the silo")[-1]
        )
        process.stdin.write("/convene silos\n")
        process.stdin.flush()
        assert "1 silo:" in read_line_until(process, "1 silo:")[-1]
        process.stdin.close()
        assert process.wait(timeout=DEADLINE_SECONDS) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_stops_cleanly_and_a_restart_finds_the_data(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    process = start_convene(tmp_path)
    try:
        assert process.stdin is not None
        read_line_until(process, "the first convener")
        process.stdin.write('/convene silo add "Public Health" --kind organisation\n')
        process.stdin.flush()
        read_line_until(process, "Added the silo Public Health")
        os.kill(process.pid, signal.SIGINT)
        assert wait_or_explain(process) == 0
        assert process.stderr is not None
        stderr = process.stderr.read()
        assert "Traceback" not in stderr
        assert "Everything is saved" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    again = convene_command("run", cwd=tmp_path, stdin="/convene silos\n")
    assert again.returncode == 0, again.stderr
    assert "Public Health  organisation  0" in again.stdout
