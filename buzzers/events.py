"""What every press source produces: presses, releases and status changes, plus its capabilities.

A bz1 box, a simple line box and a Sony Buzz! set all end in the same ``Press``: a channel (the
team's buzzer, 1-based), the estimated press time on the host's monotonic clock
(``time.monotonic_ns()``) and an error bound, so that whatever forwards presses never needs to know
which hardware made them. ``Capabilities`` says what a source can do: stamp presses on its own
clock, drive lamps.
"""

from __future__ import annotations

from dataclasses import dataclass

from buzzers.bz1 import Hello
from buzzers.framing import LineStats


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a press source can do."""

    timestamps: bool  # presses stamped on the device's own clock (else: on arrival at the host)
    lamps: bool  # the source can light lamps
    channels: int | None  # how many channels, when the source knows


@dataclass(frozen=True, slots=True)
class Press:
    """A buzzer was pressed: at ``host_ns`` ± ``bound_ns`` on this host's monotonic clock."""

    channel: int
    seq: int  # the device's sequence number, or the source's own count when it has none
    host_ns: int
    bound_ns: int
    source: str  # "bz1", "lines", "buzz"
    device_us: int | None = None  # the box clock reading as sent (32-bit, wraps), if stamped
    button: str | None = None  # which button of a multi-button handset (Buzz!, lines patterns)


@dataclass(frozen=True, slots=True)
class Release:
    """A buzzer was let go (same fields as ``Press``)."""

    channel: int
    seq: int
    host_ns: int
    bound_ns: int
    source: str
    device_us: int | None = None
    button: str | None = None


@dataclass(frozen=True, slots=True)
class Connected:
    """The port opened (and, for bz1, the box said HELLO)."""

    port: str
    hello: Hello | None = None


@dataclass(frozen=True, slots=True)
class Synchronised:
    """The box clock is fitted; presses held while synchronising follow this event."""

    boot: str
    samples: int
    drift: float  # host clock rate over box clock rate, less one
    bound_ns: int  # the fit's bound at its centre


@dataclass(frozen=True, slots=True)
class Resync:
    """The box rebooted (new boot id); presses wait until the new clock is fitted."""

    old_boot: str
    new_boot: str


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The port closed or the box went quiet; the source reconnects by itself."""

    port: str
    reason: str


@dataclass(frozen=True, slots=True)
class LinesLost:
    """The box's sequence numbers jumped: ``count`` press or release lines never arrived."""

    count: int
    expected_seq: int
    got_seq: int


@dataclass(frozen=True, slots=True)
class BoxError:
    """The box refused a command (``ERR <code> <text>``)."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class CommandDone:
    """The box carried out a command (``OK <command>``)."""

    command: str


@dataclass(frozen=True, slots=True)
class LinkStats:
    """Counters of damaged and skipped lines, reported when they change."""

    stats: LineStats


StatusEvent = (
    Connected
    | Synchronised
    | Resync
    | Disconnected
    | LinesLost
    | BoxError
    | CommandDone
    | LinkStats
)
SourceEvent = Press | Release | StatusEvent


def press_record(event: Press | Release) -> dict[str, object]:
    """The JSON-ready form of a press or release (the monitor's ``--json`` lines)."""
    return {
        "event": "press" if isinstance(event, Press) else "release",
        "channel": event.channel,
        "button": event.button,
        "seq": event.seq,
        "device_us": event.device_us,
        "host_ns": event.host_ns,
        "bound_ns": event.bound_ns,
        "source": event.source,
    }
