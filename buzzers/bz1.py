"""The bz1 line protocol between a buzzer box and the host: a pure, incremental codec.

Theory of operation
-------------------
bz1 is ASCII lines ending in ``\\n`` (a ``\\r`` before it is ignored), at most ``MAX_LINE`` bytes
including the terminator, space-separated fields, the first field naming the message type
(docs/buzzer-protocol.md, "Framing"). ``buzzers.framing.LineFramer`` cuts the byte stream into
lines, counting garbage, over-long and truncated lines in ``LineStats``.

``Bz1Decoder`` (box → host) and ``CommandDecoder`` (host → box, used by simulated boxes) parse the
lines into frozen messages. A known type with missing fields counts as *truncated*, one with fields
that do not parse as *garbage*; unknown types and unknown ``key=value`` fields are ignored, as the
protocol requires for forward compatibility. Messages check their own ranges when built, so the
encoders (``encode_message`` and ``encode_command``) can only write valid lines.

Nothing here reads a clock, logs or does I/O: bytes in, messages out.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from buzzers.errors import InvalidMessage
from buzzers.framing import MAX_LINE, LineFramer, LineStats

PROTO = 1  # the protocol version a HELLO announces as proto=1
MAX_CHANNELS = 64
U32 = 1 << 32  # box clocks are unsigned 32-bit microsecond counters that wrap
U16 = 1 << 16  # P/R sequence numbers are unsigned 16-bit counters that wrap

_TOKEN = re.compile(r"[0-9A-Za-z]{1,16}")  # sync ping tokens
_BOOT = re.compile(r"[0-9a-fA-F]{1,16}")  # boot ids
_WORD = re.compile(r"[!-~]{1,24}")  # printable, no spaces: box id, firmware version, error code
_HEX = re.compile(r"[0-9a-fA-F]{1,16}")


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise InvalidMessage(what)


def _check_channel(channel: int) -> None:
    _check(1 <= channel <= MAX_CHANNELS, f"channel must be 1..{MAX_CHANNELS}, not {channel}")


def _check_u32(value: int, name: str) -> None:
    _check(0 <= value < U32, f"{name} must be an unsigned 32-bit number, not {value}")


# --- box -> host messages ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello:
    """``HELLO proto=1 fw=<version> id=<box id> boot=<hex> ch=<channels>``: who the box is."""

    proto: int
    fw: str
    box_id: str
    boot: str
    channels: int

    def __post_init__(self) -> None:
        _check(0 < self.proto < 1000, "proto must be 1..999")
        _check(_WORD.fullmatch(self.fw) is not None, "fw must be 1-24 printable characters")
        _check(_WORD.fullmatch(self.box_id) is not None, "id must be 1-24 printable characters")
        _check(_BOOT.fullmatch(self.boot) is not None, "boot must be 1-16 hex digits")
        _check_channel(self.channels)


@dataclass(frozen=True, slots=True)
class PressReport:
    """``P <seq> <ch> <t_us>``: channel ``ch`` closed at box time ``t_us`` (its first edge)."""

    seq: int
    channel: int
    t_us: int

    def __post_init__(self) -> None:
        _check(0 <= self.seq < U16, "seq must be an unsigned 16-bit number")
        _check_channel(self.channel)
        _check_u32(self.t_us, "t_us")


@dataclass(frozen=True, slots=True)
class ReleaseReport:
    """``R <seq> <ch> <t_us>``: channel ``ch`` opened again at box time ``t_us``."""

    seq: int
    channel: int
    t_us: int

    def __post_init__(self) -> None:
        _check(0 <= self.seq < U16, "seq must be an unsigned 16-bit number")
        _check_channel(self.channel)
        _check_u32(self.t_us, "t_us")


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """``HB <t_us> <held_mask_hex>``: sent once a second; bit 0 of the mask is channel 1."""

    t_us: int
    held_mask: int

    def __post_init__(self) -> None:
        _check_u32(self.t_us, "t_us")
        _check(0 <= self.held_mask < (1 << MAX_CHANNELS), "held mask must fit 64 channels")

    def held_channels(self) -> tuple[int, ...]:
        """The 1-based channels held down when the heartbeat was sent."""
        return tuple(ch for ch in range(1, MAX_CHANNELS + 1) if self.held_mask >> (ch - 1) & 1)


@dataclass(frozen=True, slots=True)
class SyncReply:
    """``T <token> <t_rx_us> <t_tx_us>``: the box clock when a sync ping arrived and left."""

    token: str
    t_rx_us: int
    t_tx_us: int

    def __post_init__(self) -> None:
        _check(_TOKEN.fullmatch(self.token) is not None, "token must be 1-16 letters or digits")
        _check_u32(self.t_rx_us, "t_rx_us")
        _check_u32(self.t_tx_us, "t_tx_us")


@dataclass(frozen=True, slots=True)
class Ok:
    """``OK <command>``: the box carried out a command."""

    command: str

    def __post_init__(self) -> None:
        _check(_WORD.fullmatch(self.command) is not None, "command must be one printable word")


@dataclass(frozen=True, slots=True)
class Err:
    """``ERR <code> <text>``: the box refused a command."""

    code: str
    text: str = ""

    def __post_init__(self) -> None:
        _check(_WORD.fullmatch(self.code) is not None, "code must be one printable word")
        _check(self.text.isascii() and self.text.isprintable(), "text must be printable ASCII")


BoxMessage = Hello | PressReport | ReleaseReport | Heartbeat | SyncReply | Ok | Err


# --- host -> box commands ------------------------------------------------------------------------


class LampMode(enum.Enum):
    """What a lamp does: the third field of ``L <ch|*> <0|1|B>``."""

    OFF = "0"
    ON = "1"
    BLINK = "B"


@dataclass(frozen=True, slots=True)
class Query:
    """``?``: ask the box to send HELLO."""


@dataclass(frozen=True, slots=True)
class SyncPing:
    """``T <token>``: ask for the box clock; the box answers with a ``SyncReply``."""

    token: str

    def __post_init__(self) -> None:
        _check(_TOKEN.fullmatch(self.token) is not None, "token must be 1-16 letters or digits")


@dataclass(frozen=True, slots=True)
class Lamp:
    """``L <ch|*> <0|1|B>``: set one lamp, or every lamp when ``channel`` is None (``*``)."""

    channel: int | None
    mode: LampMode

    def __post_init__(self) -> None:
        if self.channel is not None:
            _check_channel(self.channel)


@dataclass(frozen=True, slots=True)
class Arm:
    """``ARM``: buzzers open; the box lights each channel's lamp at its first press."""


