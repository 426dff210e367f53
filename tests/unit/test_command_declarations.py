"""Command declarations: the flags after the example must be named, never counted."""

from __future__ import annotations

import pytest

from bot.commands import Args, CommandSpec
from bot.context import Context


async def _nothing(context: Context, args: Args) -> None:
    return None


def test_a_convener_flag_given_by_position_is_refused() -> None:
    with pytest.raises(TypeError):
        CommandSpec(("convene", "x"), _nothing, "X.", "/convene x", "/convene x", (), True)  # type: ignore[call-arg]


def test_the_flags_are_read_by_name() -> None:
    spec = CommandSpec(
        ("convene", "x"),
        _nothing,
        "X.",
        "/convene x",
        "/convene x",
        convener_only=True,
        group="Landscape (conveners)",
    )

    assert spec.convener_only and spec.group == "Landscape (conveners)" and spec.params == ()
