"""Guessing join codes is throttled per client address and per contest (audit: 300 wrong codes,
no block), with a clear error and ``Retry-After``; join codes are long enough to guess badly."""

from __future__ import annotations

import re

import httpx

from server.contests import new_join_code
from server.throttle import FailureThrottle
from tests.server.conftest import setup_contest


def _join(http: httpx.Client, contest_id: str, code: str) -> httpx.Response:
    return http.post(
        f"/api/contests/{contest_id}/join", json={"join_code": code, "display_name": "Guess"}
    )


def _from(server, address: str) -> httpx.Client:
    """A client of the live server whose connections come from ``address`` (any 127.x.y.z
    reaches the loopback server, so each stands for another venue or guesser)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.base, transport=transport, trust_env=False)


def test_wrong_codes_from_one_address_are_blocked_with_retry_after(server_process):
    server = server_process()
    with _from(server, "127.0.0.1") as http:
        contest = setup_contest(http)
        refused = [_join(http, contest["id"], f"JEL-{100000 + i}") for i in range(11)]
        assert [r.status_code for r in refused[:10]] == [403] * 10
        blocked = refused[10]
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "too_many_attempts"
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        # while blocked, even the right code is refused from that address (no guessing on)
        assert _join(http, contest["id"], contest["codes"]["jelgava"]).status_code == 429
    with _from(server, "127.0.0.2") as other:  # another venue still joins
        assert _join(other, contest["id"], contest["codes"]["jelgava"]).status_code == 201


def test_a_contest_under_a_spread_attack_is_throttled_as_a_whole(server_process):
    server = server_process()
    with _from(server, "127.0.0.1") as http:
        contest = setup_contest(http)
    statuses = []
    for n in range(70):
        with _from(server, f"127.0.1.{n + 1}") as guesser:
            statuses.append(_join(guesser, contest["id"], "JEL-000000").status_code)
    assert statuses[:60] == [403] * 60 and set(statuses[60:]) == {429}


def test_right_codes_do_not_count_against_a_venue_full_of_tablets(server_process):
    server = server_process()
    with _from(server, "127.0.0.1") as http:
        contest = setup_contest(http)
        for _ in range(40):  # one venue's tablets behind one address
            assert _join(http, contest["id"], contest["codes"]["liepaja"]).status_code == 201


def test_the_throttle_forgets_failures_after_its_window():
    now = [0.0]
    throttle = FailureThrottle(limit=3, window=60.0, now=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("a") == 0
        throttle.failed("a")
    assert throttle.retry_after("a") == 60.0
    now[0] = 45.0
    assert throttle.retry_after("a") == 15.0 and throttle.retry_after("b") == 0
    now[0] = 60.0
    assert throttle.retry_after("a") == 0
    assert len(throttle) == 0  # forgotten keys take no memory


def test_join_codes_are_long_enough():
    code = new_join_code("Šiauliai")
    assert re.fullmatch(r"SIA-\d{6}", code)
