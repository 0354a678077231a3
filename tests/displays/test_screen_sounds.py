"""The big screen's optional sounds (issue 16), in Chromium against the fake server.

The cues are not listened to: the page records each cue it plays in ``window.__quizSounds``, and a
script installed before the page's own counts the audio contexts it creates. Off by default
nothing is created; once the sound button is pressed, a buzz, a time-up and a reveal each play
their cue exactly once — not again for a view sent again, after a reload, or while paused.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from displays.messages import catalogue
from game import commands as c

from .browser import ORIGIN, WAIT_MS, FakeServer, expect, screenshot, wait_for
from .scenes import S, Scene

pytestmark = pytest.mark.browser
SCREEN = {"width": 1920, "height": 1080}

# Runs before the page's modules: counts the AudioContexts the page creates.
COUNT_CONTEXTS = """
window.__audioContexts = 0;
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  constructor(...args) { super(...args); window.__audioContexts += 1; }
};
"""


def _open(browser: Any, server: FakeServer, path: str, before: str) -> Any:
    """``browser.open_page`` with a script that runs before the page's own."""
    context = browser.new_context(viewport=SCREEN)
    context.add_init_script(before)
    server.install(context)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{ORIGIN}{path}")
    return page


def _screen(browser: Any, server: FakeServer, query: str = "lang=en") -> Any:
    page = _open(browser, server, f"/screen/bsq-test?{query}#token=st_test", COUNT_CONTEXTS)
    expect()(page.locator("[data-sound-control]")).to_be_visible()
    return page


def _cues(page: Any) -> list[str]:
    return [entry["cue"] for entry in page.evaluate("window.__quizSounds")]


def _push_new(server: FakeServer, since: int) -> None:
    """Send the views of the scene's events after ``since``, with their types."""
    server.push([row["type"] for row in server.scene.log if row["seq"] > since])


def _drawn(page: Any, seq: int) -> None:
    wait_for(lambda: page.evaluate("window.__drawnSeq || 0") >= seq, page, f"view {seq} drawn")


def _track_drawn(page: Any) -> None:
    page.evaluate(
        "document.addEventListener('screen:drawn', (e) => { window.__drawnSeq = e.detail.seq; })"
    )


def _turn_on(page: Any) -> None:
    toggle = page.locator("[data-sound-toggle]")
    toggle.click()
    expect()(toggle).to_have_attribute("aria-pressed", "true")
    wait_for(
        lambda: page.evaluate("document.querySelector('[data-sound-prompt]').hidden"),
        page,
        "the audio to run",
    )


def test_the_screen_is_silent_until_its_sound_is_turned_on(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000)).start().buzzer_open()
    server = FakeServer(scene)
    page = _screen(browser, server)
    _track_drawn(page)
    toggle = page.locator("[data-sound-toggle]")
    expect()(toggle).to_have_attribute("aria-pressed", "false")
    expect()(toggle).to_have_text(catalogue("en")["sound_off"])
    expect()(page.locator("[data-sound-volume]")).to_be_hidden()
    expect()(page.locator("[data-sound-prompt]")).to_be_hidden()
    seq = scene.seq
    scene.photo_finish()
    _push_new(server, seq)
    _drawn(page, scene.seq)
    seq = scene.seq
    scene.judge_answering(correct=True).reveal()
    _push_new(server, seq)
    _drawn(page, scene.seq)
    assert page.evaluate("window.__audioContexts") == 0
    assert _cues(page) == []
    page.context.close()


def test_a_buzz_and_the_reveal_each_play_their_cue_once(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000)).start().buzzer_open()
    server = FakeServer(scene)
    page = _screen(browser, server, "lang=lv")
    _track_drawn(page)
    _turn_on(page)
    t = catalogue("lv")
    expect()(page.locator("[data-sound-toggle]")).to_have_text(t["sound_on"])
    expect()(page.locator("[data-sound-volume]")).to_be_visible()
    seq = scene.seq
    scene.photo_finish()
    _push_new(server, seq)
    wait_for(lambda: _cues(page) == ["buzz"], page, "the buzz cue")
    expect()(page.locator("[data-buzz]")).to_be_visible()
    screenshot(page, "screen-sound-on-lv")
    server.push(["buzz_accepted", "buzz_awarded"])  # the same view again
    _drawn(page, scene.seq)
    seq = scene.seq
    scene.judge_answering(correct=True)  # judged before the answer clock ran out: no time-up
    _push_new(server, seq)
    _drawn(page, scene.seq)
    seq = scene.seq
    scene.reveal()
    _push_new(server, seq)
    wait_for(lambda: _cues(page) == ["buzz", "reveal"], page, "the reveal cue")
    server.push(["answer_revealed"])
    _drawn(page, scene.seq)
    assert _cues(page) == ["buzz", "reveal"]
    assert page.evaluate("window.__audioContexts") == 1
    # the choice is kept in this browser; a reload mid-question plays nothing old
    page.reload()
    _track_drawn(page)
    expect()(page.locator("[data-sound-toggle]")).to_have_attribute("aria-pressed", "true")
    expect()(page.locator(".question-stage.revealed")).to_be_visible()
    page.wait_for_timeout(400)  # a couple of the screen's clock ticks
    assert _cues(page) == []
    page.context.close()


