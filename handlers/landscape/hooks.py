"""What the landscape adds to the rest of Convene through the registry.

The silos' names as choices while a member types one (``/profile silo``,
``/convene silo …`` on Discord), and the kinds of silo while a convener types one.
"""

from __future__ import annotations

from bot.registry import Registry
from bot.suggestions import Choice, SuggestionQuery, named_choices
from handlers.shared.kinds import vocabulary_of
from storage.repositories import silos as silos_repo

SUGGESTIONS = "silo"
KIND_SUGGESTIONS = "kind"


async def silo_names(query: SuggestionQuery) -> list[Choice]:
    return named_choices(
        list(await silos_repo.all_names(query.session, query.workspace_id)), query.typed
    )


async def kind_names(query: SuggestionQuery) -> list[Choice]:
    known = await vocabulary_of(query.session, query.workspace_id)
    return named_choices(list(known.kinds), query.typed)


def register(registry: Registry) -> None:
    registry.suggestions(SUGGESTIONS, silo_names)
    registry.suggestions(KIND_SUGGESTIONS, kind_names)
