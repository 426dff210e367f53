"""What a member typed in Slack is what Convene keeps, and it is escaped once on the way out.

Slack sends the text of messages and slash commands with ``& < >`` as
entities and mentions as ``<@U123>`` (https://api.slack.com/reference/surfaces/formatting);
modal values arrive as typed. Convene decodes the first kind once as it
comes in, stores the text as typed, and its renderer escapes it once.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from adapters.slack.slack_text import command_text, member_text, mentioned_user_ids
from storage.models import CheckinPrompt, RetroItem, Silo
from tests.support.slack_rig import SlackRig, dm_event, slack_convene
from tests.support.times import THURSDAY_NOON, utc


@pytest.fixture
def start() -> datetime:
    return THURSDAY_NOON


# -- decoding Slack's text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("R&amp;D &lt;3", "R&D <3"),
        ("a &gt; b &amp;&amp; c", "a > b && c"),
        ("I typed &amp;lt; myself", "I typed &lt; myself"),
        ("&amp;amp;", "&amp;"),
        ("&quot;quotes&quot; &#39;stay&#39;", "&quot;quotes&quot; &#39;stay&#39;"),
        ("thanks <@U2>", "thanks @bob"),
        ("thanks <@U2|robert>", "thanks @bob"),
        ("thanks <@U999|zed> and <@W42>", "thanks @zed and @W42"),
        ("in <#C1|general> and <#C9>", "in #general and #C9"),
        ("see <https://example.org>", "see https://example.org"),
        ("see <http://example.org|example.org>", "see example.org"),
        ("mail <mailto:a@example.org|a@example.org>", "mail a@example.org"),
        (
            "see <https://example.org/?a=1&amp;b=2|the plan>",
            "see the plan (https://example.org/?a=1&b=2)",
        ),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!subteam^S1|@nurses> on call", "@nurses on call"),
        ("<!date^1392734382^{date}|18 February 2014> it was", "18 February 2014 it was"),
    ],
)
def test_a_messages_text_is_decoded_to_what_the_member_typed(sent: str, typed: str) -> None:
    assert member_text(sent, {"U2": "bob"}) == typed


def test_a_commands_text_is_decoded_but_keeps_slacks_references_to_members_and_channels() -> None:
    sent = "for <@U3|kenji> R&amp;D &lt;3 in <#C1|general> <https://x.org|plan> <!here>"

    assert (
        command_text(sent) == "for <@U3|kenji> R&D <3 in <#C1|general> plan (https://x.org) @here"
    )


def test_the_members_a_message_mentions_are_found_once_each_in_order() -> None:
    sent = "<@U2> and <@U3|kenji>, <@U2> again; not &lt;@U4&gt;, not <#C1>, not <@nobody>"

    assert mentioned_user_ids(sent) == ["U2", "U3"]


# -- through Convene ---------------------------------------------------------------------------


def thread_reply(root_ts: str, text: str, ts: str) -> dict[str, object]:
    return {
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": "U3",
        "text": text,
        "ts": ts,
        "thread_ts": root_ts,
    }


async def items(rig: SlackRig) -> list[str]:
    async with rig.app.sessions() as session:
        return [i.text for i in (await session.exec(select(RetroItem))).all()]


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_a_reply_in_a_retro_thread_is_kept_as_typed_and_escaped_once(
    sqlite_url: str, mode: str
) -> None:
    async with slack_convene(sqlite_url, mode=mode) as rig:
        await rig.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
        root_ts = rig.fake.history("C1")[0]["ts"]

        sent = "start: R&amp;D &lt;3 with <@U2> &amp; <@U999|zed> in <#C1|general>"
        await rig.event(thread_reply(root_ts, sent, "1800000000.000001"), event_id="Ev-text-1")

        assert await items(rig) == ["R&D <3 with @bob & @zed in #general"]
        [posted] = rig.posted("*Start*")
        assert "R&amp;D &lt;3 with @bob &amp; @zed in #general" in posted["text"]
        assert "&amp;amp;" not in posted["text"] and "&amp;lt;" not in posted["text"]
        assert "<@U2>" not in posted["text"]


async def test_a_check_in_answer_typed_in_the_dm_is_kept_as_typed_and_escaped_once(
    slack: SlackRig,
) -> None:
    await slack.command(
        "U1",
        "/convene",
        'checkin create "Weekly pulse" #general every Monday 09:00 --template pulse',
    )
    await slack.advance_to(utc(30, 9, 0))
    await slack.event(dm_event("U1", "3", "1800000000.000100"), event_id="Ev-a1")
    await slack.event(
        dm_event(
            "U1", "Q&amp;A with <@U2> went well &gt;&gt; next: &lt;ward 3&gt;", "1800000000.2"
        ),
        event_id="Ev-a2",
    )

    async with slack.app.sessions() as session:
        [prompt] = [p for p in (await session.exec(select(CheckinPrompt))).all() if p.answers]
    assert prompt.answers == ["3", "Q&A with @bob went well >> next: <ward 3>"]
    answer = slack.posted("*alice*")[-1]["text"]
    assert "Q&amp;A with @bob went well &gt;&gt; next: &lt;ward 3&gt;" in answer
    assert "&amp;amp;" not in answer and "&amp;gt;" not in answer and "&amp;lt;" not in answer


async def test_a_slash_commands_text_is_kept_as_typed_and_escaped_once(slack: SlackRig) -> None:
    # What alice typed: /convene silo add "R&D <Ops>"
    await slack.command("U1", "/convene", 'silo add "R&amp;D &lt;Ops&gt;"')

    async with slack.app.sessions() as session:
        assert [s.name for s in (await session.exec(select(Silo))).all()] == ["R&D <Ops>"]
    [said] = slack.ephemeral_to("U1")
    assert "Added the silo R&amp;D &lt;Ops&gt;" in said["text"]


async def test_a_modal_value_arrives_as_typed_and_is_kept_so(slack: SlackRig) -> None:
    await slack.command("U1", "/convene", 'retro open "Quarter 4" --format start-stop-continue')
    root = slack.posted("*Retro: Quarter 4*")[0]
    root_ts = slack.fake.history("C1")[0]["ts"]
    await slack.click("U2", {**root, "ts": root_ts}, "Add item")
    view = slack.last_view()

    await slack.submit("U2", view, {"category": "Stop", "text": "R&D <3, and &amp; as typed"})

    assert await items(slack) == ["R&D <3, and &amp; as typed"]
    [posted] = slack.posted("*Stop*")
    assert "R&amp;D &lt;3, and &amp;amp; as typed" in posted["text"]
