"""Sony Buzz! USB handsets (four handsets of five buttons, one lamp each) as a press source.

Theory of operation
-------------------
A Buzz! set is a USB HID device (vendor 0x054c, product 0x0002 wired or 0x1000 wireless). Every
input report is at least five bytes; bytes 2, 3 and the low four bits of byte 4 form a 20-bit mask
of the buttons held now, least significant bit first: handset ``h`` (0-based) button ``b`` is bit
``5·h + b``, with buttons in the order red (the big buzzer), yellow, green, orange, blue. A press is
a bit going from 0 to 1. The output report ``00 00 L1 L2 L3 L4 00 00`` switches the handsets' red
lamps (``ff`` on, ``00`` off); the hardware cannot blink, so ``BuzzLamps`` blinks by alternating
reports every ``BLINK_HALF_PERIOD_NS``.

Channel = handset number (1-4) and every button counts as a press of its handset's channel, with
``button`` naming it. Reports carry no timestamp: a press is stamped on arrival, within
``latency_ns`` (USB polling and the handset's scan) before it.

``decode_buttons``, ``BuzzSession`` and ``BuzzLamps`` are pure. ``BuzzSource`` is the thin shell:
it opens the device with the ``hid`` module from the optional ``hidapi`` package (extra ``buzz``)
in an owned thread and reconnects when the set is unplugged.
"""

from __future__ import annotations

import importlib
import logging
import queue
import time
from collections.abc import Callable
from typing import Any

from buzzers.bz1 import U16, LampMode
from buzzers.errors import ConfigError, SourceUnavailable
from buzzers.events import (
    Capabilities,
    Connected,
    Disconnected,
    Press,
    Release,
    SourceEvent,
)
from buzzers.transport import ReaderThread

log = logging.getLogger(__name__)

VENDOR_ID = 0x054C
PRODUCT_IDS = (0x0002, 0x1000)
HANDSETS = 4
BUTTONS = ("red", "yellow", "green", "orange", "blue")
DEFAULT_LATENCY_NS = 20_000_000
BLINK_HALF_PERIOD_NS = 250_000_000


def decode_buttons(report: bytes) -> int | None:
    """The 20-bit mask of held buttons in an input report, or None if the report is too short."""
    if len(report) < 5:
        return None
    return report[2] | report[3] << 8 | (report[4] & 0x0F) << 16


def button_of(bit: int) -> tuple[int, str]:
    """The (1-based handset, button name) of a mask bit."""
    return bit // len(BUTTONS) + 1, BUTTONS[bit % len(BUTTONS)]