@dataclass(frozen=True, slots=True)
class Disarm:
    """``DISARM``: buzzers closed; lamps the box lit by itself go off."""


HostCommand = Query | SyncPing | Lamp | Arm | Disarm


@dataclass(frozen=True, slots=True)
class CommandProblem:
    """A host line a box cannot carry out; the box answers ``ERR <code> <text>``."""

    code: str
    text: str


# --- framing -------------------------------------------------------------------------------------


def _uint(text: str, limit: int) -> int:
    # Protocol numbers are plain ASCII decimal digits: no sign, no spaces, no underscores.
    if not (text.isascii() and text.isdigit()) or len(text) > 20:
        raise InvalidMessage(f"not an unsigned decimal number: {text!r}")
    value = int(text)
    _check(value < limit, f"number out of range: {text}")
    return value


class _Truncated(Exception):
    """Raised inside parsing when a known message lacks fields."""


def _positional(fields: Sequence[str], count: int) -> list[str]:
    values = [f for f in fields if "=" not in f]
    if len(values) < count:
        raise _Truncated
    if len(values) > count:
        raise InvalidMessage("too many fields")
    return values


def parse_box_line(line: str) -> BoxMessage | None:
    """Parse one box line (no terminator); None for empty lines and unknown types.

    Raises:
        InvalidMessage: a field does not parse or is out of range.
        _Truncated: a known message lacks fields.
    """
    kind, *fields = line.split() or [""]
    if kind == "HELLO":
        pairs = {key: value for key, _, value in (f.partition("=") for f in fields if "=" in f)}
        try:
            return Hello(
                proto=_uint(pairs["proto"], 1000),
                fw=pairs["fw"],
                box_id=pairs["id"],
                boot=pairs["boot"].lower(),
                channels=_uint(pairs["ch"], MAX_CHANNELS + 1),
            )
        except KeyError:
            raise _Truncated from None
    if kind in ("P", "R"):
        seq, ch, t_us = _positional(fields, 3)
        cls = PressReport if kind == "P" else ReleaseReport
        return cls(_uint(seq, U16), _uint(ch, MAX_CHANNELS + 1), _uint(t_us, U32))
    if kind == "HB":
        t_us, mask = _positional(fields, 2)
        _check(_HEX.fullmatch(mask) is not None, "held mask must be hex")
        return Heartbeat(_uint(t_us, U32), int(mask, 16))
    if kind == "T":
        token, t_rx, t_tx = _positional(fields, 3)
        return SyncReply(token, _uint(t_rx, U32), _uint(t_tx, U32))
    if kind == "OK":
        if not fields:
            raise _Truncated
        return Ok(fields[0])
    if kind == "ERR":
        if not fields:
            raise _Truncated
        return Err(fields[0], " ".join(fields[1:]))
    return None


