"""The fake Discord refuses what Discord refuses, and answers as Discord does.

Each documented limit (``tests/support/discord_limits.py`` names the pages) is
tried one past its bound against the fake over plain HTTP, and the answer
read as discord.py would: 400 with ``{"code": 50035, "message": "Invalid
Form Body", "errors": {...}}`` naming the field, 404 ``Unknown interaction``
(10062) for a first answer after three seconds, 401 ``Invalid Webhook
Token`` (50027) for a token past its fifteen minutes. The bound itself is
accepted, so none of the checks is off by one. The fake's clock is a
number the test moves: nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.support.discord_limits import NotSendable
from tests.support.fake_discord import FakeDiscord, option, subcommand

GUILD = 1_400_000_000_000_000_001
GENERAL = 1_400_000_000_000_000_010
ADA = 1_400_000_000_000_000_101
Payload = dict[str, Any]


class Clock:
    """The fake's clock: seconds a test sets by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


class Discord:
    """The fake, spoken to over HTTP as the bot."""

    def __init__(self, fake: FakeDiscord, clock: Clock, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.clock = clock
        self._session = session

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bot {self.fake.token}"}
        url = f"{self.fake.base_url}{path}"
        async with self._session.request(method, url, json=body, headers=headers) as answer:
            found = await answer.json() if answer.status != 204 else None
            return answer.status, found

    async def post(self, body: Payload) -> tuple[int, Any]:
        return await self.call("POST", f"/channels/{GENERAL}/messages", body)

    def interaction(self, name: str = "convene") -> Payload:
        """A slash command, as if it had just gone down the gateway."""

        payload = self.fake.slash_command_payload(GUILD, GENERAL, ADA, name)
        self.fake.interactions_sent[int(payload["id"])] = self.clock()
        return payload

    def typing(self) -> Payload:
        """An autocompletion: a member typing into an option of a command."""

        payload = self.fake.autocomplete_payload(
            GUILD, GENERAL, ADA, "convene", [option("zone", "lon")], "zone"
        )
        self.fake.interactions_sent[int(payload["id"])] = self.clock()
        return payload

    async def answer(self, interaction: Payload, body: Payload) -> tuple[int, Any]:
        path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        return await self.call("POST", path + "?with_response=true", body)

    async def webhook(
        self, method: str, interaction: Payload, tail: str = "", body: Any = None
    ) -> tuple[int, Any]:
        path = f"/webhooks/{self.fake.application_id}/{interaction['token']}{tail}"
        return await self.call(method, path + ("?wait=true" if method == "POST" else ""), body)

    async def put_commands(self, commands: list[Payload]) -> tuple[int, Any]:
        path = f"/applications/{self.fake.application_id}/guilds/{GUILD}/commands"
        return await self.call("PUT", path, commands)


@pytest.fixture
async def discord() -> AsyncIterator[Discord]:
    clock = Clock()
    async with FakeDiscord(now=clock) as fake, aiohttp.ClientSession() as session:
        fake.add_guild(GUILD, "Limits")
        fake.add_user(ADA, "ada")
        fake.add_member(GUILD, ADA)
        fake.add_channel(GUILD, GENERAL, "general")
        yield Discord(fake, clock, session)


def invalid(*path: str | int, code: str, message: str) -> Payload:
    """Discord's 400 for one bad field."""

    errors: Payload = {"_errors": [{"code": code, "message": message}]}
    for step in reversed(path):
        errors = {str(step): errors}
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def too_long(*path: str | int, most: int) -> Payload:
    return invalid(
        *path, code="BASE_TYPE_MAX_LENGTH", message=f"Must be {most} or fewer in length."
    )


def not_between(*path: str | int, least: int, most: int) -> Payload:
    return invalid(
        *path,
        code="BASE_TYPE_BAD_LENGTH",
        message=f"Must be between {least} and {most} in length.",
    )


def button(n: int, *, label: str | None = None, custom_id: str | None = None) -> Payload:
    return {"type": 2, "style": 1, "label": label or f"B{n}", "custom_id": custom_id or f"b{n}"}


def rows(count: int, per_row: int = 1) -> list[Payload]:
    return [
        {"type": 1, "components": [button(r * 10 + b) for b in range(per_row)]}
        for r in range(count)
    ]


# -- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ({"content": "x" * 2001}, too_long("content", most=2000)),
        ({"content": "x", "components": rows(6)}, too_long("components", most=5)),
        (
            {"content": "x", "components": rows(1, per_row=6)},
            not_between("components", 0, "components", least=1, most=5),
        ),
        (
            {
                "content": "x",
                "components": [{"type": 1, "components": [button(1, label="L" * 81)]}],
            },
            too_long("components", 0, "components", 0, "label", most=80),
        ),
        (
            {
                "content": "x",
                "components": [{"type": 1, "components": [button(1, custom_id="c" * 101)]}],
            },
            not_between("components", 0, "components", 0, "custom_id", least=1, most=100),
        ),
        (
            {"content": "x", "components": [{"type": 1, "components": [button(1), button(1)]}]},
            invalid(
                "components",
                0,
                "components",
                1,
                "custom_id",
                code="COMPONENT_CUSTOM_ID_DUPLICATED",
                message="Component custom id cannot be duplicated",
            ),
        ),
        (
            {
                "content": "x",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": "a", "value": "a"}],
                            },
                            button(2),
                        ],
                    }
                ],
            },
            invalid(
                "components",
                0,
                "components",
                1,
                code="COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                message="The specified component exceeds the maximum width",
            ),
        ),
        (
            {
                "content": "x",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "s",
                                "options": [{"label": f"{n}", "value": f"{n}"} for n in range(26)],
                            }
                        ],
                    }
                ],
            },
            not_between("components", 0, "components", 0, "options", least=1, most=25),
        ),
        ({"embeds": [{"title": "t"}] * 11}, too_long("embeds", most=10)),
        (
            {"embeds": [{"description": "d" * 4097}]},
            too_long("embeds", 0, "description", most=4096),
        ),
        (
            {
                "content": "x",
                "allowed_mentions": {"parse": [], "users": [str(n) for n in range(101)]},
            },
            too_long("allowed_mentions", "users", most=100),
        ),
    ],
    ids=[
        "content-2001",
        "six-rows",
        "six-buttons-a-row",
        "label-81",
        "custom-id-101",
        "custom-id-repeated",
        "select-and-button-in-a-row",
        "select-of-26",
        "eleven-embeds",
        "embed-description-4097",
        "mentions-101",
    ],
)
async def test_a_message_beyond_a_limit_is_refused_as_discord_refuses_it(
    discord: Discord, body: Payload, refusal: Payload
) -> None:
    assert await discord.post(body) == (400, refusal)
    assert discord.fake.messages_in(GENERAL) == []


