"""The pages in headless Chromium against a fake server that sends the engine's own views.

Each test opens a page in a fresh browser context whose network is ``FakeServer`` (no sockets, no
real server): the page routes, static files, join and teams requests and the WebSocket are all
answered in-process, with views from ``scenes.Scene``. These tests check what a person sees and
what a page sends — the protocol fields, the secrecy of the host secret, the buzz time.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from displays.messages import catalogue
from game import commands as c
from game.questions import MultipleChoice, Numeric, OpenText, Ordering, SingleChoice

from .browser import FakeServer, expect, open_page, screenshot, wait_for
from .scenes import MS, S, Scene

pytestmark = pytest.mark.browser


@pytest.fixture
def scene() -> Scene:
    return Scene(int(time.time() * 1_000_000))


# --- big screen -----------------------------------------------------------------------------


def test_screen_shows_the_question_its_options_and_image_in_its_language(
    browser: Any, scene: Scene
) -> None:
    scene.start().buzzer_open()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        "/screen/bsq-test?lang=lt#token=st_jelgava",
        viewport={"width": 1600, "height": 900},
    )
    question = scene.buzz_question
    assert isinstance(question, SingleChoice)
    expect()(page.locator("[data-question-text]")).to_have_text(question.text["lt"])
    options = page.locator("[data-options] li")
    expect()(options).to_have_count(len(question.options))
    # The options come in the order the view gives (the contest's shuffle, docs/game-rules.md
    # "Option order"), and the letters A, B, C … are positions on the screen.
    assert scene.state.question is not None
    shown = scene.state.question.order or tuple(o.id for o in question.options)
    texts = {o.id: o.text["lt"] for o in question.options}
    for position, option_id in enumerate(shown):
        expect()(options.nth(position)).to_contain_text(texts[option_id])
        expect()(options.nth(position).locator(".letter")).to_have_text("ABCDEF"[position])
    image = page.locator("[data-media-img]")
    expect()(image).to_have_attribute("src", "/media/baltic-science/media/astr-007.svg")
    assert image.get_attribute("alt") == question.media.alt["lt"]  # type: ignore[union-attr]
    page.wait_for_function("document.querySelector('[data-media-img]').naturalWidth > 0")
    expect()(page.locator("[data-countdown]")).to_be_visible()
    expect()(page.locator("[data-phase]")).to_have_text(catalogue("lt")["phase_open"])
    assert server.sent_by("display", "hello")[0] == {
        "type": "hello",
        "role": "display",
        "token": "st_jelgava",
        "lang": "lt",
    }
    # the token leaves the address bar at once (nobody reads it off the big screen)
    assert "token" not in page.url
    assert server.sent_by("display", "time"), "the screen asks for the server's time"
    screenshot(page, "screen-open-lt")


def test_screen_reveals_the_answer_and_shows_the_final_scoreboard(
    browser: Any, scene: Scene
) -> None:
    scene.start().buzzer_open()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        "/screen/bsq-test?lang=lv#token=st_jelgava",
        viewport={"width": 1600, "height": 900},
    )
    t = catalogue("lv")
    scene.photo_finish()
    server.push(["buzz_awarded"])
    expect()(page.locator("[data-buzz]")).to_have_text(t["buzzed_first"].format(team="Jelgava"))
    screenshot(page, "screen-buzzed-lv")
    scene.judge_answering(True).reveal()
    server.push(["judged", "answer_revealed"])
    question = scene.buzz_question
    assert isinstance(question, SingleChoice)
    correct = next(o for o in question.options if o.id == question.correct)
    expect()(page.locator("[data-correct]")).to_contain_text(correct.text["lv"])
    expect()(page.locator("[data-options] li.correct")).to_have_count(1)
    expect()(page.locator("[data-explanation]")).to_have_text(question.explanation["lv"])
    expect()(page.locator("[data-results] tr.correct")).to_contain_text("Jelgava")
    screenshot(page, "screen-revealed-lv")
    scene.finish()
    server.push(["contest_finished"])
    expect()(page.locator(".screen-layout")).to_have_class("screen-layout scores-only")
    expect()(page.locator("[data-scoreboard-heading]")).to_have_text(t["final_scores"])
    expect()(page.locator("[data-winner]")).to_have_text(t["winner"].format(team="Jelgava"))
    rows = page.locator("[data-scoreboard-rows] tr")
    expect()(rows).to_have_count(3)
    expect()(rows.first.locator("[data-score]")).to_have_text("10")
    screenshot(page, "screen-final-lv")


# --- team tablet ----------------------------------------------------------------------------


def join(page: Any, server: FakeServer, name: str) -> None:
    page.fill("[data-join-name]", name)
    page.click("[data-join-button]")
    wait_for(lambda: server.sent_by("player", "hello"), page, "the tablet's hello")


def test_tablet_joins_with_the_code_from_the_fragment(browser: Any, scene: Scene) -> None:
    server = FakeServer(scene)
    page = open_page(browser, server, "/play/bsq-test?lang=lv#code=JEL-4821")
    expect()(page.locator("[data-join-code]")).to_have_value("JEL-4821")
    assert "#" not in page.url, "the join code leaves the address bar"
    screenshot(page, "tablet-join-lv")
    page.select_option("[data-join-generation]", "senior")
    join(page, server, "Jānis B.")
    posts = [r for r in server.http_requests if r[0] == "POST"]
    assert len(posts) == 1
    hello = server.sent_by("player", "hello")[0]
    token = hello["token"]
    assert hello == {"type": "hello", "role": "player", "token": token}
    stored = json.loads(page.evaluate("localStorage.getItem('quiz.player.bsq-test')"))
    assert stored["player_token"] == token and stored["team_id"] == "jelgava"
    expect()(page.locator("[data-team-line]")).to_have_text("Jānis B. · Jelgava")
    # A reload plays on with the stored token, without joining again.
    page.reload()
    wait_for(lambda: len(server.sent_by("player", "hello")) == 2, page, "the second hello")
    assert server.sent_by("player", "hello")[1] == hello
    assert len([r for r in server.http_requests if r[0] == "POST"]) == 1


def test_tablet_shows_a_wrong_join_code_in_its_language(browser: Any, scene: Scene) -> None:
    server = FakeServer(scene)
    page = open_page(browser, server, "/play/bsq-test?lang=lt")
    page.fill("[data-join-code]", "XXX-0000")
    page.fill("[data-join-name]", "Rūta P.")
    page.click("[data-join-button]")
    expect()(page.locator("[data-join-error]")).to_have_text(catalogue("lt")["error_bad_join_code"])


def test_tablet_buzz_carries_the_press_time_and_pong_answers_at_once(
    browser: Any, scene: Scene
) -> None:
    scene.start()
    server = FakeServer(scene)
    page = open_page(browser, server, "/play/bsq-test?lang=lv#code=JEL-4821", has_touch=True)
    join(page, server, "Anna K.")
    scene.buzzer_open()
    server.push(["question_shown", "buzzers_opened"])
    button = page.locator("[data-buzz-button]")
    expect()(button).to_have_attribute("data-state", "go")
    expect()(button).to_have_text(catalogue("lv")["buzz"])
    screenshot(page, "tablet-buzz-lv")
    before = page.evaluate("performance.timeOrigin + performance.now()")
    button.click()
    wait_for(lambda: server.sent_by("player", "buzz"), page, "the buzz")
    after = page.evaluate("performance.timeOrigin + performance.now()")
    buzz = server.sent_by("player", "buzz")[0]
    assert set(buzz) == {"type", "id", "pressed_at"}
    assert before <= buzz["pressed_at"] <= after
    expect()(button).to_have_attribute("data-state", "pressed")

    player = next(c for c in server.connections if c.role == "player")
    server.ping(player, 77)
    wait_for(lambda: server.sent_by("player", "pong"), page, "the pong")
    pong = server.sent_by("player", "pong")[0]
    assert pong["id"] == 77 and pong["t1"] <= pong["t2"]
    assert set(pong) == {"type", "id", "t0", "t1", "t2"}


def test_tablet_answers_every_kind_of_question(browser: Any, scene: Scene) -> None:
    scene.start().buzzer_open().photo_finish().judge_answering(True).reveal().next_round_question()
    server = FakeServer(scene)
    page = open_page(browser, server, "/play/bsq-test?lang=en#code=LIE-1234")
    join(page, server, "Līga O.")
    multiple, ordering, numeric, open_text = scene.all_play_questions
    assert isinstance(multiple, MultipleChoice) and isinstance(ordering, Ordering)
    assert isinstance(numeric, Numeric) and isinstance(open_text, OpenText)

    # Multiple choice: choose two options, then send.
    expect()(page.locator("[data-answer-form] .toggle")).to_have_count(len(multiple.options))
    page.locator("[data-answer-form] .toggle").nth(0).click()
    page.locator("[data-answer-form] .toggle").nth(2).click()
    screenshot(page, "tablet-choices-en")
    page.click("[data-answer-form] [data-send]")
    wait_for(lambda: server.sent_by("player", "answer"), page, "the choices answer")
    assert scene.state.question is not None
    shown = scene.state.question.order or tuple(o.id for o in multiple.options)
    chosen = {shown[0], shown[2]}  # the first and third options on the screen, by their ids
    answer = server.sent_by("player", "answer")[-1]["answer"]
    assert answer["kind"] == "choices" and set(answer["options"]) == chosen

    # Ordering: move the last item to the top with the arrow buttons.
    scene.lock().reveal().show_next()
    server.push(["question_shown"])
    items = page.locator("[data-order-list] li")
    expect()(items).to_have_count(len(ordering.items))
    assert scene.state.question is not None
    ids = list(scene.state.question.order or (item.id for item in ordering.items))  # as shown
    expect()(items.first).to_have_attribute("data-item", ids[0])
    last = page.locator(f"[data-order-list] li[data-item='{ids[-1]}']")
    for _ in range(len(ordering.items) - 1):
        last.locator("[data-up]").click()
    screenshot(page, "tablet-order-en")
    page.click("[data-answer-form] [data-send]")
    wait_for(lambda: len(server.sent_by("player", "answer")) == 2, page, "the order answer")
    expected = [ids[-1], *ids[:-1]]
    assert server.sent_by("player", "answer")[-1]["answer"] == {"kind": "order", "order": expected}

    # Number: a decimal comma is understood; nonsense is refused with a message, not sent.
    scene.lock().reveal().show_next()
    server.push(["question_shown"])
    field = page.locator("[data-number-input]")
    field.fill("abc")
    page.click("[data-answer-form] [data-send]")
    expect()(page.locator(".toast").last).to_have_text(catalogue("en")["invalid_number"])
    field.fill("3,5")
    page.click("[data-answer-form] [data-send]")
    wait_for(lambda: len(server.sent_by("player", "answer")) == 3, page, "the number answer")
    assert server.sent_by("player", "answer")[-1]["answer"] == {"kind": "number", "value": 3.5}

    # Text, sent with the Enter key.
    scene.lock().reveal().show_next()
    server.push(["question_shown"])
    page.locator("[data-text-input]").fill("Skābeklis")
    page.locator("[data-text-input]").press("Enter")
    wait_for(lambda: len(server.sent_by("player", "answer")) == 4, page, "the text answer")
    assert server.sent_by("player", "answer")[-1]["answer"] == {"kind": "text", "text": "Skābeklis"}


def test_tablet_shows_a_refused_answer_in_its_language(browser: Any, scene: Scene) -> None:
    scene.start().buzzer_open().photo_finish().judge_answering(True).reveal().next_round_question()
    server = FakeServer(scene)
    server.refuse["answer"] = ("deadline_passed", "The answers are locked.")
    page = open_page(browser, server, "/play/bsq-test?lang=lv#code=JEL-4821")
    join(page, server, "Anna K.")
    page.locator("[data-answer-form] .toggle").first.click()
    page.click("[data-answer-form] [data-send]")
    expect()(page.locator(".toast").last).to_have_text(catalogue("lv")["error_deadline_passed"])


def test_tablet_with_a_revoked_token_asks_to_join_again(browser: Any, scene: Scene) -> None:
    server = FakeServer(scene)
    page = open_page(browser, server, "/play/bsq-test?lang=en")
    saved = {"player_token": "pt_old", "team_id": "jelgava", "display_name": "A"}
    page.evaluate(
        "saved => localStorage.setItem('quiz.player.bsq-test', JSON.stringify(saved))", saved
    )
    page.reload()
    expect()(page.locator("[data-join-error]")).to_have_text(catalogue("en")["conn_auth_failed"])
    assert page.evaluate("localStorage.getItem('quiz.player.bsq-test')") is None


# --- host console ---------------------------------------------------------------------------


def test_host_secret_from_the_fragment_never_reaches_a_url(browser: Any, scene: Scene) -> None:
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        "/host/bsq-test?lang=en#secret=hs_test_secret",
        viewport={"width": 1500, "height": 1000},
    )
    wait_for(lambda: server.sent_by("host", "hello"), page, "the host's hello")
    assert server.sent_by("host", "hello")[0]["secret"] == "hs_test_secret"
    assert "#" not in page.url
    assert page.evaluate("sessionStorage.getItem('quiz.host.bsq-test')") == "hs_test_secret"
    expect()(page.locator("[data-t-code]").first).to_have_text("JEL-4821")
    assert all("hs_test_secret" not in url for _, url, _, _ in server.http_requests)
    start = page.locator("[data-next-step]")  # the next step: start the contest
    expect()(start).to_contain_text(catalogue("en")["cmd_start_contest"])
    start.click()
    wait_for(lambda: server.sent_by("host", "command"), page, "the command")
    assert server.sent_by("host", "command")[0]["command"] == {"type": "start_contest"}


def test_host_sees_the_answer_the_photo_finish_and_judges(browser: Any, scene: Scene) -> None:
    scene.start().buzzer_open().photo_finish()
    server = FakeServer(scene)
    page = open_page(
        browser,
        server,
        "/host/bsq-test?lang=lv#secret=hs_test_secret",
        viewport={"width": 1500, "height": 1100},
    )
    t = catalogue("lv")
    question = scene.buzz_question
    assert isinstance(question, SingleChoice)
    correct = next(o for o in question.options if o.id == question.correct)
    expect()(page.locator("[data-correct]")).to_contain_text(correct.text["lv"])
    expect()(page.locator("[data-answering-team]")).to_have_text("Jelgava")
    outcome = page.locator("[data-pf-outcome]")
    expect()(outcome).to_contain_text("Jelgava, Šiauliai")
    expect()(page.locator("[data-pf-rows] tr")).to_have_count(3)
    expect()(page.locator(".clamped-mark")).to_have_text(f" {t['pf_clamped']}")
    expect()(page.locator("[data-conn-count='audience']")).to_have_text("42")
    screenshot(page, "host-photo-finish-lv")
    page.click("[data-judge-answering='false']")
    wait_for(lambda: server.sent_by("host", "command"), page, "the judgement")
    assert server.sent_by("host", "command")[-1]["command"] == {
        "type": "judge",
        "team_id": "jelgava",
        "correct": False,
    }


def test_host_with_a_wrong_secret_is_asked_again(browser: Any, scene: Scene) -> None:
    server = FakeServer(scene)
    page = open_page(browser, server, "/host/bsq-test?lang=lt#secret=nope")
    expect()(page.locator("[data-secret-error]")).to_have_text(catalogue("lt")["conn_auth_failed"])
    assert page.evaluate("sessionStorage.getItem('quiz.host.bsq-test')") is None
    page.fill("[data-secret-input]", "hs_test_secret")
    page.click(".secret-form button[type=submit]")
    expect()(page.locator("[data-console]")).to_be_visible()
    assert "hs_test_secret" not in page.url


def test_host_adjusts_a_score_with_a_reason(browser: Any, scene: Scene) -> None:
    scene.start()
    server = FakeServer(scene)
    page = open_page(browser, server, "/host/bsq-test?lang=en#secret=hs_test_secret")
    expect()(page.locator("[data-adjust-team] option")).to_have_count(3)
    page.select_option("[data-adjust-team]", "siauliai")
    page.fill("[data-adjust-delta]", "-3")
    page.click(".adjust-form button")
    expect()(page.locator(".toast").last).to_have_text(catalogue("en")["adjust_reason_needed"])
    page.fill("[data-adjust-reason]", "Appeal upheld")
    page.click(".adjust-form button")
    page.click("[data-confirm-dialog] [data-confirm-ok]")  # adjusting a score asks first
    wait_for(lambda: server.sent_by("host", "command"), page, "the adjustment")
    assert server.sent_by("host", "command")[-1]["command"] == {
        "type": "adjust_score",
        "team_id": "siauliai",
        "delta": -3,
        "reason": "Appeal upheld",
    }


# --- audience and reconnection --------------------------------------------------------------


def test_audience_asks_for_its_delay_and_keeps_it_across_languages(
    browser: Any, scene: Scene
) -> None:
    scene.start().buzzer_open()
    server = FakeServer(scene)
    page = open_page(browser, server, "/watch/bsq-test?lang=en&delay=30")
    wait_for(lambda: server.sent_by("audience", "hello"), page, "the audience's hello")
    assert server.sent_by("audience", "hello")[0] == {
        "type": "hello",
        "role": "audience",
        "lang": "en",
        "delay": 30,
    }
    expect()(page.locator("[data-lang-link='lt']")).to_have_attribute(
        "href", "/watch/bsq-test?lang=lt&delay=30"
    )
    expect()(page.locator("[data-scoreboard-rows] tr")).to_have_count(3)
    screenshot(page, "audience-en")


def test_a_dropped_connection_resumes_from_the_last_sequence_number(
    browser: Any, scene: Scene
) -> None:
    scene.start()
    server = FakeServer(scene)
    page = open_page(browser, server, "/screen/bsq-test?lang=en")
    wait_for(lambda: server.sent_by("display", "hello"), page, "the first hello")
    expect()(page.locator("[data-conn-status]")).to_have_text(catalogue("en")["conn_connected"])
    server.connections[0].socket.close(code=1001, reason="restart")
    expect()(page.locator("[data-conn-status]")).to_contain_text("…")
    wait_for(lambda: len(server.sent_by("display", "hello")) == 2, page, "the second hello")
    assert server.sent_by("display", "hello")[1]["last_seq"] == scene.seq
    expect()(page.locator("[data-conn-status]")).to_have_text(catalogue("en")["conn_connected"])


def test_host_removes_a_player_after_confirming(browser: Any, scene: Scene) -> None:
    server = FakeServer(scene)
    page = open_page(browser, server, "/host/bsq-test?lang=lv#secret=hs_test_secret")
    page.click("[data-t-players] li:has-text('Rūta P.') .remove-player")
    confirmation = page.locator("[data-confirm-dialog]")
    expect()(confirmation).to_contain_text(
        catalogue("lv")["confirm_remove_player"].format(name="Rūta P.")
    )
    confirmation.locator("[data-confirm-ok]").click()
    wait_for(lambda: server.sent_by("host", "command"), page, "the removal")
    assert server.sent_by("host", "command")[-1]["command"] == {
        "type": "remove_player",
        "player_id": "p-ruta",
    }


def test_a_paused_contest_stops_every_countdown(browser: Any, scene: Scene) -> None:
    scene.start().buzzer_open().photo_finish().judge_answering(True).reveal().next_round_question()
    scene.wait(7 * S + 300 * MS).run(c.Pause)
    q = scene.state.question
    assert q is not None and q.deadline is not None and scene.state.paused_at is not None
    left_s = -(-(q.deadline - scene.state.paused_at) // S)  # whole seconds, rounded up
    server = FakeServer(scene)
    page = open_page(browser, server, "/screen/bsq-test?lang=lt")
    expect()(page.locator("[data-paused]")).to_be_visible()
    expect()(page.locator("[data-paused]")).to_have_text(catalogue("lt")["contest_paused"])
    value = page.locator("[data-countdown-value]")
    shown = f"{left_s // 60}:{left_s % 60:02d}" if left_s >= 60 else str(left_s)
    expect()(value).to_have_text(shown)
