"""Headless Chromium for the page tests: Debian's browser, never a downloaded one.

``chromium()`` yields a launched browser, or skips the test with the reason when the browser or
the ``playwright`` package is missing — except under ``QUIZ_TEST_BROWSER=required`` (set by CI),
where a missing browser fails the test instead. tests/displays/conftest.py gives each test module
one such browser as the ``browser`` fixture; ``open_page`` opens a page in a fresh context of it
served by a ``FakeServer``, and ``expect`` is Playwright's, both waiting up to ``WAIT_MS``.

``FakeServer`` stands in for the contest server inside one browser context: it answers the page
routes with ``displays.render_page``, serves ``displays/static`` and the pack's images, answers the
join and teams requests, and plays the WebSocket side of docs/protocol.md with views from a
``tests.displays.scenes.Scene``. It records every message the pages send.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from displays import STATIC_DIR, render_page
from game.commands import SetTeamTimeMode

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ORIGIN = "http://quiz.test"
PACKS = Path(__file__).resolve().parents[2] / "content" / "packs"
SCREENSHOTS = os.environ.get("QUIZ_SCREENSHOTS", "")
WAIT_MS = 10_000  # the fake server answers in-process: a page that needs longer is stuck


def _unavailable(reason: str) -> None:
    if os.environ.get("QUIZ_TEST_BROWSER") == "required":
        pytest.fail(f"QUIZ_TEST_BROWSER=required but {reason}")
    pytest.skip(reason)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium from /usr/bin/chromium, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, server: FakeServer, path: str, **context: Any) -> Any:
    """Open ``ORIGIN + path`` in a new context (viewport, has_touch …) served by ``server``."""
    new_context = browser.new_context(**context)
    server.install(new_context)
    page = new_context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{ORIGIN}{path}")
    return page


def wait_for(predicate: Any, page: Any, what: str) -> None:
    """Let the page run until ``predicate()`` holds (the fake server answers inside waits)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(20)


def expect() -> Any:
    """Playwright's ``expect``, waiting up to ``WAIT_MS``."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=WAIT_MS)
    return playwright_expect


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot to $QUIZ_SCREENSHOTS/<name>.png when that folder is set."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@dataclass
class Connection:
    """One page's fake WebSocket."""

    socket: Any
    role: str = ""
    team_id: str | None = None
    hello: dict[str, Any] = field(default_factory=dict)


PAGE_ROUTES = {"host": "host", "play": "tablet", "screen": "screen", "watch": "audience"}


