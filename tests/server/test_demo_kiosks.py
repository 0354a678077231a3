"""``quiz demo`` prints a registration kiosk link per city whose library is configured (issue 13).

The demo runs as a subprocess, like in tests/server/test_live_server.py. ``QUIZ_LIBRARIES`` names
libraries for Jelgava and Šiauliai (nothing listens at their address: making a kiosk never asks
the library), so Jelgava and Šiauliai get a kiosk link in their language and Liepāja none; without
the setting no kiosk line is printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from loadtests.harness import free_port

LIBRARY = {"host": "127.0.0.1", "port": 9, "institution_id": "X", "user": "u", "password": "p"}


def run_demo(tmp_path: Path, **settings: str) -> tuple[int, str]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")} | settings
    options = ["--port", str(port), "--data-dir", str(tmp_path), "--duration", "1"]
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo", *options],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return port, done.stdout


def test_quiz_demo_prints_kiosk_links_for_the_configured_libraries(tmp_path: Path) -> None:
    libraries = json.dumps({"Jelgava": LIBRARY, "Šiauliai": LIBRARY})
    port, out = run_demo(
        tmp_path, QUIZ_LIBRARIES=libraries, QUIZ_CARD_HASH_SECRET="demo-test-card-hash-secret"
    )
    for city, lang in (("Jelgava", "lv"), ("Šiauliai", "lt")):
        assert re.search(
            rf"Kiosk {city} *: http://127\.0\.0\.1:{port}/kiosk/demo\?lang={lang}#token=kt_\S+",
            out,
        ), out
    assert "Kiosk Liepāja" not in out
    assert "The host secret and screen and kiosk tokens above are shown only once" in out


def test_quiz_demo_without_libraries_prints_no_kiosk(tmp_path: Path) -> None:
    _port, out = run_demo(tmp_path)
    assert "/play/demo" in out and "/kiosk/" not in out
    assert "The host secret and screen tokens above are shown only once" in out
