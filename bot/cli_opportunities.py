"""``convene opportunities --answers FILE.csv``: the suggestions a file of answers would make.

Offline and read-only: no config, no database, no platform. The file and
the suggestions are ``handlers.opportunities.offline``'s (reached through
``bot.wiring``, as every command reaches a job): the chat's matcher and its
rule that two members sharing a silo are never suggested. Every refusal (a
missing file, a wrong header, an empty file, a bad kind, a bad ``--limit``
or ``--apart``) is one line on standard error and exit status 2, before
anything is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REFUSED = 2


def add_opportunities(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    opportunities = commands.add_parser(
        "opportunities",
        help="show who should meet, read from a file of check-in answers",
        description="Read check-in answers from a CSV file and print the suggestions Convene "
        "would make: one member's need answered by another's offer, never two members who "
        "share a silo, each with the bridge their meeting would build.",
    )
    opportunities.add_argument(
        "--answers",
        metavar="FILE.csv",
        required=True,
        help="a CSV with the header member,silos,question,answer (and optionally kind: need, "
        "offer or neither), in any order; silos as kind:name separated by ; (a name alone is "
        "a team)",
    )
    opportunities.add_argument(
        "--limit", metavar="N", default="10", help="how many suggestions to print, default 10"
    )
    opportunities.add_argument(
        "--apart",
        metavar="KINDS",
        help="the kinds of silo two members must not share, e.g. team,organisation "
        "(default: any kind)",
    )
    opportunities.add_argument("--json", action="store_true", help="print one JSON object")


def run_opportunities(args: argparse.Namespace) -> int:
    from bot.wiring import offline

    try:
        limit = offline.read_limit(args.limit)
        answers = offline.read_answers(Path(args.answers))
        apart = offline.read_apart(args.apart, answers)
    except offline.AnswersError as problem:
        print(f"convene: {problem}", file=sys.stderr)
        return REFUSED
    report = offline.suggest(answers, apart=apart, limit=limit)
    if args.json:
        print(json.dumps(offline.report_json(report), ensure_ascii=False))
    else:
        print(offline.format_report(report))
    return 0
