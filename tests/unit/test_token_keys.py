"""Tokens at rest: encrypted with the newest key of CONVENE_SECRET_KEY, read with any."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.config import ConfigError, load_settings
from bot.token_keys import MAKE_A_KEY, BadSecretKey, TokenKeys, UnreadableToken

TOKEN = "xoxb-1111-2222-secret"


def new_key() -> str:
    return Fernet.generate_key().decode()


def test_a_stored_token_does_not_hold_the_token_and_reads_back() -> None:
    keys = TokenKeys.from_setting(new_key())
    stored = keys.encrypt(TOKEN)
    assert TOKEN not in stored
    assert "secret" not in stored
    assert keys.decrypt(stored) == TOKEN


def test_a_key_put_in_front_encrypts_while_the_old_one_still_reads() -> None:
    old, new = new_key(), new_key()
    stored_with_old = TokenKeys.from_setting(old).encrypt(TOKEN)
    both = TokenKeys.from_setting(f"{new}, {old}")
    assert both.decrypt(stored_with_old) == TOKEN
    written_now = both.encrypt(TOKEN)
    assert TokenKeys.from_setting(new).decrypt(written_now) == TOKEN
    with pytest.raises(UnreadableToken):
        TokenKeys.from_setting(old).decrypt(written_now)


def test_rotating_a_stored_token_lets_the_old_key_be_dropped() -> None:
    old, new = new_key(), new_key()
    stored = TokenKeys.from_setting(old).encrypt(TOKEN)
    rotated = TokenKeys.from_setting(f"{new},{old}").rotate(stored)
    assert TokenKeys.from_setting(new).decrypt(rotated) == TOKEN


def test_a_token_no_key_opens_says_so_without_the_token() -> None:
    stored = TokenKeys.from_setting(new_key()).encrypt(TOKEN)
    with pytest.raises(UnreadableToken) as refused:
        TokenKeys.from_setting(new_key()).decrypt(stored)
    assert "install the app again" in str(refused.value)
    assert TOKEN not in str(refused.value)


@pytest.mark.parametrize("setting", ["", " , ", "not-a-key", f"{'A' * 44},oops"])
def test_a_bad_key_is_one_line_saying_how_to_make_one(setting: str) -> None:
    with pytest.raises(BadSecretKey) as refused:
        TokenKeys.from_setting(setting)
    message = str(refused.value)
    assert "\n" not in message
    assert MAKE_A_KEY in message
    assert "oops" not in message  # the key itself is never repeated


def test_a_bad_second_key_is_named_by_its_place() -> None:
    with pytest.raises(BadSecretKey, match=r"key 2 of 2"):
        TokenKeys.from_setting(f"{new_key()},short")


OAUTH = {
    "CONVENE_ADAPTERS": "slack",
    "CONVENE_SLACK_MODE": "http",
    "SLACK_CLIENT_ID": "123.456",
    "SLACK_CLIENT_SECRET": "client-secret",
    "SLACK_SIGNING_SECRET": "signing-secret",
}


def test_installs_over_oauth_need_no_bot_token_but_a_secret_key() -> None:
    settings = load_settings(None, {**OAUTH, "CONVENE_SECRET_KEY": new_key()})
    assert settings.slack.installs_over_oauth
    assert not settings.slack.bot_token


def test_installs_over_oauth_without_a_secret_key_say_how_to_make_one() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(None, OAUTH)
    assert "CONVENE_SECRET_KEY" in str(refused.value)
    assert MAKE_A_KEY in str(refused.value)


def test_installs_over_oauth_with_a_bad_secret_key_are_refused_in_one_line() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(None, {**OAUTH, "CONVENE_SECRET_KEY": "hunter2"})
    assert "not a Fernet key" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"CONVENE_SLACK_MODE": "socket"}, 'mode = "http"'),
        ({"SLACK_CLIENT_SECRET": ""}, "client_secret is missing"),
        ({"SLACK_SIGNING_SECRET": ""}, "signing_secret is missing"),
        ({"CONVENE_SLACK_OAUTH_BASE_URL": "slack.com/oauth"}, "oauth_base_url"),
    ],
)
def test_installs_over_oauth_name_what_is_missing(change: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings(None, {**OAUTH, "CONVENE_SECRET_KEY": new_key(), **change})


def test_one_workspace_with_a_bot_token_needs_no_secret_key() -> None:
    settings = load_settings(
        None,
        {
            "CONVENE_ADAPTERS": "slack",
            "CONVENE_SLACK_MODE": "http",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
        },
    )
    assert not settings.slack.installs_over_oauth
