"""What a check-in question asks for: a need, an offer, or neither.

A *need* is what a member is stuck on or could use help with; an *offer* is
what they learned or are working on that others could use. Opportunities
match one member's needs to another's offers across silos. A question
carries its intent in its stored form (``{"text": ..., "intent": "need"}``);
questions stored before intents existed, and questions read from a file, are
read from their wording: the built-in templates' wordings exactly, then a few
telling phrases ("stuck", "blocking", "could use help"; "learn", "others
could use", "could share").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal

Intent = Literal["need", "offer"]
NEED: Final = "need"
OFFER: Final = "offer"
INTENTS: Final[tuple[Intent, ...]] = (NEED, OFFER)

KNOWN_WORDINGS: Final[Mapping[str, Intent | None]] = {
    "who in any team could help with that": None,
    "what will you do today": None,
    "what is on your mind": None,
    "what are you stuck on": NEED,
    "where could you use help": NEED,
    "is anything blocking you": NEED,
    "what is blocking you": NEED,
    "what would you like help with": NEED,
    "what did you learn this week": OFFER,
    "what did you learn": OFFER,
    "what did you do since the last check in": OFFER,
    "what are you working on that others could use": OFFER,
    "what could you share with others": OFFER,
}
"""Wordings whose intent is known, as ``wording_key`` spells them: the built-in
templates' questions and their common variants."""

_NEED_PHRASES = re.compile(
    r"\b(stuck|blocking|blocked|blocker|struggl\w*|could use help|need help|help with|"
    r"get help|looking for help|challenge|problem|do you need|are you missing)\b"
)
_OFFER_PHRASES = re.compile(
    r"\b(learn\w*|others could use|could share|can share|happy to share|good at|"
    r"(?:could|can|would) you share|worth sharing|"
    r"solved|proud of|went well|tip|advice you could give)\b"
)


def wording_key(text: str) -> str:
    """A question's words without case, punctuation or extra spaces."""

    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def read_intent(text: str) -> Intent | None:
    """The intent a question's wording says: a known wording, else a telling phrase."""

    key = wording_key(text)
    if key in KNOWN_WORDINGS:
        return KNOWN_WORDINGS[key]
    need = _NEED_PHRASES.search(key) is not None
    offer = _OFFER_PHRASES.search(key) is not None
    if need and not offer:
        return NEED
    if offer and not need:
        return OFFER
    return None


def intent_of(question: Mapping[str, Any]) -> Intent | None:
    """A stored question's intent: the one it was given, else the one its wording says.

    A question given ``"intent": ""`` was marked as neither on purpose; a scale
    question (1 to 5) is never a need or an offer.
    """

    if question.get("kind") == "scale":
        return None
    given = question.get("intent")
    if given == NEED:
        return NEED
    if given == OFFER:
        return OFFER
    if given == "":
        return None
    text = question.get("text")
    return read_intent(text) if isinstance(text, str) else None


def intent_word(intent: Intent | None) -> str:
    """How a question's intent is shown beside it in lists."""

    return {NEED: "need", OFFER: "offer"}.get(intent or "", "")
