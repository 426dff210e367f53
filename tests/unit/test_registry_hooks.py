"""How jobs take part in each other's work through the registry, never by importing each other."""

from __future__ import annotations

from typing import Any

import pytest

from bot.context import Context, Hooks
from bot.hooks import Hook
from bot.registry import Registry
from bot.suggestions import SuggestionQuery, Suggestions
from bot.wiring import build_registry
from storage.models import Member


def _context(hooks: Hooks) -> Context:
    """A context whose only working part is its hooks (the handlers under test use nothing else)."""

    unused: Any = None
    return Context(
        event=unused,
        workspace=unused,
        actor=unused,
        session=unused,
        clock=unused,
        outbox=unused,
        capabilities=unused,
        settings=unused,
        open_form_on_platform=unused,
        find_channel_on_platform=unused,
        list_channel_on_platform=unused,
        hooks=hooks,
    )


async def _section(context: Context) -> str:
    return ""


def test_home_sections_come_in_their_order_whoever_registers_first() -> None:
    registry = Registry()
    registry.home_section(30, _section)
    registry.home_section(10, _section)

    assert [route.order for route in registry.home_sections] == [10, 30]
    with pytest.raises(ValueError):
        registry.home_section(10, _section)


def test_the_home_shows_commitments_check_ins_introductions_then_suggestions() -> None:
    sections = build_registry().home_sections

    assert [route.section.__module__ for route in sections] == [
        "handlers.commitments.hooks",
        "handlers.checkins.hooks",
        "handlers.introductions.hooks",
        "handlers.opportunities.choices",
    ]


async def test_a_zone_change_tells_each_job_in_order_and_keeps_what_moved() -> None:
    registry = Registry()
    told: list[str] = []

    async def first(context: Context, member: Member) -> str | None:
        told.append("first")
        return "First moved."

    async def nothing_to_move(context: Context, member: Member) -> str | None:
        told.append("second")
        return None

    async def last(context: Context, member: Member) -> str | None:
        told.append("last")
        return "Last moved."

    for replan in (first, nothing_to_move, last):
        registry.on_zone_changed(replan)
    notes = await _context(registry.hooks).zone_changed(Member())

    assert told == ["first", "second", "last"]
    assert notes == ["First moved.", "Last moved."]


def test_check_ins_then_commitments_follow_a_new_time_zone() -> None:
    replans = build_registry().hooks.zone_changed

    assert [replan.__module__ for replan in replans] == [
        "handlers.checkins.hooks",
        "handlers.commitments.hooks",
    ]


async def test_an_announcement_reaches_only_the_listeners_of_its_hook() -> None:
    registry = Registry()
    opened: Hook[str] = Hook("thing.opened")
    closed: Hook[str] = Hook("thing.closed")
    heard: list[str] = []

    async def on_open(context: Context, name: str) -> None:
        heard.append(f"opened {name}")

    async def on_close(context: Context, name: str) -> None:
        heard.append(f"closed {name}")

    registry.listen(opened, on_open)
    registry.listen(closed, on_close)
    await _context(registry.hooks).announce(opened, "Q4")

    assert heard == ["opened Q4"]


def test_the_retro_review_is_the_commitments_jobs() -> None:
    registry = build_registry()
    listeners = registry.hooks.listeners["retro.opened"]

    assert [listener.__module__ for listener in listeners] == ["handlers.commitments.retro_actions"]
    assert registry.buttons["retro.commit"].__module__ == "handlers.commitments.retro_actions"
    assert registry.forms["retro.commit"].__module__ == "handlers.commitments.retro_actions"


class _NoStore:
    """A session factory that fails the test if anything opens a session."""

    def __call__(self) -> Any:
        raise AssertionError("the store was read")


async def test_suggestions_answer_time_zones_without_the_store() -> None:
    suggest = Suggestions(_NoStore(), "discord", {})  # type: ignore[arg-type]

    assert await suggest("zone", "G1", "U1", "new york") == [
        ("America/New_York", "America/New_York")
    ]


async def test_suggestions_of_a_kind_no_job_registered_are_none() -> None:
    async def never(query: SuggestionQuery) -> list[tuple[str, str]]:
        raise AssertionError("the wrong source was asked")

    suggest = Suggestions(_NoStore(), "discord", {"silo": never})  # type: ignore[arg-type]

    assert await suggest("checkin", "G1", "U1", "") == []


def test_each_job_registers_its_own_suggestions() -> None:
    sources = build_registry().suggestion_sources

    assert {kind: source.__module__ for kind, source in sources.items()} == {
        "silo": "handlers.landscape.hooks",
        "kind": "handlers.landscape.hooks",
        "checkin": "handlers.checkins.hooks",
        "commitment": "handlers.commitments.hooks",
    }
    with pytest.raises(ValueError):
        build_registry().suggestions("silo", sources["silo"])