async def test_a_message_at_every_limit_is_accepted(discord: Discord) -> None:
    full_rows = [
        {
            "type": 1,
            "components": [
                button(r * 5 + b, label="L" * 80, custom_id=f"{r}{b}".ljust(100, "c"))
                for b in range(5)
            ],
        }
        for r in range(5)
    ]
    status, _ = await discord.post({"content": "x" * 2000, "components": full_rows})
    assert status == 200
    status, _ = await discord.post({"embeds": [{"description": "d" * 4096}] + [{"title": "t"}] * 9})
    assert status == 200


async def test_an_edit_and_a_follow_up_keep_to_the_same_limits(discord: Discord) -> None:
    status, sent = await discord.post({"content": "hello"})
    assert status == 200
    edit = await discord.call(
        "PATCH", f"/channels/{GENERAL}/messages/{sent['id']}", {"components": rows(6)}
    )
    assert edit == (400, too_long("components", most=5))
    assert discord.fake.message(int(sent["id"]))["components"] == []

    interaction = discord.interaction()
    assert (await discord.answer(interaction, {"type": 5}))[0] == 200
    follow_up = await discord.webhook("POST", interaction, body={"content": "x" * 2001})
    assert follow_up == (400, too_long("content", most=2000))
    reply = await discord.answer(discord.interaction(), {"type": 4, "data": {"embeds": [{}] * 11}})
    assert reply == (400, too_long("data", "embeds", most=10))


async def test_a_thread_name_of_101_characters_is_refused(discord: Discord) -> None:
    thread = await discord.call(
        "POST", f"/channels/{GENERAL}/threads", {"name": "n" * 101, "type": 11}
    )
    assert thread == (400, not_between("name", least=1, most=100))
    assert (
        await discord.call("POST", f"/channels/{GENERAL}/threads", {"name": "n" * 100, "type": 11})
    )[0] == 201


# -- modals and autocompletion ---------------------------------------------------------------


def text_input(name: str, **extra: Any) -> Payload:
    return {
        "type": 18,
        "label": "Question",
        "component": {"type": 4, "custom_id": name, "style": 1, **extra},
    }


