"""Simple buzzer boxes that send one short line per press, without I/O.

Theory of operation
-------------------
Many boxes already in libraries are a microcontroller that prints a channel number (``3``) or a
fixed pattern (``B3``, ``S3:A``) when a button closes, at whatever baud rate, ended by ``\\r``,
``\\n`` or both, with no clock and no heartbeat. A ``LinePattern`` says what such a line looks
like: a template in which ``{ch}`` stands for the channel's decimal number and ``{button}`` for an
optional button name (letters and digits), everything else literal; and/or a map from exact lines to
channels (``A=1``). Lines that match neither are counted as garbage and skipped.

Such presses carry no device timestamp, so they are stamped on arrival: the press happened at most
``latency_ns`` before the line arrived (the box's debounce, the serial line and the USB bridge), so
the estimate is the middle of that window and the bound half of it. That bound is much larger than
a bz1 box's, which is what ``Capabilities.timestamps = False`` announces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from buzzers.bz1 import MAX_CHANNELS, U16, LampMode
from buzzers.errors import ConfigError, SourceUnavailable
from buzzers.events import Capabilities, Connected, Disconnected, LinkStats, Press, SourceEvent
from buzzers.framing import LineFramer, LineStats

DEFAULT_LATENCY_NS = 30_000_000  # the press happened within 30 ms before its line arrived
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


@dataclass(frozen=True, slots=True)
class LinePattern:
    """How a simple box writes a press: a template and/or exact lines mapped to channels."""

    template: str | None = "{ch}"
    mapping: Mapping[str, int] = field(default_factory=dict)
    regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = None if self.template is None else _compile(self.template)
        object.__setattr__(self, "regex", regex)
        for line, channel in self.mapping.items():
            if not line or not 1 <= channel <= MAX_CHANNELS:
                raise ConfigError(
                    f"map entry {line!r}={channel}: channel must be 1..{MAX_CHANNELS}"
                )
        if regex is None and not self.mapping:
            raise ConfigError("a line pattern needs a template with {ch} or a map")

    def match(self, line: str) -> tuple[int, str | None] | None:
        """The (channel, button) a line stands for, or None when it matches nothing."""
        if line in self.mapping:
            return self.mapping[line], None
        if self.regex is None:
            return None
        found = self.regex.fullmatch(line)
        if found is None:
            return None
        channel = int(found["ch"])
        if not 1 <= channel <= MAX_CHANNELS:
            return None
        return channel, found.groupdict().get("button")


def _compile(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for found in _PLACEHOLDER.finditer(template):
        name = found[1]
        if name not in ("ch", "button") or name in seen:
            raise ConfigError(
                f"template {template!r}: only {{ch}} and {{button}}, once each, may be used"
            )
        seen.add(name)
        parts.append(re.escape(template[position : found.start()]))
        parts.append(r"(?P<ch>[0-9]{1,2})" if name == "ch" else r"(?P<button>[0-9A-Za-z]{1,8})")
        position = found.end()
    parts.append(re.escape(template[position:]))
    if "ch" not in seen:
        raise ConfigError(f"template {template!r} has no {{ch}}")
    return re.compile("".join(parts))


def parse_map(entries: list[str]) -> dict[str, int]:
    """Parse ``LINE=CHANNEL`` options into a map.

    Raises:
        ConfigError: an entry has no ``=`` or its channel is not a number.
    """
    mapping: dict[str, int] = {}
    for entry in entries:
        line, sep, channel = entry.rpartition("=")
        if not sep or not line or not channel.isdigit():
            raise ConfigError(f"map entry {entry!r} is not LINE=CHANNEL (for example A=1)")
        mapping[line] = int(channel)
    return mapping


class LinesSession:
    """Sans-I/O state of a link to a simple line box (same interface as ``Bz1Session``)."""

    source = "lines"
    capabilities = Capabilities(timestamps=False, lamps=False, channels=None)

    def __init__(
        self, port: str, pattern: LinePattern, latency_ns: int = DEFAULT_LATENCY_NS
    ) -> None:
        if latency_ns < 0:
            raise ConfigError("latency must not be negative")
        self.port = port
        self.pattern = pattern
        self.latency_ns = latency_ns
        self._framer = LineFramer(terminators=b"\r\n")
        self._events: list[SourceEvent] = []
        self._seq = 0
        self._open = False
        self._reported = LineStats()

    @property
    def stats(self) -> LineStats:
        """Damaged and unmatched lines so far."""
        return self._framer.stats

    def connection_made(self, at_ns: int) -> None:
        """The port opened."""
        self._open = True
        self._events.append(Connected(self.port))

    def connection_lost(self, at_ns: int, reason: str) -> None:
        """The port closed or failed."""
        if self._open:
            self._open = False
            self._framer.reset()
            self._events.append(Disconnected(self.port, reason))

    def receive_data(self, data: bytes, at_ns: int) -> None:
        """Bytes arrived at host time ``at_ns``: every matching line is a press."""
        for line in self._framer.feed(data):
            if not line.strip():
                continue
            matched = self.pattern.match(line.strip())
            if matched is None:
                self._framer.count("garbage")
                continue
            self._framer.count("lines")
            channel, button = matched
            half = self.latency_ns // 2
            self._events.append(
                Press(channel, self._seq, at_ns - half, half, self.source, None, button)
            )
            self._seq = (self._seq + 1) % U16
        if self._framer.stats.rejected != self._reported.rejected:
            self._events.append(LinkStats(self._framer.stats))
        self._reported = self._framer.stats

    def tick(self, at_ns: int) -> None:
        """Simple boxes need nothing on a schedule."""

    def is_silent(self, at_ns: int) -> bool:
        """Simple boxes send no heartbeat, so silence means nothing."""
        return False

    def set_lamp(self, channel: int | None, mode: LampMode) -> None:
        """Simple boxes have no lamps.

        Raises:
            SourceUnavailable: always.
        """
        raise SourceUnavailable("a simple line box has no lamps")

    def data_to_send(self) -> bytes:
        """Nothing is ever sent to a simple box."""
        return b""

    def events_received(self) -> list[SourceEvent]:
        """The events since the last call, oldest first."""
        events, self._events = self._events, []
        return events
