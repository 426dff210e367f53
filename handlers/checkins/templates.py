"""The questions a check-in starts with, and what a question is.

A question is stored as ``{"text": ..., "kind": "text" | "scale"}``; a scale
question takes a whole number from 1 to 5, which is what the report averages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def _q(text: str, kind: str = TEXT) -> dict[str, Any]:
    return {"text": text, "kind": kind}


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "standup",
            "yesterday, today, blockers",
            (
                _q("What did you do since the last check-in?"),
                _q("What will you do today?"),
                _q("Is anything blocking you?"),
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
                _q("What did you learn this week?"),
                _q("What are you stuck on?"),
                _q("Who, in any team, could help with that?"),
            ),
        ),
    )
}


def is_scale(question: dict[str, Any]) -> bool:
    return question.get("kind") == SCALE


def describe_templates() -> str:
    return "; ".join(f"{t.name} ({t.summary})" for t in TEMPLATES.values())
