"""Server settings: read once from ``QUIZ_*`` variables (and an optional TOML file), typed, frozen.

``Settings.from_environ(environ)`` builds one frozen object from the mapping it is given — never
``os.environ`` behind the caller's back, never at import time. Values come, in order of precedence,
from the environment mapping, then from the settings file named by ``QUIZ_SETTINGS_FILE`` (a TOML
table whose keys are the variable names without ``QUIZ_`` in lower case), then from the defaults.
Every setting is listed in ``SETTINGS`` with its help text, and ``docs/settings.md`` documents each
one (a test checks it).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting has a value the server cannot use; the message names the variable."""


class StartupError(Exception):
    """A command cannot start with its settings (a data folder that is a file, a database that
    cannot be reached …); the message, one line, names the setting or option and the path or
    URL at fault. ``quiz`` prints it after the command's name and exits with status 2."""


@dataclass(frozen=True)
class Setting:
    """One documented setting: its variable, default and help text."""

    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("QUIZ_SETTINGS_FILE", "", "Path of a TOML file with further settings."),
    Setting("QUIZ_HOST", "127.0.0.1", "Address `quiz serve` listens on."),
    Setting("QUIZ_PORT", "8000", "Port `quiz serve` listens on."),
    Setting("QUIZ_DATA_DIR", "data", "Folder for the default SQLite database and exports."),
    Setting(
        "QUIZ_DATABASE_URL", "", "SQLAlchemy URL of the database; empty: SQLite in the data folder."
    ),
    Setting("QUIZ_PUBLIC_URL", "", "Base URL printed for pages (e.g. https://quiz.example.lv)."),
    Setting(
        "QUIZ_ADMIN_TOKEN",
        "",
        "The admin's token: creating contests, the admin area (/admin), any contest's results, "
        "participation reports; empty: only from loopback.",
    ),
    Setting("QUIZ_ALLOWED_ORIGINS", "", "Comma-separated extra origins allowed for WebSockets."),
    Setting("QUIZ_WS_COMPRESSION", "false", "Enable permessage-deflate on WebSockets."),
    Setting("QUIZ_MAX_MESSAGE_BYTES", "16384", "Largest client WebSocket message, in bytes."),
    Setting(
        "QUIZ_RATE_LIMIT", "20", "Client messages per second per connection (burst: the same)."
    ),
    Setting(
        "QUIZ_SEND_QUEUE", "256", "Messages waiting for a full socket before it is dropped (4008)."
    ),
    Setting(
        "QUIZ_AUDIENCE_DELAY",
        "45",
        "Minimum delay of the online audience, in seconds (anti-spoiler, see below).",
    ),
    Setting(
        "QUIZ_VIEW_INTERVAL",
        "0.05",
        "Seconds between two views of one stream; changes in between are merged (0: every change).",
    ),
    Setting("QUIZ_HELLO_TIMEOUT", "10", "Seconds a new WebSocket has to send its hello."),
    Setting("QUIZ_PING_INTERVAL", "1.0", "Seconds between clock-sync pings to players and agents."),
    Setting("QUIZ_SNAPSHOT_EVERY", "200", "Events between state snapshots in the database."),
    Setting(
        "QUIZ_REDIS_URL",
        "",
        "Redis URL shared by several `quiz serve` processes; empty: one process, no Redis.",
    ),
    Setting(
        "QUIZ_LEASE_SECONDS",
        "5",
        "Seconds a process owns a contest without renewing; a dead owner is replaced after it.",
    ),
    Setting(
        "QUIZ_LEASE_RENEW_SECONDS",
        "1",
        "Seconds between lease renewals (and catch-up reads); at most a third of the lease.",
    ),
    Setting("QUIZ_PACKS", "", "Extra question-pack folders (os.pathsep-separated)."),
    Setting("QUIZ_DEFAULT_LANG", "lv", "Interface language when a page names none (lv, lt, en)."),
    Setting("QUIZ_LOG_LEVEL", "info", "Log level: debug, info, warning, error."),
    Setting(
        "QUIZ_PLAYER_RETENTION_DAYS",
        "30",
        "Days after a contest ends until its players' personal data is deleted (0: at once).",
    ),
    Setting(
        "QUIZ_KIOSK_LOOKUP_TIMEOUT",
        "5",
        "Seconds a kiosk waits for a library's card check before answering library_unavailable.",
    ),
)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
    "": False,
}


