"""``convene export``: the workspace's data as CSV or JSON files in a folder.

(Filled in by the exports work of issue 16.)
"""

from __future__ import annotations

import argparse

from bot.config import Settings


def add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands.add_parser("export", help="write the workspace's data to CSV or JSON files")


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    print("convene: export is not ready yet")
    return 2
