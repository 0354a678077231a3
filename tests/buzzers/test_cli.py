"""``quiz buzzers monitor | lamps | simulate`` as an operator runs them."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

import pytest

from buzzers.bz1 import U32, LampMode
from buzzers.simulator import PtySimulator
from server.cli import main
from tests.buzzers.conftest import MS, TIMEOUT_S

REPO = Path(__file__).resolve().parents[2]
MakeSim = Callable[..., PtySimulator]


def press_once_heard(sim: PtySimulator, channels: list[int]) -> threading.Thread:
    """Press ``channels`` as soon as the monitor has opened the port and spoken to the box."""

    def run() -> None:
        assert sim.host_heard.wait(TIMEOUT_S)
        for channel in channels:
            sim.press(channel, hold_s=0.02)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_monitor_json_gives_each_press_on_this_machines_monotonic_clock(
    make_simulator: MakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_simulator(drift=0.002, start_us=U32 - 2_000_000)
    presser = press_once_heard(sim, [3, 5])
    status = main(
        ["buzzers", "monitor", str(sim.link), "--json", "--count", "2", "--duration", "30"]
    )
    presser.join()
    out, err = capsys.readouterr()
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["channel"] for r in records] == [3, 5]
    truth = {t.seq: t for t in sim.truth if t.kind == "press"}
    for record in records:
        assert {"channel", "seq", "device_us", "host_ns", "bound_ns"} <= record.keys()
        true = truth[record["seq"]]
        assert record["device_us"] == true.device_us
        assert abs(record["host_ns"] - true.host_ns) < 1 * MS
        assert abs(record["host_ns"] - true.host_ns) <= record["bound_ns"]
    statuses = [json.loads(line)["status"] for line in err.splitlines()]
    assert statuses[:2] == ["connected", "synchronised"]


def test_monitor_prints_readable_lines_for_a_simple_line_box(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    link = tmp_path / "linebox"
    link.symlink_to(os.ttyname(slave))
    done = threading.Event()

    def keep_pressing() -> None:  # the port flushes on open, so repeat until the monitor is done
        while not done.wait(0.1):
            os.write(master, b"B7\r\n")

    writer = threading.Thread(target=keep_pressing)
    writer.start()
    try:
        status = main(
            ["buzzers", "monitor", str(link), "--adapter", "lines", "--pattern", "B{ch}",
             "--count", "1", "--duration", "30"]
        )  # fmt: skip
    finally:
        done.set()
        writer.join()
        os.close(master)
        os.close(slave)
    out, err = capsys.readouterr()
    assert status == 0
    assert out.startswith("press   ch  7  seq     0  at ")
    assert "±15.000 ms" in out
    assert err.startswith("connected: port=")


def test_lamps_command_sets_lamps_and_reports_the_boxs_answers(
    make_simulator: MakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_simulator(channels=4)
    assert main(["buzzers", "lamps", str(sim.link), "3=on", "*=blink", "2=off"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == ["ok: command=L"] * 3
    assert sim.box.lamps == {
        1: LampMode.BLINK,
        2: LampMode.OFF,
        3: LampMode.BLINK,
        4: LampMode.BLINK,
    }


def test_lamps_command_reports_a_channel_the_box_lacks(
    make_simulator: MakeSim, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_simulator(channels=4)
    assert main(["buzzers", "lamps", str(sim.link), "6=on"]) == 1
    assert "box_error: code=bad_channel" in capsys.readouterr().out


@pytest.mark.parametrize("setting", ["3=purple", "three=on", "3"])
def test_lamps_command_refuses_bad_settings(
    setting: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["buzzers", "lamps", "/dev/null", setting]) == 2
    assert "CH=MODE" in capsys.readouterr().err


def test_buzz_adapter_without_hidapi_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "hid", None)
    assert main(["buzzers", "monitor", "auto", "--adapter", "buzz"]) == 2
    assert "hidapi" in capsys.readouterr().err


def test_simulate_refuses_a_bad_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.txt"
    script.write_text("press 1\nexplode\n")
    assert main(["buzzers", "simulate", "--script", str(script)]) == 2
    assert "script line 2" in capsys.readouterr().err


def read_line_until(stream: object, wanted: str) -> list[str]:
    """Read lines from a subprocess pipe until one contains ``wanted``."""
    lines: list[str] = []
    end = time.monotonic() + TIMEOUT_S
    while time.monotonic() < end:
        ready, _, _ = select.select([stream], [], [], 0.2)
        if ready:
            line = stream.readline()  # type: ignore[attr-defined]
            lines.append(line)
            if wanted in line:
                return lines
    raise AssertionError(f"{wanted!r} never came; got {lines}")


def test_simulate_and_monitor_as_two_processes(tmp_path: Path) -> None:
    link = tmp_path / "bz1"
    quiz = [sys.executable, "-m", "server.cli", "buzzers"]
    sim = subprocess.Popen(
        [*quiz, "simulate", "--link", str(link), "--json", "--wrap-in", "3"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sim.stdin is not None and sim.stdout is not None
    monitor = None
    try:
        read_line_until(sim.stdout, '"ready"')
        monitor = subprocess.Popen(
            [*quiz, "monitor", str(link), "--json", "--count", "3", "--duration", "60"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        read_line_until(monitor.stderr, '"synchronised"')
        sim.stdin.write("press 1\npress 2\nwait 0.2\npress 3\nwait 0.5\n")
        sim.stdin.close()
        out, _ = monitor.communicate(timeout=60)
        assert monitor.returncode == 0
        truth_lines = sim.stdout.read()
        assert sim.wait(timeout=60) == 0
    finally:
        for process in (sim, monitor):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    seen = [json.loads(line) for line in out.splitlines()]
    truth = {
        r["seq"]: r for r in map(json.loads, truth_lines.splitlines()) if r.get("event") == "press"
    }
    assert [r["channel"] for r in seen] == [1, 2, 3]
    for record in seen:
        assert abs(record["host_ns"] - truth[record["seq"]]["host_ns"]) < 1 * MS
