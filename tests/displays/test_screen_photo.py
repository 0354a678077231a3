"""The big screen's animated photo finish of the last buzz (issue 14), in Chromium against the
fake server: lanes for every press, the earliest first, margins in ms, the outcome in the
screen's language, and none of the host's anti-cheat details."""

from __future__ import annotations

import time
from typing import Any

import pytest

from displays.messages import catalogue

from .browser import FakeServer, expect, open_page, screenshot, wait_for
from .scenes import Scene

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_the_screen_races_the_photo_finish_of_the_last_buzz(browser: Any, lang: str) -> None:
    scene = Scene(int(time.time() * 1_000_000)).start().buzzer_open()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        f"/screen/bsq-test?lang={lang}#token=st_test",
        viewport={"width": 1920, "height": 1080},
    )
    panel = page.locator("[data-screen-photo]")
    expect()(page.locator("[data-options] li").first).to_be_visible()
    expect()(panel).to_be_hidden()
    scene.photo_finish()  # Šiauliai and Jelgava 0.4 ms apart (a tie), Liepāja clamped later
    server.push(["buzz_accepted", "buzz_awarded"])
    t = catalogue(lang)
    expect()(panel).to_be_visible()
    expect()(panel.locator(".screen-photo-title")).to_have_text(t["photo_finish"])
    lanes = panel.locator(".screen-photo-lane")
    expect()(lanes).to_have_count(3)
    assert lanes.nth(0).get_attribute("data-team") == "siauliai"
    assert lanes.nth(1).get_attribute("data-team") == "jelgava"
    assert lanes.nth(2).get_attribute("data-team") == "liepaja"
    expect()(lanes.nth(0).locator(".screen-photo-margin")).to_have_text("0 ms")
    expect()(lanes.nth(1).locator(".screen-photo-margin")).to_contain_text("0")
    expect()(lanes.nth(1).locator(".screen-photo-margin")).to_contain_text("4 ms")
    outcome = panel.locator("[data-screen-photo-outcome]")
    expect()(outcome).to_contain_text("Jelgava, Šiauliai")
    winner = scene.state.question.answering_team
    expect()(panel.locator(".screen-photo-lane.winner")).to_have_attribute("data-team", winner)
    # the earliest lane runs fastest
    races = [
        lane.evaluate("e => getComputedStyle(e).getPropertyValue('--race')")
        for lane in (lanes.nth(0), lanes.nth(2))
    ]
    assert float(races[0].strip().rstrip("s")) < float(races[1].strip().rstrip("s"))
    page.wait_for_timeout(2900)  # the race is over, margins and outcome shown
    screenshot(page, f"screen-photo-finish-{lang}")
    html = panel.inner_html()
    assert "clamped" not in html and "allowed" not in html
    page.context.close()


def test_the_host_lists_every_photo_finish_of_the_contest(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000)).start().buzzer_open().photo_finish()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        "/host/bsq-test?lang=lt#secret=hs_test_secret",
        viewport={"width": 1500, "height": 1100},
    )
    history = page.locator("[data-pf-history]")
    expect()(history).to_be_visible()
    expect()(history.locator("[data-pf-history-count]")).to_have_text("(1)")
    item = history.locator("details.pf-history-item")
    expect()(item).to_have_count(1)
    t = catalogue("lt")
    summary = item.locator("summary")
    expect()(summary).to_contain_text(t["round_n"].replace("{n}", "1"))
    expect()(summary).to_contain_text("Jelgava, Šiauliai")
    summary.click()
    expect()(item.locator("[data-pf-rows] tr")).to_have_count(3)
    expect()(item.locator(".clamped-mark")).to_have_count(1)
    screenshot(page, "host-photo-finish-history-lt")
    page.context.close()


def test_the_host_sets_a_players_touch_latency(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000)).start()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        "/host/bsq-test?lang=lv#secret=hs_test_secret",
        viewport={"width": 1500, "height": 1100},
    )
    button = page.locator("[data-touch-latency='p-anna']")
    expect()(button).to_have_text("–")  # after a drawn stopwatch (an SVG), never an emoji
    expect()(button.locator("svg")).to_have_count(1)
    expect()(button).to_have_attribute("title", catalogue("lv")["touch_latency"])
    page.once("dialog", lambda dialog: dialog.accept("28"))
    button.click()
    wait_for(lambda: server.sent_by("host", "command"), page, "the console's command")
    assert server.sent_by("host", "command")[-1]["command"] == {
        "type": "set_touch_latency",
        "player_id": "p-anna",
        "latency_ms": 28,
    }
    page.context.close()
