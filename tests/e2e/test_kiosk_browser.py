"""The registration kiosk in Chromium against a real server and a real SIP2 peer (pysip2): a
keyboard-wedge scan (keystrokes + Enter), the PIN pad, the team and generation, the tablet code;
the player joins a tablet with that code and answers a question. Then the privacy check: no card
number or PIN in the database file, the server's DEBUG log, any page, view or export; and the
purge erases the player's name."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from loadtests.harness import QuizServer
from server.demo_questions import SUN
from tests.circulation_bridge.libraries import (
    GIRTS,
    LOGIN_PASSWORD,
    LOGIN_USER,
    PINS,
    SECRET,
    Pysip2Library,
)
from tests.displays.browser import chromium, screenshot
from tests.e2e.pages import expect, installed_quiz, open_page

pytestmark = pytest.mark.browser

CONTEST = "kiosk-e2e"
LIBRARIAN_PIN = "8642"


@pytest.fixture
def library() -> Iterator[Pysip2Library]:
    peer = Pysip2Library()
    with peer.serve_in_thread() as port:
        peer.port = port  # type: ignore[attr-defined]
        yield peer


@pytest.fixture
def server(tmp_path: Path, library: Any) -> Iterator[QuizServer]:
    libraries = {
        "Jelgava": {
            "host": "127.0.0.1",
            "port": library.port,
            "institution_id": "JELGAVA",
            "user": LOGIN_USER,
            "password": LOGIN_PASSWORD,
            "pin_required": True,
        }
    }
    settings = {"QUIZ_LIBRARIES": json.dumps(libraries), "QUIZ_CARD_HASH_SECRET": SECRET}
    with installed_quiz(tmp_path, settings, log_level="debug") as quiz:
        yield quiz


def set_up(base: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=base, timeout=10) as http:
        made = http.post("/api/contests", json={"title": "Kiosk", "contest_id": CONTEST})
        assert made.status_code == 201, made.text
        host = {"Authorization": f"Bearer {made.json()['host_secret']}"}
        for name, venue in (("Jelgava", "Jelgavas pilsētas bibliotēka"), ("Rīga", "Rīga")):
            team = http.post(
                f"/api/contests/{CONTEST}/teams", headers=host, json={"name": name, "venue": venue}
            )
            assert team.status_code == 201, team.text
        round_ = {
            "round_id": "r1",
            "rules": {"kind": "all_play", "time_limit_s": 300},
            "questions": [msgspec.to_builtins(SUN)],
        }
        assert (
            http.post(f"/api/contests/{CONTEST}/rounds", headers=host, json=round_).status_code
            == 201
        )
        kiosk = http.post(
            f"/api/contests/{CONTEST}/kiosks",
            headers=host,
            json={"venue": "Jelgava", "librarian_pin": LIBRARIAN_PIN},
        )
        assert kiosk.status_code == 201, kiosk.text
    return host, kiosk.json()["url"]


def host_command(base: str, host: dict[str, str], name: str) -> None:
    """A host command over the WebSocket (the host console's way)."""
    from websockets.sync.client import connect

    secret = host["Authorization"].split()[1]
    with connect(f"{base.replace('http', 'ws')}/ws/{CONTEST}", origin=base) as ws:
        ws.send(json.dumps({"type": "hello", "role": "host", "secret": secret}))
        ws.send(json.dumps({"type": "command", "id": f"m-{name}", "command": {"type": name}}))
        for _ in range(50):
            message = json.loads(ws.recv(timeout=10))
            if message.get("type") == "ack" and message.get("id") == f"m-{name}":
                return
            assert message.get("type") != "error", message


def test_kiosk_to_tablet_and_nothing_personal_left(server: QuizServer, tmp_path: Path) -> None:
    base = server.base
    host, kiosk_url = set_up(base)
    with chromium() as browser:
        kiosk = open_page(
            browser,
            f"{base}{kiosk_url.replace('#', '?lang=en#')}",
            viewport={"width": 1280, "height": 800},
        )
        card = kiosk.locator("[data-card]")
        expect()(card).to_be_focused()
        screenshot(kiosk, "kiosk-1-scan-landscape")
        kiosk.keyboard.type(GIRTS, delay=5)  # a keyboard-wedge scanner: keystrokes, then Enter
        kiosk.keyboard.press("Enter")
        expect()(kiosk.locator("[data-step='pin']")).to_be_visible()
        for digit in PINS[GIRTS]:
            kiosk.click(f"[data-pin-key='{digit}']")
        expect()(kiosk.locator("[data-pin-dots]")).to_have_text("●" * len(PINS[GIRTS]))
        screenshot(kiosk, "kiosk-2-pin-landscape")
        kiosk.click("[data-pin-key='ok']")
        expect()(kiosk.locator("[data-hello]")).to_have_text("Hello, Ģirts Š.!")
        expect()(kiosk.locator("[data-team]")).to_have_count(1)  # only the library's teams
        kiosk.click("[data-team='jelgava']")
        kiosk.click("[data-generation='senior']")
        screenshot(kiosk, "kiosk-3-choose-landscape")
        kiosk.click("[data-confirm]")
        expect()(kiosk.locator("[data-done-title]")).to_have_text("You are registered, Ģirts Š.!")
        code = kiosk.locator("[data-done-code]").inner_text().replace(" ", "")
        assert len(code) == 8 and code.isdigit()
        screenshot(kiosk, "kiosk-4-done-landscape")

        # the same card again, on a portrait tablet in Latvian: the same player, a new code
        portrait = open_page(
            browser,
            f"{base}{kiosk_url.replace('#', '?lang=lv#')}",
            viewport={"width": 800, "height": 1280},
        )
        expect()(portrait.locator("[data-card]")).to_be_focused()
        portrait.keyboard.type(GIRTS + "\n", delay=5)
        for digit in "000000":
            portrait.click(f"[data-pin-key='{digit}']")
        portrait.click("[data-pin-key='ok']")
        expect()(portrait.locator("[data-outcome]")).to_have_text(
            "PIN kods nav pareizs. Lūdzu, mēģiniet vēlreiz."
        )
        screenshot(portrait, "kiosk-5-wrong-pin-portrait")
        portrait.locator("[data-step='outcome'] [data-start-over]").click()
        portrait.keyboard.type(GIRTS + "\n", delay=5)
        for digit in PINS[GIRTS]:
            portrait.keyboard.press(digit)  # the keyboard's digits work on the PIN pad too
        portrait.keyboard.press("Enter")
        expect()(portrait.locator("[data-team='jelgava']")).to_have_attribute(
            "aria-checked", "true"
        )
        portrait.click("[data-confirm]")
        expect()(portrait.locator("[data-done-title]")).to_contain_text("Ģirts Š.")
        screenshot(portrait, "kiosk-6-done-portrait")
        second = portrait.locator("[data-done-code]").inner_text().replace(" ", "")
        assert second != code

        # the player takes a tablet with the code and plays
        tablet = open_page(browser, f"{base}/play/{CONTEST}?lang=en", has_touch=True)
        tablet.fill("[data-pass-code]", second)
        screenshot(tablet, "kiosk-7-tablet-code")
        tablet.click("[data-pass-button]")
        expect()(tablet.locator("[data-play]")).to_be_visible()
        expect()(tablet.locator("[data-team-line]")).to_contain_text("Ģirts Š.")
        host_command(base, host, "start_contest")
        host_command(base, host, "start_round")
        host_command(base, host, "show_question")
        tablet.locator("[data-answer-form] [data-value='true']").click()
        expect()(tablet.locator("[data-my-answer]")).to_be_visible()

    host_command(base, host, "end_contest")
    with httpx.Client(base_url=base, timeout=10) as http:
        players = http.get(f"/api/contests/{CONTEST}/players", headers=host).json()
        assert [p["display_name"] for p in players["players"]] == ["Ģirts Š."]
        assert players["players"][0]["registered_via"] == "card"
        pages = [
            http.get(f"/api/contests/{CONTEST}/events", headers=host).text,
            http.get(f"/api/contests/{CONTEST}", headers=host).text,
            http.get(f"/api/contests/{CONTEST}/teams", headers=host).text,
            json.dumps(players),
            http.get(f"/play/{CONTEST}").text,
            http.get(f"/kiosk/{CONTEST}").text,
        ]
        for path in ("results", "export", "exports", "participation"):  # whatever exports exist
            answer = http.get(f"/api/contests/{CONTEST}/{path}", headers=host)
            if answer.status_code == 200:
                pages.append(answer.text)
    secrets = (GIRTS, PINS[GIRTS])
    for text in pages:
        for secret in secrets:
            assert not re.search(rf"(?<!\d){secret}(?!\d)", text), secret
    server.stop()
    log = server.log_path.read_bytes()
    assert b"DEBUG" in log or b"debug" in log.lower()
    data = server.data_dir
    files = [p for p in data.rglob("*") if p.is_file() and p.name != "server.log"]
    assert any(p.name.startswith("quiz.sqlite3") for p in files)
    for blob in [log, *(p.read_bytes() for p in files)]:
        for secret in secrets:  # standing alone: a PIN may turn up inside a timestamp by chance
            assert not re.search(rb"(?<!\d)" + secret.encode() + rb"(?!\d)", blob), secret

    # retention: with 0 days, the purge erases the name (in the table and the log)
    purge = subprocess.run(
        [
            str(Path(sys.executable).parent / "quiz"),
            "players",
            "purge",
            "--days",
            "0",
            "--data-dir",
            str(data),
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")},
        timeout=60,
    )
    assert purge.returncode == 0, purge.stdout + purge.stderr
    assert "erased the personal data of 1 players of 1 contests" in purge.stdout
    with sqlite3.connect(data / "quiz.sqlite3") as db:
        rows = db.execute(
            "SELECT display_name, card_hash, library, generation FROM players"
        ).fetchall()
        events = " ".join(r[0] for r in db.execute("SELECT payload FROM events"))
    assert rows == [("—", None, "Jelgava", "senior")]
    assert "Ģirts" not in events


def test_the_host_console_lists_registered_players_and_erases_one(server: QuizServer) -> None:
    """A player by card, one by the librarian's fallback, one by the team's code: the host
    console's players panel lists them with team, generation, library and way of registering
    (the fallback flagged), in English and Latvian; 'delete personal data' erases one."""
    base = server.base
    host, kiosk_url = set_up(base)
    kiosk = {"Authorization": f"Bearer {kiosk_url.split('#token=')[1]}"}
    with httpx.Client(base_url=f"{base}/api/contests/{CONTEST}", timeout=10) as http:
        found = http.post("/kiosk/lookup", headers=kiosk, json={"card": GIRTS, "pin": PINS[GIRTS]})
        made = http.post(
            "/kiosk/register",
            headers=kiosk,
            json={"registration": found.json()["registration"], "team_id": "jelgava"},
        )
        assert made.status_code == 201, made.text
        fallback = http.post(
            "/kiosk/librarian",
            headers=kiosk,
            json={
                "librarian_pin": LIBRARIAN_PIN,
                "name": "Aina Bērziņa",
                "team_id": "jelgava",
                "generation": "senior",
            },
        )
        assert fallback.status_code == 201, fallback.text
        code = next(
            t["join_code"]
            for t in http.get("/teams", headers=host).json()["teams"]
            if t["team_id"] == "riga"
        )
        joined = http.post("/join", json={"join_code": code, "display_name": "Jānis"})
        assert joined.status_code == 201, joined.text
    secret = host["Authorization"].split()[1]
    with chromium() as browser:
        page = open_page(
            browser,
            f"{base}/host/{CONTEST}?lang=en#secret={secret}",
            viewport={"width": 1600, "height": 1000},
        )
        panel = page.locator("[data-players-panel]")
        expect()(panel.locator("h2")).to_have_text("Registered players")
        rows = panel.locator("[data-registration]")
        expect()(rows).to_have_count(3)
        expect()(panel.locator("[data-players-summary]")).to_have_text(
            "Players: 3 (library card 1, librarian 1, team code 1)"
        )
        card = panel.locator("[data-via='card']")
        expect()(card).to_contain_text("Ģirts Š.")
        expect()(card).to_contain_text("Jelgava")
        expect()(card).to_contain_text("library card")
        librarian = panel.locator("[data-via='librarian']")
        expect()(librarian.locator(".librarian-flag")).to_have_text(
            "⚠ by the librarian (card not checked)"
        )
        expect()(librarian).to_contain_text("Senior")
        expect()(panel.locator("[data-via='code']")).to_contain_text("team code")
        link = panel.locator("[data-results-link]")
        expect()(link).to_have_attribute("href", f"/results/{CONTEST}?lang=en")
        panel.scroll_into_view_if_needed()
        screenshot(page, "host-players-panel")
        librarian.locator("[data-erase]").click()
        confirm = page.locator("[data-confirm-dialog]")  # asked in the page, not window.confirm
        expect()(confirm.locator("[data-confirm-text]")).to_contain_text("Delete the personal data")
        confirm.locator("[data-confirm-ok]").click()
        erased = panel.locator("[data-erased='true']")
        expect()(erased).to_have_count(1)
        expect()(erased).to_contain_text("Personal data deleted")
        expect()(panel.locator("[data-players-summary]")).to_have_text(
            "Players: 2 (library card 1, librarian 0, team code 1)"
        )

        latvian = open_page(browser, f"{base}/host/{CONTEST}?lang=lv#secret={secret}")
        lv_panel = latvian.locator("[data-players-panel]")
        expect()(lv_panel.locator("h2")).to_have_text("Reģistrētie dalībnieki")
        expect()(lv_panel.locator("[data-via='card']")).to_contain_text("bibliotēkas karte")
        expect()(lv_panel.locator("[data-erased='true']")).to_contain_text("Personas dati dzēsti")
        lithuanian = open_page(browser, f"{base}/host/{CONTEST}?lang=lt#secret={secret}")
        lt_panel = lithuanian.locator("[data-players-panel]")
        expect()(lt_panel.locator("h2")).to_have_text("Užsiregistravę dalyviai")
        expect()(lt_panel.locator("[data-via='code']")).to_contain_text("komandos kodas")
    with httpx.Client(base_url=base, timeout=10) as http:
        players = http.get(f"/api/contests/{CONTEST}/players", headers=host).json()["players"]
    assert [(p["registered_via"], p["erased"]) for p in players] == [
        ("card", False),
        ("librarian", True),
        ("code", False),
    ]
    assert "Aina" not in json.dumps(players, ensure_ascii=False)


def test_the_results_page_shows_how_each_player_registered(server: QuizServer) -> None:
    """The results page (issue 15) for the host: each player with team, library, generation and
    way of registering, the librarian's fallback flagged, and the counts, in en, lv and lt; the
    public page keeps the counts and shows no name."""
    base = server.base
    host, kiosk_url = set_up(base)
    kiosk = {"Authorization": f"Bearer {kiosk_url.split('#token=')[1]}"}
    with httpx.Client(base_url=f"{base}/api/contests/{CONTEST}", timeout=10) as http:
        found = http.post("/kiosk/lookup", headers=kiosk, json={"card": GIRTS, "pin": PINS[GIRTS]})
        registration = {"registration": found.json()["registration"], "team_id": "jelgava"}
        assert http.post("/kiosk/register", headers=kiosk, json=registration).status_code == 201
        fallback = {
            "librarian_pin": LIBRARIAN_PIN,
            "name": "Aina Bērziņa",
            "team_id": "jelgava",
            "generation": "senior",
        }
        assert http.post("/kiosk/librarian", headers=kiosk, json=fallback).status_code == 201
        teams = http.get("/teams", headers=host).json()["teams"]
        code = next(t["join_code"] for t in teams if t["team_id"] == "riga")
        joined = http.post("/join", json={"join_code": code, "display_name": "Jānis"})
        assert joined.status_code == 201, joined.text
    host_command(base, host, "start_contest")
    host_command(base, host, "end_contest")
    secret = host["Authorization"].split()[1]
    with chromium() as browser:
        page = open_page(browser, f"{base}/host/{CONTEST}?lang=en#secret={secret}")
        expect()(page.locator("[data-players-panel]")).to_be_attached()
        page.goto(f"{base}/results/{CONTEST}?lang=en")  # the same tab: the host secret is kept
        expect()(page.locator("[data-registration-summary]")).to_have_text(
            "Players: 3 (library card 1, librarian 1, team code 1)"
        )
        players = page.locator("[data-player-list] tbody tr")
        expect()(players).to_have_count(3)
        card = page.locator("[data-player-list] tr[data-via='card']")
        expect()(card).to_contain_text("Ģirts Š.")
        expect()(card).to_contain_text("Jelgava")
        expect()(card).to_contain_text("library card")
        librarian = page.locator("[data-player-list] tr[data-via='librarian']")
        expect()(librarian.locator(".librarian-flag")).to_have_text(
            "⚠ by the librarian (card not checked)"
        )
        expect()(librarian).to_contain_text("Senior")
        expect()(page.locator("[data-player-list] tr[data-via='code']")).to_contain_text("Rīga")
        expect()(page.locator("[data-by-registration] tr[data-via='librarian']")).to_contain_text(
            "1"
        )
        page.locator("[data-player-list]").scroll_into_view_if_needed()
        screenshot(page, "results-registrations")
        for lang, heading, way in (
            ("lv", "Kā dalībnieki reģistrējās", "bibliotēkas karte"),
            ("lt", "Kaip dalyviai registravosi", "bibliotekos kortelė"),
        ):
            page.goto(f"{base}/results/{CONTEST}?lang={lang}")
            expect()(page.locator("h3").first).to_have_text(heading)
            expect()(page.locator("[data-player-list] tr[data-via='card']")).to_contain_text(way)

        public = open_page(browser, f"{base}/results/{CONTEST}?lang=en")
        expect()(public.locator("[data-registration-summary]")).to_have_text(
            "Players: 3 (library card 1, librarian 1, team code 1)"
        )
        expect()(public.locator("[data-player-list-section]")).to_be_hidden()
        text = public.locator("body").inner_text()
        assert "Ģirts" not in text and "Aina" not in text and "Jānis" not in text
