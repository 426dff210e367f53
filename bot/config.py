"""Configuration: defaults, then a TOML file, then environment variables.

The file is ``--config PATH``, else ``$CONVENE_CONFIG``, else
``./convene.toml`` when present, else none at all (the embedded defaults: the
shell adapter and SQLite). Every mistake stops start-up with one line that
names the key and the file, never a traceback.

Environment variables override the file: ``CONVENE_DATABASE_URL`` for keys of
``[convene]``, ``CONVENE_<SECTION>_<KEY>`` for the others (for example
``CONVENE_SLACK_BOT_TOKEN``), plus the platforms' customary names
(``SLACK_BOT_TOKEN``, ``SLACK_APP_TOKEN``, ``SLACK_SIGNING_SECRET``,
``DISCORD_TOKEN``).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import secrets
import socket
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_NAME = "convene.toml"
KNOWN_ADAPTERS = ("shell", "slack", "discord")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """A setting that cannot be used; the message is the one line to show."""


class Secret:
    """A token or key: usable by code, invisible to logs and reprs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class ConveneSection:
    database_url: str = "sqlite+aiosqlite:///convene.db"
    adapters: list[str] = field(default_factory=lambda: ["shell"])
    instance_id: str = ""
    log_level: str = "INFO"
    log_file: str = ""
    """Where the log goes; empty: the shell's ``convene.log`` beside its database, a
    server's standard error (``bot.log_destinations``)."""
    conveners: list[str] = field(default_factory=list)
    welcome: bool = True
    """A welcome DM to each member on their first contact (``handlers.profile.welcome``);
    the test harness turns it off so that unrelated scenarios see no extra DM."""


@dataclass(frozen=True)
class ShellSection:
    workspace: str = "Convene"
    channel: str = "general"
    operator: str = "you"
    timezone: str = "UTC"


@dataclass(frozen=True)
class OutboxSection:
    max_attempts: int = 8
    base_backoff_seconds: float = 2.0
    max_backoff_seconds: float = 600.0
    lease_seconds: float = 60.0
    batch_size: int = 200


@dataclass(frozen=True)
class SchedulerSection:
    grace_period_minutes: int = 30
    poll_seconds: float = 30.0


@dataclass(frozen=True)
class SlackSection:
    bot_token: Secret = field(default_factory=lambda: Secret(""))
    app_token: Secret = field(default_factory=lambda: Secret(""))
    signing_secret: Secret = field(default_factory=lambda: Secret(""))
    mode: str = "socket"
    api_base_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    client_id: str = ""
    """Set (with ``client_secret``) for installs over OAuth to any number of workspaces
    (HTTP mode's ``/slack/install``); empty: one workspace, with ``bot_token``."""
    client_secret: Secret = field(default_factory=lambda: Secret(""))
    scopes: list[str] = field(default_factory=list)
    """The bot scopes an OAuth install asks for; empty: those of slack-manifest-http.yaml."""
    oauth_base_url: str = "https://slack.com/oauth/v2/authorize"
    """Where the install page sends the installer (tests point it at the fake Slack)."""
    token_rotation: bool = False
    """Whether the app has token rotation on: bot tokens expire and are refreshed."""

    @property
    def installs_over_oauth(self) -> bool:
        return bool(self.client_id)


@dataclass(frozen=True)
class DiscordSection:
    token: Secret = field(default_factory=lambda: Secret(""))
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    sharded: bool = False
    read_channel_messages: bool = False
    shard_count: int = 0
    """How many shards the bot's gateway connections are split into, across every
    instance (0: one connection, or as many as Discord recommends with ``sharded``)."""
    shard_ids: list[int] = field(default_factory=list)
    """The shards this instance runs, each 0 to ``shard_count - 1``; empty: all of them."""


RATE_LIMIT_STORES = ("auto", "local", "database", "redis")


