"""Convene's command table as Discord slash commands, and invoked commands back as words."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.commands import (
    BOOLEAN,
    CHANNEL,
    STRING,
    USER,
    build_commands,
    command_text,
    fingerprint,
    invoked,
)
from bot.commands import parse_args, split_plain, split_words
from bot.wiring import build_registry
from handlers.shared.text import member_reference
from tests.support.discord_rig import synced_subcommand

COMMANDS = build_commands(build_registry().commands.commands)
NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def walk(option: dict[str, Any]) -> list[dict[str, Any]]:
    return [option, *(o for child in option.get("options") or [] for o in walk(child))]


def synced(*names: str) -> dict[str, Any]:
    return synced_subcommand(COMMANDS.payload, names)


def words_for(names: tuple[str, ...], **values: Any) -> tuple[str, list[str]]:
    """What the core receives for a Discord command, split as the core splits it."""

    spec = COMMANDS.spec_for(names)
    assert spec is not None
    types = {o["name"]: o["type"] for o in synced(*names)["options"]}
    text = command_text(spec, {name: (types[name], value) for name, value in values.items()})
    return text, (split_plain(text) if spec.free_text else split_words(text))


def test_every_command_convene_has_is_on_discord_once_within_discords_limits() -> None:
    assert len(COMMANDS.specs) == len(build_registry().commands.commands)
    for command in COMMANDS.payload:
        for option in walk(command):
            assert NAME.match(option["name"]), option["name"]
            assert 1 <= len(option["description"]) <= 100
            children = option.get("options") or []
            assert len(children) <= 25
            required = [o.get("required", False) for o in children if o["type"] not in (1, 2)]
            assert required == sorted(required, reverse=True), "required options come first"


def test_conveners_commands_ask_for_manage_server_and_members_commands_ask_for_nothing() -> None:
    by_name = {c["name"]: c for c in COMMANDS.payload}
    assert set(by_name) == {"convene", "profile", "pairing", "checkin", "commit"}
    assert by_name["convene"]["default_member_permissions"] == "32"
    for member_command in ("profile", "pairing", "checkin", "commit"):
        assert "default_member_permissions" not in by_name[member_command]
    every_convene_one = [COMMANDS.spec_for(("convene", *n)) for n in (("status",), ("silo", "add"))]
    assert all(spec is not None and spec.convener_only for spec in every_convene_one)
    shown = COMMANDS.spec_for(("profile", "show"))
    assert shown is not None and shown.path == ("convene", "me")
    made = COMMANDS.spec_for(("commit", "make"))
    assert made is not None and made.path == ("commit",)
    round_now = COMMANDS.spec_for(("convene", "pairing", "round-now"))
    assert round_now is not None and round_now.path == ("convene", "pairing", "round", "now")


def test_members_channels_and_flags_get_discords_own_inputs() -> None:
    types = {o["name"]: o["type"] for o in synced("commit", "for")["options"]}
    assert types["who"] == USER and types["what"] == STRING and types["private"] == BOOLEAN
    assert {o["name"]: o["type"] for o in synced("convene", "member", "add")["options"]}[
        "name"
    ] == USER
    start = {o["name"]: o for o in synced("convene", "pairing", "start")["options"]}
    assert start["channel"]["type"] == CHANNEL and start["channel"]["channel_types"] == [0, 5]
    assert {o["name"]: o for o in synced("profile", "tz")["options"]}["zone"]["autocomplete"]


def test_a_discord_command_reaches_the_core_as_the_words_a_member_would_type() -> None:
    text, words = words_for(("convene", "silo", "add"), name="Public Health", kind="organisation")
    assert text == 'silo add "Public Health" --kind organisation'
    spec = COMMANDS.spec_for(("convene", "silo", "add"))
    assert spec is not None
    args = parse_args(spec, words[2:])
    assert (args["name"], args["kind"]) == ("Public Health", "organisation")

    text, _ = words_for(
        ("commit", "for"), who="123", what="Book Bob's room by Friday", private=True
    )
    assert text == "for <@123> Book Bob's room by Friday --private"
    assert member_reference("<@123>") == "123"

    text, _ = words_for(("convene", "pairing", "start"), channel="456", when="every Monday 10:00")
    assert text == 'pairing start <#456> "every Monday 10:00"'


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs")), max_size=60))
def test_any_value_a_member_types_reaches_the_core_unchanged(value: str) -> None:
    if not value.strip():
        return
    _, words = words_for(("convene", "silo", "rename"), name=value, new_name="X")
    assert words[2] == value and words[3] == "X"


def test_the_options_of_an_invoked_subcommand_are_found_with_the_focused_one() -> None:
    data = {
        "name": "convene",
        "options": [
            {
                "type": 2,
                "name": "silo",
                "options": [
                    {
                        "type": 1,
                        "name": "remove",
                        "options": [{"type": 3, "name": "name", "value": "Rad", "focused": True}],
                    }
                ],
            }
        ],
    }
    names, given_, focused = invoked(data)
    assert names == ["convene", "silo", "remove"]
    assert given_ == {"name": (STRING, "Rad")} and focused == "name"


def test_help_and_hints_name_the_commands_as_they_are_typed_on_discord() -> None:
    rewrite = COMMANDS.as_typed_here
    assert rewrite("type /convene me tz Asia/Singapore") == "type /profile tz Asia/Singapore"
    assert rewrite("Usage: /convene me") == "Usage: /profile show"
    assert rewrite("/commit Draft it by Friday") == "/commit make Draft it by Friday"
    assert rewrite("/commit list") == "/commit list"
    assert rewrite("/convene checkin run now Standup") == "/convene checkin run-now Standup"
    assert rewrite("/convene silos, then /convene silo add X") == (
        "/profile silos, then /convene silo add X"
    )


def test_commands_discord_echoes_back_with_its_own_fields_count_as_unchanged() -> None:
    def decorated(option: dict[str, Any]) -> dict[str, Any]:
        shown = {**option, "name_localizations": None, "description_localizations": None}
        if "options" in option:
            shown["options"] = [decorated(o) for o in option["options"]]
        shown.setdefault("required", False)
        return shown

    echoed = [
        {**decorated(c), "id": "1", "application_id": "2", "version": "3", "nsfw": False}
        for c in reversed(COMMANDS.payload)
    ]
    assert fingerprint(echoed) == fingerprint(COMMANDS.payload)
    changed = [dict(c) for c in COMMANDS.payload]
    changed[0] = {**changed[0], "description": "something else"}
    assert fingerprint(changed) != fingerprint(COMMANDS.payload)
