"""A report's figures in words: a short summary for the chat, a Markdown file, CSV tables.

The summary is what a convener reads in the chat (and in the monthly
digest); the Markdown file is what they take to a board; the CSV tables are
the same figures for a spreadsheet. All three come from one ``Report``.
Names and texts that members typed are cleaned of control characters and, in
Markdown tables, of what would break a table (``|`` and line breaks).
"""

from __future__ import annotations

from bot.markup import plain
from handlers.landscape.report_data import NewBridge, Report, day_text, rate
from handlers.landscape.tables import Table
from handlers.shared.landscape import Landscape
from handlers.shared.origins import OUTSIDE, made
from handlers.shared.stories import Story
from handlers.shared.text import plural

MOST_LISTED = 25
"""Beyond this many bridges or silos in a list, the Markdown names the first and counts
the rest (the CSV has them all)."""


def headline(report: Report) -> str:
    workspace = f" for {plain(report.workspace)}" if report.workspace else ""
    return f"Convene report{workspace}: {report.scope.describe()}"


def summary_lines(report: Report) -> list[str]:
    """One line per part of the report, the same in the chat, the digest and the file."""

    return [
        _checkins_line(report),
        _introductions_line(report),
        _bridges_line(report),
        _stories_line(report),
        _commitments_line(report),
        _retros_line(report),
    ]


def summary(report: Report) -> str:
    return f"*{headline(report)}*\n" + "\n".join(f"• {line}" for line in summary_lines(report))


def _checkins_line(report: Report) -> str:
    if not report.runs:
        return "Check-ins: no run in this period."
    trend = ""
    asked_runs = [r for r in report.runs if r.asked]
    if len(asked_runs) >= 2:
        first, last = asked_runs[0], asked_runs[-1]
        trend = (
            f"; first run {rate(first.answered, first.asked)}, "
            f"last {rate(last.answered, last.asked)}"
        )
    return (
        f"Check-ins: {report.answered} of {report.asked} prompts answered "
        f"({rate(report.answered, report.asked)}) over {plural(len(report.runs), 'run')}{trend}."
    )


def _introductions_line(report: Report) -> str:
    if not report.rounds:
        return "Introductions: no round in this period."
    land = report.landscape
    possible = len(land.possible)
    rounds, outside = report.regular_rounds, report.outside
    made = []
    if rounds:
        groups = sum(r.groups for r in rounds)
        made.append(f"{plural(groups, 'group')} in {plural(len(rounds), 'round')}")
    if outside:
        made.append(f"{len(outside)} {OUTSIDE}")
    return (
        f"Introductions: {' and '.join(made)}, "
        f"{report.groups_met} met ({rate(report.groups_met, report.groups)}). Silo pairs met: "
        f"{len(land.met_pairs)} of {possible} ({rate(len(land.met_pairs), possible)}); "
        f"introduced: {len(land.introduced_pairs)} ({rate(len(land.introduced_pairs), possible)})."
    )


def _bridges_line(report: Report) -> str:
    met, introduced = len(report.first_met), len(report.first_introduced)
    if not met and not introduced:
        return "New bridges: none in this period."
    return (
        f"New bridges: {plural(met, 'pair')} of silos met for the first time, "
        f"{introduced} introduced for the first time."
    )


def _stories_line(report: Report) -> str:
    return f"Learning stories shared: {len(report.stories)}."


def _commitments_line(report: Report) -> str:
    c = report.commitments
    if not c.made:
        return "Commitments: none made in this period."
    overdue = f", {c.overdue} overdue" if c.overdue else ""
    return (
        f"Commitments: {c.made} made, {c.done} done "
        f"({c.done_on_time} on time, {c.done_late} late), "
        f"{c.still_open} open{overdue}, {c.dropped} dropped."
    )


def _retros_line(report: Report) -> str:
    if not report.retros:
        return "Retros: none held in this period."
    return (
        f"Retros: {plural(len(report.retros), 'retro')}, "
        f"{plural(report.retro_actions, 'action')} made, {report.retro_actions_done} done."
    )


