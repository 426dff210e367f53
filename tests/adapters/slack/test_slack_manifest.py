"""slack-manifest.yaml asks for what Convene uses: its commands, its events, its scopes;
slack-manifest-http.yaml is the same app in HTTP mode, with the endpoint's URL
wherever Slack needs one once Socket Mode is off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack.http_mode import PATH
from bot.wiring import build_registry

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yaml"
SOCKET_AND_HTTP = ("slack-manifest.yaml", "slack-manifest-http.yaml")


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def test_the_manifest_declares_every_slash_command_convene_answers_and_no_other() -> None:
    declared = {c["command"].lstrip("/") for c in manifest()["features"]["slash_commands"]}
    answered = {spec.path[0] for spec in build_registry().commands.commands}

    assert declared == answered == {"convene", "checkin", "pairing", "commit"}


def test_the_manifest_subscribes_to_the_events_the_adapter_listens_for() -> None:
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])

    assert {"message.im", "message.channels", "app_home_opened"} <= events
    assert {"app_uninstalled", "tokens_revoked"} <= events


def test_the_manifest_asks_only_for_the_scopes_the_features_use() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])

    assert scopes == {
        "commands",
        "chat:write",
        "im:write",
        "mpim:write",
        "im:history",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
        "users:read",
        "usergroups:read",
        "users.profile:read",
        "files:write",
        "files:read",
    }
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True


# -- HTTP mode: Slack posts everything to Convene's one endpoint ---------------------------------

ALL_MANIFESTS = sorted(MANIFEST.parent.glob("slack-manifest*.yaml"))


def loaded(path: Path) -> dict[str, Any]:
    read: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return read


def test_there_is_a_manifest_for_socket_mode_and_one_for_http_mode() -> None:
    modes = {loaded(path)["settings"]["socket_mode_enabled"]: path.name for path in ALL_MANIFESTS}

    assert modes == {True: "slack-manifest.yaml", False: "slack-manifest-http.yaml"}


@pytest.mark.parametrize("path", ALL_MANIFESTS, ids=lambda path: path.name)
def test_with_socket_mode_off_every_command_event_and_click_has_the_endpoint_url(
    path: Path,
) -> None:
    app = loaded(path)
    if app["settings"]["socket_mode_enabled"]:
        return  # Slack sends everything down the socket: no URL is asked for
    urls = [command.get("url") for command in app["features"]["slash_commands"]]
    urls.append(app["settings"]["event_subscriptions"].get("request_url"))
    urls.append(app["settings"]["interactivity"].get("request_url"))

    assert len(urls) == len(app["features"]["slash_commands"]) + 2
    assert set(urls) == {"https://YOUR-HOST" + PATH}


def test_the_http_manifest_sends_installs_over_oauth_back_to_convene() -> None:
    app = loaded(MANIFEST.parent / "slack-manifest-http.yaml")

    assert app["oauth_config"]["redirect_urls"] == ["https://YOUR-HOST/slack/oauth_redirect"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        app["settings"]["event_subscriptions"]["bot_events"]
    )


def test_the_http_manifest_is_the_same_app_as_the_socket_mode_one() -> None:
    def without_transport(app: dict[str, Any]) -> dict[str, Any]:
        for command in app["features"]["slash_commands"]:
            command.pop("url", None)
        app["settings"]["event_subscriptions"].pop("request_url", None)
        app["settings"]["interactivity"].pop("request_url", None)
        app["settings"].pop("socket_mode_enabled")
        # Installs over OAuth come back to the HTTP endpoint's server.
        app["oauth_config"].pop("redirect_urls", None)
        return app

    socket, http = (loaded(MANIFEST.parent / name) for name in SOCKET_AND_HTTP)

    assert without_transport(http) == without_transport(socket)