def modal(**changes: Any) -> Payload:
    data: Payload = {"custom_id": "form", "title": "Form", "components": [text_input("q0")]}
    data.update(changes)
    return {"type": 9, "data": data}


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (modal(title="T" * 46), not_between("data", "title", least=1, most=45)),
        (
            modal(components=[text_input(f"q{n}") for n in range(6)]),
            not_between("data", "components", least=1, most=5),
        ),
        (modal(custom_id="c" * 101), not_between("data", "custom_id", least=1, most=100)),
        (
            modal(components=[{**text_input("q0"), "label": "L" * 46}]),
            not_between("data", "components", 0, "label", least=1, most=45),
        ),
        (
            modal(
                components=[
                    {
                        "type": 1,
                        "components": [
                            {"type": 4, "custom_id": "q0", "style": 1, "label": "L" * 46}
                        ],
                    }
                ]
            ),
            not_between("data", "components", 0, "components", 0, "label", least=1, most=45),
        ),
        (
            modal(components=[text_input("q0", value="v" * 4001)]),
            too_long("data", "components", 0, "component", "value", most=4000),
        ),
        (
            modal(components=[text_input("q0", max_length=4001)]),
            invalid(
                "data",
                "components",
                0,
                "component",
                "max_length",
                code="NUMBER_TYPE_MAX",
                message="int value should be less than or equal to 4000.",
            ),
        ),
    ],
    ids=[
        "title-46",
        "six-inputs",
        "custom-id-101",
        "label-46",
        "row-label-46",
        "value-4001",
        "max-length-4001",
    ],
)
async def test_a_modal_beyond_a_limit_is_refused(
    discord: Discord, body: Payload, refusal: Payload
) -> None:
    interaction = discord.interaction()
    assert await discord.answer(interaction, body) == (400, refusal)
    assert discord.fake.callbacks(interaction) == []
    # Refused is not answered: the interaction can still be answered in time.
    assert (await discord.answer(interaction, modal()))[0] == 200


async def test_autocompletion_answers_at_most_25_choices_of_100_characters(
    discord: Discord,
) -> None:
    choices = [{"name": f"c{n}", "value": f"{n}"} for n in range(26)]
    refused = await discord.answer(discord.typing(), {"type": 8, "data": {"choices": choices}})
    assert refused == (400, too_long("data", "choices", most=25))
    long_name = [{"name": "n" * 101, "value": "v"}]
    refused = await discord.answer(discord.typing(), {"type": 8, "data": {"choices": long_name}})
    assert refused == (400, not_between("data", "choices", 0, "name", least=1, most=100))
    accepted = await discord.answer(
        discord.typing(), {"type": 8, "data": {"choices": choices[:25]}}
    )
    assert accepted[0] == 200


# -- Discord's three seconds and fifteen minutes ---------------------------------------------


async def test_a_first_answer_after_three_seconds_finds_the_interaction_gone(
    discord: Discord,
) -> None:
    late = discord.interaction()
    on_time = discord.interaction()
    discord.clock.seconds += 2.9
    assert (await discord.answer(on_time, {"type": 5}))[0] == 200
    discord.clock.seconds += 1.1  # four seconds in all
    assert await discord.answer(late, {"type": 5}) == (
        404,
        {"message": "Unknown interaction", "code": 10062},
    )
    assert discord.fake.callbacks(late) == []
    # Never answered, it has no webhook either.
    assert (await discord.webhook("POST", late, body={"content": "hi"}))[0] == 404


async def test_a_token_past_its_fifteen_minutes_is_refused_for_follow_ups_and_edits(
    discord: Discord,
) -> None:
    interaction = discord.interaction()
    assert (await discord.answer(interaction, {"type": 5, "data": {"flags": 64}}))[0] == 200
    discord.clock.seconds += 15 * 60 - 1
    status, kept = await discord.webhook("POST", interaction, body={"content": "still here"})
    assert status == 200
    discord.clock.seconds += 2
    expired = (401, {"message": "Invalid Webhook Token", "code": 50027})
    assert await discord.webhook("POST", interaction, body={"content": "too late"}) == expired
    assert (
        await discord.webhook("PATCH", interaction, "/messages/@original", {"content": "too late"})
        == expired
    )
    assert await discord.webhook("DELETE", interaction, f"/messages/{kept['id']}") == expired


# -- application commands --------------------------------------------------------------------


def command(**changes: Any) -> Payload:
    made: Payload = {"name": "convene", "description": "Convene's commands", "type": 1}
    made.update(changes)
    return made


def string_option(name: str, **extra: Any) -> Payload:
    return {"type": 3, "name": name, "description": "An option", **extra}


