"""The pure bz1 host session against the pure simulated box, on a fake clock."""

from __future__ import annotations

import heapq
import itertools

import pytest

from buzzers.bz1 import U32, Arm, LampMode
from buzzers.events import (
    BoxError,
    CommandDone,
    Connected,
    Disconnected,
    LinesLost,
    LinkStats,
    Press,
    Release,
    Resync,
    SourceEvent,
    Synchronised,
)
from buzzers.session import HEARTBEAT_TIMEOUT_NS, Bz1Session, Phase
from buzzers.simbox import SimulatedBox

MS = 1_000_000
S = 1_000_000_000


class Wire:
    """A session and a simulated box joined by a link with fixed delays, on a fake clock."""

    def __init__(self, box: SimulatedBox, up_ns: int = 120_000, down_ns: int = 180_000) -> None:
        self.box = box
        self.session = Bz1Session("fake")
        self.up_ns, self.down_ns = up_ns, down_ns
        self.now = 10**12
        self._queue: list[tuple[int, int, bytes]] = []
        self._order = itertools.count()
        self.events: list[SourceEvent] = []
        self.next_heartbeat = self.now + S
        self.mute = False
        self.last_delivery = self.now
        box.power_on(self.now)
        self.session.connection_made(self.now)

    def to_host(self, data: bytes, at_ns: int) -> None:
        if data and not self.mute:
            heapq.heappush(self._queue, (at_ns, next(self._order), data))

    def run(self, seconds: float, step_ns: int = 5 * MS) -> list[SourceEvent]:
        end = self.now + int(seconds * S)
        while self.now < end:
            self.now += step_ns
            while self._queue and self._queue[0][0] <= self.now:
                at, _, data = heapq.heappop(self._queue)
                self.session.receive_data(data, at)
                self.last_delivery = at
            self.session.tick(self.now)
            out = self.session.data_to_send()
            if out:
                box_at = self.now + self.up_ns
                self.to_host(self.box.receive(out, box_at), box_at + self.down_ns)
            if self.now >= self.next_heartbeat:
                self.to_host(self.box.heartbeat(self.now), self.now + self.down_ns)
                self.next_heartbeat += S
        fresh = self.session.events_received()
        self.events.extend(fresh)
        return fresh

    def press(self, channel: int) -> None:
        self.to_host(self.box.press(channel, self.now), self.now + 10 * MS + self.down_ns)

    def release(self, channel: int) -> None:
        self.to_host(self.box.release(channel, self.now), self.now + 10 * MS + self.down_ns)

    def presses(self) -> list[Press]:
        return [e for e in self.events if isinstance(e, Press)]


def assert_true_times(wire: Wire, presses: list[Press]) -> None:
    truth = {(t.boot, t.seq): t for t in wire.box.truth}
    boots = [wire.box.boot]
    for press in presses:
        true = next(truth[(b, press.seq)] for b in boots if (b, press.seq) in truth)
        assert true.device_us == press.device_us
        assert abs(press.host_ns - true.host_ns) < 1 * MS
        assert abs(press.host_ns - true.host_ns) <= press.bound_ns


@pytest.mark.parametrize("drift", [0.002, -0.002, 0.0])
def test_presses_across_the_clock_wrap_land_within_a_millisecond(drift: float) -> None:
    wire = Wire(SimulatedBox(drift=drift, start_us=U32 - 1_500_000))
    events = wire.run(1.2)
    assert isinstance(events[0], Connected)
    assert any(isinstance(e, Synchronised) for e in events)
    for channel in (1, 2, 3, 4, 5, 6):  # the box clock wraps during these
        wire.press(channel)
        wire.run(0.2)
        wire.release(channel)
        wire.run(0.2)
    presses = wire.presses()
    assert [p.channel for p in presses] == [1, 2, 3, 4, 5, 6]
    assert presses[0].device_us is not None and presses[-1].device_us is not None
    assert presses[-1].device_us < presses[0].device_us  # it did wrap
    assert_true_times(wire, presses)
    assert [r.channel for r in wire.events if isinstance(r, Release)] == [1, 2, 3, 4, 5, 6]


