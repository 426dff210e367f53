"""Configuration: defaults, a TOML file, environment overrides, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Secret, load_settings
from tests.support.cli import REPO, ConveneCommand, convene_process


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "convene.toml"
    path.write_text(body)
    return path


def test_with_no_file_convene_runs_on_the_shell_and_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings.convene.adapters == ["shell"]
    assert settings.convene.database_url == "sqlite+aiosqlite:///convene.db"
    assert settings.source == "embedded defaults"


def test_convene_toml_in_the_current_folder_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, '[shell]\nchannel = "lobby"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(None, {}).shell.channel == "lobby"


def test_convene_config_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text("[outbox]\nmax_attempts = 3\n")
    assert load_settings(None, {"CONVENE_CONFIG": str(path)}).outbox.max_attempts == 3


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[convene]\ndatabase_url = "sqlite:///a.db"\n[outbox]\nmax_attempts = 3\n'
    )
    settings = load_settings(
        str(path),
        {
            "CONVENE_DATABASE_URL": "sqlite:///b.db",
            "CONVENE_OUTBOX_MAX_ATTEMPTS": "5",
            "CONVENE_CONVENERS": "U1, U2",
        },
    )
    assert settings.convene.database_url == "sqlite:///b.db"
    assert settings.outbox.max_attempts == 5
    assert settings.convene.conveners == ["U1", "U2"]


def test_every_documented_setting_is_a_real_one_with_its_default() -> None:
    documented = load_settings(str(REPO / "config.example.toml"), {})
    defaults = load_settings(None, {})
    assert documented.convene == defaults.convene
    assert documented.outbox == defaults.outbox
    assert documented.scheduler == defaults.scheduler
    assert documented.shell == defaults.shell
    assert documented.slack == defaults.slack
    assert documented.discord == defaults.discord
    assert documented.privacy == defaults.privacy


def test_a_secret_never_shows_in_a_repr(tmp_path: Path) -> None:
    settings = load_settings(None, {"SLACK_BOT_TOKEN": "xoxb-very-secret"})
    assert settings.slack.bot_token == Secret("xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(settings)
    assert settings.slack.bot_token.reveal() == "xoxb-very-secret"


@pytest.mark.parametrize(
    ("body", "environ", "message"),
    [
        (
            "[outbox]\nmax_attemps = 3\n",
            {},
            "unknown key [outbox] max_attemps (did you mean max_attempts?)",
        ),
        ("[outbx]\n", {}, "unknown section [outbx] (did you mean outbox?)"),
        (
            '[outbox]\nmax_attempts = "eight"\n',
            {},
            '[outbox] max_attempts must be a whole number, not "eight"',
        ),
        ('[convene]\nadapters = "shell"\n', {}, "[convene] adapters must be a list of texts"),
        ('[convene]\nadapters = ["teams"]\n', {}, "unknown adapter 'teams'"),
        (
            '[convene]\nadapters = ["slack"]\n',
            {},
            "[slack] bot_token is missing; set $SLACK_BOT_TOKEN",
        ),
        (
            '[convene]\nadapters = ["slack"]\n',
            {"SLACK_BOT_TOKEN": "x"},
            "[slack] app_token is missing",
        ),
        (
            '[convene]\nadapters = ["discord"]\n',
            {},
            "[discord] token is missing; set $DISCORD_TOKEN",
        ),
        (
            '[shell]\ntimezone = "Mars/Base"\n',
            {},
            "[shell] timezone 'Mars/Base' is not a time zone",
        ),
        ("[outbox]\nlease_seconds = 0\n", {}, "[outbox] lease_seconds must be above 0"),
        ("[outbox\n", {}, "not valid TOML"),
        (
            "",
            {"CONVENE_OUTBOX_BATCH_SIZE": "lots"},
            "$CONVENE_OUTBOX_BATCH_SIZE must be a whole number",
        ),
        (
            "[discord]\nshard_ids = [0, 1]\n",
            {},
            "[discord] shard_ids needs shard_count, the number of shards across every instance",
        ),
        (
            "[discord]\nshard_count = 2\nshard_ids = [2]\n",
            {},
            "[discord] shard_ids: 2 is not a shard of 2; use 0 to 1",
        ),
        ("[discord]\nshard_count = 4\nshard_ids = [1, 1]\n", {}, "names a shard twice"),
        (
            '[discord]\nshard_count = 4\nshard_ids = ["1"]\n',
            {},
            "[discord] shard_ids must be a list of whole numbers, like [0, 1]",
        ),
        (
            "[discord]\nshard_count = 4\n",
            {"CONVENE_DISCORD_SHARD_IDS": "0,one"},
            "$CONVENE_DISCORD_SHARD_IDS must be a list of whole numbers",
        ),
        (
            '[rate_limits]\nshared = "memcached"\n',
            {},
            "[rate_limits] shared must be one of auto, local, database, redis",
        ),
        ('[rate_limits]\nshared = "redis"\n', {}, 'needs redis_url, like "redis://'),
        ('[rate_limits]\nshared = "database"\n', {}, 'shared = "database" needs PostgreSQL'),
        ("[http]\nport = 70000\n", {}, "[http] port must be 1 to 65535 (or 0: not served)"),
        (
            "[discord]\nsharded = true\nshard_count = 2\n",
            {},
            "[discord] sharded and shard_count say the same thing twice",
        ),
        (
            '[http]\nport = 3000\n[slack]\nmode = "http"\n[convene]\nadapters = ["slack"]\n',
            {"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "y"},
            "[http] port 3000 is [slack] http_port too",
        ),
        (
            "[http]\nport = 8088\n[dashboard]\nenabled = true\n",
            {},
            "[http] port 8088 is [dashboard] port too",
        ),
    ],
)
def test_a_mistake_stops_start_up_with_one_line_naming_the_key_and_file(
    tmp_path: Path, body: str, environ: dict[str, str], message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as raised:
        load_settings(str(path), environ)
    text = str(raised.value)
    assert message in text
    assert "\n" not in text
    if not message.startswith("$"):
        assert str(path) in text


def test_the_command_line_reports_a_config_mistake_in_one_line(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    write(tmp_path, "[outbox]\nmax_attemps = 3\n")
    result = convene_command("check-config", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "convene: convene.toml: unknown key [outbox] max_attemps (did you mean max_attempts?)"
    )
    assert "Traceback" not in result.stderr

    started = convene_command("run", cwd=tmp_path)
    assert started.returncode == 2
    assert "unknown key [outbox] max_attemps" in started.stderr
    assert "Traceback" not in started.stderr


def test_a_missing_config_file_is_named(tmp_path: Path, convene_command: ConveneCommand) -> None:
    result = convene_command("--config", "nowhere.toml", "run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "convene: nowhere.toml: no such config file"


def test_check_config_and_version(tmp_path: Path) -> None:
    """As processes of their own: what a user runs first."""

    checked = convene_process("check-config", cwd=tmp_path)
    assert checked.returncode == 0
    assert checked.stdout.startswith("Config OK (embedded defaults): adapters shell;")
    version = convene_process("--version", cwd=tmp_path)
    assert version.returncode == 0
    assert version.stdout.strip() == "convene 0.1.0"


def test_a_password_in_the_database_url_is_not_printed(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    write(tmp_path, '[convene]\ndatabase_url = "postgresql+asyncpg://convene:hunter2@db/convene"\n')
    checked = convene_command("check-config", cwd=tmp_path)
    assert checked.returncode == 0
    assert "hunter2" not in checked.stdout
    assert "***" in checked.stdout


def test_discord_that_cannot_be_reached_stops_convene_run_in_one_line(
    tmp_path: Path, convene_command: ConveneCommand
) -> None:
    result = convene_command(
        "run",
        cwd=tmp_path,
        env={
            "CONVENE_ADAPTERS": "discord",
            "DISCORD_TOKEN": "t",
            # Nothing listens on port 9 of this machine: no request leaves it.
            "CONVENE_DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
            "CONVENE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db",
        },
    )
    assert result.returncode == 1
    assert "convene: cannot start: could not reach Discord" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_cannot_be_reached_stops_convene_with_a_failure_code(
    tmp_path: Path,
) -> None:
    # A process of its own: the failed start leaves a SQLite connection thread behind,
    # which in this process would outlive its event loop and warn in a later test.
    result = convene_process(
        "run",
        cwd=tmp_path,
        stdin="",
        env={"CONVENE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/c.db"},
    )
    assert result.returncode == 1
    assert "convene: cannot open the database:" in result.stderr


def test_shared_rate_limits_follow_the_database_unless_told(tmp_path: Path) -> None:
    """On PostgreSQL several instances may run, so "auto" shares; on SQLite one runs."""

    postgres = {"CONVENE_DATABASE_URL": "postgresql+asyncpg://db.example.org/convene"}
    assert load_settings(None, {}).rate_limit_store == "local"
    assert load_settings(None, postgres).rate_limit_store == "database"
    told = {**postgres, "CONVENE_RATE_LIMITS_SHARED": "local"}
    assert load_settings(None, told).rate_limit_store == "local"


def test_an_instance_names_its_discord_shards_in_the_environment() -> None:
    settings = load_settings(
        None, {"CONVENE_DISCORD_SHARD_COUNT": "4", "CONVENE_DISCORD_SHARD_IDS": "1, 3"}
    )
    assert (settings.discord.shard_count, settings.discord.shard_ids) == (4, [1, 3])
