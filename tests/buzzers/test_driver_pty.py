"""The serial link and bz1 session against the simulated box on a real pseudo-terminal pair."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from buzzers.bz1 import U32, LampMode
from buzzers.events import (
    CommandDone,
    Connected,
    Disconnected,
    LinkStats,
    Press,
    Release,
    Resync,
    SourceEvent,
    Synchronised,
)
from buzzers.session import Bz1Session
from buzzers.simulator import PtySimulator
from buzzers.transport import SerialLink
from tests.buzzers.conftest import TIMEOUT_S, assert_on_time, wait_for

MakeSim = Callable[..., PtySimulator]


def open_link(sim: PtySimulator, **session_options: int) -> SerialLink[Bz1Session]:
    link = SerialLink(
        str(sim.link), Bz1Session(str(sim.link), **session_options), backoff_initial_s=0.05
    )
    link.start()
    return link


def is_press(channel: int) -> Callable[[SourceEvent], bool]:
    return lambda e: isinstance(e, Press) and e.channel == channel


@pytest.mark.parametrize("drift", [0.002, -0.002])
def test_presses_across_the_32_bit_wrap_with_drift_are_within_a_millisecond(
    make_simulator: MakeSim, drift: float
) -> None:
    sim = make_simulator(drift=drift, start_us=U32 - 2_500_000)  # wraps 2.5 s after boot
    link = open_link(sim)
    try:
        wait_for(link, lambda e: isinstance(e, Synchronised))
        presses: list[Press] = []
        for channel in (1, 2, 3, 4, 5, 6, 7, 8):
            sim.press(channel, hold_s=0.05)
            press = wait_for(link, is_press(channel))
            assert isinstance(press, Press)
            presses.append(press)
            wait_for(link, lambda e, c=channel: isinstance(e, Release) and e.channel == c)
        while sim.box.box_us(presses[-1].host_ns) > U32 // 2:  # keep pressing until it wrapped
            sim.press(1, hold_s=0.05)
            press = wait_for(link, is_press(1))
            assert isinstance(press, Press)
            presses.append(press)
            wait_for(link, lambda e: isinstance(e, Release) and e.channel == 1)
        assert presses[0].device_us is not None and presses[-1].device_us is not None
        assert presses[-1].device_us < presses[0].device_us
        for press in presses:
            assert_on_time(sim, press)
        assert [p.seq for p in presses[:8]] == [0, 2, 4, 6, 8, 10, 12, 14]
    finally:
        link.stop()


def test_a_reboot_mid_stream_resyncs_before_accepting_presses(make_simulator: MakeSim) -> None:
    sim = make_simulator(drift=0.002, start_us=U32 - 1_000_000)
    link = open_link(sim)
    seen: list[SourceEvent] = []
    try:
        wait_for(link, lambda e: isinstance(e, Synchronised), seen)
        sim.press(1)
        wait_for(link, is_press(1), seen)
        sim.reboot()
        sim.press(2)  # at once: these wait for the new clock fit
        sim.press(3)
        wait_for(link, is_press(3), seen)
        kinds = [type(e) for e in seen]
        assert kinds.index(Resync) < kinds.index(Synchronised, kinds.index(Resync))
        after = [e for e in seen if isinstance(e, Press) and e.channel in (2, 3)]
        assert [p.channel for p in after] == [2, 3]
        assert seen.index(after[0]) > kinds.index(Synchronised, kinds.index(Resync))
        for press in after:
            assert_on_time(sim, press)
    finally:
        link.stop()


def test_garbage_on_the_line_is_counted_and_presses_still_arrive(make_simulator: MakeSim) -> None:
    sim = make_simulator()
    link = open_link(sim)
    seen: list[SourceEvent] = []
    try:
        wait_for(link, lambda e: isinstance(e, Synchronised), seen)
        sim.send_raw(b"\x00\xffnoise\n" + b"Z" * 200 + b"\nP 7 2")  # noise, over-long, no end
        sim.send_raw(b"\n")
        sim.press(4)
        press = wait_for(link, is_press(4), seen)
        assert isinstance(press, Press)
        assert_on_time(sim, press)
        stats = [e.stats for e in seen if isinstance(e, LinkStats)][-1]
        assert (stats.garbage, stats.overlong, stats.truncated) == (1, 1, 1)
    finally:
        link.stop()


@pytest.mark.parametrize("reboot", [False, True], ids=["replug", "replug-after-power-loss"])
def test_unplug_and_replug_reconnects_and_loses_no_press(
    make_simulator: MakeSim, reboot: bool
) -> None:
    sim = make_simulator(drift=-0.002)
    link = open_link(sim)
    seen: list[SourceEvent] = []
    try:
        wait_for(link, lambda e: isinstance(e, Synchronised), seen)
        sim.unplug()
        wait_for(link, lambda e: isinstance(e, Disconnected), seen)
        if reboot:
            sim.reboot()
        sim.replug()
        wait_for(link, lambda e: isinstance(e, Connected), seen)
        sim.press(5)  # right after the box is back, before any resync is done
        sim.press(6)
        wait_for(link, is_press(6), seen)
        presses = [e for e in seen if isinstance(e, Press)]
        assert [p.channel for p in presses] == [5, 6]
        for press in presses:
            assert_on_time(sim, press)
        assert any(isinstance(e, Resync) for e in seen) is reboot
    finally:
        link.stop()


def test_a_box_that_stops_talking_is_dropped_and_found_again(make_simulator: MakeSim) -> None:
    sim = make_simulator()
    link = open_link(sim, heartbeat_timeout_ns=600_000_000)  # the 3 s rule, shortened
    seen: list[SourceEvent] = []
    try:
        wait_for(link, lambda e: isinstance(e, Synchronised), seen)
        sim.hang()
        gone = wait_for(link, lambda e: isinstance(e, Disconnected), seen)
        assert isinstance(gone, Disconnected)
        assert "heartbeat" in gone.reason
        sim.reboot()  # the watchdog restarts the firmware
        wait_for(link, lambda e: isinstance(e, Synchronised), seen)
        sim.press(2)
        press = wait_for(link, is_press(2), seen)
        assert isinstance(press, Press)
        assert_on_time(sim, press)
    finally:
        link.stop()


def test_lamps_are_set_on_the_box(make_simulator: MakeSim) -> None:
    sim = make_simulator(channels=4)
    link = open_link(sim)
    try:
        wait_for(link, lambda e: isinstance(e, Connected))
        assert link.capabilities.lamps and link.capabilities.timestamps
        assert link.capabilities.channels == 4
        link.set_lamp(2, LampMode.ON)
        link.set_lamp(None, LampMode.BLINK)
        link.set_lamp(4, LampMode.OFF)
        for _ in range(3):
            assert isinstance(wait_for(link, lambda e: isinstance(e, CommandDone)), CommandDone)
        assert sim.box.lamps == {
            1: LampMode.BLINK,
            2: LampMode.BLINK,
            3: LampMode.BLINK,
            4: LampMode.OFF,
        }
    finally:
        link.stop()


def test_a_port_that_cannot_be_opened_is_retried_until_it_appears(
    make_simulator: MakeSim,
) -> None:
    sim = make_simulator()
    assert sim.unplug().wait(TIMEOUT_S)
    assert not sim.link.exists()
    link = open_link(sim)
    try:
        failed = wait_for(link, lambda e: isinstance(e, Disconnected))
        assert isinstance(failed, Disconnected)
        assert failed.reason.startswith("cannot open")
        sim.replug()
        wait_for(link, lambda e: isinstance(e, Synchronised))
    finally:
        link.stop()