class BuzzLamps:
    """The lamps of the four handsets; produces the output report for any moment."""

    def __init__(self) -> None:
        self.modes = [LampMode.OFF] * HANDSETS

    def set(self, channel: int | None, mode: LampMode) -> None:
        """Set one handset's lamp (1-4) or all of them (None).

        Raises:
            ConfigError: the channel is not 1-4.
        """
        if channel is None:
            self.modes = [mode] * HANDSETS
        elif 1 <= channel <= HANDSETS:
            self.modes[channel - 1] = mode
        else:
            raise ConfigError(f"a Buzz! set has handsets 1..{HANDSETS}, not {channel}")

    def report(self, at_ns: int) -> bytes:
        """The output report that shows the lamps at host time ``at_ns`` (blink phase included)."""
        lit_phase = (at_ns // BLINK_HALF_PERIOD_NS) % 2 == 0
        levels = [
            0xFF if mode is LampMode.ON or (mode is LampMode.BLINK and lit_phase) else 0x00
            for mode in self.modes
        ]
        return bytes([0x00, 0x00, *levels, 0x00, 0x00])


class BuzzSession:
    """Sans-I/O state of one Buzz! set: reports in, presses and releases out."""

    source = "buzz"
    capabilities = Capabilities(timestamps=False, lamps=True, channels=HANDSETS)

    def __init__(self, device: str, latency_ns: int = DEFAULT_LATENCY_NS) -> None:
        self.device = device
        self.latency_ns = latency_ns
        self.lamps = BuzzLamps()
        self._mask = 0
        self._seq = 0
        self._open = False
        self._events: list[SourceEvent] = []
        self.bad_reports = 0

    def connection_made(self, at_ns: int) -> None:
        """The device opened; nothing is held yet."""
        self._open = True
        self._mask = 0
        self._events.append(Connected(self.device))

    def connection_lost(self, at_ns: int, reason: str) -> None:
        """The device went away."""
        if self._open:
            self._open = False
            self._events.append(Disconnected(self.device, reason))

    def receive_report(self, report: bytes, at_ns: int) -> None:
        """An input report arrived at host time ``at_ns``."""
        mask = decode_buttons(report)
        if mask is None:
            self.bad_reports += 1
            return
        changed, self._mask = mask ^ self._mask, mask
        half = self.latency_ns // 2
        for bit in range(HANDSETS * len(BUTTONS)):
            if changed >> bit & 1:
                handset, button = button_of(bit)
                cls = Press if mask >> bit & 1 else Release
                self._events.append(
                    cls(handset, self._seq, at_ns - half, half, "buzz", None, button)
                )
                self._seq = (self._seq + 1) % U16

    def events_received(self) -> list[SourceEvent]:
        """The events since the last call, oldest first."""
        events, self._events = self._events, []
        return events


def load_hid() -> Any:
    """The ``hid`` module of the optional hidapi package.

    Raises:
        SourceUnavailable: hidapi is not installed.
    """
    try:
        return importlib.import_module("hid")
    except ImportError:
        raise SourceUnavailable(
            "Sony Buzz! needs hidapi: pip install 'baltic-science-quiz[buzz]'"
        ) from None


class BuzzSource(ReaderThread):
    """A Buzz! set read by an owned thread (``PressSource`` like ``SerialLink``)."""

    def __init__(
        self,
        device: str = "auto",
        *,
        latency_ns: int = DEFAULT_LATENCY_NS,
        hid_module: Any | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
        retry_s: float = 1.0,
    ) -> None:
        super().__init__("Buzz! " + device)
        self._hid = hid_module if hid_module is not None else load_hid()
        self.session: BuzzSession = BuzzSession(device, latency_ns)
        self._device = device
        self._clock = clock
        self._retry_s = retry_s
        self._lamp_requests: queue.SimpleQueue[tuple[int | None, LampMode]] = queue.SimpleQueue()

    def set_lamp(self, channel: int | None, mode: LampMode) -> None:
        """Set a handset's lamp (1-4) or all of them (None)."""
        BuzzLamps().set(channel, mode)  # check the channel in the caller's thread
        self._lamp_requests.put((channel, mode))

    def _open(self) -> Any:
        if self._device == "auto":
            for product in PRODUCT_IDS:
                found = self._hid.enumerate(VENDOR_ID, product)
                if found:
                    device = self._hid.device()
                    device.open_path(found[0]["path"])
                    return device
            raise OSError("no Sony Buzz! set found")
        device = self._hid.device()
        device.open_path(self._device.encode())
        return device

    def _run_until_stopped(self) -> None:
        while not self._stopping.is_set():
            try:
                device = self._open()
            except (OSError, ValueError) as exc:
                self.session.connection_lost(self._clock(), str(exc))
                self._deliver()
                self._stopping.wait(self._retry_s)
                continue
            self.session.connection_made(self._clock())
            reason = "stopped"
            try:
                self._serve(device)
            except (OSError, ValueError) as exc:
                reason = f"device failed: {exc}"
            finally:
                device.close()
                self.session.connection_lost(self._clock(), reason)
                self._deliver()

    def _serve(self, device: Any) -> None:
        shown = b""
        while not self._stopping.is_set():
            while True:
                try:
                    channel, mode = self._lamp_requests.get_nowait()
                except queue.Empty:
                    break
                self.session.lamps.set(channel, mode)
            wanted = self.session.lamps.report(self._clock())
            if wanted != shown:
                if device.write(list(wanted)) < 0:
                    raise OSError("cannot write the lamp report")
                shown = wanted
            report = bytes(device.read(8, 20))
            if report:
                self.session.receive_report(report, self._clock())
            self._deliver()
