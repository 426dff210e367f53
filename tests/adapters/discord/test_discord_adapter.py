"""Convene in Discord, against a fake Discord on loopback that the real discord.py client uses.

Every scenario runs through ``scenario``, which, besides starting Convene, checks two
promises when the scenario ends: each interaction had a first answer, and every
message the bot sent or edited carried ``allowed_mentions`` that parse nothing.
How soon the first answer comes is real time (Discord's three seconds), so one
scenario, marked ``realtime``, checks it for every kind of interaction.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.wiring import build_registry
from storage.models import (
    Commitment,
    HandlerFailure,
    Member,
    MemberSilo,
    OutboxMessage,
    Silo,
    Workspace,
)
from tests.support.discord_rig import (
    ALICE,
    BOB,
    DANA,
    EPHEMERAL,
    GENERAL,
    GENERAL_2,
    GUILD,
    GUILD_2,
    KENJI,
    DiscordRig,
    discord_convene,
    discord_world,
)
from tests.support.fake_discord import FakeDiscord

Payload = dict[str, Any]

DISCORD_WAITS = 3.0
"""Seconds Discord waits for an interaction's first answer. The adapter defers at
``ACK_WINDOW`` (2 s) at the latest, which leaves a second for a loaded machine."""
ROLE_RADIOLOGY = 900_000_000_000_002_001
ROLE_ONCOLOGY = 900_000_000_000_002_002
ROLE_MODERATORS = 900_000_000_000_002_003
ROLE_BOT = 900_000_000_000_002_004
ROLE_ONCALL = 900_000_000_000_002_005
# Gateway intent bits, from Discord's documentation.
GUILDS, GUILD_MEMBERS, GUILD_MESSAGES = 1 << 0, 1 << 1, 1 << 9
DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 12, 1 << 15

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, BOOLEAN, USER, CHANNEL = 1, 2, 3, 5, 6, 7


@asynccontextmanager
async def scenario(
    database_url: str, *, prompt: bool = True, **options: Any
) -> AsyncIterator[DiscordRig]:
    """``discord_convene``, then: every interaction answered, and nothing the bot sent
    could ping.

    Replies are delivered as soon as an interaction is handled (``prompt``), as the
    background deliverer does in production, unless a scenario says otherwise.
    """

    async with discord_convene(database_url, prompt=prompt, **options) as rig:
        yield rig
        assert_every_interaction_answered(rig)
        assert_nothing_sent_could_ping(rig.fake)


def assert_every_interaction_answered(rig: DiscordRig) -> None:
    unanswered = [i for i, delay in rig.answer_delays().items() if delay == float("inf")]
    assert unanswered == [], f"interactions Discord got no answer to: {unanswered}"


def _bodies_sent(fake: FakeDiscord) -> Iterator[tuple[str, Payload]]:
    """Every message body the bot sent or edited: posts, replies, follow-ups and edits."""

    posts = [
        *fake.calls("POST", "/channels/{id}/messages"),
        *fake.calls("POST", "/webhooks/{id}/{token}"),
    ]
    edits = [
        *fake.calls("PATCH", "/channels/{id}/messages/{id}"),
        *fake.calls("PATCH", "/webhooks/{id}/{token}/messages/{id}"),
    ]
    for record in posts:
        yield f"POST {record.path}", record.json if isinstance(record.json, dict) else {}
    for record in edits:
        if isinstance(record.json, dict) and "content" in record.json:
            yield f"PATCH {record.path}", record.json
    for record in fake.calls("POST", "/interactions/{id}/{token}/callback"):
        body = record.json if isinstance(record.json, dict) else {}
        if body.get("type") in (4, 7):  # a reply, or an update of the clicked message
            yield f"{record.method} {record.path}", dict(body.get("data") or {})


def assert_nothing_sent_could_ping(fake: FakeDiscord) -> None:
    sent = list(_bodies_sent(fake))
    assert sent, "the scenario sent no message at all"
    for where, body in sent:
        allowed = body.get("allowed_mentions")
        assert isinstance(allowed, dict) and allowed.get("parse") == [], (where, body)


def choice_names(choices: list[Payload]) -> list[str]:
    return [str(c["name"]) for c in choices]


def subcommands(command: Payload) -> Iterator[tuple[str, Payload]]:
    """Each subcommand of a synced command, with its path (``convene silo add``)."""

    for item in command.get("options") or []:
        if item["type"] == SUB_COMMAND:
            yield f"{command['name']} {item['name']}", item
        elif item["type"] == SUB_COMMAND_GROUP:
            for inner in item.get("options") or []:
                yield f"{command['name']} {item['name']} {inner['name']}", inner


def option_types(commands: list[Payload]) -> dict[str, dict[str, int]]:
    """{"convene silo add": {"name": 3, ...}, ...} from the synced commands."""

    return {
        path: {o["name"]: o["type"] for o in sub.get("options") or []}
        for command in commands
        for path, sub in subcommands(command)
    }


async def member_row(rig: DiscordRig, user: int, guild: int = GUILD) -> Member:
    async with rig.app.sessions() as session:
        found = (
            await session.exec(
                select(Member)
                .join(Workspace, col(Workspace.id) == col(Member.workspace_id))
                .where(Workspace.external_id == str(guild))
                .where(Member.platform_user_id == str(user))
            )
        ).one()
    return found


async def outbox_rows(rig: DiscordRig, key_prefix: str) -> list[OutboxMessage]:
    async with rig.app.sessions() as session:
        rows = (
            await session.exec(
                select(OutboxMessage).where(
                    col(OutboxMessage.idempotency_key).startswith(key_prefix)
                )
            )
        ).all()
    return list(rows)


def time_zone_asks(rig: DiscordRig, user: int) -> list[Payload]:
    return [m for m in rig.dms(user) if "Which time zone are you in?" in str(m.get("content"))]


# -- commands on Discord ------------------------------------------------------------------------


async def test_a_convener_adds_a_silo_with_a_slash_command_and_alone_sees_the_answer(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        assert rig.fake.command_puts(GUILD) == 1
        command = await rig.slash(
            ALICE, "convene", "silo", "add", name="Public Health", kind="organisation"
        )

        (answer,) = rig.fake.callbacks(command)
        assert answer.type == 4 and answer.data is not None
        assert answer.data["flags"] == EPHEMERAL
        assert "Public Health" in rig.told(ALICE)[0]
        async with rig.app.sessions() as session:
            silos = {s.name: s.kind for s in (await session.exec(select(Silo))).all()}
        assert silos == {"Public Health": "organisation"}
        assert rig.told(BOB) == []


async def test_commands_are_synced_to_a_server_on_start_and_only_again_when_they_changed(
    database_url: str,
) -> None:
    async with discord_world() as fake:
        async with scenario(database_url, fake=fake) as first:
            assert first.fake.command_puts(GUILD) == 1
            assert first.adapter.synced == {str(GUILD): True}
            await first.slash(ALICE, "profile", "show")

        async with scenario(database_url, fake=fake) as again:
            assert fake.command_puts(GUILD) == 1
            assert again.adapter.synced == {str(GUILD): False}
            await again.slash(ALICE, "profile", "show")

        fewer = [s for s in build_registry().commands.commands if s.path != ("commit", "drop")]
        async with scenario(database_url, fake=fake, commands=fewer) as changed:
            assert fake.command_puts(GUILD) == 2
            assert changed.adapter.synced == {str(GUILD): True}
            commit = next(c for c in fake.commands(GUILD) if c["name"] == "commit")
            assert "drop" not in [o["name"] for o in commit["options"]]
            await changed.slash(ALICE, "profile", "show")


async def test_the_synced_commands_keep_convener_commands_apart_and_type_their_options(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(ALICE, "profile", "show")
        synced = {c["name"]: c for c in rig.fake.commands(GUILD)}

        assert set(synced) == {"convene", "profile", "pairing", "checkin", "commit"}
        assert synced["convene"]["default_member_permissions"] == "32"
        for name in ("profile", "pairing", "checkin", "commit"):
            assert synced[name].get("default_member_permissions") is None, name
        types = option_types(list(synced.values()))
        assert types["commit make"] == {"what": STRING, "private": BOOLEAN}
        assert types["commit for"]["who"] == USER
        assert types["convene member add"]["name"] == USER
        assert types["convene convener add"]["name"] == USER
        assert types["pairing avoid"]["member"] == USER
        assert types["convene checkin create"]["channel"] == CHANNEL
        assert types["convene pairing round-now"] == {"channel": CHANNEL, "anyway": BOOLEAN}
        assert types["convene retro open"]["anonymous"] == BOOLEAN
        assert types["convene checkin questions"]["scale"] == BOOLEAN
        assert "profile tz" in types and "convene me tz" not in types
        for path, sub in (p for c in synced.values() for p in subcommands(c)):
            required = [bool(o.get("required")) for o in sub.get("options") or []]
            assert required == sorted(required, reverse=True), f"/{path}: {required}"


async def test_a_member_who_is_not_a_convener_is_refused_politely_though_discord_let_him_run_it(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(ALICE, "profile", "show")
        command = await rig.slash(BOB, "convene", "silo", "add", name="Oncology")

        (answer,) = rig.fake.callbacks(command)
        assert answer.type == 4 and answer.data is not None
        assert answer.data["flags"] == EPHEMERAL
        refusal = rig.told(BOB)[0]
        assert refusal == answer.data["content"]
        assert refusal.startswith("Only conveners can use /convene silo add. Ask Alice R")
        assert not any("Oncology" in said or "conveners" in said for said in rig.told(ALICE))
        public = [
            m
            for m in rig.fake.messages_in(GENERAL)
            if "conveners" in str(m.get("content")) and not int(m.get("flags", 0)) & EPHEMERAL
        ]
        assert public == []
        async with rig.app.sessions() as session:
            assert (await session.exec(select(Silo))).all() == []


async def test_a_reply_not_ready_in_time_replaces_the_thinking_note_discord_was_given(
    database_url: str,
) -> None:
    async with scenario(database_url, prompt=False) as rig:
        command = await rig.slash(ALICE, "convene", "silo", "add", name="Public Health")

        (deferred,) = rig.fake.callbacks(command)
        assert deferred.type == 5 and deferred.data == {"flags": EPHEMERAL}
        (edit,) = rig.sent("PATCH", f"/webhooks/{{id}}/{command['token']}/messages/@original")
        assert edit.json["content"].startswith("Added the silo Public Health")
        assert rig.replies(ALICE) == [edit.json["content"]]


# -- autocompletion ----------------------------------------------------------------------------


async def test_autocompletion_offers_silos_check_ins_own_commitments_and_time_zones(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        for name in ("Radiotherapy", "Public Health", "Radiology"):
            await rig.slash(ALICE, "convene", "silo", "add", name=name)
        await rig.slash(
            ALICE,
            "convene",
            "checkin",
            "create",
            name="Ward round",
            when="every Monday 09:00",
            options={"channel": str(GENERAL)},
        )
        await rig.slash(BOB, "commit", "make", what="Draft the rota by Friday", private=True)
        await rig.slash(BOB, "commit", "make", what="Order gloves", private=True)
        await rig.slash(ALICE, "commit", "make", what="Book the room", private=True)
        async with rig.app.sessions() as session:
            bobs = (
                await session.exec(
                    select(Commitment).where(Commitment.text != "Book the room").order_by("id")
                )
            ).all()
        rota, gloves = bobs

        silos = await rig.autocomplete(
            ALICE, "convene", "silo", "remove", focused="name", name="rad"
        )
        assert choice_names(silos) == ["Radiology", "Radiotherapy"]
        assert [c["value"] for c in silos] == ["Radiology", "Radiotherapy"]
        mine = await rig.autocomplete(BOB, "profile", "silo", focused="silo", action="add")
        assert sorted(choice_names(mine)) == ["Public Health", "Radiology", "Radiotherapy"]

        checkins = await rig.autocomplete(BOB, "checkin", "join", focused="name", name="wa")
        assert choice_names(checkins) == ["Ward round"]

        numbers = await rig.autocomplete(BOB, "commit", "done", focused="n")
        assert numbers == [
            {"name": f"{rota.id} · Draft the rota", "value": str(rota.id)},
            {"name": f"{gloves.id} · Order gloves", "value": str(gloves.id)},
        ]
        typed = await rig.autocomplete(BOB, "commit", "move", focused="n", n="glov")
        assert [c["value"] for c in typed] == [str(gloves.id)]
        await rig.slash(BOB, "commit", "done", n=str(gloves.id))
        left = await rig.autocomplete(BOB, "commit", "drop", focused="n")
        assert [c["value"] for c in left] == [str(rota.id)]

        zones = await rig.autocomplete(KENJI, "profile", "tz", focused="zone", zone="tok")
        assert "Asia/Tokyo" in choice_names(zones)
        assert all("tok" in name.lower() for name in choice_names(zones))
        spaced = await rig.autocomplete(KENJI, "profile", "tz", focused="zone", zone="new york")
        assert choice_names(spaced)[0] == "America/New_York"
        common = await rig.autocomplete(KENJI, "profile", "tz", focused="zone")
        assert "Europe/London" in choice_names(common) and len(common) <= 25

        answers = [rig.fake.callbacks(i)[0].type for i in rig.dispatched]
        assert answers.count(8) == 9


# -- safety ------------------------------------------------------------------------------------


def _with_a_role(fake: FakeDiscord) -> None:
    fake.add_role(GUILD, ROLE_ONCALL, "on-call", mentionable=True)
    fake.add_member(GUILD, KENJI, roles=[ROLE_ONCALL])


PINGS = f"@everyone <@&{ROLE_ONCALL}> <@{KENJI}>"


def assert_pings_nobody(message: Payload) -> None:
    content = str(message["content"])
    assert "@\u200beveryone" in content and "@everyone" not in content
    assert f"\\<@&{ROLE_ONCALL}>" in content and f"\\<@{KENJI}>" in content
    assert message["mention_everyone"] is False
    assert message["mention_roles"] == [] and message["mentions"] == []


async def test_a_retro_item_naming_everyone_a_role_and_a_member_pings_nobody(
    database_url: str,
) -> None:
    async with scenario(database_url, world=_with_a_role) as rig:
        await rig.slash(ALICE, "convene", "retro", "open", name="Quarter 4")
        root = rig.posted(GENERAL, "Retro: Quarter 4")[0]
        opened = await rig.click(BOB, root, "Add item")
        form = rig.modal(opened)
        assert [c["component"]["custom_id"] for c in form["components"]] == ["category", "text"]

        await rig.submit(BOB, opened, {"category": "Start", "text": f"{PINGS} huddles at 9"})

        items = rig.posted(int(root["id"]), "huddles at 9")
        assert len(items) == 1
        assert_pings_nobody(items[0])
        sent = [
            r.json
            for r in rig.sent("POST", f"/channels/{root['id']}/messages")
            if "huddles" in str(r.json)
        ]
        assert [body["allowed_mentions"] for body in sent] == [{"parse": []}]


async def test_a_commitment_told_in_the_channel_shows_the_members_text_without_pinging(
    database_url: str,
) -> None:
    async with scenario(database_url, world=_with_a_role) as rig:
        await rig.slash(BOB, "commit", "make", what=f"Tell {PINGS} about the audit")

        news = rig.posted(GENERAL, "commits to")
        assert len(news) == 1 and not int(news[0].get("flags", 0)) & EPHEMERAL
        assert_pings_nobody(news[0])
        assert news[0]["content"].startswith("Bob commits to **Tell ")


async def test_a_commitment_asked_of_a_member_carries_the_askers_words_without_pings(
    database_url: str,
) -> None:
    async with scenario(database_url, world=_with_a_role) as rig:
        await rig.slash(BOB, "profile", "show")
        await rig.slash(ALICE, "commit", "for", who=str(BOB), what=f"Ask {PINGS} for the keys")

        (ask,) = [m for m in rig.dms(BOB) if "asks you to commit" in str(m["content"])]
        assert_pings_nobody(ask)
        (news,) = rig.posted(GENERAL, "asked Bob to commit")
        assert_pings_nobody(news)
        bodies = [r.json for r in rig.sent("POST", "/channels/{id}/messages")]
        assert all(body["allowed_mentions"] == {"parse": []} for body in bodies)


# -- DMs -------------------------------------------------------------------------------------


async def test_a_member_with_dms_closed_is_marked_for_the_convener_until_a_dm_gets_through(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with scenario(database_url) as rig:
        await rig.slash(BOB, "profile", "show")
        rig.fake.close_dms(BOB)

        await rig.slash(ALICE, "commit", "for", who=str(BOB), what="Review the rota")

        refused = rig.sent("POST", f"/channels/{rig.fake.dm_channel_of(BOB)}/messages")
        assert [r.status for r in refused] == [200, 403]
        async with rig.app.sessions() as session:
            asked = (await session.exec(select(Commitment))).one()
        (row,) = await outbox_rows(rig, f"commitment:{asked.id}:ask")
        assert row.status == "dead" and "closed" in (row.last_error or "")
        assert (await member_row(rig, BOB)).dms_closed_at is not None

        await rig.slash(ALICE, "convene", "members")
        listing = rig.replies(ALICE)[-1]
        bob_line = next(line for line in listing.splitlines() if line.strip().startswith("Bob"))
        assert "DMs closed" in bob_line
        assert "1 member cannot be reached by DM" in listing and ": Bob." in listing

        rig.fake.close_dms(BOB, False)
        await rig.slash(ALICE, "commit", "for", who=str(BOB), what="Check the doses")

        assert any("Check the doses" in str(m["content"]) for m in rig.dms(BOB))
        assert (await member_row(rig, BOB)).dms_closed_at is None
        await rig.slash(ALICE, "convene", "members")
        assert "DMs closed" not in rig.replies(ALICE)[-1]
        async with rig.app.sessions() as session:
            assert (await session.exec(select(HandlerFailure))).all() == []
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_new_member_whose_dms_are_closed_loses_only_the_welcome(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        rig.fake.close_dms(KENJI)

        await rig.slash(KENJI, "profile", "show")

        assert "You are Kenji" in rig.told(KENJI)[0]
        (ask,) = await outbox_rows(rig, "member:")
        assert ask.status == "dead"
        assert (await member_row(rig, KENJI)).dms_closed_at is not None
        await rig.slash(KENJI, "commit", "list")
        assert "no open commitments" in rig.replies(KENJI)[-1]


# -- rate limits -------------------------------------------------------------------------------


async def test_a_429_on_posting_to_a_channel_is_waited_out_and_the_message_goes_out_once(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        rig.fake.rate_limit_next("POST", f"/channels/{GENERAL}/messages", retry_after=0.2)

        await rig.slash(BOB, "commit", "make", what="Order gloves by Friday")

        posts = rig.sent("POST", f"/channels/{GENERAL}/messages")
        assert [r.status for r in posts] == [429, 200]
        assert len(rig.posted(GENERAL, "Order gloves")) == 1
        async with rig.app.sessions() as session:
            made = (await session.exec(select(Commitment))).one()
        (news,) = await outbox_rows(rig, f"commitment:{made.id}:news")
        assert news.status == "sent" and news.attempts == 1


# -- restarts ---------------------------------------------------------------------------------


async def test_buttons_sent_before_a_restart_still_work_after_it(database_url: str) -> None:
    async with discord_world() as fake:
        async with scenario(database_url, fake=fake) as before:
            await before.slash(ALICE, "convene", "retro", "open", name="Quarter 4")
            root = before.posted(GENERAL, "Retro: Quarter 4")[0]
            opened = await before.click(BOB, root, "Add item")
            await before.submit(BOB, opened, {"category": "Stop", "text": "Paper handovers"})
            await before.slash(KENJI, "profile", "show")
            await before.slash(ALICE, "commit", "for", who=str(KENJI), what="Label the fridge")
            start = before.clock.now()

        async with scenario(database_url, fake=fake, start=start) as after:
            item = after.posted(int(root["id"]), "Paper handovers")[0]
            await after.click(KENJI, item, "+1")

            assert after.replies(KENJI)[-1].startswith("Voted for item 1;")
            assert "1 vote" in after.posted(int(root["id"]), "Paper handovers")[0]["content"]

            opened = await after.click(KENJI, root, "Add item")
            await after.submit(KENJI, opened, {"category": "Start", "text": "Rota on the wall"})
            assert len(after.posted(int(root["id"]), "Rota on the wall")) == 1
            started = fake.calls("POST", "/channels/{id}/messages/{id}/threads", status=201)
            assert len(started) == 1

            ask = next(m for m in after.dms(KENJI) if "Label the fridge" in str(m["content"]))
            await after.click(KENJI, ask, "Accept")

            async with after.app.sessions() as session:
                made = (await session.exec(select(Commitment))).one()
            assert made.status == "open"
            stale = [t for t in after.told(KENJI) if "no longer does anything" in t]
            assert stale == []


# -- time zones, names -------------------------------------------------------------------------


async def test_a_new_member_is_asked_their_time_zone_once_with_a_menu_of_common_zones(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(KENJI, "profile", "show")

        (ask,) = time_zone_asks(rig, KENJI)
        (row,) = ask["components"]
        (menu,) = row["components"]
        assert menu["type"] == 3
        labels = [o["label"] for o in menu["options"]]
        assert "Asia/Tokyo" in labels and "Europe/London" in labels

        await rig.click(KENJI, ask, "Asia/Tokyo")

        assert (await member_row(rig, KENJI)).timezone == "Asia/Tokyo"
        await rig.slash(KENJI, "profile", "show")
        assert "Time zone: Asia/Tokyo." in rig.replies(KENJI)[-1]
        await rig.slash(KENJI, "commit", "list")
        assert len(time_zone_asks(rig, KENJI)) == 1


async def test_a_member_who_ignores_the_time_zone_question_is_not_asked_again(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(BOB, "profile", "show")
        await rig.slash(BOB, "commit", "list")
        await rig.slash(BOB, "profile", "silos")

        assert len(time_zone_asks(rig, BOB)) == 1
        assert (await member_row(rig, BOB)).timezone is None


async def test_a_member_goes_by_their_nickname_in_each_server(database_url: str) -> None:
    async with scenario(database_url, second_guild=True) as rig:
        await rig.slash(ALICE, "profile", "show")
        await rig.slash(ALICE, "profile", "show", guild=GUILD_2, channel=GENERAL_2)

        assert (await member_row(rig, ALICE)).display_name == "Alice R"
        assert (await member_row(rig, ALICE, GUILD_2)).display_name == "Alice"
        assert "You are Alice R, a convener." in rig.told(ALICE)[0]


# -- silos from roles ---------------------------------------------------------------------------


def _team_roles(fake: FakeDiscord) -> None:
    fake.add_role(GUILD, ROLE_RADIOLOGY, "team-Radiology")
    fake.add_role(GUILD, ROLE_ONCOLOGY, "team-Oncology")
    fake.add_role(GUILD, ROLE_MODERATORS, "Moderators")
    fake.add_role(GUILD, ROLE_BOT, "team-Bots", managed=True)
    fake.add_member(GUILD, BOB, roles=[ROLE_RADIOLOGY, ROLE_MODERATORS])
    fake.add_member(GUILD, KENJI, roles=[ROLE_RADIOLOGY, ROLE_ONCOLOGY])
    fake.add_member(GUILD, ALICE, nick="Alice R", roles=[ROLE_ONCOLOGY])
    fake.add_member(GUILD, fake.bot_user_id, roles=[ROLE_BOT])


async def test_a_convener_imports_silos_from_roles_named_with_a_prefix(database_url: str) -> None:
    async with scenario(database_url, world=_team_roles) as rig:
        await rig.slash(ALICE, "convene", "silo", "import", source="roles", prefix="team-")

        assert rig.replies(ALICE)[-1].startswith("Imported 2 silos from roles (2 new)")
        async with rig.app.sessions() as session:
            links = (
                await session.exec(
                    select(Silo.name, Silo.kind, Member.display_name)
                    .join(MemberSilo, col(MemberSilo.silo_id) == col(Silo.id))
                    .join(Member, col(Member.id) == col(MemberSilo.member_id))
                )
            ).all()
        assert sorted(links) == [
            ("Oncology", "team", "Alice R"),
            ("Oncology", "team", "Kenji"),
            ("Radiology", "team", "Bob"),
            ("Radiology", "team", "Kenji"),
        ]


# -- several servers -----------------------------------------------------------------------------


async def test_one_process_serves_two_servers_and_keeps_their_silos_apart(
    database_url: str,
) -> None:
    async with scenario(database_url, second_guild=True) as rig:
        assert rig.fake.command_puts(GUILD) == 1 and rig.fake.command_puts(GUILD_2) == 1
        assert rig.adapter.synced == {str(GUILD): True, str(GUILD_2): True}

        await rig.slash(ALICE, "convene", "silo", "add", name="Radiotherapy")
        await rig.slash(DANA, "profile", "silos", guild=GUILD_2, channel=GENERAL_2)
        there = await rig.autocomplete(
            DANA, "profile", "silo", focused="silo", guild=GUILD_2, channel=GENERAL_2
        )
        here = await rig.autocomplete(BOB, "profile", "silo", focused="silo")

        assert "There are no silos yet" in rig.told(DANA)[0]
        assert there == [] and choice_names(here) == ["Radiotherapy"]
        async with rig.app.sessions() as session:
            homes = (
                await session.exec(
                    select(Silo.name, Workspace.external_id).join(
                        Workspace, col(Workspace.id) == col(Silo.workspace_id)
                    )
                )
            ).all()
        assert homes == [("Radiotherapy", str(GUILD))]


# -- the gateway ----------------------------------------------------------------------------------


async def test_the_gateway_intents_are_only_those_convene_needs(database_url: str) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(ALICE, "profile", "show")
        intents = int(rig.fake.identify_payloads[0]["intents"])
    assert intents & GUILDS and intents & GUILD_MEMBERS and intents & DIRECT_MESSAGES
    assert not intents & MESSAGE_CONTENT and not intents & GUILD_MESSAGES

    async with scenario(database_url, read_channel_messages=True) as reading:
        await reading.slash(ALICE, "profile", "show")
        intents = int(reading.fake.identify_payloads[0]["intents"])
    assert intents & MESSAGE_CONTENT and intents & GUILD_MESSAGES
    assert intents & GUILDS and intents & GUILD_MEMBERS and intents & DIRECT_MESSAGES


# -- every kind of interaction, answered in time ---------------------------------------------------


@pytest.mark.realtime
async def test_every_kind_of_interaction_gets_its_first_answer_well_inside_three_seconds(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        command = await rig.slash(ALICE, "convene", "retro", "open", name="Quarter 4")
        root = rig.posted(GENERAL, "Retro: Quarter 4")[0]
        click = await rig.click(BOB, root, "Add item")
        submitted = await rig.submit(BOB, click, {"category": "Start", "text": "Huddles"})
        item = rig.posted(int(root["id"]), "Huddles")[0]
        vote = await rig.click(KENJI, item, "+1")
        ask = time_zone_asks(rig, KENJI)[0]
        picked = await rig.click(KENJI, ask, "Europe/London")
        await rig.autocomplete(ALICE, "profile", "tz", focused="zone", zone="lon")

        first = {i: rig.fake.callbacks(i)[0].type for i in rig.dispatched}
        (typing,) = set(first) - {int(x["id"]) for x in (command, click, submitted, vote, picked)}
        assert [first[int(x["id"])] for x in (command, click, submitted, vote, picked)] == [
            5,  # a command with nothing to say privately: a "thinking…" note
            9,  # a button that opens a form: the form
            6,  # a form sent from a message, answered in the thread: acknowledged
            4,  # a vote: its private reply is the answer itself
            6,  # a choice in a DM, answered with a new DM: acknowledged
        ]
        assert first[typing] == 8
        delays = rig.answer_delays()
        assert len(delays) == 6 and max(delays.values()) < DISCORD_WAITS, delays


# -- introductions ---------------------------------------------------------------------------------


async def introduce_bob_and_kenji(rig: DiscordRig, about: str) -> Payload:
    """Alice starts introductions in #general; Bob (Radiology) and Kenji (Oncology) join, Bob
    says ``about`` himself; a round now. Returns the introduction message."""

    for silo in ("Radiology", "Oncology"):
        await rig.slash(ALICE, "convene", "silo", "add", name=silo)
    await rig.slash(BOB, "profile", "silo", action="add", silo="Radiology")
    await rig.slash(KENJI, "profile", "silo", action="add", silo="Oncology")
    await rig.slash(
        ALICE,
        "convene",
        "pairing",
        "start",
        when="every Monday 10:00",
        options={"channel": str(GENERAL)},
    )
    await rig.slash(BOB, "pairing", "join")
    await rig.slash(KENJI, "pairing", "join")
    await rig.slash(BOB, "pairing", "about", text=about)
    await rig.slash(ALICE, "convene", "pairing", "round-now")
    invited = rig.fake.calls("PUT", "/channels/{id}/thread-members/{id}")
    (thread,) = {int(r.path.split("/")[2]) for r in invited}
    assert sorted(rig.fake.thread_members(thread)) == sorted([rig.fake.bot_user_id, BOB, KENJI])
    (introduction,) = rig.posted(thread, "Introductions, round 1")
    return introduction


async def test_an_introduction_in_a_private_thread_pings_its_members_and_nobody_they_named(
    database_url: str,
) -> None:
    async with scenario(database_url, world=_with_a_role) as rig:
        introduction = await introduce_bob_and_kenji(rig, f"Scans. Ask {PINGS} <@{ALICE}>")

        (created,) = rig.fake.calls("POST", f"/channels/{GENERAL}/threads")
        assert created.json["name"] == "Introduction: Bob, Kenji"
        assert created.json["type"] == 12 and created.json["invitable"] is False

        content = str(introduction["content"])
        assert f"- <@{BOB}>: Radiology" in content and f"- <@{KENJI}>: Oncology" in content
        assert f"\\<@{ALICE}>" in content and "@\u200beveryone" in content
        assert sorted(u["id"] for u in introduction["mentions"]) == sorted([str(BOB), str(KENJI)])
        assert introduction["mention_roles"] == [] and introduction["mention_everyone"] is False
        (sent,) = [
            r.json for r in rig.sent("POST", "/channels/{id}/messages") if "round 1" in str(r.json)
        ]
        assert sent["allowed_mentions"] == {"parse": [], "users": [str(BOB), str(KENJI)]}


async def test_a_channel_picked_in_a_channel_option_is_shown_by_its_name(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(
            ALICE,
            "convene",
            "pairing",
            "start",
            when="every Monday 10:00",
            options={"channel": str(GENERAL)},
        )

        (announced,) = rig.posted(GENERAL, "Introductions are starting")
        assert announced["content"].startswith("Introductions are starting in #general:")
        assert str(GENERAL) not in announced["content"]


async def test_a_member_a_convener_adds_by_picking_them_goes_by_their_server_name(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(ALICE, "convene", "member", "add", name=str(KENJI))
        await rig.slash(KENJI, "profile", "show")

        assert rig.replies(ALICE)[-1].startswith("Added Kenji")
        assert (await member_row(rig, KENJI)).display_name == "Kenji"


async def test_a_commitment_still_waiting_for_the_members_answer_is_not_offered_as_theirs(
    database_url: str,
) -> None:
    async with scenario(database_url) as rig:
        await rig.slash(BOB, "commit", "make", what="Order gloves", private=True)
        await rig.slash(ALICE, "commit", "for", who=str(BOB), what="Review the rota")

        offered = await rig.autocomplete(BOB, "commit", "done", focused="n")
        assert choice_names(offered) == ["1 · Order gloves"]


async def test_a_dm_after_a_restart_stays_with_the_server_convene_wrote_from(
    database_url: str,
) -> None:
    async with discord_world(second_guild=True) as fake:
        async with scenario(database_url, fake=fake) as before:
            await before.slash(DANA, "profile", "show", guild=GUILD_2, channel=GENERAL_2)
            start = before.clock.now()

        async with scenario(database_url, fake=fake, start=start) as after:
            await after.dm_text(DANA, "hello")

            assert any("Hello! I'm Convene." in str(m["content"]) for m in after.dms(DANA))
            async with after.app.sessions() as session:
                homes = (
                    await session.exec(
                        select(Workspace.external_id)
                        .join(Member, col(Member.workspace_id) == col(Workspace.id))
                        .where(Member.platform_user_id == str(DANA))
                    )
                ).all()
            assert homes == [str(GUILD_2)]
            assert len(time_zone_asks(after, DANA)) == 1


async def test_a_private_reply_sent_as_a_follow_up_goes_out_once_and_is_recorded(
    database_url: str,
) -> None:
    async with scenario(database_url, prompt=False) as rig:
        await rig.slash(ALICE, "convene", "retro", "open", name="Quarter 4")
        root = rig.posted(GENERAL, "Retro: Quarter 4")[0]
        opened = await rig.click(BOB, root, "Add item")
        await rig.submit(BOB, opened, {"category": "Start", "text": "Huddles"})
        vote = await rig.click(KENJI, rig.posted(int(root["id"]), "Huddles")[0], "+1")
        await rig.advance_to(rig.clock.now() + timedelta(minutes=1))

        followups = rig.sent("POST", f"/webhooks/{{id}}/{vote['token']}")
        assert [r.json["content"][:16] for r in followups] == ["Voted for item 1"]
        (reply,) = await outbox_rows(rig, f"event:discord:interaction:{vote['id']}:reply")
        assert reply.status == "sent", reply.last_error
