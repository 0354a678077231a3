"""The host console runs the show (issue 16): one next-step button, keyboard shortcuts, judging
beside the answer clock without scrolling, and destructive actions confirmed in the page.

Each test opens the console at 1280x800 against ``FakeServer``. The fake server only acknowledges a
command; the test then carries it out on the scene (the real engine) and pushes the new view, as
the contest server would.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from displays.messages import catalogue
from game import commands as c
from game.questions import ChoicesAnswer, MultipleChoice, TextAnswer

from .browser import FakeServer, expect, open_page, screenshot, wait_for
from .scenes import S, Scene

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 800}


def scene_now() -> Scene:
    return Scene(int(time.time() * 1_000_000))


def all_play_round() -> Scene:
    """The buzzer round's only question played, the all-play round started."""
    scene = scene_now().start()
    scene.run(c.ShowQuestion)
    scene.reveal().wait(S).run(c.NextQuestion)  # round 1 over
    scene.run(c.StartRound)
    return scene


def open_host(browser: Any, server: FakeServer, lang: str = "en") -> Any:
    page = open_page(
        browser, server, f"/host/bsq-test?lang={lang}#secret=hs_test_secret", viewport=VIEWPORT
    )
    page.locator("[data-console]").wait_for()
    return page


def commands(server: FakeServer) -> list[dict[str, Any]]:
    return [message["command"] for message in server.sent_by("host", "command")]


def sends(page: Any, server: FakeServer, command: dict[str, Any], act: Any) -> None:
    """``act()`` makes the console send exactly ``command`` (and nothing else)."""
    before = len(commands(server))
    act()
    wait_for(lambda: len(commands(server)) > before, page, f"the command {command['type']}")
    assert commands(server)[before:] == [command]


def open_buzzers(scene: Scene) -> None:
    """The host opened the buzzers and their opening delay has passed."""
    scene.wait(S).run(c.OpenBuzzers)
    q = scene.state.question
    assert q is not None and q.opens_at is not None
    scene.now = q.opens_at
    scene.run(c.TimerFired, key="buzzers_open", due=q.opens_at)