@dataclass(frozen=True)
class RateLimitsSection:
    shared: str = "auto"
    """Where the platforms' rate limits are counted: ``local`` (this process alone),
    ``database`` (PostgreSQL: every instance on it shares them), ``redis`` (at
    ``redis_url``); ``auto``: the database on PostgreSQL, local on SQLite."""
    redis_url: str = ""


@dataclass(frozen=True)
class HttpSection:
    host: str = "0.0.0.0"
    port: int = 0
    """Where ``/healthz``, ``/readyz`` and ``/metrics`` are served; 0: not on a port of
    their own (Slack's HTTP mode serves them on its port as well)."""


@dataclass(frozen=True)
class RetrosSection:
    anonymity_key: Secret = field(default_factory=lambda: Secret(""))
    default_votes: int = 3


@dataclass(frozen=True)
class CommitmentsSection:
    max_open_per_member: int = 0


@dataclass(frozen=True)
class DashboardSection:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = 8088
    public_url: str = ""
    """The address conveners open, put in their links (behind a proxy, its https://
    address); empty: ``http://host:port``."""

    @property
    def base_url(self) -> str:
        """Where links point: ``public_url`` without its last ``/``, or this host and port."""

        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@dataclass(frozen=True)
class PrivacySection:
    retain_answers_months: int = 12
    """Check-in answers, retro items and learning stories older than this are deleted
    by a daily job (0: kept until a member or convener deletes them)."""
    uninstalled_grace_days: int = 30
    """After a platform uninstalls Convene, the workspace's data is kept this long in
    case it is installed again, then deleted."""
    secret_key: Secret = field(default_factory=lambda: Secret(""))
    """Fernet keys (comma-separated, newest first) that encrypt tokens at rest; from
    ``$CONVENE_SECRET_KEY``. The first encrypts, every one decrypts: a key is rotated by
    putting a new one in front, and dropped once ``convene`` has re-encrypted with it."""


@dataclass(frozen=True)
class Settings:
    convene: ConveneSection = field(default_factory=ConveneSection)
    shell: ShellSection = field(default_factory=ShellSection)
    outbox: OutboxSection = field(default_factory=OutboxSection)
    scheduler: SchedulerSection = field(default_factory=SchedulerSection)
    slack: SlackSection = field(default_factory=SlackSection)
    discord: DiscordSection = field(default_factory=DiscordSection)
    retros: RetrosSection = field(default_factory=RetrosSection)
    commitments: CommitmentsSection = field(default_factory=CommitmentsSection)
    dashboard: DashboardSection = field(default_factory=DashboardSection)
    privacy: PrivacySection = field(default_factory=PrivacySection)
    rate_limits: RateLimitsSection = field(default_factory=RateLimitsSection)
    http: HttpSection = field(default_factory=HttpSection)
    source: str = "embedded defaults"

    @property
    def instance(self) -> str:
        """This process's name among the instances sharing the database (docs/deploy.md)."""

        return self.convene.instance_id or process_instance_id()

    @property
    def rate_limit_store(self) -> str:
        """Where rate limits are counted: ``local``, ``database`` or ``redis`` (``auto`` read)."""

        shared = self.rate_limits.shared
        if shared != "auto":
            return shared
        return "database" if self.convene.database_url.startswith("postgresql") else "local"


INSTANCE_ID_MAX = 48
"""The outbox and the schedule runs keep who claimed a row in 64 characters:
the instance's name, then ``:`` and the platform's."""

_process_ids: dict[int, str] = {}


def process_instance_id() -> str:
    """A name for this process that no other process shares: host, process id, random.

    Two processes on one host with the same name would take each other's
    deliveries in flight for their own when one restarts; the random part
    keeps a reused process id (a container restarted as pid 1) apart too.
    """

    pid = os.getpid()
    if pid not in _process_ids:
        host = socket.gethostname()[:24] or "convene"
        _process_ids[pid] = f"{host}-{pid}-{secrets.token_hex(3)}"
    return _process_ids[pid]


