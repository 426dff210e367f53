"""The shell's chat shows the chat: log lines go to ``convene.log``, not between its lines.

A check-in opening and closing is logged at INFO. Before, those lines were
printed among the bot's answers, stamped with the real time while the
chat's clock said another day; now every line the shell prints is the chat,
nothing reaches standard error, and the file has the INFO lines.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_conversation_transcripts import typed_lines
from tests.support.cli import REPO, ConveneCommand, convene_process

ANSWERS = ("bot →", "bot ✎", "clock →", "shell →")
A_WEEK_WITH_A_CHECKIN = [
    '/convene checkin create "Pulse" #general every Monday 09:00 --template pulse',
    "alice: /convene me",
    # Eight days, not seven: typed at any real hour (a piped shell starts at the real
    # time, and its clock only moves forward), the first run has closed by then.
    ":clock +8d",
    "/convene silos",
]


def only_the_chat(stdout: str, typed: list[str]) -> list[str]:
    """The lines that are neither the banner, a typed line, nor an answer (should be none)."""

    lines = stdout.splitlines()
    assert lines and lines[0].startswith("Convene "), stdout[:200]
    return [line for line in lines[1:] if line not in typed and not line.startswith(ANSWERS)]


def assert_a_check_in_ran(stdout: str) -> None:
    assert "bot → #general: *Pulse* for Monday " in stdout
    assert "This check-in is closed" in stdout


def test_a_scripted_week_prints_no_log_line_and_the_file_has_them(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    script = tmp_path / "week.txt"
    typed = [":clock 2026-11-26 12:00", *A_WEEK_WITH_A_CHECKIN]
    script.write_text("\n".join(typed) + "\n", encoding="utf-8")

    ran = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    assert_a_check_in_ran(ran.stdout)
    assert only_the_chat(ran.stdout, typed) == []
    assert ran.stderr == ""
    log = (tmp_path / "convene.log").read_text(encoding="utf-8")
    assert "INFO convene.checkins: check-in 1 opened run 1 for 2026-11-30" in log
    assert "INFO convene.checkins: check-in run 1 closed: 0 of 2 answered" in log


def test_the_log_follows_the_database_into_its_folder(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "team").mkdir()

    ran = convene_command(
        "run",
        cwd=tmp_path,
        stdin="\n".join(A_WEEK_WITH_A_CHECKIN) + "\n",
        env={"CONVENE_DATABASE_URL": "sqlite:///team/convene.db"},
    )

    assert ran.returncode == 0, ran.stderr
    assert "check-in 1 opened run 1" in (tmp_path / "team" / "convene.log").read_text("utf-8")
    assert not (tmp_path / "convene.log").exists()


def test_a_piped_convene_process_prints_the_chat_and_logs_to_the_file(tmp_path: Path) -> None:
    ran = convene_process("run", cwd=tmp_path, stdin="\n".join(A_WEEK_WITH_A_CHECKIN) + "\n")

    assert ran.returncode == 0, ran.stderr
    assert_a_check_in_ran(ran.stdout)
    assert only_the_chat(ran.stdout, []) == []
    assert ran.stderr == ""
    log = (tmp_path / "convene.log").read_text(encoding="utf-8")
    assert "INFO convene.checkins: check-in 1 opened run 1" in log


def test_the_shell_transcripts_log_is_in_the_file_and_nowhere_else(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    """examples/conversation/shell.txt says what its log holds; this reads it."""

    written = (REPO / "examples" / "conversation" / "shell.txt").read_text(encoding="utf-8")
    typed = typed_lines(written)
    script = tmp_path / "shell.txt"
    script.write_text("\n".join(typed) + "\n", encoding="utf-8")

    ran = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    assert ran.stderr == ""
    assert only_the_chat(ran.stdout, typed) == []
    logged = [
        line.split(" ", 2)[2]  # less the date and time
        for line in (tmp_path / "convene.log").read_text(encoding="utf-8").splitlines()
    ]
    assert logged[0] == "INFO convene.checkins: check-in 1 opened run 1 for 2026-11-30: 4 members"
    assert logged[1].startswith("INFO convene.pairings: round 1 of programme 1: 2 people")
    assert logged[2] == "INFO convene.checkins: check-in run 1 closed: 1 of 4 answered"
    assert len(logged) == 3
