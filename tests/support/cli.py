"""Run the real ``convene`` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def convene_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus any CONVENE_* setting that leaked in from outside."""

    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVENE_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def convene(
    *args: str,
    cwd: Path,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
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