@dataclass(frozen=True)
class Settings:
    """The server's configuration (see ``docs/settings.md``)."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str = ""
    public_url: str = ""
    admin_token: str = field(default="", repr=False)
    allowed_origins: tuple[str, ...] = ()
    ws_compression: bool = False
    max_message_bytes: int = 16384
    rate_limit: int = 20
    send_queue: int = 256
    audience_delay: float = 45.0
    view_interval: float = 0.05
    hello_timeout: float = 10.0
    ping_interval: float = 1.0
    snapshot_every: int = 200
    redis_url: str = field(default="", repr=False)  # may carry a password
    lease_seconds: float = 5.0
    lease_renew_seconds: float = 1.0
    packs: tuple[Path, ...] = ()
    default_lang: str = "lv"
    log_level: str = "info"
    player_retention_days: int = 30
    kiosk_lookup_timeout: float = 5.0
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'quiz.sqlite3').resolve()}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Build settings from ``environ`` (and its settings file); ``overrides`` win over both."""
        values: dict[str, str] = {s.name: s.default for s in SETTINGS}
        file_name = environ.get("QUIZ_SETTINGS_FILE", "")
        if file_name:
            values.update(_read_file(Path(file_name)))
        values.update({k: v for k, v in environ.items() if k in values})
        try:
            settings = cls(
                host=values["QUIZ_HOST"],
                port=_int(values, "QUIZ_PORT", 1, 65535),
                data_dir=Path(values["QUIZ_DATA_DIR"]),
                database_url=values["QUIZ_DATABASE_URL"],
                public_url=values["QUIZ_PUBLIC_URL"].rstrip("/"),
                admin_token=values["QUIZ_ADMIN_TOKEN"],
                allowed_origins=_list(values["QUIZ_ALLOWED_ORIGINS"]),
                ws_compression=_bool(values, "QUIZ_WS_COMPRESSION"),
                max_message_bytes=_int(values, "QUIZ_MAX_MESSAGE_BYTES", 512, 1 << 20),
                rate_limit=_int(values, "QUIZ_RATE_LIMIT", 1, 10_000),
                send_queue=_int(values, "QUIZ_SEND_QUEUE", 4, 100_000),
                audience_delay=_float(values, "QUIZ_AUDIENCE_DELAY", 0, 600),
                view_interval=_float(values, "QUIZ_VIEW_INTERVAL", 0, 5),
                hello_timeout=_float(values, "QUIZ_HELLO_TIMEOUT", 0.1, 600),
                ping_interval=_float(values, "QUIZ_PING_INTERVAL", 0.05, 60),
                snapshot_every=_int(values, "QUIZ_SNAPSHOT_EVERY", 1, 1_000_000),
                redis_url=values["QUIZ_REDIS_URL"].strip(),
                lease_seconds=_float(values, "QUIZ_LEASE_SECONDS", 0.5, 600),
                lease_renew_seconds=_float(values, "QUIZ_LEASE_RENEW_SECONDS", 0.05, 200),
                packs=tuple(Path(p) for p in values["QUIZ_PACKS"].split(os.pathsep) if p),
                default_lang=_choice(values, "QUIZ_DEFAULT_LANG", ("lv", "lt", "en")),
                log_level=_choice(values, "QUIZ_LOG_LEVEL", ("debug", "info", "warning", "error")),
                player_retention_days=_int(values, "QUIZ_PLAYER_RETENTION_DAYS", 0, 3650),
                kiosk_lookup_timeout=_float(values, "QUIZ_KIOSK_LOOKUP_TIMEOUT", 0.5, 60),
                environ=dict(environ),
            )
        except KeyError as missing:  # pragma: no cover - every key has a default
            raise SettingsError(f"missing setting {missing}") from None
        if settings.redis_url and not settings.redis_url.startswith(REDIS_SCHEMES):
            raise SettingsError(
                f"QUIZ_REDIS_URL must start with one of {', '.join(REDIS_SCHEMES)} "
                "(e.g. redis://127.0.0.1:6379/0)"
            )
        if settings.lease_renew_seconds * 3 > settings.lease_seconds:
            raise SettingsError(
                "QUIZ_LEASE_RENEW_SECONDS must be at most a third of QUIZ_LEASE_SECONDS "
                f"({settings.lease_seconds:g}), not {settings.lease_renew_seconds:g}"
            )
        return dataclasses.replace(settings, **overrides) if overrides else settings


def _read_file(path: Path) -> dict[str, str]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(f"QUIZ_SETTINGS_FILE: cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"QUIZ_SETTINGS_FILE: {path} is not valid TOML: {error}") from None
    known = {s.name for s in SETTINGS}
    values: dict[str, str] = {}
    for key, value in table.items():
        name = f"QUIZ_{key.upper()}"
        if name not in known or name == "QUIZ_SETTINGS_FILE":
            raise SettingsError(f"QUIZ_SETTINGS_FILE: unknown setting {key!r} in {path}")
        if isinstance(value, list):
            values[name] = ",".join(map(str, value))
        elif isinstance(value, bool):
            values[name] = "true" if value else "false"
        else:
            values[name] = str(value)
    return values


def _parse(values: Mapping[str, str], name: str, convert: Callable[[str], Any], what: str) -> Any:
    raw = values[name].strip()
    try:
        return convert(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {what}, not {raw!r}") from None


def _int(values: Mapping[str, str], name: str, low: int, high: int) -> int:
    number: int = _parse(values, name, int, "a whole number")
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _float(values: Mapping[str, str], name: str, low: float, high: float) -> float:
    number: float = _parse(values, name, float, "a number")
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {number}")
    return number


def _bool(values: Mapping[str, str], name: str) -> bool:
    raw = values[name].strip().lower()
    if raw not in _BOOL:
        raise SettingsError(f"{name} must be true or false, not {values[name]!r}")
    return _BOOL[raw]


def _choice(values: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    raw = values[name].strip().lower()
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {values[name]!r}")
    return raw


def _list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip().rstrip("/") for item in raw.split(",") if item.strip())