# -- the Markdown file ------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Member text made safe for one Markdown table cell."""

    return " ".join(plain(text).split()).replace("|", "\\|")


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _pair(bridge: NewBridge) -> str:
    kinds = (
        bridge.first.kind
        if bridge.first.kind == bridge.second.kind
        else f"{bridge.first.kind}+{bridge.second.kind}"
    )
    return f"{_cell(bridge.first.name)} and {_cell(bridge.second.name)} ({kinds})"


def _listed_bridges(bridges: list[NewBridge], verb: str) -> list[str]:
    lines = [f"- {_pair(b)}, {verb} {day_text(b.at.date())}" for b in bridges[:MOST_LISTED]]
    if len(bridges) > MOST_LISTED:
        lines.append(f"- … and {len(bridges) - MOST_LISTED} more (bridges.csv has them all)")
    return lines


def _unmet(land: Landscape) -> list[str]:
    unmet = land.unmet_silos()
    if not unmet:
        return []
    names = ", ".join(_cell(s.name) for s in unmet[:MOST_LISTED])
    more = f" and {len(unmet) - MOST_LISTED} more" if len(unmet) > MOST_LISTED else ""
    return ["", f"Silos that met no other silo in this period: {names}{more}."]


def _story(story: Story) -> list[str]:
    quoted = [f"> {line}" if line else ">" for line in plain(story.text).splitlines()]
    who = _cell(story.author) if story.author else "a member (shared without their name)"
    return [
        *quoted,
        f"— {who}, {_cell(story.where)}, {day_text(story.at.date())}",
        "",
    ]


def markdown(report: Report) -> str:
    """The whole report as a Markdown document."""

    lines = [
        f"# {headline(report)}",
        "",
        f"Made by Convene on {day_text(report.made_at.date())} at {report.made_at:%H:%M} UTC. "
        "Learning stories appear only as their authors allowed.",
        "",
        "## In short",
        "",
        *(f"- {line}" for line in summary_lines(report)),
        "",
        "## Check-in participation",
        "",
    ]
    if report.runs:
        lines += _md_table(
            ["Date", "Check-in", "Asked", "Answered", "Rate"],
            [
                [
                    r.run_date,
                    _cell(r.checkin),
                    str(r.asked),
                    str(r.answered),
                    rate(r.answered, r.asked),
                ]
                for r in report.runs
            ],
        )
    else:
        lines.append("No check-in ran in this period.")
    lines += ["", "## Introductions", ""]
    if report.regular_rounds:
        lines += _md_table(
            ["Date", "Programme", "Round", "Groups", "Met", "Rate"],
            [
                [
                    day_text(r.slot_at.date()),
                    f"#{_cell(r.programme or '')}",
                    str(r.number),
                    str(r.groups),
                    str(r.met),
                    rate(r.met, r.groups),
                ]
                for r in report.regular_rounds
            ],
        )
    elif report.rounds:
        lines.append("No round of introductions in this period.")
    if report.outside:
        lines += [
            "",
            f"Introductions {OUTSIDE}:",
            "",
            *_md_table(
                ["Date", "Made", "People", "Met"],
                [
                    [
                        day_text(r.slot_at.date()),
                        made(r.origin),
                        str(r.people),
                        "yes" if r.met else "no",
                    ]
                    for r in report.outside
                ],
            ),
        ]
    if report.rounds:
        land = report.landscape
        possible = len(land.possible)
        lines += [
            "",
            f"Silo pairs met: **{len(land.met_pairs)} of {possible}** "
            f"({rate(len(land.met_pairs), possible)}); introduced: {len(land.introduced_pairs)} "
            f"({rate(len(land.introduced_pairs), possible)}). A pair counts as met when at least "
            "one member of a group spanning it said they met.",
            *_unmet(land),
        ]
    else:
        lines.append("No round of introductions in this period.")
    lines += ["", "## New bridges", ""]
    if report.first_met:
        lines += ["Met for the first time:", "", *_listed_bridges(report.first_met, "first met")]
    else:
        lines.append("No pair of silos met for the first time in this period.")
    lines.append("")
    if report.first_introduced:
        lines += [
            "Introduced for the first time:",
            "",
            *_listed_bridges(report.first_introduced, "first introduced"),
        ]
    else:
        lines.append("No pair of silos was introduced for the first time in this period.")
    lines += ["", "## Learning stories", ""]
    if report.stories:
        for story in report.stories:
            lines += _story(story)
    else:
        lines += ["No member shared a learning story in this period.", ""]
    c = report.commitments
    lines += ["## Commitments", ""]
    if c.made:
        lines += _md_table(
            ["Made", "Done", "On time", "Late", "Open", "Overdue", "Dropped"],
            [
                [
                    str(c.made),
                    str(c.done),
                    str(c.done_on_time),
                    str(c.done_late),
                    str(c.still_open),
                    str(c.overdue),
                    str(c.dropped),
                ]
            ],
        )
        lines += [
            "",
            f"Kept on time: {c.done_on_time} of {c.made} ({rate(c.done_on_time, c.made)}).",
        ]
    else:
        lines.append("No commitment was made in this period.")
    lines += ["", "## Retros", ""]
    if report.retros:
        lines += _md_table(
            ["Opened", "Retro", "Channel", "Items", "Actions", "Done"],
            [
                [
                    day_text(r.opened_at.date()),
                    _cell(r.name),
                    f"#{_cell(r.channel_name)}",
                    str(r.items),
                    str(r.actions),
                    str(r.actions_done),
                ]
                for r in report.retros
            ],
        )
        lines += [
            "",
            "A retro's actions are the commitments made from its items; done is how many of "
            "them are done now.",
        ]
    else:
        lines.append("No retro was held in this period.")
    return "\n".join(lines) + "\n"


