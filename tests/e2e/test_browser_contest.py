"""A whole contest in headless Chromium against the real server.

``quiz serve`` runs as a subprocess on a free loopback port with a fresh data folder. The contest
(three teams: Jelgava, Liepāja, Šiauliai; one buzzer round and one all-play round) is created
through the HTTP API, then played in separate browser contexts — the host console, three team
tablets (in Latvian, Latvian and Lithuanian), a big screen and the audience page — exactly as
people at the venues would: join codes typed in, buzz buttons pressed, answers given on tablets,
judged by the host.
At the end every screen must show the same final scores, and the server must agree.

Skips with the reason when Chromium or playwright is missing, unless QUIZ_TEST_BROWSER=required
(CI), where that fails instead (tests/displays/browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from displays.messages import catalogue
from game.questions import (
    MultipleChoice,
    Numeric,
    OpenText,
    Option,
    Ordering,
    SingleChoice,
    TrueFalse,
)
from loadtests.harness import QuizServer
from tests.displays.browser import chromium, screenshot
from tests.e2e.pages import command, expect, installed_quiz, open_page

pytestmark = pytest.mark.browser

CONTEST_ID = "e2e-baltic"
TEAMS = (
    {
        "team_id": "jelgava",
        "name": "Jelgava",
        "venue": "Jelgavas pilsētas bibliotēka",
        "colour": "#c8102e",
    },
    {
        "team_id": "liepaja",
        "name": "Liepāja",
        "venue": "Liepājas Centrālā zinātniskā bibliotēka",
        "colour": "#0072ce",
    },
    {
        "team_id": "siauliai",
        "name": "Šiauliai",
        "venue": "Šiaulių miesto savivaldybės viešoji biblioteka",
        "colour": "#f2a900",
    },
)


def text(lv: str, lt: str, en: str) -> dict[str, str]:
    return {"lv": lv, "lt": lt, "en": en}


def option(oid: str, lv: str, lt: str, en: str) -> Option:
    return Option(id=oid, text=text(lv, lt, en))


STORK = SingleChoice(
    id="e2e-stork",
    text=text(
        "Kur pārziemo baltie stārķi?",
        "Kur žiemoja baltieji gandrai?",
        "Where do white storks winter?",
    ),
    options=(
        option("a", "Āfrikā", "Afrikoje", "In Africa"),
        option("b", "Skandināvijā", "Skandinavijoje", "In Scandinavia"),
        option("c", "Grenlandē", "Grenlandijoje", "In Greenland"),
    ),
    correct="a",
    explanation=text("Tie lido uz Āfriku.", "Jie skrenda į Afriką.", "They fly to Africa."),
)
SUN = TrueFalse(
    id="e2e-sun",
    text=text("Saule ir zvaigzne.", "Saulė yra žvaigždė.", "The Sun is a star."),
    correct=True,
)
MAMMALS = MultipleChoice(
    id="e2e-mammals",
    text=text("Kuri ir zīdītāji?", "Kurie yra žinduoliai?", "Which are mammals?"),
    options=(
        option("a", "Ronis", "Ruonis", "Seal"),
        option("b", "Lasis", "Lašiša", "Salmon"),
        option("c", "Sikspārnis", "Šikšnosparnis", "Bat"),
        option("d", "Gulbis", "Gulbė", "Swan"),
    ),
    correct=frozenset({"a", "c"}),
)
WATER = Numeric(
    id="e2e-water",
    text=text(
        "Cik grādos vārās ūdens jūras līmenī?",
        "Kokioje temperatūroje verda vanduo jūros lygyje?",
        "At what temperature does water boil at sea level?",
    ),
    value=100,
    tolerance=0,
    unit=text("°C", "°C", "°C"),
)
PLANETS = Ordering(
    id="e2e-planets",
    text=text(
        "Sakārtojiet pēc attāluma no Saules!",
        "Surikiuokite pagal atstumą nuo Saulės!",
        "Order by distance from the Sun!",
    ),
    items=(
        option("earth", "Zeme", "Žemė", "Earth"),
        option("mars", "Marss", "Marsas", "Mars"),
        option("mercury", "Merkurs", "Merkurijus", "Mercury"),
    ),
    correct=("mercury", "earth", "mars"),
)
OXYGEN = OpenText(
    id="e2e-oxygen",
    text=text(
        "Kuru gāzi augi izdala fotosintēzē?",
        "Kokias dujas augalai išskiria fotosintezės metu?",
        "Which gas do plants give off in photosynthesis?",
    ),
    accepted={"lv": ("Skābeklis",), "lt": ("Deguonis",), "en": ("Oxygen",)},
)

# Expected final scores (docs/game-rules.md defaults: 10 points, buzzer wrong answer −5):
#   buzzer  STORK    Jelgava buzzes, correct            Jelgava +10
#           SUN      Liepāja buzzes, wrong; Šiauliai     Liepāja −5, Šiauliai +10
#   all-play MAMMALS Jelgava, Liepāja right; Šiauliai    Jelgava +10, Liepāja +10
#           WATER    Jelgava 100, Liepāja 90             Jelgava +10
#           PLANETS  Šiauliai orders right               Šiauliai +10
#           OXYGEN   Liepāja "skabeklis" (auto), Jelgava judged right by the host  +10 each
#   adjustment       Šiauliai +5 ("appeal upheld")
EXPECTED = [("Jelgava", 40), ("Šiauliai", 25), ("Liepāja", 15)]


# --- the server -----------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[QuizServer]:
    """The installed `quiz` script, with none of this process's QUIZ_* settings."""
    with installed_quiz(tmp_path) as quiz:
        yield quiz


