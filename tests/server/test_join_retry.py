"""A join is safe to retry (audit: a tablet whose join answer was lost and that joined again
became two players of its team, a ghost among them).

The tablet sends a key for its join attempt (``join_key``); a retry with the same key gets the
player the first attempt made, with a new token, and the lost token stops working.
"""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.server.conftest import setup_contest
from tests.server.db_proxy import DatabaseProxy

KEY = "k3x9q2-tablet-attempt-0001"


class LosingAnswers(DatabaseProxy):
    """An HTTP proxy on the tablet's way to the server that, while ``losing`` is set, lets
    each request reach the server and drops the server's answer (the Wi-Fi went away)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.losing = threading.Event()
        super().__init__(upstream, "join-proxy")

    def _connected(self, client: socket.socket, server: socket.socket) -> None:
        threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
        threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, answers: bool) -> None:
        try:
            while data := source.recv(65536):
                if answers and self.losing.is_set():
                    break  # the answer never reaches the tablet
                target.sendall(data)
        except OSError:
            pass
        self._close(source, target)


def _members(http: httpx.Client, contest: dict, team_id: str) -> list[str]:
    view = http.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
    return [p["display_name"] for p in view["players"] if p["team_id"] == team_id]


def _join(http: httpx.Client, contest: dict, **extra: str) -> httpx.Response:
    body = {"join_code": contest["codes"]["jelgava"], "display_name": "Anna K.", **extra}
    return http.post(f"/api/contests/{contest['id']}/join", json=body)


def test_a_join_retried_after_a_lost_answer_makes_one_player(server_process):
    server = server_process()
    host, port = server.base.removeprefix("http://").split(":")
    proxy = LosingAnswers((host, int(port)))
    try:
        with httpx.Client(base_url=server.base, trust_env=False) as http:
            contest = setup_contest(http)
            before = _members(http, contest, "jelgava")
        with httpx.Client(base_url=f"http://127.0.0.1:{proxy.port}", trust_env=False) as tablet:
            proxy.losing.set()
            with pytest.raises(httpx.HTTPError):
                _join(tablet, contest, join_key=KEY)
            proxy.losing.clear()
            retried = _join(tablet, contest, join_key=KEY)
        assert retried.status_code == 201, retried.text
        with httpx.Client(base_url=server.base, trust_env=False) as http:
            after = _members(http, contest, "jelgava")
        assert after == [*before, "Anna K."]  # one Anna, no ghost
    finally:
        proxy.close()


def test_a_retry_gets_the_same_player_with_a_new_token(client):
    contest = setup_contest(client)
    first = _join(client, contest, join_key=KEY).json()
    again = _join(client, contest, join_key=KEY).json()
    assert again["player_id"] == first["player_id"] and again["team_id"] == "jelgava"
    assert again["player_token"] != first["player_token"]
    players = _members(client, contest, "jelgava")
    assert players.count("Anna K.") == 1
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:  # the new token plays
        ws.send_json({"type": "hello", "role": "player", "token": again["player_token"]})
        assert ws.receive_json()["type"] == "welcome"
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:  # the lost one is void
        ws.send_json({"type": "hello", "role": "player", "token": first["player_token"]})
        assert ws.receive_json()["code"] == "unauthorized"


def test_joins_without_a_key_or_with_other_keys_are_separate_players(client):
    contest = setup_contest(client)
    ids = {
        _join(client, contest).json()["player_id"],
        _join(client, contest).json()["player_id"],
        _join(client, contest, join_key=KEY).json()["player_id"],
        _join(client, contest, join_key=KEY.replace("0001", "0002")).json()["player_id"],
    }
    assert len(ids) == 4  # two real "Anna K."s in one team stay two players


def test_a_key_used_for_another_team_or_a_removed_player_is_refused(client):
    contest = setup_contest(client)
    first = _join(client, contest, join_key=KEY).json()
    other_team = client.post(
        f"/api/contests/{contest['id']}/join",
        json={"join_code": contest["codes"]["liepaja"], "display_name": "Anna K.", "join_key": KEY},
    )
    assert other_team.status_code == 409
    assert other_team.json()["error"]["code"] == "join_key_taken"
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        ws.receive_json()
        ws.send_json(
            {
                "type": "command",
                "id": 1,
                "command": {"type": "remove_player", "player_id": first["player_id"]},
            }
        )
        while (message := ws.receive_json())["type"] != "ack":
            assert message["type"] != "error", message
    removed = _join(client, contest, join_key=KEY)
    assert removed.status_code == 403 and removed.json()["error"]["code"] == "player_removed"


@pytest.mark.parametrize("key", ["short", "x" * 65, "bad key with spaces!", 12345678901234567])
def test_a_malformed_join_key_is_refused_clearly(client, key):
    contest = setup_contest(client)
    refused = _join(client, contest, join_key=key)
    assert refused.status_code == 400
    assert "join_key" in refused.json()["error"]["message"]
    assert _members(client, contest, "jelgava").count("Anna K.") == 0


def test_copies_of_one_attempt_arriving_at_once_make_one_player(server_process):
    server = server_process()
    with httpx.Client(base_url=server.base, trust_env=False) as http:
        contest = setup_contest(http)

    def attempt(_: int) -> str:
        with httpx.Client(base_url=server.base, trust_env=False) as tablet:
            answer = _join(tablet, contest, join_key=KEY)
            assert answer.status_code == 201, answer.text
            return str(answer.json()["player_id"])

    with ThreadPoolExecutor(8) as pool:
        player_ids = set(pool.map(attempt, range(8)))
    assert len(player_ids) == 1
    with httpx.Client(base_url=server.base, trust_env=False) as http:
        assert _members(http, contest, "jelgava").count("Anna K.") == 1