@dataclass
class Bz1Decoder:
    """Incremental decoder of box → host bytes; feed any chunks, even one byte at a time."""

    framer: LineFramer = field(default_factory=LineFramer)

    @property
    def stats(self) -> LineStats:
        """What the decoder has met so far."""
        return self.framer.stats

    def feed(self, data: bytes) -> list[BoxMessage]:
        """Take the next bytes from the box; return the messages they complete."""
        messages: list[BoxMessage] = []
        for line in self.framer.feed(data):
            if not line.strip():
                continue
            try:
                message = parse_box_line(line)
            except _Truncated:
                self.framer.count("truncated")
                continue
            except InvalidMessage:
                self.framer.count("garbage")
                continue
            if message is None:
                self.framer.count("ignored")
            else:
                self.framer.count("lines")
                messages.append(message)
        return messages

    def reset(self) -> None:
        """The link dropped: forget any partial line (counted as truncated)."""
        self.framer.reset()


def parse_command_line(line: str) -> HostCommand | CommandProblem | None:
    """Parse one host → box line as a box does; None for empty lines and unknown commands."""
    kind, *fields = line.split() or [""]
    try:
        if kind == "?":
            return Query()
        if kind == "T":
            if len(fields) != 1:
                return CommandProblem("bad_args", "T needs one token")
            return SyncPing(fields[0])
        if kind == "L":
            if len(fields) != 2:
                return CommandProblem("bad_args", "L needs a channel and a mode")
            channel = None if fields[0] == "*" else _uint(fields[0], MAX_CHANNELS + 1)
            return Lamp(channel, LampMode(fields[1]))
        if kind == "ARM":
            return Arm()
        if kind == "DISARM":
            return Disarm()
    except (InvalidMessage, ValueError) as exc:
        return CommandProblem("bad_args", str(exc).replace("'", "")[:40])
    return None


@dataclass
class CommandDecoder:
    """Incremental decoder of host → box bytes, as a box (or a simulated box) runs it."""

    framer: LineFramer = field(default_factory=LineFramer)

    def feed(self, data: bytes) -> list[HostCommand | CommandProblem]:
        """Take the next bytes from the host; return the commands (or problems) they complete."""
        out: list[HostCommand | CommandProblem] = []
        for line in self.framer.feed(data):
            parsed = parse_command_line(line)
            if parsed is None:
                if line.strip():
                    self.framer.count("ignored")
                    out.append(CommandProblem("unknown", line.split()[0][:20]))
                continue
            self.framer.count("lines")
            out.append(parsed)
        return out


# --- encoders ------------------------------------------------------------------------------------


def _line(text: str) -> bytes:
    data = (text + "\n").encode("ascii")
    _check(len(data) <= MAX_LINE, f"line longer than {MAX_LINE} bytes: {text!r}")
    return data


def encode_message(message: BoxMessage) -> bytes:
    """The bytes a box sends for ``message``."""
    match message:
        case Hello(proto, fw, box_id, boot, channels):
            return _line(f"HELLO proto={proto} fw={fw} id={box_id} boot={boot} ch={channels}")
        case PressReport(seq, channel, t_us):
            return _line(f"P {seq} {channel} {t_us}")
        case ReleaseReport(seq, channel, t_us):
            return _line(f"R {seq} {channel} {t_us}")
        case Heartbeat(t_us, held_mask):
            return _line(f"HB {t_us} {held_mask:x}")
        case SyncReply(token, t_rx, t_tx):
            return _line(f"T {token} {t_rx} {t_tx}")
        case Ok(command):
            return _line(f"OK {command}")
        case Err(code, text):
            return _line(f"ERR {code} {text}".rstrip())


def encode_command(command: HostCommand) -> bytes:
    """The bytes the host sends for ``command``."""
    match command:
        case Query():
            return b"?\n"
        case SyncPing(token):
            return _line(f"T {token}")
        case Lamp(channel, mode):
            return _line(f"L {'*' if channel is None else channel} {mode.value}")
        case Arm():
            return b"ARM\n"
        case Disarm():
            return b"DISARM\n"
