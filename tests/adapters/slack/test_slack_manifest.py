"""slack-manifest.yaml asks for what Convene uses: its commands, its events, its scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.wiring import build_registry

MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yaml"


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
    }
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True
