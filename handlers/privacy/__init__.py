"""Privacy: members' rights over their data, retention, accountability, uninstalls.

A member sees everything Convene holds about them and can have it forgotten
(``rights``); answers older than ``[privacy] retain_answers_months`` are pruned
daily (``retention``); what conveners do is kept in an audit log that never
holds answer texts (``audit``); a workspace that uninstalls Convene is deleted
after a grace period unless it comes back (``uninstall``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.registry import Registry


def register(registry: Registry) -> None:
    """Declare this job's commands, buttons and schedules (imported here: see landscape's)."""

    from handlers.privacy import audit, retention, rights, uninstall

    rights.register(registry)
    retention.register(registry)
    audit.register(registry)
    uninstall.register(registry)
