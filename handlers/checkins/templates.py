"""The questions a check-in starts with, and what a question is.

A question is stored as ``{"text": ..., "kind": "text" | "scale", "intent":
"need" | "offer" | ""}``; a scale question takes a whole number from 1 to 5,
which is what the report averages. The intent says whether an answer is
something the member needs or something they offer others
(``handlers/shared/intents.py``): opportunities match one to the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.shared.intents import NEED, OFFER

SCALE = "scale"
TEXT = "text"
SCALE_LOW = 1
SCALE_HIGH = 5
MAX_QUESTIONS = 10
MAX_QUESTION_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    summary: str
    questions: tuple[dict[str, Any], ...]


def _q(text: str, kind: str = TEXT, intent: str = "") -> dict[str, Any]:
    return {"text": text, "kind": kind, "intent": intent}


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "standup",
            "yesterday, today, blockers",
            (
                _q("What did you do since the last check-in?", intent=OFFER),
                _q("What will you do today?"),
                _q("Is anything blocking you?", intent=NEED),
            ),
        ),
        Template(
            "pulse",
            "how are you (1 to 5) and what is on your mind",
            (
                _q("How are you, from 1 (struggling) to 5 (great)?", SCALE),
                _q("What is on your mind?"),
            ),
        ),
        Template(
            "learning",
            "what you learned, what you are stuck on, who could help",
            (
                _q("What did you learn this week?", intent=OFFER),
                _q("What are you stuck on?", intent=NEED),
                _q("Who, in any team, could help with that?"),
            ),
        ),
        Template(
            "exchange",
            "what you could offer others, where you could use help",
            (
                _q("What are you working on that others could use?", intent=OFFER),
                _q("Where could you use help?", intent=NEED),
                _q("What did you learn this week?", intent=OFFER),
            ),
        ),
    )
}


def is_scale(question: dict[str, Any]) -> bool:
    return question.get("kind") == SCALE


def describe_templates() -> str:
    return "; ".join(f"{t.name} ({t.summary})" for t in TEMPLATES.values())
