"""One Convene, two Slack workspaces, each installed over OAuth with its own token.

Against the fake Slack: the install page hands out a state, Slack sends the
installer back with a code, ``oauth.v2.access`` exchanges it for the
workspace's bot token, which is kept encrypted; then every command and event
of each workspace is answered with that workspace's token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from sqlmodel import select

from adapters.slack.oauth import DEFAULT_SCOPES
from adapters.slack.tokens import REFRESH_BEFORE, WorkspaceTokens
from bot.token_keys import TokenKeys
from storage.models import SlackInstallation, SlackOAuthState, Workspace
from tests.support.log_leaks import LeakWatch
from tests.support.slack_installs import SECRET_KEY, InstallsRig, slack_installs
from tests.support.slack_rig import dm_event

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest-http.yaml"


@pytest.fixture
def watch(nothing_leaks_into_logs: LeakWatch | None) -> LeakWatch | None:
    """The log watch every Slack test runs under: told the tokens the fake issued."""

    return nothing_leaks_into_logs


@pytest.fixture
async def installs(database_url: str, watch: LeakWatch | None) -> AsyncIterator[InstallsRig]:
    async with slack_installs(database_url, watch=watch) as rig:
        yield rig


async def installations(rig: InstallsRig) -> list[SlackInstallation]:
    async with rig.app.sessions() as session:
        return list((await session.exec(select(SlackInstallation))).all())


async def test_the_install_page_links_to_slack_with_a_state_kept_in_convenes_database(
    installs: InstallsRig,
) -> None:
    state, cookie = await installs.install_page()

    page = await installs.get("/slack/install")
    assert f"{installs.fake.url}/oauth/v2/authorize?state=" in page.body
    assert f"client_id={installs.fake.client_id}" in page.body
    assert "scope=commands,chat:write" in page.body.replace("%2C", ",").replace("%3A", ":")
    assert cookie.startswith("slack-app-oauth-state=")
    async with installs.app.sessions() as session:
        kept = [row.state for row in (await session.exec(select(SlackOAuthState))).all()]
    assert state in kept


async def test_two_workspaces_installed_over_oauth_each_answered_with_its_own_token(
    installs: InstallsRig,
) -> None:
    fake = installs.fake

    first = await installs.install("T1")
    second = await installs.install("T2")

    assert first.status == 200 and second.status == 200
    exchanged = fake.accepted_calls("oauth.v2.access")
    assert [call["code"] for call in exchanged] == [
        call["code"] for call in fake.calls("oauth.v2.access")
    ]
    assert len(exchanged) == 2
    rows = {row.team_id: row for row in await installations(installs)}
    assert set(rows) == {"T1", "T2"}
    (token_1,) = fake.tokens_of("T1")
    (token_2,) = fake.tokens_of("T2")
    # At rest the tokens are encrypted: the rows do not hold them, the key opens them.
    keys = TokenKeys.from_setting(SECRET_KEY)
    for team, token in (("T1", token_1), ("T2", token_2)):
        row = rows[team]
        assert token not in row.bot_token and token not in str(row.details)
        assert keys.decrypt(row.bot_token) == token
    assert rows["T2"].bot_user_id == "UBOT2"
    assert rows["T1"].details == {"team_name": "First Trust", "token_type": "bot"}

    await installs.command("T1", "U1", "/convene", "silo add Radiology")
    await installs.command("T2", "W1", "/convene", "silo add Pharmacy", channel="C2")
    await installs.event("T2", dm_event("W2", "hello", "1700000100.000100"), event_id="Ev2")

    by_team = fake.calls_by_team("chat.postEphemeral")
    assert [m["user"] for m in by_team["T1"]] == ["U1"]
    assert "Added the silo Radiology" in by_team["T1"][0]["text"]
    assert [m["user"] for m in by_team["T2"]] == ["W1"]
    assert "Added the silo Pharmacy" in by_team["T2"][0]["text"]
    dms = fake.calls_by_team("chat.postMessage")
    assert [m["channel"] for m in dms["T2"]] == ["W2"]
    assert "T1" not in dms
    # The names Convene read of each member were read with their own workspace's token.
    reads = fake.calls_by_team("users.info")
    assert {m["user"] for m in reads["T1"]} == {"U1"}
    assert {m["user"] for m in reads["T2"]} == {"W1", "W2"}
    async with installs.app.sessions() as session:
        known = {w.external_id for w in (await session.exec(select(Workspace))).all()}
    assert known == {"T1", "T2"}


async def test_a_redirect_with_a_code_slack_refuses_installs_nothing(
    installs: InstallsRig,
) -> None:
    state, cookie = await installs.install_page()

    page = await installs.get(f"/slack/oauth_redirect?code=not-a-code&state={state}", cookie=cookie)

    assert page.status == 401
    assert installs.fake.calls("oauth.v2.access")[0]["code"] == "not-a-code"
    assert installs.fake.accepted("oauth.v2.access") == 0
    assert await installations(installs) == []


async def test_a_state_is_used_once(installs: InstallsRig) -> None:
    state, cookie = await installs.install_page()
    code = installs.fake.approve_install("T1")
    first = await installs.get(f"/slack/oauth_redirect?code={code}&state={state}", cookie=cookie)
    again = await installs.get(
        f"/slack/oauth_redirect?code={installs.fake.approve_install('T2')}&state={state}",
        cookie=cookie,
    )

    assert (first.status, again.status) == (200, 401)
    assert [row.team_id for row in await installations(installs)] == ["T1"]


async def test_a_wrong_client_secret_is_refused_by_slack_and_installs_nothing(
    database_url: str, watch: LeakWatch | None
) -> None:
    async with slack_installs(database_url, watch=watch) as rig:
        rig.fake.client_secret = "rotated-on-slack"
        page = await rig.install("T1")

        assert page.status == 401
        assert rig.fake.accepted("oauth.v2.access") == 0
        assert await installations(rig) == []


async def test_a_command_from_a_workspace_not_installed_is_not_acted_on(
    installs: InstallsRig,
) -> None:
    await installs.install("T1")

    answer = await installs.command("T2", "W1", "/convene", "silo add Pharmacy")

    assert answer.status == 200  # bolt tells the member the app is not installed there
    assert "T2" not in installs.fake.calls_by_team("chat.postEphemeral")
    async with installs.app.sessions() as session:
        known = {w.external_id for w in (await session.exec(select(Workspace))).all()}
    assert known == set()


def test_an_install_asks_for_the_scopes_of_the_http_manifest() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert sorted(DEFAULT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])


async def test_a_new_key_put_in_front_re_encrypts_every_token_at_start(
    database_url: str, watch: LeakWatch | None
) -> None:
    async with slack_installs(database_url, watch=watch) as rig:
        await rig.install("T1")
        (token,) = rig.fake.tokens_of("T1")
    newer = Fernet.generate_key().decode()

    async with slack_installs(database_url, secret_key=f"{newer},{SECRET_KEY}", watch=watch) as rig:
        (row,) = await installations(rig)

    # The old key can now be dropped: the new one alone opens the token.
    assert TokenKeys.from_setting(newer).decrypt(row.bot_token) == token


# -- token rotation ---------------------------------------------------------------------------


async def test_an_expiring_token_is_refreshed_before_a_delivery_and_kept_encrypted(
    database_url: str, watch: LeakWatch | None
) -> None:
    async with slack_installs(database_url, token_rotation=True, watch=watch) as rig:
        await rig.install("T1")
        (first,) = rig.fake.tokens_of("T1")
        (row,) = await installations(rig)
        assert row.bot_token_expires_at is not None and row.bot_refresh_token
        rig.clock.set(row.bot_token_expires_at - REFRESH_BEFORE + timedelta(seconds=1))

        await rig.command("T1", "U1", "/convene", "silo add Radiology")

        refreshes = rig.fake.accepted_calls("oauth.v2.access")[1:]
        assert [call["grant_type"] for call in refreshes] == ["refresh_token"]
        (second,) = [token for token in rig.fake.tokens_of("T1") if token != first]
        replies = rig.fake.calls_by_team("chat.postEphemeral")["T1"]
        assert "Added the silo Radiology" in replies[0]["text"]
        assert [r.token for r in rig.fake.requests if r.method == "chat.postEphemeral"] == [second]
        (row,) = await installations(rig)
        assert second not in row.bot_token
        assert TokenKeys.from_setting(SECRET_KEY).decrypt(row.bot_token) == second
        assert row.refreshing_until is None


async def test_two_instances_refreshing_at_once_spend_the_refresh_token_once(
    database_url: str, watch: LeakWatch | None
) -> None:
    async with slack_installs(database_url, token_rotation=True, watch=watch) as rig:
        await rig.install("T1")
        (row,) = await installations(rig)
        assert row.bot_token_expires_at is not None
        rig.clock.set(row.bot_token_expires_at - timedelta(minutes=1))
        keys = TokenKeys.from_setting(SECRET_KEY)
        adapter = rig.adapter

        async def refresh(refresh_token: str) -> dict[str, object]:
            return await adapter._refresh_token(refresh_token)

        one, other = (
            WorkspaceTokens(rig.app.sessions, keys, rig.clock, refresh=refresh) for _ in range(2)
        )

        got = await asyncio.gather(one.of("T1"), other.of("T1"))

        refreshes = rig.fake.accepted_calls("oauth.v2.access")[1:]
        assert len(refreshes) == 1
        assert rig.fake.calls("oauth.v2.access")[1:] == refreshes
        assert got[0].token == got[1].token
        assert rig.fake.team_of(got[0].token) == "T1"