@dataclass
class Contest:
    host_secret: str
    join_codes: dict[str, str]
    screen_url: str


def create_contest(base: str) -> Contest:
    """Create the contest, its teams and both rounds through the HTTP API (docs/protocol.md §2)."""
    with httpx.Client(base_url=base, timeout=10) as http:
        created = http.post(
            "/api/contests",
            json={
                "title": "Baltijas zinātnes viktorīna — pārbaude",
                "languages": ["lv", "lt", "en"],
                "contest_id": CONTEST_ID,
            },
        )
        assert created.status_code == 201, created.text
        secret = created.json()["host_secret"]
        auth = {"Authorization": f"Bearer {secret}"}
        codes: dict[str, str] = {}
        for team in TEAMS:
            answer = http.post(f"/api/contests/{CONTEST_ID}/teams", json=team, headers=auth)
            assert answer.status_code == 201, answer.text
            codes[team["team_id"]] = answer.json()["join_code"]
        rounds = [
            {
                "round_id": "r1",
                "title": text("Ātrākā poga", "Greičiausias mygtukas", "Fastest finger"),
                "rules": {"kind": "buzzer", "points": 10, "wrong_penalty": 5},
                "questions": [msgspec.to_builtins(q) for q in (STORK, SUN)],
            },
            {
                "round_id": "r2",
                "title": text("Visi atbild", "Visi atsako", "Everyone answers"),
                "rules": {"kind": "all_play", "points": 10, "time_limit_s": 300},
                "questions": [msgspec.to_builtins(q) for q in (MAMMALS, WATER, PLANETS, OXYGEN)],
            },
        ]
        for round_ in rounds:
            answer = http.post(f"/api/contests/{CONTEST_ID}/rounds", json=round_, headers=auth)
            assert answer.status_code == 201, answer.text
        screen = http.post(
            f"/api/contests/{CONTEST_ID}/screens", json={"venue": "Jelgava"}, headers=auth
        )
        assert screen.status_code == 201, screen.text
    return Contest(host_secret=secret, join_codes=codes, screen_url=screen.json()["url"])


# --- the browser side -----------------------------------------------------------------------


def join(browser: Any, base: str, lang: str, code: str, name: str) -> Any:
    page = open_page(browser, f"{base}/play/{CONTEST_ID}?lang={lang}#code={code}", has_touch=True)
    expect()(page.locator("[data-join-code]")).to_have_value(code)
    page.fill("[data-join-name]", name)
    page.click("[data-join-button]")
    expect()(page.locator("[data-play]")).to_be_visible()
    expect()(page.locator("[data-conn-status]")).to_have_class("conn-status ok")
    return page


def buzz_when_open(tablet: Any) -> None:
    expect()(tablet.locator("[data-question][data-question-phase='open']")).to_be_attached()
    button = tablet.locator("[data-buzz-button]")
    expect()(button).to_have_attribute("data-state", "go")
    button.click()