class FakeServer:
    """The contest server's HTTP and WebSocket side, for one browser context."""

    def __init__(self, scene: Any, *, join_codes: dict[str, str] | None = None) -> None:
        self.scene = scene
        self.contest_id: str = scene.state.contest_id
        self.connections: list[Connection] = []
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.http_requests: list[tuple[str, str, dict[str, str], str]] = []
        self.join_codes = join_codes or {"JEL-4821": "jelgava", "LIE-1234": "liepaja"}
        self.refuse: dict[str, tuple[str, str]] = {}  # message type -> (code, message)
        self.host_secret = "hs_test_secret"
        self.tokens: dict[str, str] = {}
        self.agents: list[dict[str, Any]] = []  # GET …/agents (docs/api.md)
        self.players: list[dict[str, Any]] = []  # GET …/players (docs/api.md)

    def install(self, context: Any) -> None:
        context.route(f"{ORIGIN}/**", self._http)
        context.route_web_socket(re.compile(r"^ws://quiz\.test/ws/.*"), self._socket)

    # --- HTTP ---------------------------------------------------------------------------------

    def _http(self, route: Any) -> None:
        request = route.request
        url = urlsplit(request.url)
        path = unquote(url.path)
        self.http_requests.append((request.method, request.url, request.headers, path))
        if path.startswith("/static/"):
            return self._file(route, STATIC_DIR / path.removeprefix("/static/"), STATIC_DIR)
        if path.startswith("/media/"):  # /media/<pack id>/<path in the pack>
            return self._file(route, PACKS / path.removeprefix("/media/"), PACKS)
        if path == f"/api/contests/{self.contest_id}/join" and request.method == "POST":
            body = json.loads(request.post_data or "{}")
            team_id = self.join_codes.get(body.get("join_code", "").upper())
            if team_id is None:
                return self._json(route, 403, {"error": {"code": "bad_join_code", "message": "no"}})
            token = f"pt_{team_id}_{len(self.tokens)}"
            self.tokens[token] = team_id
            return self._json(
                route, 201, {"player_id": "p-new", "team_id": team_id, "player_token": token}
            )
        if path == f"/api/contests/{self.contest_id}/events":  # the host's event log
            if request.headers.get("authorization") != f"Bearer {self.host_secret}":
                return self._json(route, 401, {"error": {"code": "unauthorized", "message": ""}})
            after = int(dict(p.split("=", 1) for p in url.query.split("&") if "=" in p)["after"])
            rows = [row for row in getattr(self.scene, "log", []) if row["seq"] > after]
            return self._json(route, 200, {"events": rows})
        if path == f"/api/contests/{self.contest_id}/teams":
            if request.headers.get("authorization") != f"Bearer {self.host_secret}":
                return self._json(route, 401, {"error": {"code": "unauthorized", "message": ""}})
            codes = {team: code for code, team in self.join_codes.items()}
            teams = [
                {
                    "team_id": t.id,
                    "name": t.name,
                    "join_code": codes.get(t.id, "SIA-0000"),
                    "time_mode": t.time_mode,
                }
                for t in self.scene.state.teams.values()
            ]
            return self._json(route, 200, {"teams": teams})
        moded = re.fullmatch(rf"/api/contests/{self.contest_id}/teams/([^/]+)/time_mode", path)
        if moded and request.method == "POST":  # senior mode (docs/api.md): the scene decides
            if request.headers.get("authorization") != f"Bearer {self.host_secret}":
                return self._json(route, 401, {"error": {"code": "unauthorized", "message": ""}})
            mode = json.loads(request.post_data or "{}").get("time_mode")
            self.scene.run(SetTeamTimeMode, team_id=moded.group(1), time_mode=mode)
            self.push(["team_time_mode_set"])  # as the server sends the views after a command
            return self._json(route, 200, {"team_id": moded.group(1), "time_mode": mode})
        listed = {"agents": self.agents, "players": self.players}
        name = path.removeprefix(f"/api/contests/{self.contest_id}/")
        if name in listed:
            if request.headers.get("authorization") != f"Bearer {self.host_secret}":
                return self._json(route, 401, {"error": {"code": "unauthorized", "message": ""}})
            return self._json(route, 200, {name: listed[name]})
        parts = path.strip("/").split("/")
        if path == "/" or (len(parts) == 2 and parts[0] in PAGE_ROUTES):
            kind = "index" if path == "/" else PAGE_ROUTES[parts[0]]
            lang = dict(p.split("=", 1) for p in url.query.split("&") if "=" in p).get("lang", "")
            html = render_page(
                kind,  # type: ignore[arg-type]
                contest_id=parts[1] if kind != "index" else "",
                lang=lang,
                contest_title=self.scene.state.title,
            )
            return route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
        return self._json(route, 404, {"error": {"code": "not_found", "message": path}})

    def _file(self, route: Any, path: Path, root: Path) -> None:
        path = path.resolve()
        if not path.is_relative_to(root.resolve()) or not path.is_file():
            return self._json(route, 404, {"error": {"code": "not_found", "message": ""}})
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            kind = "text/javascript"
        return route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    @staticmethod
    def _json(route: Any, status: int, body: dict[str, Any]) -> None:
        route.fulfill(status=status, body=json.dumps(body), content_type="application/json")

    # --- WebSocket ----------------------------------------------------------------------------

    def _socket(self, socket: Any) -> None:
        connection = Connection(socket=socket)
        self.connections.append(connection)
        socket.on_message(lambda raw: self._message(connection, raw))

    def _message(self, connection: Connection, raw: str | bytes) -> None:
        message = json.loads(raw)
        self.received.append((connection.role or message.get("role", "?"), message))
        kind = message.get("type")
        if kind == "hello":
            self._hello(connection, message)
            return
        if kind == "pong":
            return
        if kind == "time":
            self._send(connection, {"type": "time", "id": message["id"], "server_time": now_ms()})
            return
        refused = self.refuse.get(kind)
        if refused is not None:
            code, text = refused
            self._send(
                connection, {"type": "error", "id": message["id"], "code": code, "message": text}
            )
            return
        self._send(connection, {"type": "ack", "id": message["id"], "seq": self.scene.seq})

    def _hello(self, connection: Connection, hello: dict[str, Any]) -> None:
        connection.hello = hello
        connection.role = hello["role"]
        if hello["role"] == "host" and hello.get("secret") != self.host_secret:
            connection.socket.close(code=4001, reason="bad secret")
            return
        if hello["role"] == "player":
            team_id = self.tokens.get(hello.get("token", ""))
            if team_id is None:
                connection.socket.close(code=4001, reason="bad token")
                return
            connection.team_id = team_id
        welcome = {
            "type": "welcome",
            "seq": self.scene.seq,
            "role": connection.role,
            "contest_id": self.contest_id,
            "server_time": now_ms(),
            "ping_interval": 1000,
            "limits": {"max_message_bytes": 16384, "messages_per_second": 20},
        }
        if connection.team_id:
            welcome["team_id"] = connection.team_id
        self._send(connection, welcome)
        if hello.get("last_seq") != self.scene.seq:
            self._view(connection, snapshot=True)

    def _view(
        self, connection: Connection, *, snapshot: bool, events: list[str] | None = None
    ) -> None:
        view = self.scene.view(connection.role, connection.team_id)
        message = {
            "type": "view",
            "seq": self.scene.seq,
            "snapshot": snapshot,
            "events": [] if snapshot else (events or []),
            "view": view,
        }
        self._send(connection, message)

    @staticmethod
    def _send(connection: Connection, message: dict[str, Any]) -> None:
        connection.socket.send(json.dumps(message))

    def push(self, events: list[str] | None = None) -> None:
        """Send every connected page its new view (after the scene changed)."""
        for connection in self.connections:
            if connection.role:
                self._view(connection, snapshot=False, events=events)

    def ping(self, connection: Connection, ping_id: int) -> None:
        self._send(connection, {"type": "ping", "id": ping_id, "t0": now_ms()})

    def sent_by(self, role: str, kind: str) -> list[dict[str, Any]]:
        return [m for r, m in self.received if r == role and m.get("type") == kind]


def now_ms() -> float:
    """The fake server's clock (server time is an input of the scenes, not something tested)."""
    return time.time() * 1000
