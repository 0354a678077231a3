"""The team tablet on a phone (390x844): every question's answer control is on screen at once.

Every question of the shipped pack reaches a phone at the moment its team must answer — its turn
after a buzz in a buzzer round, the open answers of an all-play round and (numeric questions) of an
estimation round (``pack_scenes``, Šiauliai's views). After each view the tablet says it has drawn
it (the ``tablet:drawn`` event) and a listener installed before the page's scripts measures: the
page is scrolled to the top, nothing is wider than the phone, and the whole answer form — every
choice, the number or text field, the ordering list and the send button — ends inside the viewport.
The smaller joys of a phone are tested here too: the ± key of number answers, join errors that say
what is missing, a false start explained, namesakes told apart.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import pytest

from displays.messages import catalogue
from game import commands as c

from .browser import ORIGIN, FakeServer, screenshot
from .pack_scenes import pack_views
from .scenes import MS, Scene

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LANGS = ("lv", "lt", "en")
JOIN_CODES = {"JEL-4821": "jelgava", "LIE-1234": "liepaja", "SIA-5555": "siauliai"}

MEASURE = """
window.__tabletChecks = [];
document.addEventListener("tablet:drawn", () => {
  const problems = [];
  const root = document.scrollingElement;
  // the phone's width, not innerWidth: a mobile browser widens its layout for a page too wide
  if (root.scrollWidth > 391 || window.innerWidth > 391) {
    problems.push(`page ${root.scrollWidth} px wide`);
  }
  if (window.scrollY > 0) problems.push(`scrolled to ${window.scrollY}`);
  const form = document.querySelector("[data-answer-form]");
  if (!form || form.offsetParent === null) problems.push("no answer form");
  else {
    const box = form.getBoundingClientRect();
    if (box.bottom > window.innerHeight + 1) {
      problems.push(`answer form ends at ${Math.round(box.bottom)} px`);
    }
    if (box.height < 40) problems.push("empty answer form");
  }
  const text = document.querySelector("[data-question-text]");
  if (text && text.getBoundingClientRect().top < 0) problems.push("question above the screen");
  const fit = document.querySelector("[data-play]").style.getPropertyValue("--tfit") || "1";
  window.__tabletChecks.push({ problems, fit: parseFloat(fit) });
});
"""

ANSWER_MOMENTS = ("buzzer/answering/", "all_play/answers_open/", "estimation/answers_open/")


@functools.cache
def answer_views() -> tuple[tuple[str, dict[str, Any]], ...]:
    views = pack_views("player", int(time.time() * 1_000_000), team_id="siauliai")
    return tuple((label, view) for label, view in views if label.startswith(ANSWER_MOMENTS))


def open_phone(browser: Any, server: FakeServer, path: str, script: str = "") -> Any:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    server.install(context)
    if script:
        context.add_init_script(script)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{ORIGIN}{path}")
    return page


def join(page: Any, server: FakeServer, name: str) -> None:
    page.fill("[data-join-name]", name)
    page.click("[data-join-button]")
    deadline = time.monotonic() + 10
    while not server.sent_by("player", "hello"):
        assert time.monotonic() < deadline, "the tablet never said hello"
        page.wait_for_timeout(20)


@pytest.mark.parametrize("lang", LANGS)
def test_every_answer_control_is_on_a_phone_screen(browser: Any, lang: str) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    server = FakeServer(scene, join_codes=JOIN_CODES)
    page = open_phone(browser, server, f"/play/bsq-test?lang={lang}#code=SIA-5555", MEASURE)
    join(page, server, "Rūta P.")
    connection = next(c for c in server.connections if c.role == "player")
    page.wait_for_function("window.__tabletChecks.length >= 1")
    page.evaluate("window.__tabletChecks = []")
    views = answer_views()
    for offset, (_, view) in enumerate(views):
        message = {"type": "view", "seq": scene.seq + 1 + offset, "snapshot": False, "events": []}
        message["view"] = view
        connection.socket.send(json.dumps(message))
    page.wait_for_function(f"window.__tabletChecks.length >= {len(views)}", timeout=240_000)
    checks = page.evaluate("window.__tabletChecks")
    failures = [
        f"{lang} {label}: {'; '.join(check['problems'])}"
        for (label, _), check in zip(views, checks, strict=True)
        if check["problems"]
    ]
    print(f"{lang}: {len(views)} views, smallest --tfit {min(c['fit'] for c in checks)}")
    assert not failures, f"{len(failures)} of {len(views)} views:\n" + "\n".join(failures[:40])


def test_the_number_field_takes_minus_signs_and_has_a_sign_key(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open().photo_finish().judge_answering(True).reveal()
    scene.next_round_question().lock().reveal().show_next().lock().reveal().show_next()
    server = FakeServer(scene, join_codes=JOIN_CODES)
    page = open_phone(browser, server, "/play/bsq-test?lang=lv#code=SIA-5555")
    join(page, server, "Rūta P.")
    field = page.locator("[data-number-input]")
    field.wait_for()
    sign = page.locator("[data-sign-toggle]")
    assert sign.is_visible() and sign.inner_text() == "±"
    assert sign.get_attribute("aria-label") == catalogue("lv")["sign_toggle"]
    field.fill("18")
    sign.click()
    assert field.input_value() == "-18"
    page.click("[data-answer-form] [data-send]")
    sent = lambda: server.sent_by("player", "answer")  # noqa: E731
    deadline = time.monotonic() + 10
    while not sent():
        assert time.monotonic() < deadline
        page.wait_for_timeout(20)
    assert sent()[-1]["answer"] == {"kind": "number", "value": -18}
    sign.click()
    assert field.input_value() == "18"
    field.fill("\u221240")  # the typographic minus a phone keyboard may give
    field.press("Enter")
    while len(sent()) < 2:
        assert time.monotonic() < deadline
        page.wait_for_timeout(20)
    assert sent()[-1]["answer"] == {"kind": "number", "value": -40}
    screenshot(page, "tablet-number-lv-390")


@pytest.mark.parametrize(
    ("code", "name", "key"),
    [
        ("", "Anna K.", "join_error_code_empty"),
        ("JEL-4821", "", "join_error_name_empty"),
        ("", "", "join_error_both_empty"),
    ],
)
def test_join_errors_say_what_is_missing(browser: Any, code: str, name: str, key: str) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    server = FakeServer(scene, join_codes=JOIN_CODES)
    page = open_phone(browser, server, "/play/bsq-test?lang=lt")
    page.fill("[data-join-code]", code)
    page.fill("[data-join-name]", name)
    page.click("[data-join-button]")
    error = page.locator("[data-join-error]")
    error.wait_for()
    assert error.inner_text() == catalogue("lt")[key]
    field = "[data-join-code]" if not code else "[data-join-name]"
    assert page.locator(field).get_attribute("aria-invalid") == "true"
    assert not [r for r in server.http_requests if r[0] == "POST"], "nothing is sent"


def test_a_false_start_is_explained_on_the_tablet(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start()
    scene.run(c.ShowQuestion)
    scene.wait(500 * MS).run(
        c.Buzz, team_id="siauliai", player_id="p-ruta", pressed_at=scene.now, allowed_path_us=0
    )
    server = FakeServer(scene, join_codes=JOIN_CODES)
    page = open_phone(browser, server, "/play/bsq-test?lang=en#code=SIA-5555")
    join(page, server, "Rūta P.")
    banner = page.locator("[data-turn]")
    banner.wait_for()
    assert banner.inner_text() == catalogue("en")["you_false_started"]
    screenshot(page, "tablet-false-start-en-390")


def test_namesakes_in_a_team_are_told_apart(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.run(c.AddPlayer, player_id="p-anna-2", team_id="jelgava", display_name="Anna K.")
    server = FakeServer(scene, join_codes=JOIN_CODES)
    page = open_phone(browser, server, "/play/bsq-test?lang=lv#code=JEL-4821")
    join(page, server, "Jānis B.")
    members = page.locator("[data-members] li")
    members.nth(1).wait_for()
    assert members.all_inner_texts() == ["Anna K.", "Anna K. (2)"]
    host = open_phone(browser, server, "/host/bsq-test?lang=lv#secret=hs_test_secret")
    names = host.locator("[data-t-players] li > span")
    names.nth(3).wait_for()
    assert names.all_inner_texts()[:2] == ["Anna K.", "Anna K. (2)"]
