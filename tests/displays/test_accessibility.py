"""Accessibility: axe-core finds nothing serious on any page, and the tablet's senior mode works.

axe-core (the accessibility engine, its ``axe.min.js`` as the ``axe-playwright-python`` wheel ships
it) runs in headless Chromium on every page in every language — start page, host console during a
buzz, tablet joining, buzzing and answering (also in high contrast and larger text), big screen,
audience, kiosk, admin area and results — against the fake server of ``browser.py``; a violation of
impact *serious* or *critical* fails the test and is listed with its nodes.

The tablet's accessible mode: larger text and high contrast are toggles kept in the browser, and
read-aloud speaks the question and its options with a voice of the page's language — disabled,
saying why, where the browser has none (headless Chromium has no voices; a test stands in one).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from displays import render_page
from displays.after import render_after
from displays.messages import catalogue
from game.questions import SingleChoice

from .browser import ORIGIN, FakeServer, screenshot
from .scenes import Scene

pytestmark = pytest.mark.browser
LANGS = ("lv", "lt", "en")
BLOCKING = ("serious", "critical")


def axe_script() -> str:
    """axe.min.js from the axe-playwright-python wheel (a test dependency)."""
    try:
        import axe_playwright_python
    except ImportError:
        if os.environ.get("QUIZ_TEST_BROWSER") == "required":
            pytest.fail("QUIZ_TEST_BROWSER=required but axe-playwright-python is not installed")
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[test]')")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def blocking_violations(page: Any) -> list[str]:
    """Run axe-core on the page; the serious and critical violations, one line each."""
    page.evaluate(axe_script())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {v['help']} — "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def open_context(browser: Any, server: FakeServer, **options: Any) -> Any:
    context = browser.new_context(**options)
    server.install(context)
    title = server.scene.state.title

    def after(route: Any) -> None:  # the admin area and the results page (served by quiz serve)
        url = route.request.url
        lang = url.split("lang=")[1][:2] if "lang=" in url else "lv"
        kind = "admin" if "/admin" in url else "results"
        html = render_after(kind, lang=lang, contest_id="bsq-test", contest_title=title)
        route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")

    def kiosk(route: Any) -> None:
        lang = route.request.url.split("lang=")[1][:2]
        html = render_page("kiosk", contest_id="bsq-test", lang=lang, contest_title=title)
        route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")

    context.route(f"{ORIGIN}/admin?*", after)
    context.route(f"{ORIGIN}/results/**", after)
    context.route(f"{ORIGIN}/kiosk/**", kiosk)
    return context


def settle(page: Any) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(400)  # the first view drawn


@pytest.mark.parametrize("lang", LANGS)
def test_no_serious_accessibility_violations_on_any_page(browser: Any, lang: str) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open().photo_finish()
    server = FakeServer(scene)
    failures: list[str] = []

    def check(name: str, path: str, prepare: Any = None, **options: Any) -> None:
        context = open_context(browser, server, **options)
        page = context.new_page()
        page.goto(f"{ORIGIN}{path}")
        settle(page)
        if prepare:
            prepare(page)
            settle(page)
        failures.extend(f"{lang} {name}: {line}" for line in blocking_violations(page))
        context.close()

    def join(page: Any) -> None:
        page.fill("[data-join-name]", "Anna K.")
        page.click("[data-join-button]")
        page.locator("[data-play]").wait_for()

    def join_in_senior_mode(page: Any) -> None:
        join(page)
        page.click("[data-view-option='large']")
        page.click("[data-view-option='contrast']")

    phone = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
    check("start page", f"/?lang={lang}")
    check("host console", f"/host/bsq-test?lang={lang}#secret=hs_test_secret")
    check("tablet join", f"/play/bsq-test?lang={lang}", **phone)
    check("tablet answering", f"/play/bsq-test?lang={lang}#code=JEL-4821", join, **phone)
    check("tablet buzzer", f"/play/bsq-test?lang={lang}#code=LIE-1234", join, **phone)
    check(
        "tablet senior mode",
        f"/play/bsq-test?lang={lang}#code=JEL-4821",
        join_in_senior_mode,
        **phone,
    )
    screen = {"viewport": {"width": 1920, "height": 1080}}
    check("big screen", f"/screen/bsq-test?lang={lang}#token=st_jelgava", **screen)
    check("audience", f"/watch/bsq-test?lang={lang}")
    check("kiosk", f"/kiosk/bsq-test?lang={lang}#token=kt_test")
    check("admin area", f"/admin?lang={lang}")
    check("results", f"/results/bsq-test?lang={lang}")
    assert not failures, "\n".join(failures)


def test_larger_text_and_high_contrast_are_kept_in_the_browser(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open()
    server = FakeServer(scene)
    context = open_context(browser, server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{ORIGIN}/play/bsq-test?lang=lv#code=JEL-4821")
    page.fill("[data-join-name]", "Anna K.")
    page.click("[data-join-button]")
    large = page.locator("[data-view-option='large']")
    contrast = page.locator("[data-view-option='contrast']")
    assert large.get_attribute("aria-label") == catalogue("lv")["large_text"]
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    large.click()
    contrast.click()
    assert large.get_attribute("aria-pressed") == "true"
    bigger = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert bigger > size
    ink = "getComputedStyle(document.querySelector('.question-text')).color"
    assert page.evaluate(ink) == "rgb(0, 0, 0)"
    page.reload()
    page.locator("[data-play]").wait_for()
    assert page.evaluate("document.documentElement.className") == "a11y-large a11y-contrast"
    assert page.locator("[data-view-option='contrast']").get_attribute("aria-pressed") == "true"
    screenshot(page, "tablet-senior-mode-lv-390")
    page.click("[data-view-option='large']")
    assert "a11y-large" not in page.evaluate("document.documentElement.className")
    context.close()


# Stands in for the browser's speech synthesis: voices for the asked languages, and a record of
# what was spoken.
FAKE_SPEECH = """
(() => {
  const voices = (window.__voiceLangs || []).map((lang) => ({ lang, name: `fake ${lang}` }));
  window.__spoken = [];
  const synth = new EventTarget();
  synth.getVoices = () => voices;
  synth.speak = (utterance) => window.__spoken.push({
    text: utterance.text, lang: utterance.lang, voice: utterance.voice && utterance.voice.lang });
  synth.cancel = () => {};
  Object.defineProperty(window, "speechSynthesis", { value: synth });
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
})();
"""


@pytest.mark.parametrize(("voices", "speaks"), [(["lv-LV", "en-GB"], True), (["en-US"], False)])
def test_read_aloud_speaks_the_question_with_a_voice_of_its_language(
    browser: Any, voices: list[str], speaks: bool
) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open()
    server = FakeServer(scene)
    context = open_context(browser, server)
    context.add_init_script(f"window.__voiceLangs = {voices!r};" + FAKE_SPEECH)
    page = context.new_page()
    page.goto(f"{ORIGIN}/play/bsq-test?lang=lv#code=JEL-4821")
    page.fill("[data-join-name]", "Anna K.")
    page.click("[data-join-button]")
    button = page.locator("[data-read-aloud]")
    page.locator("[data-question-text]:not(:empty)").wait_for()
    t = catalogue("lv")
    if not speaks:  # no Latvian voice: the button says so and does nothing
        assert button.is_disabled()
        assert button.get_attribute("aria-label") == t["read_aloud_no_voice"]
        context.close()
        return
    assert button.get_attribute("aria-label") == t["read_aloud"]
    button.click()
    spoken = page.evaluate("window.__spoken")
    question = scene.buzz_question
    assert isinstance(question, SingleChoice)
    assert len(spoken) == 1 and spoken[0]["lang"] == "lv-LV" and spoken[0]["voice"] == "lv-LV"
    assert spoken[0]["text"].startswith(question.text["lv"])
    for option in question.options:
        assert option.text["lv"] in spoken[0]["text"]
    context.close()


def test_without_speech_synthesis_there_is_no_read_aloud_button(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    server = FakeServer(scene)
    context = open_context(browser, server)
    context.add_init_script("delete window.speechSynthesis; delete window.SpeechSynthesisUtterance")
    page = context.new_page()
    page.goto(f"{ORIGIN}/play/bsq-test?lang=en#code=JEL-4821")
    page.fill("[data-join-name]", "Anna K.")
    page.click("[data-join-button]")
    page.locator("[data-play]").wait_for()
    assert page.locator("[data-read-aloud]").is_hidden()
    context.close()


def test_a_tablet_link_can_turn_the_senior_mode_on(browser: Any) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)))
    context = open_context(browser, server)
    page = context.new_page()
    page.goto(f"{ORIGIN}/play/bsq-test?lang=lt&view=large,contrast,nonsense#code=JEL-4821")
    page.locator("[data-join]").wait_for()
    assert page.evaluate("document.documentElement.className") == "a11y-large a11y-contrast"
    page.goto(f"{ORIGIN}/play/bsq-test?lang=lt")  # kept in the browser
    page.locator("[data-join]").wait_for()
    assert page.evaluate("document.documentElement.className") == "a11y-large a11y-contrast"
    context.close()
