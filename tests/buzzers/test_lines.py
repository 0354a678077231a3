"""The line adapter for simple boxes: patterns, arrival stamps, and a real pty underneath."""

from __future__ import annotations

import os
import time
import tty
from pathlib import Path

import pytest

from buzzers.bz1 import LampMode
from buzzers.errors import ConfigError, SourceUnavailable
from buzzers.events import Connected, LinkStats, Press
from buzzers.lines import LinePattern, LinesSession, parse_map
from buzzers.transport import SerialLink
from tests.buzzers.conftest import wait_for


@pytest.mark.parametrize(
    ("template", "line", "expected"),
    [
        ("{ch}", "3", (3, None)),
        ("{ch}", "12", (12, None)),
        ("B{ch}", "B3", (3, None)),
        ("S{ch}:{button}", "S3:A", (3, "A")),
        ("[{ch}]", "[7]", (7, None)),  # regex characters are literal
        ("{ch}", "x", None),
        ("{ch}", "0", None),  # channels are 1-based
        ("{ch}", "65", None),
        ("B{ch}", "b3", None),
        ("S{ch}:{button}", "S3:", None),
    ],
)
def test_templates_match_what_simple_boxes_send(
    template: str, line: str, expected: tuple[int, str | None] | None
) -> None:
    assert LinePattern(template).match(line) == expected


def test_exact_lines_can_be_mapped_to_channels() -> None:
    pattern = LinePattern(None, parse_map(["RED=1", "BLUE=2", "A=B=3"]))
    assert pattern.match("BLUE") == (2, None)
    assert pattern.match("A=B") == (3, None)
    assert pattern.match("3") is None


@pytest.mark.parametrize(
    ("template", "mapping"),
    [("B", {}), ("{ch}{ch}", {}), ("{channel}", {}), (None, {}), ("{ch}", {"X": 0})],
)
def test_bad_patterns_are_refused(template: str | None, mapping: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        LinePattern(template, mapping)


@pytest.mark.parametrize("entry", ["A", "=1", "A=one"])
def test_bad_map_entries_are_refused(entry: str) -> None:
    with pytest.raises(ConfigError, match="LINE=CHANNEL"):
        parse_map([entry])


def test_presses_are_stamped_on_arrival_with_half_the_latency_as_bound() -> None:
    session = LinesSession("box", LinePattern("B{ch}"), latency_ns=30_000_000)
    session.connection_made(0)
    for byte in b"B3\r\nnoise\rB12\n":
        session.receive_data(bytes([byte]), 1_000_000_000)
    events = session.events_received()
    presses = [e for e in events if isinstance(e, Press)]
    assert presses == [
        Press(3, 0, 985_000_000, 15_000_000, "lines"),
        Press(12, 1, 985_000_000, 15_000_000, "lines"),
    ]
    assert [e.stats.garbage for e in events if isinstance(e, LinkStats)] == [1]
    assert not session.capabilities.timestamps
    with pytest.raises(SourceUnavailable):
        session.set_lamp(1, LampMode.ON)


def test_a_line_box_on_a_real_pty_reaches_the_consumer(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    link_path = tmp_path / "linebox"
    link_path.symlink_to(os.ttyname(slave))
    link = SerialLink(str(link_path), LinesSession(str(link_path), LinePattern("S{ch}:{button}")))
    link.start()
    try:
        wait_for(link, lambda e: isinstance(e, Connected))
        before = time.monotonic_ns()
        os.write(master, b"S2:A\r\nS4:C\r\n")
        first = wait_for(link, lambda e: isinstance(e, Press))
        second = wait_for(link, lambda e: isinstance(e, Press))
        assert isinstance(first, Press) and isinstance(second, Press)
        assert (first.channel, first.button, second.channel, second.button) == (2, "A", 4, "C")
        assert first.host_ns + first.bound_ns >= before  # arrival is after the write began
        with pytest.raises(SourceUnavailable):
            link.set_lamp(1, LampMode.ON)
    finally:
        link.stop()
        os.close(master)
        os.close(slave)
