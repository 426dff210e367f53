"""How a suggestion is shown to conveners, and how it is told to the two members.

A convener reads one message per suggestion: who the two are and their
silos, the two snippets that matched, the bridge their meeting would make
and how that bridge has fared so far, and three buttons. Conveners may read
everything the passages hold, take-aways kept for conveners only included
(marked as such); the reason the two members are given quotes only what
they allowed to be quoted (``Opportunity.need_quotable`` and
``offer_quotable``) and says the rest in other words.

The same card is sent after a check-in run closes and listed again by
``/convene opportunities``, so both read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.markup import plain
from bot.messages import Button
from handlers.shared.bridges import SiloPair, ordered
from handlers.shared.topics import snippet
from storage.models import Member, Opportunity, Silo
from storage.repositories import members as members_repo
from storage.repositories import pairings as pairings_repo

MOST = 5
"""The most suggestions one check-in run makes."""

INTRODUCE = "opportunity.introduce"
NOT_NOW = "opportunity.not_now"
NEVER = "opportunity.never"

ANSWER = "answer"
ABOUT = "about"
STORY = "story"


def buttons(opportunity_id: int) -> tuple[Button, ...]:
    value = str(opportunity_id)
    return (
        Button("Introduce them", INTRODUCE, value, "primary"),
        Button("Not now", NOT_NOW, value),
        Button("Never these two", NEVER, value, "danger"),
    )


@dataclass(frozen=True, slots=True)
class Landscape:
    """What a card says about people and silos: names, silos, how each bridge fared."""

    members: Mapping[int, Member]
    silos_of: Mapping[int, tuple[Silo, ...]]
    silos: Mapping[int, Silo]
    outcomes: Mapping[SiloPair, tuple[int, int]]

    def name(self, member_id: int) -> str:
        member = self.members.get(member_id)
        return plain(member.display_name) if member is not None else "someone who has left"

    def who(self, member_id: int) -> str:
        """ "Alice (Radiotherapy)": a member's name and silos."""

        silos = self.silos_of.get(member_id, ())
        names = ", ".join(plain(s.name) for s in silos)
        return f"{self.name(member_id)} ({names})" if names else self.name(member_id)


async def load_landscape(
    session: AsyncSession,
    workspace_id: int,
    outcomes: Mapping[SiloPair, tuple[int, int]] | None = None,
) -> Landscape:
    people = await members_repo.list_with_silos(session, workspace_id)
    if outcomes is None:
        outcomes = await pairings_repo.connection_outcomes(session, workspace_id)
    return Landscape(
        members={row.member.id: row.member for row in people if row.member.id is not None},
        silos_of={row.member.id: row.silos for row in people if row.member.id is not None},
        silos={s.id: s for row in people for s in row.silos if s.id is not None},
        outcomes=outcomes,
    )


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def fared(introduced: int, met: int) -> str:
    """How a bridge has fared: "never introduced", "introduced once, not met yet", "met twice"."""

    if met:
        return f"met {_times(met)}"
    if introduced:
        return f"introduced {_times(introduced)}, not met yet"
    return "never introduced"


def bridge_line(opportunity: Opportunity, landscape: Landscape) -> str:
    a, b = opportunity.silo_a, opportunity.silo_b
    first = landscape.silos.get(a) if a is not None else None
    second = landscape.silos.get(b) if b is not None else None
    if first is None or second is None or a is None or b is None:
        return "Bridge: none on the map (their silos are of different kinds)."
    introduced, met = landscape.outcomes.get(ordered(a, b), (0, 0))
    return (
        f"Bridge: {plain(first.name)} and {plain(second.name)} ({plain(first.kind)}): "
        f"{fared(introduced, met)}."
    )


def _offer_words(source: str, quotable: bool) -> str:
    if source == ABOUT:
        return "in /pairing about"
    if source == STORY:
        if quotable:
            return "took away from an introduction"
        return "took away from an introduction; for conveners only, never quoted to members"
    return "learned"


def quote(text: str) -> str:
    return f'"{plain(snippet(text))}"'


def card(opportunity: Opportunity, landscape: Landscape) -> str:
    """The suggestion as conveners read it (every snippet, the bridge, the choice)."""

    need, offer = opportunity.need_member_id, opportunity.offer_member_id
    return "\n".join(
        [
            f"*A suggestion: {landscape.name(need)} and {landscape.name(offer)} could meet*",
            f"{landscape.who(need)} wrote (stuck on): {quote(opportunity.need_text)}",
            f"{landscape.who(offer)} wrote "
            f"({_offer_words(opportunity.offer_source, opportunity.offer_quotable)}): "
            f"{quote(opportunity.offer_text)}",
            bridge_line(opportunity, landscape),
            "Introduce them (outside the regular rounds, with this reason), not now, or "
            "never these two?",
        ]
    )


def reason(opportunity: Opportunity, need: Member, offer: Member) -> str:
    """Why the two should meet, for the two of them: quoted only where they allowed it,
    else said in other words (a take-away kept for conveners is never quoted)."""

    need_name, offer_name = plain(need.display_name), plain(offer.display_name)
    if opportunity.need_quotable:
        asked = f"{need_name} wrote (stuck on): {quote(opportunity.need_text)}"
    else:
        asked = f"{need_name} wrote about something they are stuck on"
    if opportunity.offer_quotable:
        words = _offer_words(opportunity.offer_source, True)
        told = f"{offer_name} wrote ({words}): {quote(opportunity.offer_text)}"
    else:
        told = f"{offer_name} has worked on something close to it"
    return f"{asked}; {told}."
