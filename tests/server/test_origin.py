"""Who may reach the server from a browser page: the WebSocket Origin check compares scheme, host
and port with the public URL, the listed origins and the address the connection arrived on —
never with the ``Host`` header (DNS rebinding) — and state-changing HTTP calls take only JSON
from a page of an allowed origin (a cross-site ``text/plain`` form cannot create a contest)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.origins import origin_allowed
from tests.server.conftest import make_settings, setup_contest


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://quiz.jelgava.lv", True),
        ("https://quiz.jelgava.lv:443", True),
        ("https://QUIZ.jelgava.lv/", True),
        ("http://quiz.jelgava.lv", False),  # another scheme
        ("https://quiz.jelgava.lv:8443", False),  # another port
        ("https://quiz.jelgava.lv.evil.example", False),
        ("https://extra.liepaja.lv", True),  # listed in QUIZ_ALLOWED_ORIGINS
        ("http://10.0.0.5:8000", True),  # the address the connection arrived on
        ("http://10.0.0.5:9000", False),
        ("https://10.0.0.5:8000", False),
        ("http://evil.example", False),
        ("http://evil.example:8000", False),
        ("null", False),
        ("file://", False),
        ("", False),
        ("http://", False),
        ("ws://10.0.0.5:8000", False),
    ],
)
def test_origin_rule(tmp_path, origin, allowed):
    settings = make_settings(
        tmp_path,
        public_url="https://quiz.jelgava.lv",
        allowed_origins=("https://extra.liepaja.lv",),
    )
    assert origin_allowed(origin, ("10.0.0.5", 8000), settings) is allowed


def test_loopback_names_are_allowed_only_on_a_loopback_socket(tmp_path):
    settings = make_settings(tmp_path)
    assert origin_allowed("http://localhost:8000", ("127.0.0.1", 8000), settings)
    assert origin_allowed("http://127.0.0.1:8000", ("127.0.0.1", 8000), settings)
    assert origin_allowed("http://[::1]:8000", ("::1", 8000), settings)
    assert not origin_allowed("http://localhost:8000", ("10.0.0.5", 8000), settings)
    assert not origin_allowed("http://localhost:8001", ("127.0.0.1", 8000), settings)


def test_dns_rebinding_is_refused_although_host_matches(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as client:
        contest = setup_contest(client)
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(
                f"/ws/{contest['id']}",
                headers={"origin": "http://evil.example", "host": "evil.example"},
            ) as ws,
        ):
            ws.receive_json()
        assert refused.value.code == 4003


def test_a_cross_site_text_plain_post_creates_no_contest(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as client:
        before = client.get("/healthz").json()["contests"]
        response = client.post(
            "/api/contests",
            content=b'{"title": "pwned"}',
            headers={"content-type": "text/plain", "origin": "http://evil.example"},
        )
        assert response.status_code in (403, 415)
        assert response.json()["error"]["code"] in ("forbidden_origin", "unsupported_media_type")
        plain = client.post(
            "/api/contests", content=b'{"title": "pwned"}', headers={"content-type": "text/plain"}
        )
        assert plain.status_code == 415
        assert plain.json()["error"]["code"] == "unsupported_media_type"
        foreign = client.post(
            "/api/contests", json={"title": "pwned"}, headers={"origin": "http://evil.example"}
        )
        assert foreign.status_code == 403
        assert foreign.json()["error"]["code"] == "forbidden_origin"
        assert client.get("/healthz").json()["contests"] == before


def test_host_calls_need_json_too(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as client:
        contest = setup_contest(client)
        response = client.post(
            f"/api/contests/{contest['id']}/teams",
            content=b'{"name": "Ghost"}',
            headers={**contest["auth"], "content-type": "text/plain"},
        )
        assert response.status_code == 415
        teams = client.get(f"/api/contests/{contest['id']}/teams", headers=contest["auth"])
        assert "Ghost" not in teams.text
