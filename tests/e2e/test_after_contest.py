"""Before and after the contest in headless Chromium against ``quiz serve`` (issue 15).

- The admin signs in with the admin token, creates a contest from the shipped question pack
  (teams with city and colour, a buzzer round drawn by topic and difficulty, an all-play round
  chosen by hand from a preview in three languages), gets the links, and the contest is played
  from them: a tablet joins with its #code= link, buzzes, the host judges it correct and reveals.
  After the end the admin reopens the host console with a new host secret and opens the results:
  podium, tables, the chart, an XLSX export checked against the API's results.
- The public results page in lv, lt and en, without player names, printed to PDF by Chromium.
- The big screen's lobby: each team's QR code (decoded from a screenshot) is its #code= join link,
  joined players appear, and the start leaves the lobby with a banner.

Skips with the reason when Chromium or playwright is missing, unless QUIZ_TEST_BROWSER=required.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from websockets.sync.client import connect

from displays.messages import after_catalogue, catalogue
from loadtests.harness import QuizServer
from tests.displays.browser import chromium, screenshot
from tests.e2e.pages import WAIT_MS, command, expect, installed_quiz, open_page

pytestmark = pytest.mark.browser
TOKEN = "admin-e2e-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[QuizServer]:
    """The installed `quiz` script with an admin token and none of this process's settings."""
    with installed_quiz(tmp_path, {"QUIZ_ADMIN_TOKEN": TOKEN}) as quiz:
        yield quiz


