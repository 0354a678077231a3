"""Cutting a byte stream into short printable-ASCII lines, counting the damaged ones.

Theory of operation
-------------------
Both bz1 and the simple line boxes send short ASCII lines. ``LineFramer`` is the one place that
knows about framing (docs/buzzer-protocol.md, "Framing"). It never raises: a line with a byte
outside printable ASCII is *garbage*, a line longer than ``max_line`` bytes including its
terminator is *over-long* (its bytes are dropped up to the next terminator), and a partial line
thrown away by ``reset()`` (the box was unplugged mid-line) is *truncated*. The decoders built on
it add their own counts (unknown types, unparsable fields) through ``count``. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MAX_LINE = 64  # bytes, including the terminating "\n" (protocol, "Framing")


@dataclass(frozen=True, slots=True)
class LineStats:
    """Counters of what a decoder met; bad lines are counted and skipped, never fatal."""

    lines: int = 0  # lines decoded into messages
    garbage: int = 0  # bytes outside printable ASCII, or fields that do not parse
    overlong: int = 0  # longer than MAX_LINE bytes
    truncated: int = 0  # a known type with fields missing, or a partial line dropped at reset
    ignored: int = 0  # unknown message types (allowed by the protocol)

    @property
    def rejected(self) -> int:
        """Lines skipped because they were damaged (garbage, over-long or truncated)."""
        return self.garbage + self.overlong + self.truncated


class LineFramer:
    """Cuts bytes into printable-ASCII lines of at most ``MAX_LINE`` bytes, counting bad ones."""

    def __init__(self, max_line: int = MAX_LINE, terminators: bytes = b"\n") -> None:
        self._max_line = max_line
        self._terminators = terminators
        self._buffer = bytearray()
        self._overlong = False
        self.stats = LineStats()

    def count(self, what: str) -> None:
        """Add one to the counter named ``what`` (a ``LineStats`` field)."""
        self.stats = replace(self.stats, **{what: getattr(self.stats, what) + 1})

    def feed(self, data: bytes) -> list[str]:
        """Take the next bytes; return the complete good lines, without terminator or ``\\r``."""
        lines: list[str] = []
        for byte in data:
            if byte in self._terminators:
                line = self._end_line()
                if line is not None:
                    lines.append(line)
            elif self._overlong:
                continue
            elif len(self._buffer) + 1 >= self._max_line:  # +1: the terminator still to come
                self._buffer.clear()
                self._overlong = True
                self.count("overlong")
            else:
                self._buffer.append(byte)
        return lines

    def _end_line(self) -> str | None:
        raw = bytes(self._buffer)
        self._buffer.clear()
        if self._overlong:
            self._overlong = False
            return None
        raw = raw.rstrip(b"\r")
        if any(b < 0x20 or b > 0x7E for b in raw):
            self.count("garbage")
            return None
        return raw.decode("ascii")

    def reset(self) -> None:
        """Forget a partial line (the link dropped); it counts as truncated."""
        if self._buffer or self._overlong:
            if not self._overlong:
                self.count("truncated")
            self._buffer.clear()
            self._overlong = False
