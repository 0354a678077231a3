"""The reference firmware compiles with Debian's Arduino toolchain and speaks the documented bz1."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buzzers import framing, session

FIRMWARE = Path(__file__).resolve().parents[2] / "buzzers" / "firmware" / "bz1"
SKETCH = (FIRMWARE / "bz1.ino").read_text(encoding="utf-8")
ARDUINO_MK = Path("/usr/share/arduino/Arduino.mk")


def need_toolchain() -> None:
    missing = [
        name
        for name, present in (
            ("avr-gcc", shutil.which("avr-gcc") is not None),
            ("make", shutil.which("make") is not None),
            ("arduino-mk", ARDUINO_MK.exists()),
        )
        if not present
    ]
    if not missing:
        return
    reason = f"the firmware build needs {', '.join(missing)} (apt-get install arduino-mk)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must build the firmware: {reason}")
    pytest.skip(reason)


@pytest.mark.parametrize("board", ["leonardo", "uno"])
def test_the_firmware_compiles(board: str, tmp_path: Path) -> None:
    need_toolchain()
    result = subprocess.run(
        ["make", "-C", str(FIRMWARE), f"BOARD_TAG={board}", f"OBJDIR={tmp_path}", "BOX_ID=test-1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert any(tmp_path.glob("*.hex"))


def test_the_firmware_uses_the_protocol_constants() -> None:
    assert f"MAX_LINE = {framing.MAX_LINE};" in SKETCH
    assert '"HELLO proto=1 fw="' in SKETCH
    heartbeat_ms = int(re.search(r"HEARTBEAT_MS = (\d+);", SKETCH)[1])  # type: ignore[index]
    assert heartbeat_ms * 3 <= session.HEARTBEAT_TIMEOUT_NS // 1_000_000
    for reply in ('"OK L"', '"OK ARM"', '"OK DISARM"', '"T %s %lu %lu"', '"HB %lu %lx"'):
        assert reply in SKETCH


def test_without_the_toolchain_the_build_skips_with_a_reason_outside_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ARDUINO_MK", Path("/nonexistent/Arduino.mk"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install arduino-mk"):
        need_toolchain()


def test_without_the_toolchain_ci_fails_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ARDUINO_MK", Path("/nonexistent/Arduino.mk"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must build the firmware"):
        need_toolchain()
