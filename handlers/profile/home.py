"""A member's home (Slack's App Home): a greeting, then each job's section.

Shown afresh each time they open it. The jobs register their sections
(``registry.home_section``): commitments, check-ins and introductions, each
from the same lines its own command gives (``/commit list``,
``/checkin status``, ``/pairing``), so the home and the commands never
disagree.
"""

from __future__ import annotations

from bot.context import Context
from bot.events import HomeOpened
from bot.markup import plain
from bot.messages import OutgoingMessage, Target
from bot.registry import Handler, Registry


def home_view(registry: Registry) -> Handler:
    """The handler for a member opening their home: the sections registered with ``registry``."""

    async def home_opened(context: Context) -> None:
        if not context.capabilities.home_tab:
            return
        parts = [f"*Hello, {plain(context.actor.display_name)}*"]
        for route in registry.home_sections:
            parts.append(await route.section(context))
        await context.outbox.send(
            f"home:{context.event.platform}:{context.event.event_id}",
            OutgoingMessage(Target.home(context.actor.platform_user_id), "\n\n".join(parts)),
        )

    return home_opened


def register(registry: Registry) -> None:
    registry.event(HomeOpened, home_view(registry))
