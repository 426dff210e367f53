"""Long content reaches Slack whole: split over several messages, or paged, within Block Kit.

A retro of 60 long items closed and exported, 105 commitments listed in a
channel and on the App Home, a check-in answer of three long answers edited
shorter and longer again: the fake Slack refuses whatever real Slack would
(``tests.support.slack_limits``), and each scenario checks that nothing was
refused, nothing was given up, and every item appears exactly once across the
parts, in order, never cut inside an entity.

The world: alice (U1, a convener), bob (U2) and kenji (U3) in #general (C1).
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

import pytest

from adapters.slack.render import mrkdwn
from storage.repositories import outbox as outbox_repo
from tests.support.slack_rig import SlackRig
from tests.support.times import THURSDAY_NOON, utc

Payload = dict[str, Any]
ANGRY = "<<<&&&>>>"
SENDING_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.publish")
_ENTITY_OR_MENTION = re.compile(r"&(?:amp|lt|gt);|<@U[0-9A-Z]+>")
_home_clicks = itertools.count(1)


@pytest.fixture
def start() -> datetime:
    return THURSDAY_NOON


def sections(message: Payload) -> list[str]:
    return [b["text"]["text"] for b in message.get("blocks") or [] if b["type"] == "section"]


def whole_text(parts: list[Payload]) -> str:
    return "\n".join(text for part in parts for text in sections(part))


def assert_each_once_in_order(parts: list[Payload], expected: list[str]) -> None:
    """Every expected text appears exactly once across the parts, in the order given."""

    text = whole_text(parts)
    found = [text.find(each) for each in expected]
    missing = [each[:12] for each, at in zip(expected, found, strict=True) if at < 0]
    assert not missing, f"lost: {missing}"
    assert all(text.count(each) == 1 for each in expected), "something came twice"
    assert found == sorted(found), "out of order"


def assert_no_section_cuts_an_entity(parts: list[Payload]) -> None:
    for part in parts:
        for text in sections(part):
            left = _ENTITY_OR_MENTION.sub("", text)
            assert "&" not in left and "<" not in left and ">" not in left, text[-30:]


async def assert_nothing_refused_or_lost(slack: SlackRig) -> None:
    for method in SENDING_METHODS:
        refused = len(slack.fake.calls(method)) - len(slack.fake.accepted_calls(method))
        assert refused == 0, f"Slack refused {refused} {method} call(s)"
    async with slack.app.sessions() as session:
        counts = await outbox_repo.status_counts(session)
    assert counts[outbox_repo.DEAD] == 0 and counts[outbox_repo.PENDING] == 0, counts


# -- retros --------------------------------------------------------------------------------


async def add_items(slack: SlackRig, root: Payload, items: list[str]) -> None:
    for item in items:
        await slack.click("U2", root, "Add item")
        await slack.submit("U2", slack.last_view(), {"category": "Start", "text": item})


async def test_a_retro_of_60_long_items_closes_and_exports_over_several_messages_slack_takes(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
    root = slack.message("C1", "*Retro: Quarter 4*")
    items = [f"item{n:02d} " + ANGRY * 54 for n in range(60)]  # 493 characters, near the 500
    await add_items(slack, root, items)
    assert len(slack.in_thread("C1", root["ts"])) == 60

    before = len(slack.fake.accepted_calls("chat.postMessage"))
    await slack.command("U1", "/convene", 'retro close "Quarter 4"')
    posted = slack.fake.accepted_calls("chat.postMessage")[before:]
    summary = list(itertools.takewhile(lambda m: not sections(m)[0].startswith("Top "), posted))

    assert len(summary) > 1, "60 long items do not fit one Slack message"
    assert all(m["thread_ts"] == root["ts"] for m in summary)
    assert sections(summary[0])[0].startswith('Summary of "Quarter 4": 60 items')
    assert all(len(m["blocks"]) <= 50 for m in summary)
    assert_each_once_in_order(summary, [mrkdwn(item) for item in items])
    assert_no_section_cuts_an_entity(summary)
    assert [sections(m)[0][:6] for m in posted[len(summary) :]] == ["Top 1:", "Top 2:", "Top 3:"]

    before = len(slack.fake.accepted_calls("chat.postEphemeral"))
    await slack.command("U1", "/convene", 'retro export "Quarter 4"')
    export = slack.ephemeral_to("U1")[before:]

    assert len(export) > 1
    assert all(m["channel"] == "C1" for m in export)
    assert_each_once_in_order(export, [f"- {mrkdwn(item)} (bob): 0 votes" for item in items])
    assert_no_section_cuts_an_entity(export)
    # The export is a code block: each piece of it is one, closed and opened again.
    assert all(t.startswith("```") and t.endswith("```") for m in export for t in sections(m))
    await assert_nothing_refused_or_lost(slack)


async def test_an_item_full_of_entities_near_a_cut_is_whole_on_both_sides(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", 'retro open "Q" --format start-stop-continue')
    root = slack.message("C1", "*Retro: Q*")
    # Each summary line renders to about 1,350 characters, nearly all entities, with
    # tails of different lengths: sections and messages end among entities.
    items = [f"i{n} " + "&<" * 148 + ANGRY[: n % 9] for n in range(12)]
    await add_items(slack, root, items)

    await slack.command("U1", "/convene", 'retro close "Q"')
    after_items = slack.in_thread("C1", root["ts"])[len(items) :]
    parts = list(itertools.takewhile(lambda m: not sections(m)[0].startswith("Top "), after_items))

    assert len(parts) > 1
    assert sections(parts[0])[0].startswith('Summary of "Q": 12 items')
    assert all(len(text) <= 3000 for m in parts for text in sections(m))
    assert_no_section_cuts_an_entity(parts)
    assert_each_once_in_order(parts, [mrkdwn(item) for item in items])
    await assert_nothing_refused_or_lost(slack)


# -- commitments ---------------------------------------------------------------------------


async def make_commitments(slack: SlackRig, count: int) -> list[str]:
    """``count`` private commitments of bob's, each 300 characters (most of them "&")."""

    texts = [f"c{n:03d} " + "&" * 295 for n in range(count)]
    for text in texts:
        await slack.command("U2", "/commit", f"{text} by Friday --private")
    return texts


