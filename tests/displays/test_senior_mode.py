"""Senior and accessible mode in the browser (docs/game-rules.md, "Senior and accessible mode"):
the host sets a team's time mode on the console's teams list, and a senior team's tablet turns on
larger text by itself and counts down to the team's own, later deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest

from displays.messages import catalogue
from game import commands as c

from .browser import ORIGIN, FakeServer, open_page, screenshot
from .scenes import Scene

pytestmark = pytest.mark.browser


def seconds_left(text: str) -> int:
    """A countdown's value ("45" or "1:03") in seconds."""
    minutes, _, seconds = text.rpartition(":")
    return int(minutes or 0) * 60 + int(seconds)


def test_a_senior_teams_tablet_has_larger_text_and_its_own_deadline(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="extended")
    scene.run(c.StartContest)
    scene.run(c.StartRound, round_index=1)  # the all-play round: 30 s, 60 s for Jelgava
    scene.run(c.ShowQuestion)
    server = FakeServer(scene)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    server.install(context)
    page = context.new_page()
    page.goto(f"{ORIGIN}/play/bsq-test?lang=lv#code=JEL-4821")
    page.fill("[data-join-name]", "Anna K.")
    page.click("[data-join-button]")
    page.locator("[data-countdown-value]:not(:empty)").wait_for()
    large = page.locator("[data-view-option='large']")
    assert large.get_attribute("aria-pressed") == "true"
    assert "a11y-large" in page.evaluate("document.documentElement.className")
    # the standard teams' 30 s have not all gone, and the tablet shows Jelgava's longer time
    assert seconds_left(page.locator("[data-countdown-value]").inner_text()) > 35
    screenshot(page, "tablet-senior-team-lv-390")
    large.click()  # the player may still turn it off
    assert "a11y-large" not in page.evaluate("document.documentElement.className")
    context.close()


def test_the_host_sets_a_teams_time_mode_on_the_console(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    server = FakeServer(scene)
    path = f"/host/bsq-test?lang=en#secret={server.host_secret}"
    page = open_page(browser, server, path, viewport={"width": 1280, "height": 900})
    t = catalogue("en")
    choice = page.locator("[data-time-mode='liepaja']")
    choice.wait_for(state="attached")
    assert choice.input_value() == "standard"
    assert page.locator("[data-time-modes] h3").inner_text() == t["time_modes_heading"]
    choice.select_option("untimed")
    page.locator("[data-time-mode-team='liepaja'][data-mode='untimed']").wait_for(state="attached")
    assert scene.state.teams["liepaja"].time_mode == "untimed"
    assert page.locator("[data-time-mode='liepaja']").input_value() == "untimed"
    page.locator("[data-time-modes]").scroll_into_view_if_needed()
    screenshot(page, "host-time-modes-en-1280")
    page.context.close()


@pytest.mark.parametrize(
    ("mode", "key"), [("extended", "countdown_extended"), ("untimed", "countdown_untimed")]
)
def test_screens_show_that_senior_teams_still_answer_after_the_standard_time(
    browser: Any, mode: str, key: str
) -> None:
    """The standard teams' 30 s are over, Jelgava (senior mode) still answers: the big screen
    and the host console say so — with the time left, or without a clock when untimed — instead
    of a clock standing at 0 that invites the host to lock Jelgava out."""
    shown = time.time() - 35  # the question was shown 35 s ago
    scene = Scene(int(shown * 1_000_000))
    scene.run(c.SetTeamTimeMode, team_id="jelgava", time_mode=mode)
    scene.run(c.StartContest)
    scene.run(c.StartRound, round_index=1)  # the all-play round: 30 s, 60 s for Jelgava
    scene.run(c.ShowQuestion)
    t = catalogue("lt")
    for path in (
        "/screen/bsq-test?lang=lt#token=st_jelgava",
        "/host/bsq-test?lang=lt#secret=hs_test_secret",
    ):
        page = open_page(browser, FakeServer(scene), path, viewport={"width": 1280, "height": 800})
        label = page.locator("[data-countdown] [data-countdown-label]").first
        label.wait_for()
        page.wait_for_function(
            "text => document.querySelector('[data-countdown-label]').textContent === text",
            arg=t[key],
        )
        value = page.locator("[data-countdown] [data-countdown-value]").first.inner_text()
        if mode == "extended":
            assert 15 < seconds_left(value) <= 25, value  # about 60 − 35 s
        else:
            assert value == ""
        page.context.close()
