"""``help`` typed without a slash: the words that ask Convene what it can do.

People new to a bot type ``help`` (or ``?``) before they learn that commands
start with a slash. Where such a line is plainly meant for Convene, it is
answered as ``/convene help`` would be: in a DM with the bot on every
platform, and in the shell's channels, where everything typed is typed at
Convene. A ``help`` in a Slack or Discord channel is left alone: people there
may be asking each other.
"""

from __future__ import annotations

HELP_WORDS = frozenset({"help", "help me", "commands", "what can you do", "what can i do"})
"""What asks for help, in lower case, without the ``?`` or ``!`` at the end."""


def asks_for_help(text: str) -> bool:
    """Whether ``text`` is one of ``HELP_WORDS`` (any case, spacing or end mark) or ``?``."""

    said = " ".join(text.casefold().split())
    if said and set(said) == {"?"}:
        return True
    return said.rstrip("?!. ") in HELP_WORDS
