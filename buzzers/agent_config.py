"""The venue agent's configuration: a TOML file and/or command-line options, read once and checked.

Theory of operation
-------------------
``load_config(path, overrides, environ)`` reads the TOML file (``tomllib``), lays the options over
it and returns one frozen ``AgentConfig``, or raises ``ConfigError`` with one line that names the
key at fault. Nothing connects or opens a port here. The agent token is a secret: it comes from an
environment variable (``QUIZ_AGENT_TOKEN`` unless ``token_env`` names another) or a file
(``token_file``), never from the command line, where every user of the machine could read it in
``ps``. docs/buzzers.md, "The venue agent", is the reference of every key.

The server address is either the contest's WebSocket URL (``wss://quiz.example.lv/ws/bsq-2026``,
docs/protocol.md §3) or the server's URL plus ``contest``; ``http(s)://`` is taken as
``ws(s)://``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from buzzers.bz1 import MAX_CHANNELS
from buzzers.errors import ConfigError

LANGUAGES = ("lv", "lt", "en")
ADAPTERS = ("bz1", "lines", "buzz")
DEFAULT_TOKEN_ENV = "QUIZ_AGENT_TOKEN"
DEFAULT_OUTBOX_LIMIT = 1000
DEFAULT_PRESS_MAX_AGE_S = 30.0
MAX_TOKEN_LENGTH = 256  # docs/protocol.md §4.1: hello.token
MAX_BOX_NAME = 64  # docs/protocol.md §4.1: press.box
MAX_TEAM_ID = 100  # docs/protocol.md §4.1: press.team_id


@dataclass(frozen=True, slots=True)
class BoxConfig:
    """One press source: its port, its kind and which channel belongs to which team."""

    port: str
    adapter: str = "bz1"
    channels: Mapping[int, str] = field(default_factory=dict)
    name: str | None = None  # the box id sent with presses; default: the id of its HELLO
    baud: int | None = None
    pattern: str | None = "{ch}"  # lines adapter
    line_map: Mapping[str, int] = field(default_factory=dict)  # lines adapter
    latency_ms: float | None = None  # lines and buzz adapters

    @property
    def teams(self) -> frozenset[str]:
        """The teams whose buzzers are on this box."""
        return frozenset(self.channels.values())


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """Everything the agent needs, checked."""

    url: str  # the contest's WebSocket URL
    token: str = field(repr=False)
    boxes: tuple[BoxConfig, ...]
    lang: str = "en"
    state_file: Path = Path("quiz-agent-state.json")
    outbox_limit: int = DEFAULT_OUTBOX_LIMIT
    press_max_age_s: float = DEFAULT_PRESS_MAX_AGE_S

    @property
    def teams(self) -> frozenset[str]:
        """Every team some box channel belongs to."""
        return frozenset(team for box in self.boxes for team in box.channels.values())

    @property
    def safe_url(self) -> str:
        """The URL without credentials, for logs."""
        return strip_credentials(self.url)


def strip_credentials(url: str) -> str:
    """``url`` without a ``user:password@`` part (port URLs and server URLs in logs and status)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def contest_url(server: str, contest: str | None) -> str:
    """The contest's WebSocket URL from the server's URL and the contest id.

    Raises:
        ConfigError: not a ws://, wss://, http:// or https:// URL, or no contest id anywhere.
    """
    parts = urlsplit(server.strip())
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss") or not parts.netloc:
        raise ConfigError(
            f"server {server!r}: expected a ws:// or wss:// URL (e.g. wss://quiz.example.lv)"
        )
    path = parts.path.rstrip("/")
    segments = path.split("/")
    if len(segments) >= 2 and segments[-2] == "ws" and segments[-1]:
        if contest is not None and contest != segments[-1]:
            raise ConfigError(
                f"server URL names contest {segments[-1]!r} but contest is {contest!r}"
            )
        return urlunsplit((scheme, parts.netloc, path, "", ""))
    if not contest:
        raise ConfigError("no contest: give `contest` or a server URL ending in /ws/<contest id>")
    return urlunsplit((scheme, parts.netloc, f"{path}/ws/{quote(contest, safe='')}", "", ""))


