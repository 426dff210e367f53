"""A convener loads their organisation from the command line: ``convene import members``.

It writes into the configured database (the shell's workspace by default),
refuses a wrong file whole with its lines on standard error (status 2), and
the shell then knows everyone in it. The shell's own ``/convene member
import PATH`` reads the same file by its path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.cli import REPO, ConveneCommand

ORG = REPO / "examples" / "org.csv"


def _folder_with_org(tmp_path: Path) -> Path:
    shutil.copy(ORG, tmp_path / "org.csv")
    return tmp_path


def test_the_example_organisation_is_imported_once_and_the_shell_knows_it(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    folder = _folder_with_org(tmp_path)

    first = convene_command("import", "members", "org.csv", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "Imported org.csv: 60 new members, 0 updated, 12 new silos, 157 new links of a member "
        "to a silo. (workspace 'Convene')\n"
    )

    again = convene_command("import", "members", "org.csv", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("org.csv: 0 new members, 0 changes; the 60 members in it")

    (folder / "script.txt").write_text("/convene members --silo Oncology\n", encoding="utf-8")
    shown = convene_command("run", "--script", "script.txt", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    assert "Aisha  Medicine, NHS Trust A, Oncology  Europe/London  member" in shown.stdout


def test_a_wrong_file_is_refused_with_its_lines_and_nothing_is_written(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "bad.csv").write_text(
        "member,silos,timezone\nAda,team:Oncology,UTC\nBen,Oncology,UTC\nCy,team:X,EST\n",
        encoding="utf-8",
    )
    refused = convene_command("import", "members", "bad.csv", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert lines[0] == (
        "convene: bad.csv was not imported, and nothing was changed: 2 lines need fixing."
    )
    assert lines[1].startswith("  line 3: the silo 'Oncology' needs a kind")
    assert lines[2].startswith("  line 4: 'EST' is short for Eastern Standard Time")

    (tmp_path / "good.csv").write_text("member,silos,timezone\nAda,,UTC\n", encoding="utf-8")
    good = convene_command("import", "members", "good.csv", cwd=tmp_path)
    assert good.stdout.startswith("Imported good.csv: 1 new member, 0 updated, 0 new silos")


def test_a_new_kind_is_added_only_when_asked(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    (tmp_path / "guilds.csv").write_text(
        "member,silos,timezone\nAda,guild:Testers,UTC\n", encoding="utf-8"
    )
    refused = convene_command("import", "members", "guilds.csv", cwd=tmp_path)
    assert refused.returncode == 2
    assert "To make guild a new kind on purpose: run the import again with --add-kind guild." in (
        refused.stderr
    )

    added = convene_command("import", "members", "guilds.csv", "--add-kind", "guild", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == (
        "Imported guilds.csv: 1 new member, 0 updated, 1 new silo, 1 new link of a member to a "
        "silo. Added the kind guild. (workspace 'Convene')\n"
    )


def test_files_and_workspaces_that_are_not_there_are_named(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    missing = convene_command("import", "members", "nope.csv", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (2, "convene: nope.csv: no such file\n")

    folder = _folder_with_org(tmp_path)
    elsewhere = convene_command("import", "members", "org.csv", "--workspace", "Acme", cwd=folder)
    assert elsewhere.returncode == 2
    assert elsewhere.stderr.startswith("convene: no single workspace is called 'Acme' here")

    nothing = convene_command("import", cwd=folder)
    assert nothing.returncode == 2
    assert "convene import members FILE.csv" in nothing.stderr


def test_in_the_shell_a_convener_imports_a_file_by_its_path_and_a_newcomer_is_welcomed(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    folder = _folder_with_org(tmp_path)
    (folder / "script.txt").write_text(
        "/convene member import org.csv\nAisha: /convene me\n", encoding="utf-8"
    )
    ran = convene_command("run", "--script", "script.txt", cwd=folder)
    assert ran.returncode == 0, ran.stderr
    assert "Imported org.csv: 60 new members, 0 updated, 12 new silos, 157 new links" in ran.stdout
    welcomes = [line for line in ran.stdout.splitlines() if "Welcome to Convene, " in line]
    assert [w.split(":", 1)[0] for w in welcomes] == ["bot → you (DM)", "bot → Aisha (DM)"]
    assert any("I have your time zone as Europe/London" in line for line in ran.stdout.splitlines())