@pytest.mark.parametrize(
    ("commands", "refusal"),
    [
        (
            [command(name="Convene")],
            invalid(
                0,
                "name",
                code="APPLICATION_COMMAND_INVALID_NAME",
                message="Command name is invalid",
            ),
        ),
        (
            [command(name="c" * 33)],
            invalid(
                0,
                "name",
                code="APPLICATION_COMMAND_INVALID_NAME",
                message="Command name is invalid",
            ),
        ),
        ([command(description="")], not_between(0, "description", least=1, most=100)),
        ([command(description="d" * 101)], not_between(0, "description", least=1, most=100)),
        (
            [command(options=[string_option(f"o{n}") for n in range(26)])],
            too_long(0, "options", most=25),
        ),
        (
            [command(options=[string_option("Zone")])],
            invalid(
                0,
                "options",
                0,
                "name",
                code="APPLICATION_COMMAND_INVALID_NAME",
                message="Command name is invalid",
            ),
        ),
        (
            [command(options=[string_option("time zone")])],
            invalid(
                0,
                "options",
                0,
                "name",
                code="APPLICATION_COMMAND_INVALID_NAME",
                message="Command name is invalid",
            ),
        ),
        (
            [command(options=[string_option("o", description="d" * 101)])],
            not_between(0, "options", 0, "description", least=1, most=100),
        ),
        (
            [
                command(
                    options=[
                        string_option(
                            "o", choices=[{"name": f"{n}", "value": f"{n}"} for n in range(26)]
                        )
                    ]
                )
            ],
            too_long(0, "options", 0, "choices", most=25),
        ),
        (
            [command(options=[string_option("a"), string_option("b", required=True)])],
            invalid(
                0,
                "options",
                1,
                "required",
                code="APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                message="Required options must be placed before non-required options",
            ),
        ),
        (
            [
                command(
                    options=[
                        {
                            "type": 1,
                            "name": f"sub{n}",
                            "description": "d" * 100,
                            "options": [
                                string_option(f"o{m}", description="d" * 100) for m in range(8)
                            ],
                        }
                        for n in range(10)
                    ]
                )
            ],
            invalid(
                0,
                code="APPLICATION_COMMAND_TOO_LARGE",
                message="Command exceeds maximum size (8000)",
            ),
        ),
    ],
    ids=[
        "upper-case-name",
        "name-33",
        "no-description",
        "description-101",
        "options-26",
        "upper-case-option",
        "option-with-a-space",
        "option-description-101",
        "choices-26",
        "required-after-optional",
        "over-8000",
    ],
)
async def test_a_command_beyond_a_limit_is_refused(
    discord: Discord, commands: list[Payload], refusal: Payload
) -> None:
    assert await discord.put_commands(commands) == (400, refusal)
    assert discord.fake.commands(GUILD) == []


async def test_commands_at_the_limits_are_accepted(discord: Discord) -> None:
    fits = command(
        name="c" * 32,
        description="d" * 100,
        options=[string_option(f"o{n}", description="d" * 100) for n in range(25)],
    )
    assert (await discord.put_commands([fits, command(name="tz-'_é")]))[0] == 200


# -- what a member can send ------------------------------------------------------------------


async def test_the_fake_sends_no_option_value_discords_client_would_not(discord: Discord) -> None:
    declared = command(
        options=[
            {
                "type": 1,
                "name": "note",
                "description": "Take a note",
                "options": [
                    string_option("text", required=True, max_length=10, min_length=2),
                    string_option("kind", choices=[{"name": "Idea", "value": "idea"}]),
                ],
            }
        ]
    )
    assert (await discord.put_commands([declared]))[0] == 200

    def sending(*given: Payload) -> Payload:
        return discord.fake.slash_command_payload(
            GUILD, GENERAL, ADA, "convene", [subcommand("note", *given)]
        )

    assert sending(option("text", "x" * 10), option("kind", "idea"))["data"]["options"]
    with pytest.raises(NotSendable, match="at most 10 characters; 11 given"):
        sending(option("text", "x" * 11))
    with pytest.raises(NotSendable, match="at least 2"):
        sending(option("text", "x"))
    with pytest.raises(NotSendable, match="one of its choices"):
        sending(option("text", "xx"), option("kind", "plan"))
    with pytest.raises(NotSendable, match="text is required"):
        sending(option("kind", "idea"))
    with pytest.raises(NotSendable, match="not an option"):
        sending(option("text", "xx"), option("colour", "red"))
    # While typing into an option for its suggestions, the rest may still be missing.
    typing = discord.fake.autocomplete_payload(
        GUILD, GENERAL, ADA, "convene", [subcommand("note", option("kind", "i"))], "kind"
    )
    assert typing["type"] == 4


async def test_the_fake_submits_no_form_value_beyond_its_input(discord: Discord) -> None:
    interaction = discord.interaction()
    shown = modal(
        custom_id="answers",
        components=[text_input("q0", max_length=5), text_input("q1", required=False)],
    )
    assert (await discord.answer(interaction, shown))[0] == 200

    def submitting(values: dict[str, str]) -> Payload:
        return discord.fake.modal_submit_payload(GUILD, GENERAL, ADA, "answers", values)

    assert submitting({"q0": "fine!"})["type"] == 5
    with pytest.raises(NotSendable, match="at most 5 characters; 6 given"):
        submitting({"q0": "fine!!"})
    with pytest.raises(NotSendable, match="q0 is required"):
        submitting({"q1": "only this"})
    with pytest.raises(NotSendable, match="no input 'q9'"):
        submitting({"q0": "ok", "q9": "?"})
