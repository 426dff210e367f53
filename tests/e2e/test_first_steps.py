"""A new user's first session in the shell, run as the README says.

The first-steps transcript runs as the README's command, in a process of its
own; the others run the same command in this process, which is quicker and
prints the same.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.cli import REPO, ConveneCommand, convene_process

FIRST_STEPS = REPO / "examples" / "first-steps.txt"


def bot_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("bot →")]


def test_the_first_steps_transcript_sets_up_the_landscape(tmp_path: Path) -> None:
    script = tmp_path / "first-steps.txt"
    shutil.copy(FIRST_STEPS, script)

    result = convene_process("run", "--script", str(script), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Every input line is echoed, in order, so the output reads as a transcript.
    inputs = [line for line in FIRST_STEPS.read_text().splitlines() if line.strip()]
    echoed = [line for line in out.splitlines() if not line.startswith(("bot →", "clock →"))]
    assert [line for line in echoed if line in inputs] == inputs
    # Help lists commands with usage and an example.
    assert "Commands you can use as a convener:" in out
    assert "/convene silo add NAME [--kind KIND]" in out
    assert 'e.g. /convene silo add "Public Health" --kind organisation' in out
    # The landscape is set up.
    assert "bot → #general (to you): Added the silo Radiotherapy (team)." in out
    assert "bot → #general (to you): Added the silo Public Health (organisation)." in out
    assert "bot → #general (to you): Added alice: Radiotherapy; time zone Europe/London." in out
    assert "bot → #general (to carol): You are now in Public Health." in out
    assert "bot → #general (to carol): Your time zone is now Asia/Tokyo." in out
    # The members table: each member with silos, zone and role.
    table = "\n".join(bot_lines(out))
    assert "alice  Radiotherapy                Europe/London     convener" in table
    assert "bob    Public Health, Radiography  America/New_York  member" in table
    assert "carol  Public Health               Asia/Tokyo        member" in table
    # The silos table: kind and member count.
    assert "Public Health  organisation  2" in table
    assert "Radiography    profession    1" in table
    # Mistakes: one line each, saying what to type instead.
    assert (
        "bot → #general (to carol): Only conveners can use /convene silo add. "
        'Ask alice or the convener named "you".' in out
    )
    assert "I don't know /convene silo assign: after /convene silo comes add, import, remove" in out
    assert 'For example: /convene silo add "Public Health" --kind organisation' in out
    assert "There is no silo called 'Oncology'." in out
    assert "'Mars/Olympus' is not a time zone I know." in out
    assert "Outbox: " in out and "0 undeliverable" in out
    assert "clock → " in out
    assert "Traceback" not in out + result.stderr


def test_a_restart_finds_the_landscape_where_it_was_left(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    shutil.copy(FIRST_STEPS, tmp_path / "first-steps.txt")
    first = convene_command("run", "--script", "first-steps.txt", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "convene.db").exists()

    (tmp_path / "again.txt").write_text("/convene members\n/convene silos\ncarol: /convene me\n")
    second = convene_command("run", "--script", "again.txt", cwd=tmp_path)

    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "bot → #general (to you): 4 members:" in out
    assert "bob    Public Health, Radiography  America/New_York  member" in out
    assert "Radiotherapy   team          1" in out
    assert "Silos: Public Health (organisation)." in out
    # Nothing from the first run is delivered again.
    assert "Added the silo" not in out


def test_the_introductions_transcript_runs_a_round_and_its_follow_ups(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    script = tmp_path / "introductions.txt"
    shutil.copy(REPO / "examples" / "introductions.txt", script)

    result = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Introductions are starting in #general: every 2 weeks on Monday at 10:00" in out
    groups = [line for line in out.splitlines() if line.startswith("bot → group ")]
    assert len(groups) == 2
    assert all(": *Introductions, round 1 of #general*" in line for line in groups)
    # Alice and Dan's two teams are a bridge; Bob's organisation and Carol's profession are not.
    assert out.count("have not met through Convene before.") == 1
    assert "Times inside everyone's working hours:" in out
    assert "erin" not in "".join(groups)  # erin paused herself
    assert out.count("[We met] [Not yet] [We won't]") == 4
    assert "bot → alice (DM): Thank you, saved. You chose Shared with my name: " in out
    assert "bot → carol (DM): Thanks!" in out
    assert "bot → #general (to you): Silo pairs met: " in out
    assert "bot → #general (to you): Marked as met: bob (introduced to " in out
    assert (
        '(may be shared with their name): "Public health people think in populations, not '
        'patients."'
    ) in out
    assert "I can't find the channel #nowhere." in out
    assert "I could not read the schedule 'every blue moon'" in out
    assert "--size 1: groups are 2, 3 or 4 people" in out
    assert "For how long? 'forever' is not a length of time I can read" in out
    assert "You cannot avoid yourself." in out
    assert "Traceback" not in out + result.stderr


def test_the_checkins_transcript_asks_each_member_at_their_own_nine(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    script = tmp_path / "checkins.txt"
    shutil.copy(REPO / "examples" / "checkins.txt", script)

    result = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    assert 'Created the check-in "Weekly pulse" in #general: every Monday at 09:00' in out
    # Kenji (Tokyo) is asked at Sunday 00:00 UTC, Alice (London) at 09:00, Bob (New York)
    # at 14:00; the convener skipped this one.
    asks = [line for line in lines if ": Time for *Weekly pulse* (#general)" in line]
    assert [line.split(" (DM)")[0] for line in asks] == ["bot → kenji", "bot → alice", "bot → bob"]
    assert out.count("A gentle reminder: *Weekly pulse*") == 1
    assert out.count("bot → #general: *Weekly pulse* for Monday 30 November") == 1
    assert out.count("bot → #general thread 13: *kenji* (Radiotherapy)") == 1
    assert "bot ✎ #general thread 13 (message 16 edited): *kenji* (Radiotherapy)" in out
    assert "*What is on your mind?* The rota came: good news" in out
    assert "bot → #general thread 13: *alice* (Radiotherapy)" in out
    assert "This check-in is closed: 2 of 3 answered (67%). Thank you!" in out
    assert "closed at 00:00 your time, so late answers are not added" in out
    assert "Monday 30 November  3      2         67%   4.0" in out
    assert "I could not read the schedule 'every blue moon'" in out
    assert "'Mars/Olympus' is not a time zone I know." in out
    assert "The question is empty" in out
    assert "Only conveners can use /convene checkin create." in out
    assert "2020-01-01 has already passed" in out
    assert "Traceback" not in out + result.stderr


def test_a_transcript_that_sets_the_clock_first_replays_on_any_date(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    script = tmp_path / "past.txt"
    script.write_text("# long ago\n:clock 2020-03-02 08:00\n:clock +1h\n")

    result = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "clock → Monday 2020-03-02 08:00 UTC" in result.stdout
    assert "clock → Monday 2020-03-02 09:00 UTC" in result.stdout
    assert "only moves forward" not in result.stdout


def test_the_retro_transcript_goes_from_items_to_commitments_reviewed_at_the_next_retro(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    script = tmp_path / "retro.txt"
    shutil.copy(REPO / "examples" / "retro.txt", script)

    result = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot → #general thread 8: 1. *Start*: weekly cross-team huddles · alice" in out
    assert (
        "(message 9 edited): 1. *Start*: weekly cross-team huddles · alice (Radiotherapy)"
        " · 2 votes" in out
    )
    assert "Took back your vote on item 2; you have 2 of 3 left." in out
    assert "*Stop*: Long email chains about the rota: a shared board instead · bob" in out
    # Friday 17:00 London: closed by its timer, ranked by votes.
    assert "is closed: 3 items, 3 votes. The summary is in the thread." in out
    assert "Top 1: *Start*: weekly cross-team huddles (2 votes)." in out
    assert "bot → #general thread 8: alice commits to *Run the first cross-team huddle*" in out
    assert "bot → kenji (DM): bob asks you to commit to *Write up what shadowing taught us*" in out
    assert "bot → #general thread 8: kenji accepted *Write up what shadowing taught us*" in out
    assert "Reminder: *Run the first cross-team huddle* (commitment 1) is due tomorrow" in out
    assert "bot → #general thread 8: Done: alice finished *Run the first cross-team huddle*" in out
    assert "- [x] Run the first cross-team huddle (alice, due 2026-12-04; done)" in out
    assert '"Quarter 4", 1 of 2 commitments done; 1 still open:' in out
    assert "2 · *Write up what shadowing taught us* · kenji · due Friday 18 December" in out
    assert 'The retro "Quarter 4" is closed, so it takes no more items or votes.' in out
    assert 'There is already a retro called "Quarter 1"' in out
    assert "There is no format 'sailboat'." in out
    assert "Only conveners can use /convene retro close." in out
    assert "Traceback" not in out + result.stderr


def test_the_commitments_transcript_reminds_each_owner_at_their_own_nine(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    script = tmp_path / "commitments.txt"
    shutil.copy(REPO / "examples" / "commitments.txt", script)

    result = convene_command("run", "--script", str(script), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    assert (
        "bot → #general: alice commits to *Draft the discharge checklist* (commitment 1, "
        "due Friday 27 November)." in out
    )
    assert (
        "kenji commits to *Share the new rota with Bob's team* (commitment 2, due Thursday"
        " 10 December)." in out
    )
    assert "bot → #general (to bob): You committed to *Read the shadowing report*" in out
    assert "bot → #general: bob accepted *Book the room for the huddle*" in out
    # Bob's day before, at 09:00 New York (14:00 UTC), comes before Alice's day itself.
    reminded = [
        (line.split(" (DM)")[0], line.split("*")[1]) for line in lines if ": Reminder: *" in line
    ]
    assert reminded[:2] == [
        ("bot → bob", "Read the shadowing report"),
        ("bot → alice", "Draft the discharge checklist"),
    ]
    assert (
        "Moved: alice's *Draft the discharge checklist* (commitment 1, due Wednesday "
        "2 December); it was due Friday 27 November." in out
    )
    assert "It is marked blocked: waiting for the final draft." in out
    assert "was due Friday 27 November (1 week ago)" in out
    assert "(commitment 1, due Wednesday 2 December) (after its due date)." in out
    assert "Commitment reminders now come at 09:00 your new time." in out
    assert "Commitments: 2 open (1 overdue, 1 blocked), 2 done (1 on time)" in out
    assert "3    bob    Read the shadowing report  Friday 27 November  12 days  blocked" in out
    assert "I understood the commitment as 'Fix the rota', but I could not read 'Fridya'" in out
    assert "has already passed" in out
    assert "There is no commitment 999." in out
    assert "Commitment 2 is kenji's, so only they can mark it done." in out
    assert "Traceback" not in out + result.stderr