def host_commands(base: str, contest_id: str, secret: str, *commands: dict[str, Any]) -> None:
    """Send host commands over the WebSocket (docs/protocol.md), each acknowledged."""
    with connect(f"{base.replace('http', 'ws', 1)}/ws/{contest_id}") as ws:
        ws.send(json.dumps({"type": "hello", "role": "host", "secret": secret}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        for number, command_ in enumerate(commands, start=1):
            ws.send(json.dumps({"type": "command", "id": number, "command": command_}))
            while True:
                message = json.loads(ws.recv(timeout=10))
                if message["type"] in ("ack", "error"):
                    assert message["type"] == "ack", message
                    break


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_a_contest_created_in_the_admin_area_is_played_and_its_results_exported(
    server: QuizServer, lang: str
) -> None:
    base = server.base
    with chromium() as browser:
        admin = open_page(
            browser, f"{base}/admin?lang={lang}", viewport={"width": 1280, "height": 800}
        )
        screenshot(admin, f"admin-sign-in-{lang}")
        admin.fill("[data-admin-token]", "wrong")
        admin.click("[data-signin-button]")
        expect()(admin.locator("[data-signin-error]")).to_be_visible()
        admin.fill("[data-admin-token]", TOKEN)
        admin.click("[data-signin-button]")
        expect()(admin.locator("[data-admin-main]")).to_be_visible()
        assert TOKEN not in admin.url

        admin.fill("[data-c-title]", "Vakara viktorīna")
        admin.fill("[data-c-starts]", "2026-05-14T18:00")
        expect()(admin.locator("[data-c-pack] option")).not_to_have_count(0)
        first, second = admin.locator(".round-row").nth(0), admin.locator(".round-row").nth(1)
        first.locator("[data-r-count]").fill("2")
        first.locator("[data-r-difficulty]").select_option("1")
        first.locator("[data-r-preview]").click()
        expect()(first.locator("[data-r-questions] li").first).to_be_visible()
        for shown in ("lv", "lt", "en"):  # the preview shows every language
            expect()(first.locator(f"[data-r-questions] li [lang='{shown}']").first).to_be_visible()
        second.locator("[data-r-mode]").select_option("hand")
        expect()(second.locator("[data-pick]").first).to_be_visible()
        second.locator("[data-pick]").nth(0).check()
        second.locator("[data-pick]").nth(1).check()
        expect()(second.locator("[data-r-chosen]")).to_have_text(
            after_catalogue(lang)["admin_questions_chosen"].format(n=2)
        )
        screenshot(admin, f"admin-new-contest-{lang}")
        admin.click("[data-create]")
        expect()(admin.locator("[data-links]")).to_be_visible()
        screenshot(admin, f"admin-links-{lang}")
        host_url = admin.locator("[data-link='host'] a").get_attribute("href")
        tablet_url = admin.locator("[data-link='tablet'] a").first.get_attribute("href")
        screen_url = admin.locator("[data-link='screen'] a").first.get_attribute("href")
        assert host_url and "#secret=hs_" in host_url and tablet_url and "#code=" in tablet_url
        assert screen_url and "?starts=" not in screen_url and "#token=st_" in screen_url
        lobby = open_page(browser, f"{base}{screen_url}")  # the start time comes from the server
        expect()(lobby.locator("[data-lobby-starts]")).to_contain_text("18:00")
        lobby.context.close()
        expect()(admin.locator("[data-link='agent'] code").first).to_contain_text("at_")
        contest_id = host_url.split("/host/")[1].split("?")[0]
        expect()(
            admin.locator(f"[data-list='setup'] [data-contest-id='{contest_id}']")
        ).to_be_visible()

        # --- played from the links: one question answered and revealed --------------------------
        host = open_page(browser, f"{base}{host_url}", viewport={"width": 1500, "height": 1000})
        expect()(host.locator("[data-console]")).to_be_visible()
        tablet = open_page(browser, f"{base}{tablet_url}", has_touch=True)
        tablet.fill("[data-join-name]", "Anna K.")
        tablet.click("[data-join-button]")
        expect()(tablet.locator("[data-play]")).to_be_visible()
        command(host, "start_contest")
        command(host, "start_round")
        command(host, "show_question")
        command(host, "open_buzzers")
        expect()(tablet.locator("[data-question][data-question-phase='open']")).to_be_attached()
        expect()(tablet.locator("[data-buzz-button]")).to_have_attribute("data-state", "go")
        tablet.locator("[data-buzz-button]").click()
        expect()(host.locator("[data-answering-team]")).to_have_text("Jelgava")
        host.click("[data-judge-answering='true']")
        command(host, "reveal")
        expect()(tablet.locator("[data-question][data-question-phase='revealed']")).to_be_attached()
        command(host, "end_contest")
        expect()(host.locator("[data-contest-status]")).not_to_have_text("")
        host.context.close()

        # --- after: the host console again, with a new secret ------------------------------------
        admin.click("[data-refresh]")
        item = admin.locator(f"[data-list='finished'] [data-contest-id='{contest_id}']")
        expect()(item).to_be_visible()
        with admin.context.expect_page() as opened:
            item.locator("[data-open-host]").click()
        reopened = opened.value
        reopened.set_default_timeout(WAIT_MS)
        expect()(reopened.locator("[data-console]")).to_be_visible()
        assert "secret" not in reopened.url
        old = httpx.get(
            f"{base}/api/contests/{contest_id}",
            headers={"Authorization": f"Bearer {host_url.split('#secret=')[1]}"},
        )
        assert old.status_code == 401  # the lost secret no longer works

        # --- the results, as the admin -----------------------------------------------------------
        item.locator("[data-results-link]").click()
        expect()(admin.locator("body[data-ready='true']")).to_be_attached()
        expect()(admin.locator("[data-podium] .place-1")).to_contain_text("Jelgava")
        expect()(admin.locator("[data-exports]")).to_be_visible()
        expect()(admin.locator("[data-chart] svg")).to_be_attached()
        expect()(admin.locator("[data-questions] tbody tr")).not_to_have_count(0)
        screenshot(admin, f"results-admin-{lang}")
        with admin.expect_download() as download:
            admin.click("[data-export='xlsx']")
        book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        results = httpx.get(f"{base}/api/contests/{contest_id}/results", headers=ADMIN).json()
        rows = [[c.value for c in row] for row in book["ranking"].iter_rows(min_row=2)]
        assert [(r[1], r[4]) for r in rows] == [
            (t["team_id"], t["score"]) for t in results["ranking"]
        ]
        assert results["ranking"][0] == {**results["ranking"][0], "team_id": "jelgava", "score": 10}


def _finished_contest(base: str) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=10) as http:
        made = http.post("/api/contests", headers=ADMIN, json={"title": "Vakars bibliotēkā"})
        contest = made.json()
        cid, auth = contest["contest_id"], {"Authorization": f"Bearer {contest['host_secret']}"}
        for name, colour in (
            ("Jelgava", "#c8102e"),
            ("Liepāja", "#0b5cad"),
            ("Šiauliai", "#17823b"),
        ):
            team = http.post(
                f"/api/contests/{cid}/teams", headers=auth, json={"name": name, "colour": colour}
            )
            http.post(
                f"/api/contests/{cid}/join",
                json={
                    "join_code": team.json()["join_code"],
                    "display_name": f"Zane-Ābele {name[0]}.",
                    "generation": "senior",
                },
            )
        round_ = {
            "rules": {"kind": "all_play"},
            "from_pack": {"pack": "baltic-science", "count": 2, "seed": 3},
        }
        assert (
            http.post(f"/api/contests/{cid}/rounds", headers=auth, json=round_).status_code == 201
        )
    host_commands(
        base,
        cid,
        contest["host_secret"],
        {"type": "start_contest"},
        {"type": "adjust_score", "team_id": "liepaja", "delta": 7, "reason": "quiz"},
        {"type": "adjust_score", "team_id": "jelgava", "delta": 3, "reason": "quiz"},
        {"type": "end_contest"},
    )
    return contest


def test_the_public_results_page_in_three_languages_and_printed(server: QuizServer) -> None:
    contest = _finished_contest(server.base)
    cid = contest["contest_id"]
    with chromium() as browser:
        for lang in ("lv", "lt", "en"):
            page = open_page(
                browser,
                f"{server.base}/results/{cid}?lang={lang}",
                viewport={"width": 1280, "height": 800},
            )
            expect()(page.locator("body[data-ready='true']")).to_be_attached()
            expect()(page.locator("[data-podium] .place-1")).to_contain_text("Liepāja")
            expect()(page.locator("[data-podium] .place-2")).to_contain_text("Jelgava")
            expect()(page.locator(".chart-section h2")).to_have_text(
                after_catalogue(lang)["results_progression"]
            )
            expect()(page.locator("[data-players]")).to_contain_text("Šiauliai")
            expect()(page.locator("[data-exports]")).to_be_hidden()
            assert "Zane-Ābele" not in page.content()
            screenshot(page, f"results-public-{lang}")
            page.context.close()
        page = open_page(
            browser, f"{server.base}/results/{cid}?lang=lv", viewport={"width": 1280, "height": 800}
        )
        expect()(page.locator("body[data-ready='true']")).to_be_attached()
        pdf = page.pdf(format="A4", print_background=True)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert 1 <= len(reader.pages) <= 3
    assert "Rezultāti — Vakars bibliotēkā" in text  # the printed sheet's own heading
    assert "Liepāja" in text and "Punktu gaita" in text and "Drukāt" not in text


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_the_lobby_shows_join_qr_codes_and_players_and_leaves_at_the_start(
    server: QuizServer, lang: str
) -> None:
    import zxingcpp
    from PIL import Image

    base = server.base
    with httpx.Client(base_url=base, timeout=10) as http:
        contest = http.post(
            "/api/contests", headers=ADMIN, json={"title": "Zinātnes vakars"}
        ).json()
        cid, auth = contest["contest_id"], {"Authorization": f"Bearer {contest['host_secret']}"}
        codes = {}
        for name, colour in (
            ("Jelgava", "#c8102e"),
            ("Liepāja", "#0b5cad"),
            ("Šiauliai", "#17823b"),
        ):
            team = http.post(
                f"/api/contests/{cid}/teams", headers=auth, json={"name": name, "colour": colour}
            ).json()
            codes[team["team_id"]] = team["join_code"]
        round_ = {
            "rules": {"kind": "all_play"},
            "from_pack": {"pack": "baltic-science", "count": 1, "seed": 1},
        }
        http.post(f"/api/contests/{cid}/rounds", headers=auth, json=round_)
        screen_link = http.post(
            f"/api/contests/{cid}/screens", headers=auth, json={"venue": "Jelgava"}
        ).json()["url"]
    path, _, fragment = screen_link.partition("#")
    with chromium() as browser:
        screen = open_page(
            browser,
            f"{base}{path}?lang={lang}&starts=2026-05-14T18:00#{fragment}",
            viewport={"width": 1920, "height": 1080},
        )
        expect()(screen.locator("[data-lobby]")).to_be_visible()
        expect()(screen.locator(".lobby-team")).to_have_count(3)
        expect()(screen.locator("[data-lobby-starts]")).to_contain_text("18:00")
        expect()(screen.locator(".lobby-hint")).to_have_text(catalogue(lang)["lobby_join_hint"])
        expect()(screen.locator("[data-join-code='jelgava']")).to_have_text(codes["jelgava"])
        qr = screen.locator("[data-qr='jelgava']")
        image = Image.open(io.BytesIO(qr.screenshot()))
        [found] = zxingcpp.read_barcodes(image)
        assert found.text == f"{base}/play/{cid}#code={codes['jelgava']}"
        httpx.post(
            f"{base}/api/contests/{cid}/join",
            json={"join_code": codes["liepaja"], "display_name": "Rūta B.", "generation": "teen"},
        )
        expect()(screen.locator("[data-team-id='liepaja'] .lobby-players li")).to_have_text(
            ["Rūta B."]
        )
        screenshot(screen, f"lobby-1920-{lang}")
        host_commands(base, cid, contest["host_secret"], {"type": "start_contest"})
        expect()(screen.locator("[data-lobby-go]")).to_be_visible()
        expect()(screen.locator("[data-lobby]")).to_be_hidden()
        screenshot(screen, "lobby-start")
        expect()(screen.locator(".screen-layout")).to_be_visible()
        host_commands(
            base,
            cid,
            contest["host_secret"],
            {"type": "adjust_score", "team_id": "siauliai", "delta": 5, "reason": "quiz"},
            {"type": "end_contest"},
        )
        podium = screen.locator("[data-screen-podium]")
        expect()(podium).to_be_visible()
        expect()(podium.locator(".place-1")).to_contain_text("Šiauliai")
        expect()(podium.locator(".podium-place")).to_have_count(3)
        screenshot(screen, "screen-podium")


def test_the_admin_area_speaks_latvian_and_lithuanian(server: QuizServer) -> None:
    _finished_contest(server.base)
    with chromium() as browser:
        for lang in ("lv", "lt"):
            page = open_page(
                browser, f"{server.base}/admin?lang={lang}", viewport={"width": 1280, "height": 800}
            )
            expect()(page.locator("[data-signin] h1")).to_have_text(
                after_catalogue(lang)["admin_sign_in"]
            )
            page.fill("[data-admin-token]", TOKEN)
            page.click("[data-signin-button]")
            expect()(page.locator("body[data-ready='true']")).to_be_attached()
            expect()(page.locator("[data-list='finished'] li")).to_have_count(1)
            expect()(page.locator("[data-list='setup'] li")).to_have_text(
                after_catalogue(lang)["admin_none"]
            )
            expect()(page.locator("[data-open-host]")).to_have_text(
                after_catalogue(lang)["admin_open_host"]
            )
            page.click("[data-p-show]")
            expect()(page.locator("[data-p-summary]")).to_contain_text(
                f"{after_catalogue(lang)['results_players_n']}: 3"
            )
            expect()(page.locator("[data-p-libraries]")).to_contain_text(
                catalogue(lang)["gen_senior"]
            )
            screenshot(page, f"admin-{lang}")
            page.context.close()