# -- the CSV tables ---------------------------------------------------------------------------


def tables(report: Report) -> list[Table]:
    """The report's figures as tables, one file each."""

    land = report.landscape
    nodes = land.by_id
    first_met = {(b.first.id, b.second.id) for b in report.first_met}
    first_introduced = {(b.first.id, b.second.id) for b in report.first_introduced}
    bridges = sorted(
        (
            (nodes[a], nodes[b], bridge)
            for (a, b), bridge in land.bridges.items()
            if (a, b) in land.possible
        ),
        key=lambda t: (t[0].name.casefold(), t[1].name.casefold()),
    )
    return [
        Table(
            "checkin-runs",
            ("date", "checkin", "channel", "asked", "answered", "rate"),
            [
                (
                    r.run_date,
                    r.checkin,
                    r.channel_name,
                    r.asked,
                    r.answered,
                    rate(r.answered, r.asked),
                )
                for r in report.runs
            ],
        ),
        Table(
            "introduction-rounds",
            ("date", "programme", "round", "groups", "met", "rate", "people", "origin"),
            [
                (
                    r.slot_at,
                    r.programme,
                    None if r.outside else r.number,
                    r.groups,
                    r.met,
                    rate(r.met, r.groups),
                    r.people,
                    r.origin,
                )
                for r in report.rounds
            ],
        ),
        Table(
            "bridges",
            (
                "silo",
                "other_silo",
                "kinds",
                "state",
                "introductions_in_period",
                "meetings_in_period",
                "first_introduced_in_period",
                "first_met_in_period",
                "new_meeting",
                "new_introduction",
            ),
            [
                (
                    first.name,
                    second.name,
                    first.kind if first.kind == second.kind else f"{first.kind}+{second.kind}",
                    bridge.state,
                    bridge.introductions,
                    bridge.meetings,
                    bridge.first_introduced,
                    bridge.first_met,
                    (first.id, second.id) in first_met,
                    (first.id, second.id) in first_introduced,
                )
                for first, second, bridge in bridges
            ],
        ),
        Table(
            "retros",
            ("opened", "retro", "channel", "status", "items", "actions", "actions_done"),
            [
                (
                    r.opened_at,
                    r.name,
                    r.channel_name,
                    r.status,
                    r.items,
                    r.actions,
                    r.actions_done,
                )
                for r in report.retros
            ],
        ),
        Table(
            "stories",
            ("date", "programme", "round", "story", "author", "origin"),
            [
                (
                    s.at,
                    None if s.outside else s.programme,
                    None if s.outside else s.round_number,
                    s.text,
                    s.author,
                    s.origin,
                )
                for s in report.stories
            ],
        ),
    ]