async def test_105_commitments_are_listed_in_several_ephemerals_and_paged_on_the_app_home(
    slack: SlackRig,
) -> None:
    texts = await make_commitments(slack, 105)

    before = len(slack.ephemeral_to("U2"))
    await slack.command("U2", "/commit", "list")
    listed = slack.ephemeral_to("U2")[before:]

    assert len(listed) > 1
    assert all(m["channel"] == "C1" for m in listed)
    assert sections(listed[0])[0].startswith("Your commitments (105):")
    assert sections(listed[-1])[-1].endswith("/commit drop N.")
    assert_each_once_in_order(listed, [f"· {mrkdwn(text)} ·" for text in texts])
    await assert_nothing_refused_or_lost(slack)

    await the_app_home_is_paged_and_shows_each_once(slack, texts)


async def click_home(slack: SlackRig, user: str, view: Payload, label: str) -> None:
    """Press a button on the App Home view Slack shows ``user``."""

    [element] = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == label
    ]
    await slack.interact(
        {
            "type": "block_actions",
            "team": {"id": slack.fake.team_id, "domain": "convene"},
            "user": {"id": user, "username": user.lower(), "team_id": slack.fake.team_id},
            "api_app_id": slack.fake.app_id,
            "trigger_id": f"trigger.home.{next(_home_clicks)}",
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home", "blocks": view["blocks"]},
            "actions": [
                {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": "b",
                    "value": element["value"],
                    "action_ts": "1800000000.000001",
                }
            ],
        }
    )


async def the_app_home_is_paged_and_shows_each_once(slack: SlackRig, texts: list[str]) -> None:
    """bob opens his App Home: more than one view holds, so it comes in pages he turns."""

    await slack.event(
        {"type": "app_home_opened", "user": "U2", "channel": "DU2", "tab": "home"},
        event_id="Ev-home-1",
    )
    first = slack.fake.accepted_calls("views.publish")[-1]["view"]
    assert len(first["blocks"]) <= 100
    assert sections(first)[0].startswith("*Hello, bob*")

    pages = [first]
    while any(
        e["text"]["text"] == "Next page ›"
        for b in pages[-1]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ):
        await click_home(slack, "U2", pages[-1], "Next page ›")
        pages.append(slack.fake.accepted_calls("views.publish")[-1]["view"])
        assert len(pages) < 10

    assert len(pages) > 1
    assert all(len(page["blocks"]) <= 100 for page in pages)
    assert_each_once_in_order(pages, [f"· {mrkdwn(text)} ·" for text in texts])

    def shown() -> list[Payload]:
        blocks: list[Payload] = slack.fake.accepted_calls("views.publish")[-1]["view"]["blocks"]
        return blocks

    # Back a page; and the next time bob opens the home, it stays on that page.
    await click_home(slack, "U2", pages[-1], "‹ Previous page")
    assert shown() == pages[-2]["blocks"]
    await slack.event(
        {"type": "app_home_opened", "user": "U2", "channel": "DU2", "tab": "home"},
        event_id="Ev-home-2",
    )
    assert shown() == pages[-2]["blocks"]

    # Pages are not kept across a restart: a page button then draws the home
    # afresh, on the page it asked for.
    slack.adapter._home_pages.clear()
    await click_home(slack, "U2", pages[0], "Next page ›")
    assert shown() == pages[1]["blocks"]
    await assert_nothing_refused_or_lost(slack)


