"""``convene --version`` and ``check-config`` import neither the app nor the database layer.

They took a second or more while ``bot.cli`` imported everything up front;
each command now imports what it runs. What is imported is checked rather than
how long it takes, which would depend on the machine's load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = frozenset(
    {
        "adapters",
        "aiohttp",
        "alembic",
        "apscheduler",
        "discord",
        "handlers",
        "numpy",
        "rustworkx",
        "slack_bolt",
        "sqlmodel",
        "storage",
    }
)
HEAVY_CORE = frozenset({"bot.app", "bot.wiring"})

PROBE = """
import contextlib, io, json, sys
from bot.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(folder: Path, *args: str) -> set[str]:
    """Every module loaded once ``convene ARGS`` has run in ``folder``."""

    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVENE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("args", [("--version",), ("check-config",)])
def test_a_quick_command_leaves_the_app_unimported(args: tuple[str, ...], tmp_path: Path) -> None:
    loaded = modules_after(tmp_path, *args)
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY_CORE) == []


def test_version_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    assert "sqlalchemy" not in modules_after(tmp_path, "--version")
