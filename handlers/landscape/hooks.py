"""What the landscape adds to the rest of Convene through the registry.

The silos' names as choices while a member types one (``/profile silo``,
``/convene silo …`` on Discord).
"""

from __future__ import annotations

from bot.registry import Registry
from bot.suggestions import Choice, SuggestionQuery, named_choices
from storage.repositories import silos as silos_repo

SUGGESTIONS = "silo"


async def silo_names(query: SuggestionQuery) -> list[Choice]:
    return named_choices(
        list(await silos_repo.all_names(query.session, query.workspace_id)), query.typed
    )


def register(registry: Registry) -> None:
    registry.suggestions(SUGGESTIONS, silo_names)
