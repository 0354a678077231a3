"""The host console names a false-started team and forgives it with one button (issue 16)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from displays.messages import catalogue
from game import commands as c

from .browser import FakeServer, open_page, screenshot, wait_for
from .scenes import MS, S, Scene

pytestmark = pytest.mark.browser


def false_started() -> Scene:
    """Liepāja presses while the question is read, before the buzzers open."""
    scene = Scene(int(time.time() * 1_000_000)).start()
    scene.run(c.ShowQuestion)
    scene.wait(S)
    scene.run(
        c.Buzz,
        team_id="liepaja",
        player_id="p-liga",
        pressed_at=scene.now - 20 * MS,
        bound_us=2 * MS,
        allowed_path_us=100 * MS,
    )
    return scene


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_host_forgives_a_false_start(browser: Any, lang: str) -> None:
    scene = false_started()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        f"/host/bsq-test?lang={lang}#secret=hs_test_secret",
        viewport={"width": 1280, "height": 800},
    )
    texts = catalogue(lang)  # type: ignore[arg-type]
    item = page.locator("[data-false-starts] li")
    item.wait_for()
    assert texts["false_started_team"].format(team="Liepāja") in item.inner_text()
    screenshot(page, f"host-false-start-{lang}")
    item.get_by_role("button", name=texts["cmd_forgive_false_start"]).click()
    wait_for(lambda: server.sent_by("host", "command"), page, "the console's command")
    assert server.sent_by("host", "command")[-1]["command"] == {
        "type": "forgive_false_start",
        "team_id": "liepaja",
    }
    scene.run(c.ForgiveFalseStart, team_id="liepaja")
    server.push(["false_start_forgiven"])
    page.locator("[data-false-starts]").wait_for(state="hidden")
