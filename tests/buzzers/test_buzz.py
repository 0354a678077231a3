"""Sony Buzz! handsets: report parsing and lamp reports as pure code, the shell with a fake hid."""

from __future__ import annotations

import queue
import sys
from typing import Any

import pytest

from buzzers.buzz import (
    BLINK_HALF_PERIOD_NS,
    BuzzLamps,
    BuzzSession,
    BuzzSource,
    button_of,
    decode_buttons,
    load_hid,
)
from buzzers.bz1 import LampMode
from buzzers.errors import ConfigError, SourceUnavailable
from buzzers.events import Connected, Disconnected, Press, Release
from tests.buzzers.conftest import wait_for


@pytest.mark.parametrize(
    ("report", "handset", "button"),
    [
        (bytes.fromhex("7f7f0100f0"), 1, "red"),
        (bytes.fromhex("7f7f1000f0"), 1, "blue"),
        (bytes.fromhex("7f7f0200f0"), 1, "yellow"),
        (bytes.fromhex("7f7f2000f0"), 2, "red"),
        (bytes.fromhex("7f7f0002f0"), 2, "blue"),
        (bytes.fromhex("7f7f0004f0"), 3, "red"),
        (bytes.fromhex("7f7f0080f0"), 4, "red"),
        (bytes.fromhex("7f7f0000f8"), 4, "blue"),
        (bytes.fromhex("7f7f0000f1"), 4, "yellow"),
    ],
)
def test_each_button_has_its_own_bit(report: bytes, handset: int, button: str) -> None:
    mask = decode_buttons(report)
    assert mask is not None and mask.bit_count() == 1
    assert button_of(mask.bit_length() - 1) == (handset, button)


def test_short_reports_are_refused() -> None:
    assert decode_buttons(b"\x7f\x7f\x01") is None


def test_presses_and_releases_follow_the_held_mask() -> None:
    session = BuzzSession("fake", latency_ns=20_000_000)
    session.connection_made(0)
    session.receive_report(bytes.fromhex("7f7f2080f0"), 1_000_000_000)  # handsets 2 and 4 red
    session.receive_report(bytes.fromhex("7f7f0080f0"), 2_000_000_000)  # handset 2 let go
    session.receive_report(b"\x01", 3_000_000_000)
    events = session.events_received()
    assert events == [
        Connected("fake"),
        Press(2, 0, 990_000_000, 10_000_000, "buzz", None, "red"),
        Press(4, 1, 990_000_000, 10_000_000, "buzz", None, "red"),
        Release(2, 2, 1_990_000_000, 10_000_000, "buzz", None, "red"),
    ]
    assert session.bad_reports == 1


def test_lamp_reports_light_the_right_handsets_and_blink() -> None:
    lamps = BuzzLamps()
    assert lamps.report(0) == bytes(8)
    lamps.set(1, LampMode.ON)
    lamps.set(3, LampMode.BLINK)
    assert lamps.report(0) == bytes([0, 0, 0xFF, 0, 0xFF, 0, 0, 0])
    assert lamps.report(BLINK_HALF_PERIOD_NS) == bytes([0, 0, 0xFF, 0, 0, 0, 0, 0])
    lamps.set(None, LampMode.OFF)
    assert lamps.report(0) == bytes(8)
    with pytest.raises(ConfigError):
        lamps.set(5, LampMode.ON)


class FakeDevice:
    def __init__(self, hid: FakeHid) -> None:
        self.hid = hid

    def open_path(self, path: bytes) -> None:
        if self.hid.fail_opens:
            self.hid.fail_opens -= 1
            raise OSError("open failed")

    def read(self, size: int, timeout_ms: int = 0) -> list[int]:
        try:
            item = self.hid.reports.get(timeout=timeout_ms / 1000)
        except queue.Empty:
            return []
        if isinstance(item, Exception):
            raise item
        return list(item)

    def write(self, data: list[int]) -> int:
        self.hid.written.append(bytes(data))
        return len(data)

    def close(self) -> None:
        self.hid.closed += 1


class FakeHid:
    """Stands in for the hid module of hidapi."""

    def __init__(self) -> None:
        self.reports: queue.Queue[Any] = queue.Queue()
        self.written: list[bytes] = []
        self.fail_opens = 1
        self.closed = 0

    def enumerate(self, vendor: int, product: int) -> list[dict[str, Any]]:
        return [{"path": b"/dev/hidraw-fake"}] if (vendor, product) == (0x054C, 0x0002) else []

    def device(self) -> FakeDevice:
        return FakeDevice(self)


def test_the_source_reconnects_and_reports_presses_through_hid() -> None:
    hid = FakeHid()
    source = BuzzSource(hid_module=hid, retry_s=0.01)
    assert source.capabilities.lamps and not source.capabilities.timestamps
    source.start()
    try:
        wait_for(source, lambda e: isinstance(e, Connected))  # after one failed open
        hid.reports.put(bytes.fromhex("7f7f0004f0"))
        press = wait_for(source, lambda e: isinstance(e, Press))
        assert isinstance(press, Press) and (press.channel, press.button) == (3, "red")
        source.set_lamp(3, LampMode.ON)
        hid.reports.put(bytes.fromhex("7f7f0000f0"))
        wait_for(source, lambda e: isinstance(e, Release))
        hid.reports.put(OSError("read error"))  # the set is unplugged
        gone = wait_for(source, lambda e: isinstance(e, Disconnected))
        assert isinstance(gone, Disconnected) and "read error" in gone.reason
        wait_for(source, lambda e: isinstance(e, Connected))
    finally:
        source.stop()
    assert bytes([0, 0, 0, 0, 0xFF, 0, 0, 0]) in hid.written
    assert hid.closed >= 2


def test_without_hidapi_the_source_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hid", None)
    with pytest.raises(SourceUnavailable, match=r"\[buzz\]"):
        load_hid()
    with pytest.raises(SourceUnavailable):
        BuzzSource()