# -- check-in answers ----------------------------------------------------------------------


async def answer_standup(slack: SlackRig, answers: list[str], *, edit: bool) -> None:
    if edit:
        await slack.click("U3", slack.message("U3", "You can change them"), "Edit answer")
    else:
        await slack.click("U3", slack.message("U3", "Time for *Standup*"), "Answer")
    await slack.submit("U3", slack.last_view(), {f"q{n}": a for n, a in enumerate(answers)})


def thread_now(slack: SlackRig, root_ts: str) -> list[Payload]:
    """The bot's messages under a thread as Slack shows them now (edits applied)."""

    return [m for m in slack.fake.history("C1") if m.get("thread_ts") == root_ts]


async def test_a_long_answer_in_parts_is_edited_part_by_part_adding_and_deleting_parts(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", "silo add Radiotherapy --kind team")
    await slack.command("U3", "/convene", "me silo add Radiotherapy")
    await slack.command(
        "U1", "/convene", 'checkin create "Standup" #general every Monday 09:00 --template standup'
    )
    await slack.advance_to(utc(30, 0, 0))  # Monday 09:00 in Tokyo
    root = slack.message("C1", "*Standup* for Monday 30 November")

    long_answers = [f"a{n} " + "&" * 990 for n in range(3)]
    await answer_standup(slack, long_answers, edit=False)
    first = thread_now(slack, root["ts"])
    assert len(first) > 1, "three answers of 1,000 '&' do not fit one Slack message"
    assert_each_once_in_order(first, ["*kenji* (Radiotherapy)"])
    assert "".join(whole_text(first).split("\n")).count("&amp;" * 990) == 3
    assert_no_section_cuts_an_entity(first)

    # Shorter: the first part changes in place, the others are deleted.
    await answer_standup(slack, ["Ward round", "Rota", "Nothing"], edit=True)
    [shorter] = thread_now(slack, root["ts"])
    assert shorter["ts"] == first[0]["ts"]
    assert "Ward round" in sections(shorter)[0] and "&amp;" not in whole_text([shorter])
    assert len(slack.fake.accepted_calls("chat.delete")) == len(first) - 1

    # Longer again: the first part changes, the rest are posted after it.
    await answer_standup(slack, [f"b{n} " + "<" * 990 for n in range(3)], edit=True)
    again = thread_now(slack, root["ts"])
    assert again[0]["ts"] == first[0]["ts"] and len(again) > 1
    assert "".join(whole_text(again).split("\n")).count("&lt;" * 990) == 3
    assert "Ward round" not in whole_text(again)
    await assert_nothing_refused_or_lost(slack)


async def test_a_part_refused_for_a_while_is_sent_later_and_no_part_goes_twice(
    slack: SlackRig,
) -> None:
    await slack.command("U1", "/convene", 'retro open "Q" --format start-stop-continue')
    root = slack.message("C1", "*Retro: Q*")
    items = [f"item{n:02d} " + ANGRY * 54 for n in range(20)]
    await add_items(slack, root, items)

    # The summary's first part goes through; Slack says 429 to the second.
    slack.fake.rate_limit_next("chat.postMessage", retry_after=3, after=1)
    before = len(slack.fake.calls("chat.postMessage"))
    await slack.command("U1", "/convene", 'retro close "Q"')
    await slack.advance_to(utc(26, 12, 5))

    calls = slack.fake.calls("chat.postMessage")[before:]
    accepted = [c for c in slack.fake.accepted_calls("chat.postMessage") if c in calls]
    summary = list(itertools.takewhile(lambda m: not sections(m)[0].startswith("Top "), accepted))
    assert len(calls) == len(accepted) + 1, "the one refused call was not repeated in vain"
    assert len(summary) > 1
    assert_each_once_in_order(summary, [mrkdwn(item) for item in items])
    assert len({m["text"] for m in summary}) == len(summary), "a part went out twice"
    async with slack.app.sessions() as session:
        ref = await outbox_repo.sent_ref(session, "retro:1:summary")
    assert ref is not None and len(ref["parts"]) == len(summary)
    async with slack.app.sessions() as session:
        counts = await outbox_repo.status_counts(session)
    assert counts[outbox_repo.DEAD] == 0 and counts[outbox_repo.PENDING] == 0