def _buzzers_open_until(server: FakeServer, offset_s: float) -> Scene:
    """The page's scene again, timed now: once a team wins the buzz (``photo_finish``), its
    answer clock ends ``offset_s`` seconds from now on the wall clock, the fake server's."""
    probe = Scene(0).start().buzzer_open().photo_finish()
    assert probe.state.question is not None and probe.state.question.answer_deadline is not None
    length = probe.state.question.answer_deadline  # from the scene's start
    scene = Scene(int((time.time() + offset_s) * 1_000_000) - length).start().buzzer_open()
    assert scene.seq == server.scene.seq  # the same views, later: the page goes on with them
    server.scene = scene
    return scene


def test_the_server_running_the_answer_clock_out_plays_the_time_up_cue_once(
    browser: Any,
) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)).start().buzzer_open())
    page = _screen(browser, server)
    _track_drawn(page)
    _turn_on(page)
    scene = _buzzers_open_until(server, -0.3)  # the server's timer fires as the view arrives
    seq = scene.seq
    scene.photo_finish()
    _push_new(server, seq)
    wait_for(lambda: _cues(page) == ["buzz"], page, "the buzz cue")
    q = scene.state.question
    assert q is not None and q.answer_deadline is not None
    seq = scene.seq
    scene.now = q.answer_deadline
    scene.run(c.TimerFired, key="answer_time", due=q.answer_deadline)  # judged wrong: time up
    _push_new(server, seq)
    wait_for(lambda: _cues(page) == ["buzz", "timeup"], page, "the time-up cue")
    server.push(["judged"])
    _drawn(page, scene.seq)
    page.wait_for_timeout(400)  # a couple of the screen's clock ticks
    assert _cues(page) == ["buzz", "timeup"]
    page.context.close()


def test_a_countdown_reaching_zero_on_screen_plays_the_time_up_cue(browser: Any) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)).start().buzzer_open())
    page = _screen(browser, server)
    _turn_on(page)
    scene = _buzzers_open_until(server, 1.0)
    seq = scene.seq
    scene.photo_finish()
    _push_new(server, seq)
    wait_for(lambda: "timeup" in _cues(page), page, "the answer clock to run out")
    assert _cues(page) == ["buzz", "timeup"]
    page.context.close()


def test_nothing_plays_while_the_contest_is_paused(browser: Any) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)).start().buzzer_open())
    page = _screen(browser, server)
    _track_drawn(page)
    _turn_on(page)
    scene = _buzzers_open_until(server, 1.5)
    seq = scene.seq
    scene.photo_finish()
    _push_new(server, seq)
    wait_for(lambda: _cues(page) == ["buzz"], page, "the buzz cue")
    q = scene.state.question
    assert q is not None and q.answer_deadline is not None
    deadline_s = q.answer_deadline / 1_000_000
    seq = scene.seq
    scene.now = q.answer_deadline - S
    scene.run(c.Pause)  # the answer clock stands at one second
    _push_new(server, seq)
    _drawn(page, scene.seq)
    expect()(page.locator("[data-paused]")).to_be_visible()
    assert time.time() < deadline_s, "paused too late to tell"
    # the deadline passes on the wall clock, not on the contest's
    wait_for(lambda: time.time() > deadline_s + 0.5, page, "the wall clock to pass the deadline")
    assert _cues(page) == ["buzz"]
    page.context.close()


def test_a_sound_link_shows_the_one_tap_prompt(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000)).start()
    server = FakeServer(scene)
    page = _screen(browser, server, "lang=lt&sound=on")
    prompt = page.locator("[data-sound-prompt]")
    expect()(prompt).to_be_visible()
    expect()(prompt).to_contain_text(catalogue("lt")["sound_enable"])
    assert page.evaluate("window.__audioContexts") == 0
    screenshot(page, "screen-sound-prompt-lt")
    prompt.locator("button").click()
    expect()(prompt).to_be_hidden()
    expect()(page.locator("[data-sound-toggle]")).to_have_attribute("aria-pressed", "true")
    page.context.close()


def test_a_browser_without_web_audio_shows_no_sound_control(browser: Any) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)).start())
    no_audio = "delete window.AudioContext; delete window.webkitAudioContext;"
    page = _open(browser, server, "/screen/bsq-test?sound=on#token=st_test", no_audio)
    expect()(page.locator("[data-scoreboard-rows] tr")).to_have_count(3)
    expect()(page.locator("[data-sound-control]")).to_be_hidden()
    expect()(page.locator("[data-sound-prompt]")).to_be_hidden()
    page.context.close()
