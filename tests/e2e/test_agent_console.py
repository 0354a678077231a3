"""The host console's agents and buzzer check in headless Chromium against the real server
(issue 12): the host creates an agent for a venue and sees its token once inside the `quiz agent`
configuration, turns the buzzer check on, and a press of that agent — a raw WebSocket client with
the agent token, as `quiz agent` speaks — lights the team on the console and on the venue's big
screen; the console lists the agent as connected with its box. Nothing is scored.

Skips with the reason when Chromium or playwright is missing, unless QUIZ_TEST_BROWSER=required
(CI), where that fails instead (tests/displays/browser.py). QUIZ_SCREENSHOTS=/tmp/shots keeps the
console (1280×800) and the screen (1920×1080) for a look.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from loadtests.harness import QuizServer
from tests.displays.browser import chromium, screenshot
from tests.e2e.pages import expect, installed_quiz, open_page
from tests.server.conftest import setup_contest

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[QuizServer]:
    with installed_quiz(tmp_path) as quiz:
        yield quiz


def _reply(ws: Any, message_id: str) -> dict[str, Any]:
    while True:
        message = json.loads(ws.recv(timeout=15))
        if message.get("id") == message_id and message["type"] in ("ack", "error"):
            return message


def test_the_host_creates_an_agent_and_a_check_press_lights_console_and_screen(server):
    with httpx.Client(base_url=server.base, timeout=10) as http:
        contest = setup_contest(http)
        events_before = http.get(
            f"/api/contests/{contest['id']}/events", headers=contest["auth"]
        ).json()["events"]
    with chromium() as browser:
        host = open_page(
            browser,
            f"{server.base}/host/{contest['id']}?lang=en#secret={contest['secret']}",
            accept_dialogs=False,
            viewport={"width": 1280, "height": 800},
        )
        screen = open_page(
            browser,
            f"{server.base}/screen/{contest['id']}?lang=lv#token={contest['screen_token']}",
            accept_dialogs=False,
            viewport={"width": 1920, "height": 1080},
        )
        panel = host.locator("[data-agents-panel]")
        expect()(panel.locator("[data-agents-none]")).to_be_visible()

        # Create the Liepāja agent in the console.
        panel.locator("[data-agent-new] summary").click()
        panel.locator("[data-agent-venue]").fill("Liepāja")
        panel.locator("[data-agent-team][value='liepaja']").check()
        panel.locator("[data-agent-form] button[type=submit]").click()
        snippet = panel.locator("[data-agent-snippet]")
        expect()(snippet).to_contain_text("[[box]]")
        text = snippet.text_content()
        assert f'contest = "{contest["id"]}"' in text and 'channels = { 1 = "liepaja" }' in text
        assert f'server = "ws://{server.base.split("://", 1)[1]}"' in text
        token = re.search(r"QUIZ_AGENT_TOKEN=(at_[\w-]+)", text).group(1)
        expect()(panel.locator(".agent-item")).to_have_count(1)
        expect()(panel.locator(".agent-item [data-agent-name]")).to_have_text("Liepāja")

        # Turn the buzzer check on: the console says so, the screen shows its overlay.
        panel.locator("[data-check-toggle]").click()
        expect()(panel.locator("[data-check-toggle]")).to_have_attribute("aria-pressed", "true")
        overlay = screen.locator("[data-check-overlay]")
        expect()(overlay).to_be_visible()
        expect()(overlay).to_contain_text("Pogu pārbaude")

        # The venue's agent connects with the token, reports its box and presses.
        with connect(f"{server.ws}/ws/{contest['id']}") as agent:
            agent.send(json.dumps({"type": "hello", "role": "agent", "token": token}))
            welcome = json.loads(agent.recv(timeout=15))
            assert welcome["type"] == "welcome" and welcome["teams"] == ["liepaja"]
            status = {
                "type": "status",
                "id": "st-1",
                "boxes": [
                    {
                        "port": "/dev/ttyACM0",
                        "state": "open",
                        "box": "LIEP-1",
                        "firmware": "bz1 1.2",
                        "channels": {"1": "liepaja"},
                        "bound_ms": 0.3,
                    }
                ],
            }
            agent.send(json.dumps(status))
            assert _reply(agent, "st-1")["type"] == "ack"
            expect()(panel.locator(".agent-item.connected")).to_have_count(1)
            expect()(panel.locator(".agent-item [data-agent-boxes]")).to_contain_text("LIEP-1")

            press = {
                "type": "press",
                "id": "p-1",
                "team_id": "liepaja",
                "pressed_at": 1000.0,
                "bound": 0.3,
                "channel": 1,
                "box": "LIEP-1",
            }
            agent.send(json.dumps(press))
            assert _reply(agent, "p-1") == {"type": "ack", "id": "p-1", "check": True}
            expect()(panel.locator(".check-light.lit[data-team-id='liepaja']")).to_be_visible()
            expect()(overlay).to_have_class(re.compile(r"\blit\b"))
            expect()(overlay.locator("[data-check-team]")).to_have_text("Liepāja")
            screenshot(screen, "agents-screen-check-1920x1080")
            screenshot(host, "agents-console-check-1280x800")
            expect()(panel.locator(".agent-item [data-agent-presses]")).to_contain_text(
                "1 in the check"
            )

        # Off again: the overlay goes away; nothing was scored or logged.
        panel.locator("[data-check-toggle]").click()
        expect()(overlay).to_be_hidden()
        expect()(panel.locator(".agent-item.connected")).to_have_count(0)
    with httpx.Client(base_url=server.base, timeout=10) as http:
        events_after = http.get(
            f"/api/contests/{contest['id']}/events", headers=contest["auth"]
        ).json()["events"]
        scores = http.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
    assert events_after == events_before
    assert {row["score"] for row in scores["scoreboard"]} == {0}
