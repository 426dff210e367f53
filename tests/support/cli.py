"""The ``convene`` command, run as a user would (a subprocess) or in this process.

A subprocess costs an interpreter and every import, a second or more, so it
is kept for what only a process shows: that the installed command starts, a
pipe, a signal, a kill. Everything else calls the same ``main`` in this
process, in the folder and with the environment and standard input it would
have had (``ConveneCommand``, the ``convene_command`` fixture).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]


def convene_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus any CONVENE_* setting that leaked in from outside."""

    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVENE_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def convene_process(
    *args: str,
    cwd: Path,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """``convene ARGS`` in a process of its own."""

    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=convene_env(env),
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True, slots=True)
class Ran:
    """What a run of the command left: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


class ConveneCommand:
    """``convene ARGS`` in this process: ``main`` with the folder, environment and
    standard input the command would have had, and what it printed captured."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def __call__(
        self, *args: str, cwd: Path, stdin: str = "", env: Mapping[str, str] | None = None
    ) -> Ran:
        self._capsys.readouterr()  # what the test printed before is not the command's
        with self._monkeypatch.context() as patch:
            patch.chdir(cwd)
            for name in [n for n in os.environ if n.startswith("CONVENE_")]:
                patch.delenv(name)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            returncode = main(list(args))
        printed = self._capsys.readouterr()
        return Ran(returncode, printed.out, printed.err)
