"""The host console fits a 1280x800 laptop in every language, with every panel filled.

The console is opened at 1280x800 in lv, lt and en against ``FakeServer`` with three teams and
their players (the engine's host view), venue agents with long venue names and boxes (the
``agents`` message and GET …/agents) and registered players with long libraries (GET …/players)
— the panels whose long Latvian and Lithuanian texts used to widen the page. Once every panel has
drawn, the document must not scroll sideways: wide content wraps or scrolls inside its own box.
The answers table fits its column without scrolling, in every moment of a question: buzzers open,
a team answering, an all-play question locked with its answers, and the contest over (issue 16).
The agents board names refusal reasons in words, and no emoji is used (a box without an emoji font).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from displays.messages import catalogue

from .browser import ORIGIN, FakeServer, now_ms, screenshot
from .scenes import PLAYERS, TEAMS, Scene, answers_for_all_play

pytestmark = pytest.mark.browser
WAIT_MS = 10_000
WIDTH, HEIGHT = 1280, 800


def agent_rows() -> list[dict[str, Any]]:
    """Two venues' agents as the host's ``agents`` message gives them (docs/protocol.md §3.6)."""
    now = now_ms()
    rows = []
    for number, (team_id, _, venue, _) in enumerate(TEAMS[:2]):
        rows.append(
            {
                "agent_id": f"ag-{number}",
                "venue": venue,
                "teams": [team_id],
                "connected": True,
                "connections": 1,
                "since": now - 60_000,
                "last_heard": now,
                "link_bound_ms": 1.8,
                "buffered": 3,
                "reported_at": now,
                "boxes": [
                    {
                        "port": "/dev/serial/by-id/usb-Quiz_Buzzer_Box_LIEP-1-if00-port0",
                        "state": "open",
                        "box": f"BOX-{number}",
                        "firmware": "bz1 1.2",
                        "channels": {"1": team_id, "2": TEAMS[2][0]},
                        "bound_ms": 0.31,
                        "error": None,
                        "total_bound_ms": 2.11,
                    }
                ],
                "presses": {"accepted": 14, "checked": 6},
                "refused": {"buzzers_closed": 2, "not_your_team": 1, "false_start": 1},
                "refused_recent": [],
                "revoked": False,
            }
        )
    return rows


def registered_players() -> list[dict[str, Any]]:
    """GET …/players: the scene's players, registered every way, with long library names."""
    vias = ("card", "librarian", "code")
    return [
        {
            "player_id": player_id,
            "team_id": team_id,
            "display_name": name,
            "generation": "senior",
            "library": next(venue for t, _, venue, _ in TEAMS if t == team_id),
            "registered_via": vias[number % 3],
            "in_contest": True,
            "erased": False,
        }
        for number, (player_id, team_id, name) in enumerate(PLAYERS)
    ]


def moment(name: str) -> Scene:
    scene = Scene(int(time.time() * 1_000_000)).start().buzzer_open()
    if name == "answering":
        scene.photo_finish()
    elif name in ("all_play_locked", "finished"):
        scene.photo_finish().judge_answering(True).reveal().next_round_question()
        answers_for_all_play(scene)
        scene.lock()
        if name == "finished":
            scene.reveal().finish()
    return scene


@pytest.mark.parametrize("name", ["buzzers_open", "answering", "all_play_locked", "finished"])
@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_host_console_fits_1280x800_without_sideways_scroll(
    browser: Any, lang: str, name: str
) -> None:
    scene = moment(name)
    server = FakeServer(scene)
    server.agents = [
        {"agent_id": row["agent_id"], "venue": row["venue"], "teams": row["teams"]}
        for row in agent_rows()
    ]
    server.players = registered_players()
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    server.install(context)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{ORIGIN}/host/bsq-test?lang={lang}#secret=hs_test_secret")
    page.wait_for_selector("[data-registrations] tr")
    page.wait_for_selector("[data-agent-list] li")
    host = next(conn for conn in server.connections if conn.role == "host")
    server._send(host, {"type": "agents", "agents": agent_rows()})
    page.wait_for_selector("[data-agent-boxes] li")
    page.wait_for_timeout(200)
    screenshot(page, f"host-1280-{name}-{lang}")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
            .slice(0, 8)
            .map((e) => `${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
    )
    assert width <= WIDTH, f"the {lang} console is {width} px wide: {wide}"
    for box, what in ((".judging .table-scroll", "answers"), (".teams .table-scroll", "teams")):
        sideways = page.locator(box).evaluate("box => box.scrollWidth - box.clientWidth")
        assert sideways <= 1, f"the {lang} {what} table scrolls {sideways} px inside its box"
    presses = page.locator("[data-agent-presses]").first.inner_text()
    assert "false_start" not in presses
    assert catalogue(lang)["error_false_start"] in presses  # type: ignore[arg-type]
    assert "⏱" not in page.locator("body").inner_text()
