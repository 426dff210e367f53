"""An operator takes the data out on the server: ``convene export``."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest

from tests.support.cli import ConveneCommand
from tests.support.harness import running

DATASETS = ["checkins", "commitments", "introductions", "members", "retros", "silos", "stories"]


async def _a_small_workspace(url: str) -> None:
    async with running(url) as convene:
        await convene.command("you", "/convene silo add Radiotherapy --kind team")
        await convene.command("you", "/convene member add alice --silo Radiotherapy --tz UTC")
        await convene.command("alice", "/commit =Draft the rota by Friday")


@pytest.fixture
def workspace_database(sqlite_url: str) -> dict[str, str]:
    """A database holding one small workspace, named to ``convene`` by its environment."""

    asyncio.run(_a_small_workspace(sqlite_url))
    return {"CONVENE_DATABASE_URL": sqlite_url}


def test_export_writes_one_file_per_dataset_into_a_new_folder(
    tmp_path: Path, convene_command: ConveneCommand, workspace_database: dict[str, str]
) -> None:
    done = convene_command("export", "--out", "out/today", cwd=tmp_path, env=workspace_database)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Exported 'T-memory' to out/today: members.csv (2 rows), ")
    folder = tmp_path / "out" / "today"
    assert sorted(p.name for p in folder.iterdir()) == [f"{name}.csv" for name in DATASETS]
    with (folder / "members.csv").open(encoding="utf-8", newline="") as members:
        rows = list(csv.DictReader(members))
    assert [(r["name"], r["silos"], r["convener"]) for r in rows] == [
        ("alice", "team:Radiotherapy", "no"),
        ("you", "", "yes"),
    ]
    with (folder / "commitments.csv").open(encoding="utf-8", newline="") as commitments:
        (commitment,) = csv.DictReader(commitments)
    assert commitment["commitment"] == "'=Draft the rota"


def test_export_as_json_of_chosen_datasets_repeated_or_comma_separated(
    tmp_path: Path, convene_command: ConveneCommand, workspace_database: dict[str, str]
) -> None:
    done = convene_command(
        "export",
        *("--what", "members,silos", "--what", "commitments", "--format", "json"),
        *("--out", "out"),
        cwd=tmp_path,
        env=workspace_database,
    )

    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out"
    assert sorted(p.name for p in folder.iterdir()) == [
        "commitments.json",
        "members.json",
        "silos.json",
    ]
    (commitment,) = json.loads((folder / "commitments.json").read_text(encoding="utf-8"))
    assert commitment["commitment"] == "=Draft the rota"
    assert commitment["made_at"] == "2026-11-30T08:00:00+00:00"
    assert commitment["done_on_time"] is None


def test_export_leaves_files_already_there_alone_unless_forced(
    tmp_path: Path, convene_command: ConveneCommand, workspace_database: dict[str, str]
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "silos.csv").write_text("mine\n", encoding="utf-8")

    refused = convene_command("export", "--out", "out", cwd=tmp_path, env=workspace_database)
    assert refused.returncode == 2
    assert refused.stderr == (
        "convene: out/silos.csv already exists, so nothing was written: add --force to "
        "replace the files, or choose another --out folder\n"
    )
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["silos.csv"]

    forced = convene_command(
        "export", "--out", "out", "--force", cwd=tmp_path, env=workspace_database
    )
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "out" / "silos.csv").read_text(encoding="utf-8").startswith("silo,kind")
    assert len(list((tmp_path / "out").iterdir())) == len(DATASETS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--what", "memebrs"),
            "convene: I can export members, silos, introductions, checkins, commitments, "
            "retros, stories or all, not 'memebrs' (did you mean members?). "
            "Name several with commas: --what members,silos\n",
        ),
        (("--format", "xlsx"), "convene: I can write csv or json, not 'xlsx'. Try --format json\n"),
        (
            ("--workspace", "Acme"),
            "convene: no single workspace is called 'Acme' here; say which with --workspace "
            "NAME: 'T-memory' (memory T-memory)\n",
        ),
    ],
    ids=["unknown dataset", "unknown format", "unknown workspace"],
)
def test_a_mistake_is_one_friendly_line_and_exit_status_2_with_nothing_written(
    tmp_path: Path,
    convene_command: ConveneCommand,
    workspace_database: dict[str, str],
    args: tuple[str, ...],
    message: str,
) -> None:
    done = convene_command("export", *args, "--out", "out", cwd=tmp_path, env=workspace_database)

    assert (done.returncode, done.stderr, done.stdout) == (2, message, "")
    assert not (tmp_path / "out").exists()


def test_export_does_not_make_an_empty_database_where_none_is(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    missing = tmp_path / "elsewhere.db"
    done = convene_command(
        "export",
        "--out",
        "out",
        cwd=tmp_path,
        env={"CONVENE_DATABASE_URL": f"sqlite+aiosqlite:///{missing}"},
    )

    assert done.returncode == 2
    assert done.stderr.startswith(f"convene: there is no database at {missing}: ")
    assert not missing.exists()
    assert not (tmp_path / "out").exists()
