"""The conversation transcripts in ``examples/conversation``, replayed line for line.

Each transcript is what ``convene run --script`` prints for its own input
lines: the lines a person typed, each followed by what Convene answered
(``bot →``, ``bot ✎``, ``bot ✕``, ``clock →``, ``shell →``). Replaying the typed lines
must print the file again exactly, so a reply that changes shows here as a
diff a reviewer can read. After a deliberate change of wording, run with
``CONVENE_REWRITE_TRANSCRIPTS=1`` to write the new replies into the files, and
read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import REPO, ConveneCommand

TRANSCRIPTS = sorted((REPO / "examples" / "conversation").glob("*.txt"))
ANSWER_PREFIXES = ("bot →", "bot ✎", "bot ✕", "clock →", "shell →")


def typed_lines(transcript: str) -> list[str]:
    """What the person typed: every line that is not one of Convene's answers."""

    return [line for line in transcript.splitlines() if not line.startswith(ANSWER_PREFIXES)]


def printed_transcript(stdout: str) -> str:
    """What ``convene run --script`` printed, less its one-line banner."""

    lines = stdout.splitlines()
    assert lines and lines[0].startswith("Convene "), stdout[:200]
    return "\n".join(line.rstrip() for line in lines[1:]) + "\n"


def replayed(path: Path, tmp_path: Path, convene_command: ConveneCommand) -> str | None:
    """What ``convene run --script`` printed for the lines typed in the transcript at
    ``path`` (run in ``tmp_path``); None once ``CONVENE_REWRITE_TRANSCRIPTS=1`` has
    written it into the transcript instead."""

    written = path.read_text(encoding="utf-8")
    script = tmp_path / path.name
    script.write_text("\n".join(typed_lines(written)) + "\n", encoding="utf-8")

    ran = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    printed = printed_transcript(ran.stdout)
    if os.environ.get("CONVENE_REWRITE_TRANSCRIPTS") == "1":
        path.write_text(printed, encoding="utf-8")
        return None
    return printed


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_a_conversation_transcript_replays_as_written(
    path: Path, tmp_path: Path, convene_command: ConveneCommand
) -> None:
    written = path.read_text(encoding="utf-8")
    printed = replayed(path, tmp_path, convene_command)
    if printed is None:
        return
    assert printed.splitlines() == written.splitlines()


def test_every_section_of_the_conversation_has_a_transcript() -> None:
    names = {p.stem for p in TRANSCRIPTS}
    assert {"dates", "zones", "forms", "errors", "words", "introductions", "shell"} <= names, names
