"""Details of the pages: plural forms, the estimation reveal's words, the favicon.

- ``i18n.js`` picks the CLDR plural form of Latvian, Lithuanian and English (``tn``), so a count
  reads "1 jautājums / 2 jautājumi / 10 jautājumu", "1 klausimas / 2 klausimai / 10 klausimų".
- Where the closest answer wins (an estimation round), the reveal says "Closest", never
  "Correct", on the big screen and on the tablet.
- Every page names the favicon, and the favicon is a valid SVG image.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest

from displays import STATIC_DIR, render_page
from displays.messages import catalogue, plurals
from game import commands as c
from game.model import EstimationRules, Round
from game.questions import NumberAnswer, Numeric

from .browser import ORIGIN, FakeServer, open_page, screenshot
from .scenes import S, Scene, first_of

# (language, count, CLDR category, questions_count text)
PLURALS = [
    ("lv", 0, "zero", "0 jautājumu"),
    ("lv", 1, "one", "1 jautājums"),
    ("lv", 2, "other", "2 jautājumi"),
    ("lv", 10, "zero", "10 jautājumu"),
    ("lv", 11, "zero", "11 jautājumu"),
    ("lv", 21, "one", "21 jautājums"),
    ("lv", 111, "zero", "111 jautājumu"),
    ("lt", 1, "one", "1 klausimas"),
    ("lt", 2, "few", "2 klausimai"),
    ("lt", 9, "few", "9 klausimai"),
    ("lt", 10, "other", "10 klausimų"),
    ("lt", 12, "other", "12 klausimų"),
    ("lt", 21, "one", "21 klausimas"),
    ("lt", 22, "few", "22 klausimai"),
    ("lt", 1.5, "many", "1,5 klausimo"),
    ("en", 1, "one", "1 question"),
    ("en", 0, "other", "0 questions"),
    ("en", 2, "other", "2 questions"),
]
FORMS = {"en": 2, "lv": 3, "lt": 4}  # CLDR categories: en one/other, lv zero/one/other, lt …


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_counting_texts_have_every_plural_form(lang: str) -> None:
    assert len(plurals(lang)["questions_count"]) == FORMS[lang]  # type: ignore[arg-type]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_plural_forms_follow_cldr(browser: Any, lang: str) -> None:
    server = FakeServer(Scene(int(time.time() * 1_000_000)))
    context = browser.new_context()
    server.install(context)
    page = context.new_page()
    page.goto(f"{ORIGIN}/watch/bsq-test?lang={lang}")
    cases = [(count, category, text) for code, count, category, text in PLURALS if code == lang]
    got = page.evaluate(
        """async (cases) => {
          const i18n = await import("/static/js/i18n.js");
          return cases.map(([n]) => [i18n.pluralCategory(n), i18n.tn("questions_count", n)]);
        }""",
        cases,
    )
    assert got == [[category, text] for _, category, text in cases]
    context.close()


@pytest.mark.browser
def test_estimation_reveal_says_closest_not_correct(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    question = first_of(Numeric)
    assert isinstance(question, Numeric)
    scene.run(
        c.AddRound,
        round=Round(
            id="r3",
            title={"lv": "Novērtē", "lt": "Įvertink", "en": "Best guess"},
            rules=EstimationRules(),
            questions=(question,),
        ),
    )
    scene.run(c.StartContest)
    scene.run(c.StartRound, round_index=2)
    scene.wait(S).run(c.ShowQuestion)
    scene.answer("jelgava", NumberAnswer(value=question.value + 1))
    scene.answer("siauliai", NumberAnswer(value=question.value + 100))
    scene.lock().reveal()
    server = FakeServer(scene, join_codes={"JEL-4821": "jelgava", "SIA-5555": "siauliai"})
    t = catalogue("en")

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    server.install(context)
    screen = context.new_page()
    screen.goto(f"{ORIGIN}/screen/bsq-test?lang=en#token=st_jelgava")
    rows = screen.locator("[data-results] tr")
    rows.first.wait_for()
    texts = " ".join(rows.all_inner_texts())
    assert t["verdict_closest"] in texts and t["verdict_not_closest"] in texts
    assert f"— {t['verdict_correct']}" not in texts
    screenshot(screen, "screen-estimation-en-1280")

    tablet = context.new_page()
    tablet.goto(f"{ORIGIN}/play/bsq-test?lang=en#code=JEL-4821")
    tablet.fill("[data-join-name]", "Anna K.")
    tablet.click("[data-join-button]")
    result = tablet.locator("[data-my-result]")
    result.wait_for()
    assert result.inner_text() == t["result_closest"].format(points=10)
    context.close()


@pytest.mark.parametrize("kind", ["host", "tablet", "screen", "audience", "index", "kiosk"])
def test_every_page_names_the_favicon(kind: str) -> None:
    html = render_page(kind, contest_id="bsq-test", lang="en")  # type: ignore[arg-type]
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_the_favicon_is_an_svg_image() -> None:
    root = ElementTree.parse(STATIC_DIR / "favicon.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 64 64"


@pytest.mark.browser
def test_the_host_activity_log_is_rebuilt_from_the_event_log(browser: Any) -> None:
    from game.state import pending_timers

    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open().photo_finish()
    q = scene.state.question
    assert q is not None and q.answer_deadline is not None and q.answering_team is not None
    winner = scene.state.teams[q.answering_team].name
    timer = next(t for t in pending_timers(scene.state) if t.due == q.answer_deadline)
    scene.now = timer.due
    scene.run(c.TimerFired, key=timer.key, due=timer.due)  # the team ran out of time
    path = "/host/bsq-test?lang=lv#secret=hs_test_secret"
    page = open_page(browser, FakeServer(scene), path, viewport={"width": 1280, "height": 800})
    t = catalogue("lv")
    lines = page.locator("[data-activity] li.from-log")
    lines.first.wait_for()
    texts = lines.all_inner_texts()
    host = t["log_by_host"]
    expected = [  # newest first, each with who did it
        f"{winner} — {t['log_out_of_time']}",
        f"{winner} — {t['buzzed_first'].format(team=winner)}",
        f"{host} — {t['cmd_open_buzzers']}",
        f"{host} — {t['cmd_show_question']} 1.1",
        f"{host} — {t['cmd_start_round']} 1",
        f"{host} — {t['cmd_start_contest']}",
        f"Rūta P. — {t['log_player_joined'].format(team='Šiauliai')}",
    ]
    assert [text.split(" ", 1)[1] for text in texts[: len(expected)]] == expected
    page.reload()
    lines.first.wait_for()
    assert lines.all_inner_texts() == texts, "a reload shows the same log"
    screenshot(page, "host-activity-lv-1280")
    page.context.close()