def in_viewport(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def test_the_next_step_button_walks_a_buzzer_question(browser: Any) -> None:
    en = catalogue("en")
    scene = scene_now()
    scene.run(c.StartContest)
    server = FakeServer(scene)
    page = open_host(browser, server)
    step = page.locator("[data-next-step]")

    def walk(label: str, command: dict[str, Any], carry_out: Any, key: str = "") -> None:
        expect()(step).to_contain_text(label)
        expect()(step).to_be_enabled()
        sends(page, server, command, (lambda: page.keyboard.press(key)) if key else step.click)
        carry_out()
        server.push()

    walk(
        f"{en['cmd_start_round']}: Fastest finger",
        {"type": "start_round"},
        lambda: scene.run(c.StartRound),
    )
    walk(en["cmd_show_question"], {"type": "show_question"}, lambda: scene.run(c.ShowQuestion))
    walk(en["cmd_open_buzzers"], {"type": "open_buzzers"}, lambda: open_buzzers(scene), key="Space")
    expect()(step.locator("[data-next-label]")).to_have_text(en["next_waiting_buzz"])
    expect()(step).to_be_disabled()
    scene.photo_finish()
    server.push()
    # While a team answers, Correct / Wrong take the button's place.
    expect()(step).to_be_hidden()
    expect()(page.locator("[data-answering]")).to_be_visible()
    q = scene.state.question
    assert q is not None and q.answering_team is not None
    team = q.answering_team
    judge = {"type": "judge", "team_id": team, "correct": True}
    sends(page, server, judge, lambda: page.locator("[data-judge-answering='true']").click())
    scene.run(c.Judge, team_id=team, correct=True)
    server.push()
    walk(en["cmd_reveal"], {"type": "reveal"}, scene.reveal, key="Enter")
    # The round's only question: the next step ends the round (next_question does, at its end).
    walk(en["cmd_end_round"], {"type": "next_question"}, lambda: scene.run(c.NextQuestion))
    expect()(step).to_contain_text(f"{en['cmd_start_round']}: Everyone answers")


def test_the_next_step_button_walks_an_all_play_question(browser: Any) -> None:
    lv = catalogue("lv")
    scene = all_play_round()
    server = FakeServer(scene)
    page = open_host(browser, server, "lv")
    step = page.locator("[data-next-step]")
    expect()(step).to_contain_text(lv["cmd_show_question"])
    sends(page, server, {"type": "show_question"}, step.click)
    scene.run(c.ShowQuestion)
    scene.answer("jelgava", _right_answer(scene))
    server.push()
    expect()(step).to_contain_text(lv["cmd_lock_answers"])
    sends(page, server, {"type": "lock_answers"}, lambda: page.keyboard.press("Space"))
    scene.lock()
    server.push()
    expect()(step).to_contain_text(lv["cmd_reveal"])
    screenshot(page, "host-next-step-locked-lv")
    sends(page, server, {"type": "reveal"}, step.click)
    scene.reveal()
    server.push()
    expect()(step).to_contain_text(lv["cmd_next_question"])
    sends(page, server, {"type": "next_question"}, step.click)


def _right_answer(scene: Scene) -> ChoicesAnswer:
    question = scene.all_play_questions[0]
    assert isinstance(question, MultipleChoice)
    return ChoicesAnswer(options=frozenset(question.correct))


def test_shortcuts_act_and_are_ignored_while_typing(browser: Any) -> None:
    en = catalogue("en")
    scene = scene_now().start()
    scene.run(c.ShowQuestion)
    server = FakeServer(scene)
    page = open_host(browser, server)
    open_buzzers = page.locator("[data-command='open_buzzers']")
    expect()(open_buzzers.locator("kbd")).to_have_text("B")  # the shortcut is on the button
    expect()(page.locator("[data-command='lock_answers']")).to_be_hidden()  # does not apply
    # Typing in a field: letters, Space and Enter are text, not commands.
    reason = page.locator("[data-adjust-reason]")
    reason.click()
    page.keyboard.type("Bonus round P N")
    page.keyboard.press("Enter")
    expect()(reason).to_have_value("Bonus round P N")
    page.wait_for_timeout(150)
    assert commands(server) == []
    page.locator("body").click(position={"x": 5, "y": 300})
    sends(page, server, {"type": "open_buzzers"}, lambda: page.keyboard.press("b"))
    sends(page, server, {"type": "pause"}, lambda: page.keyboard.press("p"))
    # ? opens the list of shortcuts; Escape closes it.
    page.keyboard.press("?")
    help_list = page.locator("[data-shortcuts-dialog]")
    expect()(help_list).to_be_visible()
    expect()(help_list).to_contain_text(en["key_next_step"])
    expect()(help_list).to_contain_text(en["cmd_open_buzzers"])
    screenshot(page, "host-shortcuts-en")
    page.keyboard.press("n")  # the list is open: no command
    page.keyboard.press("Escape")
    expect()(help_list).to_be_hidden()
    assert [command["type"] for command in commands(server)] == ["open_buzzers", "pause"]


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_judging_stays_beside_the_answer_clock_in_the_viewport(browser: Any, lang: str) -> None:
    texts = catalogue(lang)  # type: ignore[arg-type]
    scene = scene_now().start().buzzer_open().photo_finish()
    q = scene.state.question
    assert q is not None and q.answering_team is not None
    team = scene.state.teams[q.answering_team].name
    server = FakeServer(scene)
    page = open_host(browser, server, lang)
    clock = page.locator("[data-answer-clock]")
    expect()(page.locator("[data-answer-clock-value]")).to_have_text(re.compile(r"^\d+\s+s$"))
    expect()(clock).to_contain_text(texts["time_up_penalty"].format(points="5", team=team))
    for selector in (
        "[data-judge-answering='true']",
        "[data-judge-answering='false']",
        "[data-answer-clock]",
    ):
        assert in_viewport(page, selector), f"{selector} is out of sight at 1280x800 ({lang})"
    expect()(page.locator("[data-judge-answering='true'] kbd")).to_have_text("C")
    screenshot(page, f"host-answering-{lang}")
    # Another host console judges before the clock runs out: that is no time-up.
    scene.wait(S).run(c.Judge, team_id=q.answering_team, correct=False)
    server.push()
    expect()(page.locator("[data-answering]")).to_be_hidden()
    expect()(page.locator(".toast")).to_have_count(0)


@pytest.mark.parametrize("lang", ["lv", "en"])
def test_the_console_says_when_the_answer_clock_ran_out(browser: Any, lang: str) -> None:
    texts = catalogue(lang)  # type: ignore[arg-type]
    scene = Scene(int((time.time() - 60) * 1_000_000)).start().buzzer_open().photo_finish()
    q = scene.state.question
    assert q is not None and q.answering_team is not None and q.answer_deadline is not None
    team = scene.state.teams[q.answering_team].name
    server = FakeServer(scene)
    page = open_host(browser, server, lang)
    expect()(page.locator("[data-answer-clock-value]")).to_have_text("0 s")
    scene.now = q.answer_deadline
    scene.run(c.TimerFired, key="answer_time", due=q.answer_deadline)
    server.push()
    # Instead of a silent −5, the console says what happened.
    expect()(page.locator(".toast").last).to_have_text(f"{team}: {texts['log_out_of_time']}")
    assert commands(server) == []


def test_a_destructive_action_waits_for_the_in_page_confirmation(browser: Any) -> None:
    en = catalogue("en")
    scene = scene_now().start()
    server = FakeServer(scene)
    page = open_host(browser, server)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    end = page.locator("[data-command='end_contest']")
    confirm = page.locator("[data-confirm-dialog]")
    end.click()
    expect()(confirm).to_be_visible()
    expect()(confirm.locator("[data-confirm-text]")).to_have_text(en["confirm_end_contest"])
    expect()(confirm.locator("[data-confirm-ok]")).to_be_focused()
    screenshot(page, "host-confirm-en")
    page.keyboard.press("Escape")  # cancels
    expect()(confirm).to_be_hidden()
    expect()(end).to_be_focused()  # the focus is back where it was
    end.click()
    confirm.locator("[data-confirm-cancel]").click()
    expect()(confirm).to_be_hidden()
    page.wait_for_timeout(150)
    assert commands(server) == []
    page.keyboard.press("x")  # the shortcut asks too
    expect()(confirm).to_be_visible()
    sends(page, server, {"type": "end_contest"}, lambda: page.keyboard.press("Enter"))
    expect()(confirm).to_be_hidden()
    assert dialogs == []  # never window.confirm


def test_adjusting_a_score_and_undoing_a_judgement_ask_first(browser: Any) -> None:
    en = catalogue("en")
    scene = scene_now().start().buzzer_open().photo_finish()
    q = scene.state.question
    assert q is not None and q.answering_team is not None
    team_id = q.answering_team
    scene.judge_answering(False)
    server = FakeServer(scene)
    page = open_host(browser, server)
    confirm = page.locator("[data-confirm-dialog]")
    team = scene.state.teams[team_id].name
    page.keyboard.press("u")
    expect()(confirm.locator("[data-confirm-text]")).to_have_text(
        en["confirm_undo_judgement"].format(team=team)
    )
    sends(page, server, {"type": "undo_judgement"}, confirm.locator("[data-confirm-ok]").click)
    page.select_option("[data-adjust-team]", "siauliai")
    page.fill("[data-adjust-delta]", "3")
    page.fill("[data-adjust-reason]", "Appeal upheld")
    page.click(".adjust-form button")
    expect()(confirm.locator("[data-confirm-text]")).to_have_text(
        en["confirm_adjust_score"].format(team="Šiauliai", delta="+3", reason="Appeal upheld")
    )
    adjust = {"type": "adjust_score", "team_id": "siauliai", "delta": 3, "reason": "Appeal upheld"}
    sends(page, server, adjust, lambda: page.keyboard.press("Enter"))


def test_the_next_step_leads_to_open_answers_waiting_for_a_verdict(browser: Any) -> None:
    en = catalogue("en")
    scene = all_play_round()
    scene.run(c.ShowQuestion)
    for _ in scene.all_play_questions[1:]:  # on to the open-text question, the round's last
        scene.lock().reveal().show_next()
    scene.answer("liepaja", TextAnswer(text="something nobody listed"))
    scene.lock()
    server = FakeServer(scene)
    page = open_host(browser, server)
    step = page.locator("[data-next-step]")
    expect()(step).to_contain_text(en["next_judge_answers"])
    step.click()
    pending = page.locator("[data-answers] tr.pending [data-a-correct]")
    expect()(pending).to_be_focused()
    sends(
        page,
        server,
        {"type": "judge", "team_id": "liepaja", "correct": True},
        lambda: page.keyboard.press("Enter"),  # Enter on the focused button presses it
    )
    assert [command["type"] for command in commands(server)] == ["judge"]


def test_revoking_an_agent_asks_first(browser: Any) -> None:
    en = catalogue("en")
    server = FakeServer(scene_now().start())
    server.agents = [{"agent_id": "ag-1", "venue": "Jelgava library", "teams": ["jelgava"]}]
    page = open_host(browser, server)
    revoke = page.locator("[data-agent-list] [data-agent-revoke]")
    confirm = page.locator("[data-confirm-dialog]")

    def revoked() -> bool:
        return any(path.endswith("/agents/ag-1/revoke") for _, _, _, path in server.http_requests)

    revoke.click()
    expect()(confirm.locator("[data-confirm-text]")).to_have_text(
        en["agents_confirm_revoke"].format(name="Jelgava library")
    )
    confirm.locator("[data-confirm-cancel]").click()
    expect()(confirm).to_be_hidden()
    page.wait_for_timeout(150)
    assert not revoked()
    revoke.click()
    confirm.locator("[data-confirm-ok]").click()
    wait_for(revoked, page, "the revocation")
