"""The host console shows the touch latency measured at the buzzer check and offers it (issue 14,
docs/game-rules.md "Tablet latency"), in Chromium against the fake server."""

from __future__ import annotations

import time
from typing import Any

import pytest

from displays.messages import plurals

from .browser import FakeServer, expect, open_page, wait_for
from .scenes import Scene

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_the_measured_latency_is_shown_and_offered(browser: Any, lang: str) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)).start())
    page = open_page(
        browser,
        server,
        f"/host/bsq-test?lang={lang}#secret=hs_test_secret",
        viewport={"width": 1500, "height": 1100},
    )
    button = page.locator("[data-touch-latency='p-anna']")
    expect()(button).to_have_text("–")  # after a drawn stopwatch, never the ⏱ emoji
    expect()(button.locator("svg")).to_have_count(1)
    calibration = {"p-anna": {"samples": 12, "median_ms": 27.6, "suggested_ms": 28}}
    for connection in server.connections:
        if connection.role == "host":
            server._send(connection, {"type": "calibration", "players": calibration})
    expect()(button).to_have_text("– → 28?")
    expect()(button).to_have_attribute("data-measured", "28")
    twelve = {"lv": "zero", "en": "other"}[lang]  # CLDR: 12 is lv "zero" (11–19), en "other"
    measured = plurals(lang)["touch_latency_measured"][twelve].format(ms="28", n=12)
    assert measured in (button.get_attribute("title") or "")
    offered: list[str] = []

    def answer(dialog: Any) -> None:
        offered.append(dialog.default_value)
        dialog.accept(dialog.default_value)

    page.once("dialog", answer)
    button.click()
    wait_for(lambda: server.sent_by("host", "command"), page, "the console's command")
    assert offered == ["28"]
    assert server.sent_by("host", "command")[-1]["command"] == {
        "type": "set_touch_latency",
        "player_id": "p-anna",
        "latency_ms": 28,
    }
    page.context.close()
