"""The simulated box behaves as the protocol says a box must; its script language."""

from __future__ import annotations

import random

import pytest

from buzzers.bz1 import U32, Bz1Decoder, Hello, LampMode, Ok, PressReport, SyncReply
from buzzers.errors import ConfigError
from buzzers.simbox import SimulatedBox
from buzzers.simulator import NOISE, Step, parse_script

S = 1_000_000_000


def test_the_box_clock_drifts_and_wraps() -> None:
    box = SimulatedBox(drift=0.002, start_us=U32 - 1_000_000)
    box.power_on(5 * S)
    assert box.box_us(5 * S) == U32 - 1_000_000
    assert box.box_us(6 * S) == 2_000  # one host second is 1.002 box seconds, past the wrap


def test_a_reboot_means_a_new_boot_id_a_restarted_clock_and_seq() -> None:
    box = SimulatedBox(rng=random.Random(7))
    hello = Bz1Decoder().feed(box.power_on(0))
    assert isinstance(hello[0], Hello)
    box.press(1, S)
    first_boot = box.boot
    box.power_on(2 * S)
    assert box.boot != first_boot
    assert box.box_us(2 * S) == 0
    assert Bz1Decoder().feed(box.press(1, 3 * S)) == [PressReport(0, 1, 1_002_000)]


def test_the_box_answers_host_commands() -> None:
    box = SimulatedBox(channels=2)
    box.power_on(0)
    replies = Bz1Decoder().feed(box.receive(b"T 9\nL 2 B\nL 3 1\nARM\nFLY\n", S))
    assert replies[0] == SyncReply("9", 1_002_000, 1_002_000)
    assert replies[1] == Ok("L")
    assert box.lamps == {1: LampMode.OFF, 2: LampMode.BLINK}
    assert [type(r).__name__ for r in replies[2:]] == ["Err", "Ok", "Err"]


def test_armed_boxes_light_the_lamp_of_a_pressed_channel() -> None:
    box = SimulatedBox()
    box.power_on(0)
    box.receive(b"ARM\n", 0)
    box.press(4, S)
    assert box.lamps[4] is LampMode.ON


def test_disarm_puts_out_only_the_lamps_the_box_lit_itself() -> None:
    """docs/buzzer-protocol.md: DISARM turns off lamps lit at a press; lamps set with L stay
    (the simulator used to keep every lamp, unlike the bz1 firmware)."""
    box = SimulatedBox()
    box.power_on(0)
    box.receive(b"ARM\nL 2 B\n", 0)
    box.press(4, S)
    box.press(1, S)
    box.receive(b"L 1 1\n", S)  # the host confirms channel 1 (the winner): now the host's lamp
    box.receive(b"DISARM\n", 2 * S)
    assert (box.lamps[4], box.lamps[1], box.lamps[2]) == (LampMode.OFF, LampMode.ON, LampMode.BLINK)


def test_a_held_button_is_not_pressed_twice() -> None:
    box = SimulatedBox()
    box.power_on(0)
    assert box.press(1, S)
    assert box.press(1, 2 * S) == b""
    assert box.release(2, 2 * S) == b""
    with pytest.raises(ValueError):
        box.press(9, S)


def test_scripts_parse_into_steps() -> None:
    script = """
        # warm up
        wait 1.5
        press 3
        press 4 0.5   # held longer
        down 2
        up 2
        reboot
        unplug 2
        garbage
        garbage hello there
        quit
    """
    assert parse_script(script.splitlines()) == [
        Step("wait", seconds=1.5),
        Step("press", 3, 0.1),
        Step("press", 4, 0.5),
        Step("down", 2),
        Step("up", 2),
        Step("reboot"),
        Step("unplug", seconds=2.0),
        Step("garbage", data=NOISE),
        Step("garbage", data=b"hello there"),
        Step("quit"),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("jump 3", "unknown command"),
        ("press", "takes 1..2 arguments"),
        ("press x", "line 1"),
        ("wait -1", "seconds"),
        ("reboot now", "takes 0..0"),
    ],
)
def test_bad_script_lines_are_named(line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_script([line])
