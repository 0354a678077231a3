"""A simulated bz1 box, without I/O: host time in, the bytes a real box would send out.

Theory of operation
-------------------
The box clock is a linear function of host time: ``box_us = start_us + (host_ns − boot_ns) ·
rate / 1000``, taken modulo 2³², where ``rate = 1 + drift`` (a box running 0.2 % fast has
``drift = 0.002``). Starting the clock a few seconds before 2³² makes the wrap happen during a
test. A reboot draws a new boot id from the injected random generator, restarts the clock at
``start_us`` and the sequence numbers at 0, and says HELLO.

Because the simulator decides when each press truly happens on the host clock, it records that
truth (``TrueEvent``) beside what it reports, so tests and operators can check the host's estimate
against it. The box answers host commands exactly as docs/buzzer-protocol.md says a box must.
Nothing here reads a clock or sleeps; ``buzzers.simulator`` puts it on a pseudo-terminal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from buzzers.bz1 import (
    U16,
    U32,
    Arm,
    CommandDecoder,
    CommandProblem,
    Disarm,
    Err,
    Heartbeat,
    Hello,
    Lamp,
    LampMode,
    Ok,
    PressReport,
    Query,
    ReleaseReport,
    SyncPing,
    SyncReply,
    encode_message,
)

FIRMWARE = "sim-1.0"


@dataclass(frozen=True, slots=True)
class TrueEvent:
    """What really happened: a press or release at ``host_ns`` and what the box reported."""

    kind: str  # "press" or "release"
    channel: int
    seq: int
    host_ns: int
    device_us: int
    boot: str


class SimulatedBox:
    """The state of one simulated bz1 box."""

    def __init__(
        self,
        *,
        channels: int = 8,
        drift: float = 0.002,
        start_us: int = 0,
        box_id: str = "sim-1",
        rng: random.Random | None = None,
    ) -> None:
        if not 1 <= channels <= 64:
            raise ValueError("channels must be 1..64")
        self.channels = channels
        self.drift = drift
        self.start_us = start_us % U32
        self.box_id = box_id
        self._rng = rng or random.Random(0)
        self.boot = ""
        self._boot_ns = 0
        self._seq = 0
        self._held: set[int] = set()
        self.lamps: dict[int, LampMode] = {}
        self.armed = False
        self._auto_lit: set[int] = set()  # lamps the box lit itself while armed (DISARM clears)
        self._decoder = CommandDecoder()
        self.truth: list[TrueEvent] = []

    def box_us(self, host_ns: int) -> int:
        """The box clock reading at host time ``host_ns``."""
        elapsed_us = (host_ns - self._boot_ns) * (1 + self.drift) / 1000
        return (self.start_us + int(elapsed_us)) % U32

    def power_on(self, at_ns: int) -> bytes:
        """(Re)boot at host time ``at_ns``: new boot id, clock restarts, HELLO."""
        self.boot = f"{self._rng.getrandbits(32):08x}"
        self._boot_ns = at_ns
        self._seq = 0
        self._held.clear()
        self.lamps = {ch: LampMode.OFF for ch in range(1, self.channels + 1)}
        self.armed = False
        self._auto_lit.clear()
        self._decoder = CommandDecoder()
        return self.hello()

    def hello(self) -> bytes:
        """The HELLO line."""
        return encode_message(Hello(1, FIRMWARE, self.box_id, self.boot, self.channels))

    def heartbeat(self, at_ns: int) -> bytes:
        """The heartbeat line at host time ``at_ns``."""
        mask = sum(1 << (ch - 1) for ch in self._held)
        return encode_message(Heartbeat(self.box_us(at_ns), mask))

    def press(self, channel: int, at_ns: int) -> bytes:
        """Channel ``channel`` closes at host time ``at_ns``; the P line (empty if already held)."""
        self.check_channel(channel)
        if channel in self._held:
            return b""
        self._held.add(channel)
        if self.armed and self.lamps.get(channel) is LampMode.OFF:
            self.lamps[channel] = LampMode.ON
            self._auto_lit.add(channel)
        return self._report("press", channel, at_ns)

    def release(self, channel: int, at_ns: int) -> bytes:
        """Channel ``channel`` opens at host time ``at_ns``; the R line (empty if not held)."""
        self.check_channel(channel)
        if channel not in self._held:
            return b""
        self._held.discard(channel)
        return self._report("release", channel, at_ns)

    def receive(self, data: bytes, at_ns: int) -> bytes:
        """Host bytes arrived at ``at_ns`` (and are answered at once): the reply bytes."""
        out = bytearray()
        for command in self._decoder.feed(data):
            match command:
                case Query():
                    out += self.hello()
                case SyncPing(token):
                    stamp = self.box_us(at_ns)
                    out += encode_message(SyncReply(token, stamp, stamp))
                case Lamp(channel, mode):
                    if channel is not None and channel > self.channels:
                        out += encode_message(Err("bad_channel", f"box has {self.channels}"))
                        continue
                    for ch in [channel] if channel is not None else list(self.lamps):
                        self.lamps[ch] = mode
                        self._auto_lit.discard(ch)  # a lamp set with L stays at DISARM
                    out += encode_message(Ok("L"))
                case Arm():
                    self.armed = True
                    out += encode_message(Ok("ARM"))
                case Disarm():
                    self.armed = False
                    for ch in self._auto_lit:
                        self.lamps[ch] = LampMode.OFF
                    self._auto_lit.clear()
                    out += encode_message(Ok("DISARM"))
                case CommandProblem(code, text):
                    out += encode_message(Err(code, text))
        return bytes(out)

    def check_channel(self, channel: int) -> None:
        """Raise ValueError unless the box has channel ``channel``."""
        if not 1 <= channel <= self.channels:
            raise ValueError(f"this box has channels 1..{self.channels}, not {channel}")

    def _report(self, kind: str, channel: int, at_ns: int) -> bytes:
        seq, stamp = self._seq, self.box_us(at_ns)
        self._seq = (self._seq + 1) % U16
        self.truth.append(TrueEvent(kind, channel, seq, at_ns, stamp, self.boot))
        cls = PressReport if kind == "press" else ReleaseReport
        return encode_message(cls(seq, channel, stamp))
