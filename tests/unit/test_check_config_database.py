"""``convene check-config`` refuses a database URL that ``convene run`` could not open.

``mysql://`` used to be "Config OK", and ``run`` then failed with a traceback
about a missing module. The check names the forms Convene accepts, or the
driver to install, and stays quick: it looks the driver up without importing it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_settings
from tests.support.cli import ConveneCommand
from tests.unit.test_fast_start import modules_after

FORMS = (
    "sqlite+aiosqlite:///convene.db or postgresql+asyncpg://USER:PASSWORD@HOST/NAME "
    "(sqlite:// and postgresql:// mean the same)"
)


def check(tmp_path: Path, convene_command: ConveneCommand, url: str) -> tuple[int, str]:
    ran = convene_command("check-config", cwd=tmp_path, env={"CONVENE_DATABASE_URL": url})
    return ran.returncode, (ran.stdout + ran.stderr).strip()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///convene.db",
        "sqlite+aiosqlite:///convene.db",
        "sqlite+aiosqlite:///convene.db?timeout=0.5",
        "postgresql://convene:secret@db/convene",
        "postgres://convene:secret@db/convene",
        "postgresql+asyncpg://convene:secret@db:5433/convene",
    ],
)
def test_the_forms_convene_opens_are_ok(
    tmp_path: Path, convene_command: ConveneCommand, url: str
) -> None:
    code, said = check(tmp_path, convene_command, url)
    assert code == 0, said
    assert said.startswith("Config OK")


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("mysql://convene@db/convene", "mysql"),
        ("mysql+aiomysql://convene@db/convene", "mysql+aiomysql"),
        ("postgresql+psycopg2://convene@db/convene", "postgresql+psycopg2"),
        ("oracle://convene@db/convene", "oracle"),
    ],
)
def test_a_database_convene_has_no_driver_for_is_refused_with_the_forms_it_takes(
    tmp_path: Path, convene_command: ConveneCommand, url: str, scheme: str
) -> None:
    code, said = check(tmp_path, convene_command, url)
    assert code == 2
    assert said == (
        f"convene: $CONVENE_DATABASE_URL {url}: Convene cannot use {scheme!r} databases; "
        f"give {FORMS}"
    )


def test_a_driver_that_is_not_installed_is_named_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def without_asyncpg(name: str, *args: Any) -> Any:
        return None if name == "asyncpg" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_asyncpg)
    (tmp_path / "convene.toml").write_text(
        '[convene]\ndatabase_url = "postgresql://convene:hunter2@db/convene"\n'
    )

    with pytest.raises(ConfigError) as refused:
        load_settings(str(tmp_path / "convene.toml"), {})

    assert str(refused.value) == (
        f"{tmp_path / 'convene.toml'}: [convene] database_url "
        "postgresql://convene:***@db/convene needs the asyncpg driver, which is not "
        "installed here: pip install asyncpg"
    )


def test_a_sqlite_timeout_that_is_not_seconds_is_refused(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    code, said = check(tmp_path, convene_command, "sqlite:///convene.db?timeout=soon")
    assert code == 2
    assert said.endswith("timeout=soon must be a number of seconds, like timeout=5")


def test_checking_the_driver_does_not_import_it(tmp_path: Path) -> None:
    (tmp_path / "convene.toml").write_text(
        '[convene]\ndatabase_url = "postgresql://convene@db/convene"\n'
    )
    loaded = modules_after(tmp_path, "check-config")
    assert not {"asyncpg", "aiosqlite"} & {m.split(".")[0] for m in loaded}