def test_presses_before_the_clock_is_fitted_are_held_then_delivered_in_order() -> None:
    wire = Wire(SimulatedBox(drift=0.002))
    wire.press(2)
    wire.press(5)
    wire.run(0.05)
    assert wire.presses() == []
    assert wire.session.phase is Phase.SYNCING
    events = wire.run(1.5)
    kinds = [type(e) for e in events if isinstance(e, Synchronised | Press)]
    assert kinds[0] is Synchronised
    assert [p.channel for p in wire.presses()] == [2, 5]
    assert_true_times(wire, wire.presses())


def test_a_reboot_mid_stream_resynchronises_and_loses_no_press() -> None:
    wire = Wire(SimulatedBox(drift=-0.002, start_us=U32 - 500_000))
    wire.run(2)
    wire.press(1)
    wire.run(0.5)
    old_boot = wire.box.boot
    wire.to_host(wire.box.power_on(wire.now), wire.now + wire.down_ns)
    wire.run(0.01)
    wire.press(3)  # pressed while the host resynchronises
    wire.press(4)
    wire.run(2)
    resync = [e for e in wire.events if isinstance(e, Resync)]
    assert resync == [Resync(old_boot, wire.box.boot)]
    after = [p for p in wire.presses() if p.channel in (3, 4)]
    assert [p.channel for p in after] == [3, 4]
    assert [p.seq for p in after] == [0, 1]  # the new boot counts from 0 again
    assert_true_times(wire, after)
    assert not any(isinstance(e, LinesLost) for e in wire.events)


def test_a_gap_in_sequence_numbers_is_reported() -> None:
    wire = Wire(SimulatedBox())
    wire.run(1.5)
    wire.press(1)
    wire.run(0.5)
    wire.box.press(3, wire.now)  # these two lines are lost on the way
    wire.box.release(3, wire.now)
    wire.press(2)
    wire.run(0.5)
    assert LinesLost(2, 1, 3) in wire.events
    assert [p.channel for p in wire.presses()] == [1, 2]


def test_a_silent_box_is_gone_after_three_seconds() -> None:
    wire = Wire(SimulatedBox())
    wire.run(1.5)
    wire.mute = True
    wire.run(0.5)
    last = wire.last_delivery
    assert not wire.session.is_silent(last + HEARTBEAT_TIMEOUT_NS)
    assert wire.session.is_silent(last + HEARTBEAT_TIMEOUT_NS + 1)


def test_reconnecting_to_the_same_boot_needs_no_resync() -> None:
    wire = Wire(SimulatedBox(drift=0.002))
    wire.run(2)
    wire.session.connection_lost(wire.now, "unplugged")
    assert Disconnected("fake", "unplugged") in wire.session.events_received()
    wire.run(0.5)
    wire.session.connection_made(wire.now)
    events = wire.run(0.1)
    assert isinstance(events[0], Connected)
    assert wire.session.phase is Phase.READY
    wire.press(6)
    events = wire.run(0.3)
    assert not any(isinstance(e, Synchronised | Resync) for e in events)
    assert_true_times(wire, [e for e in events if isinstance(e, Press)])


def test_lamps_and_arming_are_restored_after_a_reboot() -> None:
    wire = Wire(SimulatedBox())
    wire.run(1.5)
    wire.session.set_lamp(3, LampMode.BLINK)
    wire.session.send(Arm())
    events = wire.run(0.1)
    assert [e for e in events if isinstance(e, CommandDone)] == [
        CommandDone("L"),
        CommandDone("ARM"),
    ]
    wire.to_host(wire.box.power_on(wire.now), wire.now)  # lamps go dark with the power
    assert wire.box.lamps[3] is LampMode.OFF
    wire.run(0.2)
    assert wire.box.lamps[3] is LampMode.BLINK
    assert wire.box.armed


def test_box_errors_and_damaged_lines_are_reported() -> None:
    wire = Wire(SimulatedBox(channels=4))
    wire.run(1.5)
    wire.session.set_lamp(9, LampMode.ON)  # the box has 4 channels
    wire.to_host(b"\xff\xfe noise\nP 1 2\n", wire.now)
    events = wire.run(0.1)
    assert BoxError("bad_channel", "box has 4") in events
    stats = [e for e in events if isinstance(e, LinkStats)][-1].stats
    assert (stats.garbage, stats.truncated) == (1, 1)


def test_losing_a_closed_connection_again_reports_nothing() -> None:
    session = Bz1Session("fake")
    session.connection_lost(0, "never opened")
    assert session.events_received() == []
    assert not session.is_silent(10 * S)