_SECTIONS: dict[str, type[Any]] = {
    "convene": ConveneSection,
    "shell": ShellSection,
    "outbox": OutboxSection,
    "scheduler": SchedulerSection,
    "slack": SlackSection,
    "discord": DiscordSection,
    "retros": RetrosSection,
    "commitments": CommitmentsSection,
    "dashboard": DashboardSection,
    "privacy": PrivacySection,
    "rate_limits": RateLimitsSection,
    "http": HttpSection,
}

_CUSTOMARY_ENV = {
    ("slack", "bot_token"): "SLACK_BOT_TOKEN",
    ("slack", "app_token"): "SLACK_APP_TOKEN",
    ("slack", "signing_secret"): "SLACK_SIGNING_SECRET",
    ("discord", "token"): "DISCORD_TOKEN",
    ("slack", "client_id"): "SLACK_CLIENT_ID",
    ("slack", "client_secret"): "SLACK_CLIENT_SECRET",
    ("privacy", "secret_key"): "CONVENE_SECRET_KEY",
}


def env_name(section: str, key: str) -> str:
    if section == "convene":
        return f"CONVENE_{key.upper()}"
    return f"CONVENE_{section.upper()}_{key.upper()}"


def find_config_file(explicit: str | None, environ: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    if environ.get("CONVENE_CONFIG"):
        return Path(environ["CONVENE_CONFIG"])
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def load_settings(
    explicit_path: str | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read, merge and check every setting; raise ``ConfigError`` with one line."""

    environ = os.environ if environ is None else environ
    path = find_config_file(explicit_path, environ)
    raw: dict[str, Any] = {}
    where = "embedded defaults"
    if path is not None:
        where = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except (OSError, UnicodeDecodeError) as unreadable:
            raise ConfigError(f"{path}: cannot read it ({unreadable})") from None
        except tomllib.TOMLDecodeError as bad:
            raise ConfigError(f"{path}: not valid TOML ({bad})") from None

    sections: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            raise ConfigError(f"{where}: unknown section [{name}]{_suggest(name, _SECTIONS)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a section (a table), not a value")
    for name, cls in _SECTIONS.items():
        sections[name] = _build_section(name, cls, raw.get(name, {}), environ, where)

    settings = Settings(source=where, **sections)
    _check(settings, where)
    _check_database_url(
        settings.convene.database_url,
        f"${env_name('convene', 'database_url')}"
        if env_name("convene", "database_url") in environ
        else f"{where}: [convene] database_url",
    )
    return settings


def _suggest(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _build_section(
    name: str, cls: type[Any], values: dict[str, Any], environ: Mapping[str, str], where: str
) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in fields:
            raise ConfigError(f"{where}: unknown key [{name}] {key}{_suggest(key, fields)}")
    kwargs: dict[str, Any] = {}
    for key in sorted(fields):
        expected = hints[key]
        env_key = env_name(name, key)
        customary = _CUSTOMARY_ENV.get((name, key))
        if env_key in environ:
            kwargs[key] = _from_env(environ[env_key], expected, f"${env_key}")
        elif customary and customary in environ:
            kwargs[key] = _from_env(environ[customary], expected, f"${customary}")
        elif key in values:
            kwargs[key] = _from_file(values[key], expected, f"{where}: [{name}] {key}")
    return cls(**kwargs)


def _type_name(expected: Any) -> str:
    return {
        str: "text in quotes",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        Secret: "text in quotes",
        list[int]: "a list of whole numbers, like [0, 1]",
    }.get(expected, 'a list of texts in quotes, like ["a", "b"]')


def _from_file(value: Any, expected: Any, label: str) -> Any:
    if expected is Secret:
        if isinstance(value, str):
            return Secret(value)
    elif expected is bool:
        if isinstance(value, bool):
            return value
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif expected is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif expected is str:
        if isinstance(value, str):
            return value
    elif expected == list[int]:
        if isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return list(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    shown = repr(value) if not isinstance(value, str) else f'"{value}"'
    raise ConfigError(f"{label} must be {_type_name(expected)}, not {shown}")


def _from_env(value: str, expected: Any, label: str) -> Any:
    if expected is Secret:
        return Secret(value)
    if expected is str:
        return value
    if expected is bool:
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
    elif expected is int:
        try:
            return int(value)
        except ValueError:
            pass
    elif expected is float:
        try:
            return float(value)
        except ValueError:
            pass
    elif expected == list[int]:
        try:
            return [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            pass
    else:
        return [part.strip() for part in value.split(",") if part.strip()]
    raise ConfigError(f"{label} must be {_type_name(expected)}, not {value!r}")


def _check(settings: Settings, where: str) -> None:
    c = settings.convene
    for adapter in c.adapters:
        if adapter not in KNOWN_ADAPTERS:
            raise ConfigError(
                f"{where}: [convene] adapters: unknown adapter {adapter!r}; "
                f"choose from {', '.join(KNOWN_ADAPTERS)}"
            )
    if not c.adapters:
        raise ConfigError(f'{where}: [convene] adapters is empty; say ["shell"] at least')
    if len(c.instance_id) > INSTANCE_ID_MAX:
        raise ConfigError(
            f"{where}: [convene] instance_id is {len(c.instance_id)} characters long; "
            f"keep it to {INSTANCE_ID_MAX} (or leave it out: each process then names itself)"
        )
    if c.log_level.upper() not in LOG_LEVELS:
        raise ConfigError(
            f"{where}: [convene] log_level must be one of {', '.join(LOG_LEVELS)}, "
            f"not {c.log_level!r}"
        )
    for section, key, zone in (("shell", "timezone", settings.shell.timezone),):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{where}: [{section}] {key} {zone!r} is not a time zone (try Europe/London)"
            ) from None
    positive = (
        ("outbox", "max_attempts", settings.outbox.max_attempts),
        ("outbox", "base_backoff_seconds", settings.outbox.base_backoff_seconds),
        ("outbox", "max_backoff_seconds", settings.outbox.max_backoff_seconds),
        ("outbox", "lease_seconds", settings.outbox.lease_seconds),
        ("outbox", "batch_size", settings.outbox.batch_size),
        ("scheduler", "poll_seconds", settings.scheduler.poll_seconds),
    )
    for section, key, number in positive:
        if number <= 0:
            raise ConfigError(f"{where}: [{section}] {key} must be above 0, not {number}")
    if not 1 <= settings.retros.default_votes <= 20:
        raise ConfigError(
            f"{where}: [retros] default_votes must be 1 to 20, not {settings.retros.default_votes}"
        )
    if settings.privacy.retain_answers_months < 0:
        raise ConfigError(
            f"{where}: [privacy] retain_answers_months cannot be negative (0 keeps answers)"
        )
    if settings.privacy.uninstalled_grace_days < 0:
        raise ConfigError(f"{where}: [privacy] uninstalled_grace_days cannot be negative")
    if settings.commitments.max_open_per_member < 0:
        raise ConfigError(
            f"{where}: [commitments] max_open_per_member cannot be negative (0 means no cap)"
        )
    _check_dashboard(settings.dashboard, where)
    if settings.scheduler.grace_period_minutes < 0:
        raise ConfigError(f"{where}: [scheduler] grace_period_minutes cannot be negative")
    if "slack" in c.adapters:
        if settings.slack.mode not in ("socket", "http"):
            raise ConfigError(
                f'{where}: [slack] mode must be "socket" or "http", not {settings.slack.mode!r}'
            )
        needed = ["bot_token"] + (["app_token"] if settings.slack.mode == "socket" else [])
        needed += ["signing_secret"] if settings.slack.mode == "http" else []
        if settings.slack.installs_over_oauth:
            _check_slack_oauth(settings, where)
            needed = []
        for key in needed:
            if not getattr(settings.slack, key):
                raise ConfigError(
                    f"{where}: the slack adapter is enabled but [slack] {key} is missing; "
                    f"set ${_CUSTOMARY_ENV[('slack', key)]} or {env_name('slack', key)}"
                )
    _check_discord(settings, where)
    _check_rate_limits(settings, where)
    _check_http(settings, where)


def _check_discord(settings: Settings, where: str) -> None:
    if "discord" in settings.convene.adapters and not settings.discord.token:
        raise ConfigError(
            f"{where}: the discord adapter is enabled but [discord] token is missing; "
            "set $DISCORD_TOKEN or CONVENE_DISCORD_TOKEN"
        )
    discord = settings.discord
    if discord.shard_count < 0:
        raise ConfigError(f"{where}: [discord] shard_count cannot be negative (0: one connection)")
    if discord.sharded and discord.shard_count:
        raise ConfigError(
            f"{where}: [discord] sharded and shard_count say the same thing twice: keep "
            "shard_count (with shard_ids) to split shards over instances, or sharded = true "
            "alone for as many as Discord recommends"
        )
    if discord.shard_ids and not discord.shard_count:
        raise ConfigError(
            f"{where}: [discord] shard_ids needs shard_count, the number of shards across "
            "every instance (like shard_count = 4 with shard_ids = [0, 1] here)"
        )
    for shard in discord.shard_ids:
        if not 0 <= shard < discord.shard_count:
            raise ConfigError(
                f"{where}: [discord] shard_ids: {shard} is not a shard of {discord.shard_count}; "
                f"use 0 to {discord.shard_count - 1}"
            )
    if len(set(discord.shard_ids)) != len(discord.shard_ids):
        raise ConfigError(f"{where}: [discord] shard_ids names a shard twice")


def _check_http(settings: Settings, where: str) -> None:
    port = settings.http.port
    if not 0 <= port <= 65535:
        raise ConfigError(f"{where}: [http] port must be 1 to 65535 (or 0: not served), not {port}")
    slack_http = "slack" in settings.convene.adapters and settings.slack.mode == "http"
    taken = (
        ("[slack] http_port", settings.slack.http_port, slack_http),
        ("[dashboard] port", settings.dashboard.port, settings.dashboard.enabled),
    )
    for name, other, listening in taken:
        if port and listening and port == other:
            raise ConfigError(
                f"{where}: [http] port {port} is {name} too; give it another port, or 0 "
                "(Slack's HTTP mode serves /healthz, /readyz and /metrics on its own port)"
            )


def _check_rate_limits(settings: Settings, where: str) -> None:
    limits = settings.rate_limits
    if limits.shared not in RATE_LIMIT_STORES:
        raise ConfigError(
            f"{where}: [rate_limits] shared must be one of {', '.join(RATE_LIMIT_STORES)}, "
            f"not {limits.shared!r}"
        )
    if limits.shared == "redis" and not limits.redis_url.startswith(("redis://", "rediss://")):
        raise ConfigError(
            f'{where}: [rate_limits] shared = "redis" needs redis_url, like '
            f'"redis://127.0.0.1:6379/0", not {limits.redis_url!r}'
        )
    if limits.shared == "redis":
        from importlib.util import find_spec

        if find_spec("redis") is None:
            raise ConfigError(
                f'{where}: [rate_limits] shared = "redis" needs the redis package: '
                "pip install 'convene[redis]' (or say \"database\" to share them through "
                "PostgreSQL)"
            )
    if limits.shared == "database" and not settings.convene.database_url.startswith("postgresql"):
        raise ConfigError(
            f'{where}: [rate_limits] shared = "database" needs PostgreSQL ([convene] '
            'database_url); on SQLite one instance runs, so say "local" or "auto"'
        )


def _check_slack_oauth(settings: Settings, where: str) -> None:
    """Installs over OAuth (``[slack] client_id`` set): HTTP mode, the app's client secret and
    signing secret, and a key to encrypt the tokens with; no bot token (each workspace's
    comes with its install)."""

    slack = settings.slack
    if slack.mode != "http":
        raise ConfigError(
            f'{where}: [slack] client_id is set (installs over OAuth), which needs mode = "http" '
            '(the install page and its redirect are web pages): set [slack] mode = "http"'
        )
    for key in ("client_secret", "signing_secret"):
        if not getattr(slack, key):
            raise ConfigError(
                f"{where}: [slack] client_id is set (installs over OAuth) but [slack] {key} is "
                f"missing; set ${_CUSTOMARY_ENV[('slack', key)]} or {env_name('slack', key)} "
                "(the app's Basic Information page shows it)"
            )
    url = urlsplit(slack.oauth_base_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ConfigError(
            f"{where}: [slack] oauth_base_url must be an https:// address, like "
            f'"https://slack.com/oauth/v2/authorize", not {slack.oauth_base_url!r}'
        )
    from bot.token_keys import MAKE_A_KEY, BadSecretKey, TokenKeys

    if not settings.privacy.secret_key:
        raise ConfigError(
            f"{where}: [slack] client_id is set (installs over OAuth), so tokens are kept "
            "encrypted and need $CONVENE_SECRET_KEY; make a key with: " + MAKE_A_KEY
        )
    try:
        TokenKeys.from_setting(settings.privacy.secret_key.reveal())
    except BadSecretKey as bad:
        raise ConfigError(f"{where}: {bad}") from None


def _check_dashboard(dashboard: DashboardSection, where: str) -> None:
    """A port that can be listened on, a host, and a public address a browser can open."""

    if not 1 <= dashboard.port <= 65535:
        raise ConfigError(f"{where}: [dashboard] port must be 1 to 65535, not {dashboard.port}")
    if not dashboard.host.strip():
        raise ConfigError(f'{where}: [dashboard] host is empty; say "127.0.0.1" at least')
    url = dashboard.public_url
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc or parts.query):
        raise ConfigError(
            f"{where}: [dashboard] public_url must be an http:// or https:// address, like "
            f'"https://convene.example.org", not {url!r}'
        )


DATABASE_URL_FORMS = (
    "sqlite+aiosqlite:///convene.db or postgresql+asyncpg://USER:PASSWORD@HOST/NAME "
    "(sqlite:// and postgresql:// mean the same)"
)
"""The database URLs Convene opens (``storage.engine.normalise_url`` reads the short forms)."""

_DATABASE_DRIVERS = {
    "sqlite": "aiosqlite",
    "sqlite+aiosqlite": "aiosqlite",
    "postgresql": "asyncpg",
    "postgres": "asyncpg",
    "postgresql+asyncpg": "asyncpg",
}
"""Each URL scheme Convene accepts, and the asyncio driver (a module) it needs."""


def _check_database_url(url: str, label: str) -> None:
    """Whether ``url`` is a database Convene can open: a form it knows, a driver installed.

    SQLAlchemy is imported here rather than at the top: it takes a quarter of a
    second, and ``convene --version`` imports this module without checking
    anything. The driver is looked up without importing it (``find_spec``), so
    ``check-config`` stays quick.
    """

    from importlib.util import find_spec

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"{label} {url!r} is not a database URL (try {DATABASE_URL_FORMS})"
        ) from None
    shown = parsed.render_as_string(hide_password=True)
    driver = _DATABASE_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ConfigError(
            f"{label} {shown}: Convene cannot use "
            f"{parsed.drivername!r} databases; give {DATABASE_URL_FORMS}"
        )
    if find_spec(driver) is None:
        raise ConfigError(
            f"{label} {shown} needs the {driver} driver, which is "
            f"not installed here: pip install {driver}"
        )
    timeout = parsed.query.get("timeout")
    if driver == "aiosqlite" and timeout is not None and not _seconds(timeout):
        raise ConfigError(
            f"{label} {shown}: timeout={timeout} must be a number of seconds, like timeout=5"
        )


def _seconds(value: str | tuple[str, ...]) -> bool:
    """Whether a URL's query value is a number of seconds, zero or more."""

    try:
        seconds = float(value if isinstance(value, str) else value[-1])
    except ValueError:
        return False
    return seconds >= 0