def judge_answering(host: Any, team: str, correct: bool) -> None:
    expect()(host.locator("[data-answering-team]")).to_have_text(team)
    host.click(f"[data-judge-answering='{'true' if correct else 'false'}']")


def wait_for_host_answer(host: Any, team_id: str) -> None:
    cell = host.locator(f"[data-answers] tr[data-team-id='{team_id}'] [data-a-answer]")
    expect()(cell).not_to_have_text("—")


def scores(page: Any) -> list[tuple[str, int]]:
    rows = page.locator("[data-scoreboard-rows] tr")
    return [
        (
            rows.nth(i).locator("[data-name]").inner_text(),
            int(rows.nth(i).locator("[data-score]").inner_text()),
        )
        for i in range(rows.count())
    ]


def test_a_whole_contest_in_the_browser(server: QuizServer) -> None:
    contest = create_contest(server.base)
    codes = contest.join_codes
    base = server.base
    with chromium() as browser:
        host = open_page(
            browser,
            f"{base}/host/{CONTEST_ID}?lang=en#secret={contest.host_secret}",
            viewport={"width": 1500, "height": 1100},
        )
        expect()(host.locator("[data-console]")).to_be_visible()
        assert contest.host_secret not in host.url
        path, _, fragment = contest.screen_url.partition("#")
        screen = open_page(
            browser, f"{base}{path}?lang=lv#{fragment}", viewport={"width": 1600, "height": 900}
        )
        audience = open_page(browser, f"{base}/watch/{CONTEST_ID}?lang=en")
        jelgava = join(browser, base, "lv", codes["jelgava"], "Anna K.")
        liepaja = join(browser, base, "lv", codes["liepaja"], "Līga O.")
        siauliai = join(browser, base, "lt", codes["siauliai"], "Rūta P.")
        # The host sees the join codes and the players who joined.
        expect()(host.locator("[data-t-code]").first).to_have_text(codes["jelgava"])
        expect()(host.locator("[data-t-players] li")).to_have_count(3)

        # --- round 1: buzzers ------------------------------------------------------------------
        command(host, "start_contest")
        command(host, "start_round")
        command(host, "show_question")
        expect()(screen.locator("[data-question-text]")).to_have_text(STORK.text["lv"])
        expect()(siauliai.locator("[data-question-text]")).to_have_text(STORK.text["lt"])
        command(host, "open_buzzers")
        buzz_when_open(jelgava)
        expect()(screen.locator("[data-buzz]")).to_contain_text("Jelgava")
        expect()(jelgava.locator("[data-turn]")).to_have_class("turn-banner mine")
        screenshot(host, "e2e-host-buzz")
        screenshot(jelgava, "e2e-tablet-turn")
        judge_answering(host, "Jelgava", True)
        command(host, "reveal")
        expect()(screen.locator("[data-correct]")).to_contain_text("Āfrikā")
        expect()(screen.locator("[data-explanation]")).to_have_text(STORK.explanation["lv"])
        screenshot(screen, "e2e-screen-reveal")

        command(host, "next_question")
        expect()(screen.locator("[data-question-text]")).to_have_text(SUN.text["lv"])
        command(host, "open_buzzers")
        buzz_when_open(liepaja)
        judge_answering(host, "Liepāja", False)
        expect()(liepaja.locator("[data-buzz-button]")).to_have_attribute("data-state", "locked")
        buzz_when_open(siauliai)
        judge_answering(host, "Šiauliai", True)
        command(host, "reveal")
        command(host, "next_question")  # the round's last question: the round ends
        expect()(screen.locator(".screen-layout")).to_have_class("screen-layout scores-only")

        # --- round 2: everyone answers ---------------------------------------------------------
        command(host, "start_round")
        command(host, "show_question")
        expect()(jelgava.locator("[data-question-text]")).to_have_text(MAMMALS.text["lv"])
        for tablet, chosen in ((jelgava, "ac"), (liepaja, "ac"), (siauliai, "b")):
            for option_id in chosen:
                tablet.click(f"[data-answer-form] .toggle[data-option='{option_id}']")
            tablet.click("[data-answer-form] [data-send]")
        for team_id in ("jelgava", "liepaja", "siauliai"):
            wait_for_host_answer(host, team_id)
        expect()(screen.locator("[data-answered-teams] .answered-chip")).to_have_count(3)
        screenshot(screen, "e2e-screen-answered")
        screenshot(host, "e2e-host-answers")
        command(host, "lock_answers")
        command(host, "reveal")
        expect()(jelgava.locator("[data-my-result]")).to_have_class("my-result correct")
        expect()(siauliai.locator("[data-my-result]")).to_have_class("my-result wrong")
        screenshot(siauliai, "e2e-tablet-result-lt")

        command(host, "next_question")
        expect()(jelgava.locator("[data-number-input]")).to_be_visible()
        jelgava.fill("[data-number-input]", "100")
        jelgava.click("[data-answer-form] [data-send]")
        liepaja.fill("[data-number-input]", "90")
        liepaja.click("[data-answer-form] [data-send]")
        wait_for_host_answer(host, "jelgava")
        wait_for_host_answer(host, "liepaja")
        command(host, "reveal")  # revealing locks the answers first

        command(host, "next_question")
        items = siauliai.locator("[data-order-list] li")
        expect()(items).to_have_count(len(PLANETS.items))
        # The items come shuffled (docs/game-rules.md, "Option order"), never in the right
        # order: move each into place with the arrow buttons, as a player would.
        shown = items.evaluate_all("els => els.map((el) => el.dataset.item)")
        assert sorted(shown) == sorted(PLANETS.correct) and shown != list(PLANETS.correct)
        for target, item_id in enumerate(PLANETS.correct):
            current = items.evaluate_all("els => els.map((el) => el.dataset.item)").index(item_id)
            for _ in range(current - target):
                siauliai.locator(f"[data-order-list] li[data-item='{item_id}'] [data-up]").click()
        expect()(items.first).to_have_attribute("data-item", PLANETS.correct[0])
        screenshot(siauliai, "e2e-tablet-order-lt")
        siauliai.click("[data-answer-form] [data-send]")
        wait_for_host_answer(host, "siauliai")
        command(host, "reveal")

        command(host, "next_question")
        liepaja.fill("[data-text-input]", "skabeklis")  # without diacritics: matched all the same
        liepaja.press("[data-text-input]", "Enter")
        jelgava.fill("[data-text-input]", "tā gāze, ko elpojam")
        jelgava.press("[data-text-input]", "Enter")
        wait_for_host_answer(host, "liepaja")
        wait_for_host_answer(host, "jelgava")
        command(host, "lock_answers")
        pending = host.locator("[data-answers] tr[data-team-id='jelgava']")
        expect()(pending).to_have_class("pending")
        pending.locator("[data-a-correct]").click()
        expect()(pending).to_have_class("correct")
        command(host, "reveal")
        command(host, "next_question")  # ends round 2

        # --- adjustment and the end ------------------------------------------------------------
        host.select_option("[data-adjust-team]", "siauliai")
        host.fill("[data-adjust-delta]", "5")
        host.fill("[data-adjust-reason]", "appeal upheld")
        host.click(".adjust-form button")
        host.click("[data-confirm-dialog] [data-confirm-ok]")  # the console asks first
        command(host, "end_contest")

        pages = {
            "host": (host, "en"),
            "screen": (screen, "lv"),
            "audience": (audience, "en"),
            "jelgava": (jelgava, "lv"),
            "liepaja": (liepaja, "lv"),
            "siauliai": (siauliai, "lt"),
        }
        for name, (page, lang) in pages.items():
            heading = page.locator("[data-scoreboard-heading]")
            expect()(heading).to_have_text(catalogue(lang)["final_scores"])  # type: ignore[arg-type]
            first = page.locator("[data-scoreboard-rows] tr").first
            expect()(first.locator("[data-score]")).to_have_text("40")
            assert scores(page) == EXPECTED, name
        screenshot(screen, "e2e-screen-final")
        screenshot(host, "e2e-host-final")

    answer = httpx.get(
        f"{server.base}/api/contests/{CONTEST_ID}",
        headers={"Authorization": f"Bearer {contest.host_secret}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["contest"]["status"] == "finished"
    assert [(row["name"], row["score"]) for row in view["scoreboard"]] == EXPECTED
