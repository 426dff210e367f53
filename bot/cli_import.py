"""``convene import members FILE.csv``: members and their silos from a file.

(Filled in by the imports work of issue 16.)
"""

from __future__ import annotations

import argparse

from bot.config import Settings


def add_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands.add_parser("import", help="add members and their silos from a CSV file")


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    print("convene: import is not ready yet")
    return 2
