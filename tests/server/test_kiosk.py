"""Registration kiosks against a real SIP2 server (pysip2): card checks, confirmation, tablet
codes, throttling, the librarian fallback, a library that is down or slow, erasing players."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from tests.circulation_bridge.libraries import (
    GIRTS,
    LOGIN_PASSWORD,
    LOGIN_USER,
    LOST,
    PINS,
    RUTA,
    SECRET,
    UNKNOWN,
    Pysip2Library,
)
from tests.server.conftest import make_settings, reply_to

LIBRARIAN_PIN = "4711"


def libraries(port: int, **extra: Any) -> str:
    table = {
        "host": "127.0.0.1",
        "port": port,
        "institution_id": "JELGAVA",
        "user": LOGIN_USER,
        "password": LOGIN_PASSWORD,
        "pin_required": True,
        **extra,
    }
    return json.dumps({"Jelgava": table, "Liepāja": {**table, "institution_id": "LIEPAJA"}})


def kiosk_client(tmp_path: Path, port: int, **settings: Any) -> TestClient:
    environ = {"QUIZ_LIBRARIES": libraries(port), "QUIZ_CARD_HASH_SECRET": SECRET}
    base = dataclasses.replace(make_settings(tmp_path, **settings), environ=environ)
    return TestClient(create_app(base))


@pytest.fixture
def sip2() -> Iterator[tuple[Pysip2Library, int]]:
    library = Pysip2Library()
    with library.serve_in_thread() as port:
        yield library, port


class Venue:
    """A contest with teams at Jelgava (two) and Liepāja, and a kiosk at Jelgava."""

    def __init__(self, http: TestClient) -> None:
        self.http = http
        made = http.post("/api/contests", json={"title": "Kiosk test"}).json()
        self.contest_id = made["contest_id"]
        self.host = {"Authorization": f"Bearer {made['host_secret']}"}
        for name, library in (("Jelgava A", "jelgava"), ("Jelgava B", None), ("Liepāja", None)):
            body: dict[str, Any] = {"name": name, "venue": "Jelgava" if library is None else name}
            if name == "Liepāja":
                body["venue"] = "Liepājas bibliotēka"
            if library:
                body["library"] = library
            answer = http.post(f"{self.base}/teams", headers=self.host, json=body)
            assert answer.status_code == 201, answer.text
        kiosk = http.post(
            f"{self.base}/kiosks",
            headers=self.host,
            json={"venue": "Jelgava", "librarian_pin": LIBRARIAN_PIN},
        )
        assert kiosk.status_code == 201, kiosk.text
        self.kiosk = kiosk.json()
        self.auth = {"Authorization": f"Bearer {self.kiosk['kiosk_token']}"}

    @property
    def base(self) -> str:
        return f"/api/contests/{self.contest_id}"

    def lookup(self, card: str, pin: str | None) -> Any:
        return self.http.post(
            f"{self.base}/kiosk/lookup", headers=self.auth, json={"card": card, "pin": pin}
        )

    def register(self, registration: str, team_id: str, generation: str = "adult") -> Any:
        return self.http.post(
            f"{self.base}/kiosk/register",
            headers=self.auth,
            json={"registration": registration, "team_id": team_id, "generation": generation},
        )


def test_a_kiosk_knows_its_library_and_its_teams(
    tmp_path: Path, sip2: tuple[Pysip2Library, int]
) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        assert venue.kiosk["library"] == "Jelgava"
        assert venue.kiosk["url"] == f"/kiosk/{venue.contest_id}#token={venue.kiosk['kiosk_token']}"
        info = http.get(f"{venue.base}/kiosk", headers=venue.auth).json()
        assert info["pin_required"] is True and info["librarian_fallback"] is True
        assert [t["name"] for t in info["teams"]] == ["Jelgava A", "Jelgava B"]
        assert http.get(f"{venue.base}/kiosk").status_code == 401
        teams = http.get(f"{venue.base}/teams", headers=venue.host).json()["teams"]
        assert {t["name"]: t["library"] for t in teams} == {
            "Jelgava A": "Jelgava",
            "Jelgava B": "Jelgava",
            "Liepāja": "Liepāja",
        }
        refused = http.post(
            f"{venue.base}/teams", headers=venue.host, json={"name": "X", "library": "Rīga"}
        )
        assert refused.json()["error"]["code"] == "unknown_library"


def test_a_valid_card_registers_and_a_tablet_claims_the_player(
    tmp_path: Path, sip2: tuple[Pysip2Library, int]
) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        found = venue.lookup(GIRTS, PINS[GIRTS]).json()
        assert found["outcome"] == "ok" and found["display_name"] == "Ģirts Š."
        assert found["team_id"] is None
        made = venue.register(found["registration"], "jelgava-a")
        assert made.status_code == 201, made.text
        player = made.json()
        assert player["team_name"] == "Jelgava A" and player["again"] is False
        assert len(player["tablet_code"]) == 8 and player["tablet_code"].isdigit()
        assert player["tablet_url"].endswith(
            f"/play/{venue.contest_id}#pass={player['tablet_code']}"
        )
        assert player["tablet_qr"].startswith("data:image/svg+xml")
        claimed = http.post(f"{venue.base}/claim", json={"tablet_code": player["tablet_code"]})
        assert claimed.status_code == 201, claimed.text
        assert claimed.json()["player_id"] == player["player_id"]
        assert claimed.json()["display_name"] == "Ģirts Š."
        again = http.post(f"{venue.base}/claim", json={"tablet_code": player["tablet_code"]})
        assert again.json()["error"]["code"] == "bad_tablet_code"  # one use only
        listed = http.get(f"{venue.base}/players", headers=venue.host).json()
        assert listed["players"][0]["registered_via"] == "card"
        assert listed["players"][0]["library"] == "Jelgava"
        assert listed["participation"] == [
            {"library": "Jelgava", "generation": "adult", "registered_via": "card", "players": 1}
        ]


def test_the_same_card_again_is_the_same_player_and_another_team_is_refused(
    tmp_path: Path, sip2: tuple[Pysip2Library, int]
) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        first = venue.register(venue.lookup(GIRTS, PINS[GIRTS]).json()["registration"], "jelgava-a")
        found = venue.lookup(GIRTS, PINS[GIRTS]).json()
        assert found["team_id"] == "jelgava-a"  # the kiosk can skip the team choice
        second = venue.register(found["registration"], "jelgava-a")
        assert second.status_code == 200 and second.json()["again"] is True
        assert second.json()["player_id"] == first.json()["player_id"]
        assert second.json()["tablet_code"] != first.json()["tablet_code"]
        elsewhere = venue.register(
            venue.lookup(GIRTS, PINS[GIRTS]).json()["registration"], "jelgava-b"
        )
        assert elsewhere.status_code == 409
        assert elsewhere.json()["error"]["code"] == "card_registered_elsewhere"
        assert "Jelgava A" in elsewhere.json()["error"]["message"]
        assert len(http.get(f"{venue.base}/players", headers=venue.host).json()["players"]) == 1
        other = venue.register(venue.lookup(RUTA, PINS[RUTA]).json()["registration"], "liepaja")
        assert other.json()["error"]["code"] == "wrong_team"  # not a team of this kiosk's library


@pytest.mark.parametrize(
    ("card", "pin", "outcome"),
    [
        (GIRTS, "000000", "wrong_pin"),
        (UNKNOWN, "000000", "unknown_card"),
        (LOST, PINS[LOST], "blocked_card"),
    ],
)
def test_invalid_cards_are_answered_in_plain_outcomes(
    tmp_path: Path, sip2: tuple[Pysip2Library, int], card: str, pin: str, outcome: str
) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        answer = venue.lookup(card, pin)
        assert answer.status_code == 200
        assert answer.json() == {"outcome": outcome}


def test_a_forged_or_foreign_registration_is_refused(
    tmp_path: Path, sip2: tuple[Pysip2Library, int]
) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        good = venue.lookup(GIRTS, PINS[GIRTS]).json()["registration"]
        body, signature = good.split(".")
        for forged in ("x", f"{body}.AAAA", f"{body[:-2]}xx.{signature}"):
            refused = venue.register(forged, "jelgava-a")
            assert refused.json()["error"]["code"] == "registration_expired"
        other = http.post(f"{venue.base}/kiosks", headers=venue.host, json={"venue": "Jelgava"})
        auth = {"Authorization": f"Bearer {other.json()['kiosk_token']}"}
        refused = http.post(
            f"{venue.base}/kiosk/register",
            headers=auth,
            json={"registration": good, "team_id": "jelgava-a"},
        )
        assert refused.json()["error"]["code"] == "registration_expired"


def test_wrong_pins_are_throttled_per_card_and_per_kiosk(
    tmp_path: Path, sip2: tuple[Pysip2Library, int]
) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        for _ in range(5):
            assert venue.lookup(GIRTS, "000000").json()["outcome"] == "wrong_pin"
        throttled = venue.lookup(GIRTS, PINS[GIRTS])  # even the right PIN: the card waits
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == "too_many_attempts"
        assert int(throttled.headers["Retry-After"]) > 0
        assert venue.lookup(RUTA, PINS[RUTA]).json()["outcome"] == "ok"  # another card may
        for _ in range(15):  # 5 + 15 failures at this kiosk
            assert venue.lookup(UNKNOWN, "1").json()["outcome"] == "unknown_card"
        assert venue.lookup(RUTA, PINS[RUTA]).status_code == 429  # the kiosk waits


def test_a_library_that_is_down_offers_the_librarian_fallback(tmp_path: Path) -> None:
    with kiosk_client(tmp_path, 9) as http:  # nothing listens on port 9 (discard)
        venue = Venue(http)
        down = venue.lookup(GIRTS, PINS[GIRTS])
        assert down.json() == {"outcome": "library_unavailable", "librarian_fallback": True}
        wrong = http.post(
            f"{venue.base}/kiosk/librarian",
            headers=venue.auth,
            json={"librarian_pin": "0000", "name": "Ģirts Šķēle", "team_id": "jelgava-a"},
        )
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_librarian_pin"
        made = http.post(
            f"{venue.base}/kiosk/librarian",
            headers=venue.auth,
            json={
                "librarian_pin": LIBRARIAN_PIN,
                "name": "Ģirts Šķēle",
                "team_id": "jelgava-a",
                "generation": "senior",
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["display_name"] == "Ģirts Š."
        listed = http.get(f"{venue.base}/players", headers=venue.host).json()["players"]
        assert listed[0]["registered_via"] == "librarian"


def test_a_slow_library_is_answered_library_unavailable_in_time(tmp_path: Path) -> None:
    library = Pysip2Library(delay=5.0)
    with (
        library.serve_in_thread() as port,
        kiosk_client(tmp_path, port, kiosk_lookup_timeout=0.5) as http,
    ):
        venue = Venue(http)
        slow = venue.lookup(GIRTS, PINS[GIRTS])
        assert slow.json()["outcome"] == "library_unavailable"


def test_the_host_erases_a_player(tmp_path: Path, sip2: tuple[Pysip2Library, int]) -> None:
    with kiosk_client(tmp_path, sip2[1]) as http:
        venue = Venue(http)
        made = venue.register(venue.lookup(GIRTS, PINS[GIRTS]).json()["registration"], "jelgava-a")
        player_id = made.json()["player_id"]
        erased = http.post(f"{venue.base}/players/{player_id}/erase", headers=venue.host, json={})
        assert erased.status_code == 200, erased.text
        listed = http.get(f"{venue.base}/players", headers=venue.host).json()["players"]
        assert listed[0]["erased"] is True and listed[0]["display_name"] == "—"
        events = http.get(f"{venue.base}/events", headers=venue.host).json()["events"]
        assert "Ģirts" not in json.dumps(events, ensure_ascii=False)
        # the card is free again: a new registration makes a new player
        again = venue.register(venue.lookup(GIRTS, PINS[GIRTS]).json()["registration"], "jelgava-b")
        assert again.status_code == 201 and again.json()["player_id"] != player_id


def test_no_card_number_or_pin_in_any_database_row(
    tmp_path: Path, sip2: tuple[Pysip2Library, int], database_url: str
) -> None:
    """SQLite and PostgreSQL: after registrations (one by card, one refused PIN), no row of any
    table holds a card number or PIN; the card hash is there."""
    import sqlalchemy as sa

    from circulation_bridge.privacy import card_hash

    with kiosk_client(tmp_path, sip2[1], database_url=database_url) as http:
        venue = Venue(http)
        assert venue.lookup(RUTA, "000000").json()["outcome"] == "wrong_pin"
        found = venue.lookup(GIRTS, PINS[GIRTS]).json()
        assert venue.register(found["registration"], "jelgava-a").status_code == 201
        contest_id = venue.contest_id
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as db:
            tables = sa.inspect(engine).get_table_names()
            dump = []
            for table in tables:
                for row in db.execute(sa.text(f"SELECT * FROM {table}")):
                    dump.append(" ".join(str(value) for value in row))
    finally:
        engine.dispose()
    text = "\n".join(line for line in dump if contest_id in line)
    assert card_hash(SECRET.encode(), "JELGAVA", GIRTS) in text
    for secret in (GIRTS, RUTA, PINS[GIRTS], "000000"):
        # standing alone: a six-digit PIN may turn up inside a microsecond timestamp by chance
        assert not re.search(rf"(?<!\d){secret}(?!\d)", text), secret


def test_results_and_exports_show_how_players_registered_and_their_library(
    tmp_path: Path, sip2: tuple[Pysip2Library, int], database_url: str
) -> None:
    """SQLite and PostgreSQL: a player by card, one by the librarian's fallback and one by the
    team's code; the host's results list each with their library and way of registering, the
    exports and the participation report count them so, the public results name no one."""
    import datetime
    import io

    from openpyxl import load_workbook

    admin = {"Authorization": "Bearer admin-token-for-tests"}
    settings = {"database_url": database_url, "admin_token": "admin-token-for-tests"}
    with kiosk_client(tmp_path, sip2[1], **settings) as http:
        http.headers["Authorization"] = admin["Authorization"]  # the admin creates contests
        venue = Venue(http)
        del http.headers["Authorization"]
        card = venue.register(venue.lookup(GIRTS, PINS[GIRTS]).json()["registration"], "jelgava-a")
        assert card.status_code == 201, card.text
        by_librarian = http.post(
            f"{venue.base}/kiosk/librarian",
            headers=venue.auth,
            json={
                "librarian_pin": LIBRARIAN_PIN,
                "name": "Aina Bērziņa",
                "team_id": "jelgava-b",
                "generation": "senior",
            },
        )
        assert by_librarian.status_code == 201, by_librarian.text
        teams = http.get(f"{venue.base}/teams", headers=venue.host).json()["teams"]
        code = next(t["join_code"] for t in teams if t["team_id"] == "jelgava-a")
        joined = http.post(
            f"{venue.base}/join",
            json={"join_code": code, "display_name": "Jonas", "generation": "child"},
        )
        assert joined.status_code == 201, joined.text
        with http.websocket_connect(f"/ws/{venue.contest_id}") as ws:
            ws.send_json(
                {"type": "hello", "role": "host", "secret": venue.host["Authorization"][7:]}
            )
            assert ws.receive_json()["type"] == "welcome"
            for number, kind in enumerate(("start_contest", "end_contest"), start=1):
                ws.send_json({"type": "command", "id": number, "command": {"type": kind}})
                assert reply_to(ws)["type"] == "ack"

        results = http.get(f"{venue.base}/results", headers=venue.host).json()
        shown = {
            p["display_name"]: (p["team_id"], p["library"], p["generation"], p["registered_via"])
            for p in results["players"]
        }
        assert shown == {
            "Ģirts Š.": ("jelgava-a", "Jelgava", "adult", "card"),
            "Aina B.": ("jelgava-b", "Jelgava", "senior", "librarian"),
            "Jonas": ("jelgava-a", "Jelgava", "child", "code"),  # the team's library
        }
        assert results["players_by_registration"] == {"card": 1, "librarian": 1, "code": 1}
        assert results["players_by_library"] == {"Jelgava": {"adult": 1, "child": 1, "senior": 1}}
        table = http.get(f"{venue.base}/results.csv?table=players", headers=venue.host)
        assert table.content.decode("utf-8-sig").splitlines() == [
            "library,generation,registered_via,players",
            "Jelgava,adult,card,1",
            "Jelgava,child,code,1",
            "Jelgava,senior,librarian,1",
        ]
        book = http.get(f"{venue.base}/results.xlsx", headers=venue.host)
        sheet = load_workbook(io.BytesIO(book.content))["players"]
        assert [c.value for c in sheet[4]] == ["Jelgava", "senior", "librarian", 1]

        public = http.get(f"/api/public/contests/{venue.contest_id}/results")
        assert public.status_code == 200 and public.json()["players"] == []
        assert public.json()["players_by_registration"] == {"card": 1, "librarian": 1, "code": 1}
        for name in ("Ģirts", "Aina", "Jonas"):
            assert name not in public.text

        if not database_url.startswith("sqlite"):
            return  # the shared PostgreSQL database holds other tests' contests of today
        today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
        report = http.get(f"/api/admin/participation?from={today}&to={today}", headers=admin)
        body = report.json()
        assert body["players"] == 3
        assert body["by_library"] == {"Jelgava": {"adult": 1, "child": 1, "senior": 1}}
        assert body["by_city"] == {"Jelgava": {"senior": 1}, "Jelgava A": {"adult": 1, "child": 1}}
        assert body["by_registration"] == {"card": 1, "librarian": 1, "code": 1}
        sheet = http.get(
            f"/api/admin/participation.csv?table=by_registration&from={today}", headers=admin
        )
        assert sheet.content.decode("utf-8-sig").splitlines()[1:] == [
            "card,1",
            "librarian,1",
            "code,1",
        ]