def load_config(
    path: Path | None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> AgentConfig:
    """Read the TOML file at ``path`` (if any), lay ``overrides`` over it, check everything.

    ``overrides`` holds options given on the command line (``None`` values are ignored) with the
    keys of the file; ``boxes`` in it are added to the file's.

    Raises:
        ConfigError: one line naming what is wrong.
    """
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    environ = os.environ if environ is None else environ
    extra_boxes: list[Any] = []
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "boxes":
            extra_boxes = list(value)
        else:
            data[key] = value
    known = {"server", "contest", "token_env", "token_file", "token", "lang", "state_file"}
    known |= {"outbox_limit", "press_max_age_s", "box"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    if "server" not in data:
        raise ConfigError("no server: set `server` (e.g. wss://quiz.example.lv) or --server")
    url = contest_url(_text(data, "server"), _optional_text(data, "contest"))
    token = _token(data, environ)
    lang = _optional_text(data, "lang") or "en"
    if lang not in LANGUAGES:
        raise ConfigError(f"lang {lang!r}: expected one of {', '.join(LANGUAGES)}")
    raw_boxes = data.get("box", [])
    if not isinstance(raw_boxes, list):
        raise ConfigError("`box` must be a list of tables ([[box]] in TOML)")
    boxes = tuple(_box(raw, n) for n, raw in enumerate([*raw_boxes, *extra_boxes], start=1))
    if not boxes:
        raise ConfigError("no box: add a [[box]] table with `port` and `channels`, or --box")
    ports = [box.port for box in boxes]
    if len(set(ports)) != len(ports):
        raise ConfigError("the same port is given for two boxes")
    limit = data.get("outbox_limit", DEFAULT_OUTBOX_LIMIT)
    if type(limit) is not int or not 1 <= limit <= 100_000:
        raise ConfigError("outbox_limit must be a whole number from 1 to 100000")
    age = data.get("press_max_age_s", DEFAULT_PRESS_MAX_AGE_S)
    if type(age) not in (int, float) or not 1 <= age <= 3600:
        raise ConfigError("press_max_age_s must be a number of seconds from 1 to 3600")
    state_file = Path(_optional_text(data, "state_file") or "quiz-agent-state.json")
    return AgentConfig(
        url=url,
        token=token,
        boxes=boxes,
        lang=lang,
        state_file=state_file,
        outbox_limit=limit,
        press_max_age_s=float(age),
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a non-empty text")
    return value.strip()


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _token(data: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    if "token" in data:
        token = _text(data, "token")
    elif "token_file" in data:
        token_file = Path(_text(data, "token_file"))
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"token_file {token_file}: {exc.strerror or exc}") from None
    else:
        variable = _optional_text(data, "token_env") or DEFAULT_TOKEN_ENV
        token = environ.get(variable, "").strip()
        if not token:
            raise ConfigError(
                f"no agent token: set the environment variable {variable} "
                "(or token_file in the configuration)"
            )
    if not token.isprintable() or " " in token or len(token) > MAX_TOKEN_LENGTH:
        raise ConfigError("the agent token is not a token (printable, no spaces, ≤ 256 characters)")
    return token


def _box(raw: Any, number: int) -> BoxConfig:
    where = f"box {number}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table with `port` and `channels`")
    allowed = {"port", "adapter", "channels", "name", "baud", "pattern", "map", "latency_ms"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}")
    port = raw.get("port")
    if not isinstance(port, str) or not port.strip():
        raise ConfigError(f"{where}: `port` must be a device or pyserial URL")
    where = f"box {number} ({strip_credentials(port)})"
    adapter = raw.get("adapter", "bz1")
    if adapter not in ADAPTERS:
        raise ConfigError(f"{where}: adapter {adapter!r}: expected one of {', '.join(ADAPTERS)}")
    channels = _channels(raw.get("channels"), where, 4 if adapter == "buzz" else MAX_CHANNELS)
    name = raw.get("name")
    if name is not None and (
        not isinstance(name, str) or not 1 <= len(name) <= MAX_BOX_NAME or not name.isprintable()
    ):
        raise ConfigError(f"{where}: name must be 1..{MAX_BOX_NAME} printable characters")
    baud = raw.get("baud")
    if baud is not None and (type(baud) is not int or not 50 <= baud <= 4_000_000):
        raise ConfigError(f"{where}: baud must be a whole number of bits per second")
    pattern = raw.get("pattern", "{ch}")
    if pattern is not None and not isinstance(pattern, str):
        raise ConfigError(f"{where}: pattern must be a text such as 'B{{ch}}'")
    line_map = raw.get("map", {})
    if not isinstance(line_map, Mapping) or not all(
        isinstance(k, str) and type(v) is int for k, v in line_map.items()
    ):
        raise ConfigError(f"{where}: map must be a table of LINE = channel number")
    latency = raw.get("latency_ms")
    if latency is not None and (type(latency) not in (int, float) or not 0 <= latency <= 10_000):
        raise ConfigError(f"{where}: latency_ms must be a number from 0 to 10000")
    return BoxConfig(
        port=port.strip(),
        adapter=adapter,
        channels=channels,
        name=name,
        baud=baud,
        pattern=pattern or None,
        line_map=dict(line_map),
        latency_ms=None if latency is None else float(latency),
    )


def _channels(raw: Any, where: str, highest: int) -> dict[int, str]:
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f'{where}: `channels` must map channel numbers to team ids (1 = "…")')
    channels: dict[int, str] = {}
    for key, team in raw.items():
        text = str(key).strip()
        if not text.isdigit() or not 1 <= int(text) <= highest:
            raise ConfigError(f"{where}: channel {key!r} is not a number from 1 to {highest}")
        if not isinstance(team, str) or not 1 <= len(team.strip()) <= MAX_TEAM_ID:
            raise ConfigError(f"{where}: channel {text} must name a team id (a text)")
        channels[int(text)] = team.strip()
    return channels


def parse_box_option(text: str) -> dict[str, Any]:
    """A box from the ``--box`` option: ``PORT,CH=TEAM[,CH=TEAM…]`` (bz1 boxes only).

    The port is everything before the first ``,`` followed by ``<digits>=``, so pyserial URLs
    with commas or ``=`` in them still work.

    Raises:
        ConfigError: no channel given or not of that form.
    """
    pieces = text.split(",")
    port_parts: list[str] = []
    channels: dict[str, str] = {}
    for piece in pieces:
        key, sep, team = piece.partition("=")
        if channels or (sep and key.strip().isdigit() and port_parts):
            if not sep or not key.strip().isdigit():
                raise ConfigError(f"--box {text!r}: expected PORT,CH=TEAM[,CH=TEAM…]")
            channels[key.strip()] = team
        else:
            port_parts.append(piece)
    if not channels:
        raise ConfigError(
            f"--box {text!r}: expected PORT,CH=TEAM[,CH=TEAM…] (e.g. /dev/ttyACM0,1=jelgava)"
        )
    return {"port": ",".join(port_parts), "channels": channels}
