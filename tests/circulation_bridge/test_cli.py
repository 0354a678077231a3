"""``quiz bridge lookup``: output, JSON and exit statuses, through the ``quiz`` entry point."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator

import pytest

from circulation_bridge.privacy import card_hash
from server.cli import main
from tests.circulation_bridge.libraries import (
    GIRTS,
    INSTITUTION,
    LOGIN_PASSWORD,
    LOGIN_USER,
    LOST,
    PINS,
    SECRET,
    UNKNOWN,
    FaultyLibrary,
    Pysip2Library,
    serve_in_thread,
)


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("QUIZ_CARD_HASH_SECRET", SECRET)
    with Pysip2Library().serve_in_thread() as port:
        yield port


def adhoc(port: int, card: str, *options: str) -> list[str]:
    return [
        "bridge",
        "lookup",
        card,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--user",
        LOGIN_USER,
        "--password",
        LOGIN_PASSWORD,
        "--institution",
        INSTITUTION,
        *options,
    ]


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], card: str = GIRTS
) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    for private in (card, *PINS.values(), LOGIN_PASSWORD):
        assert private not in out + err, "the tool printed a card number, PIN or password"
    return status, out, err


def test_a_valid_patron_as_json(port: int, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(adhoc(port, GIRTS, "--pin", PINS[GIRTS], "--json"), capsys)
    assert status == 0
    document = json.loads(out)
    assert document == {
        "library": f"127.0.0.1:{port}",
        "valid": True,
        "name": "Šķēle, Ģirts",
        "display_name": "Ģirts Š.",
        "card_hash": card_hash(SECRET.encode(), INSTITUTION, GIRTS),
    }


def test_a_valid_patron_as_text(port: int, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(adhoc(port, GIRTS, "--pin", PINS[GIRTS]), capsys)
    assert status == 0
    assert f"127.0.0.1:{port}: valid patron: Ģirts Š. (Šķēle, Ģirts)" in out
    assert f"card hash: {card_hash(SECRET.encode(), INSTITUTION, GIRTS)}" in out


@pytest.mark.parametrize(
    ("card", "pin", "reason", "text"),
    [
        (GIRTS, "000000", "wrong_pin", "not valid: wrong PIN"),
        (UNKNOWN, "000000", "unknown_card", "not valid: unknown card"),
        (LOST, PINS[LOST], "blocked_card", "not valid: blocked card"),
    ],
)
def test_invalid_cards_exit_1(
    port: int, capsys: pytest.CaptureFixture[str], card: str, pin: str, reason: str, text: str
) -> None:
    status, out, _ = run(adhoc(port, card, "--pin", pin, "--json"), capsys, card)
    assert status == 1
    document = json.loads(out)
    assert (document["valid"], document["reason"], document["name"]) == (False, reason, None)
    assert document["display_name"] is None
    status, out, _ = run(adhoc(port, card, "--pin", pin), capsys, card)
    assert status == 1
    assert text in out


def test_a_configured_library(
    port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JELGAVA_SIP2_PASSWORD", LOGIN_PASSWORD)
    libraries = {
        "Jelgava": {
            "host": "127.0.0.1",
            "port": port,
            "institution_id": INSTITUTION,
            "user": LOGIN_USER,
            "password_env": "JELGAVA_SIP2_PASSWORD",
            "pin_required": True,
        }
    }
    monkeypatch.setenv("QUIZ_LIBRARIES", json.dumps(libraries))
    argv = ["bridge", "lookup", GIRTS, "--library", "jelgava", "--pin", PINS[GIRTS], "--json"]
    status, out, _ = run(argv, capsys)
    assert status == 0
    assert json.loads(out)["library"] == "Jelgava"
    status, out, _ = run(["bridge", "lookup", GIRTS, "--library", "Jelgava"], capsys)
    assert status == 1
    assert "not valid: wrong PIN" in out and "this library requires a PIN" in out


def test_the_pin_can_come_from_standard_input(
    port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PINS[GIRTS] + "\n"))
    status, _, _ = run(adhoc(port, GIRTS, "--pin", "-"), capsys)
    assert status == 0


def test_a_rejected_login_exits_2(port: int, capsys: pytest.CaptureFixture[str]) -> None:
    argv = adhoc(port, GIRTS, "--pin", PINS[GIRTS])
    argv[argv.index(LOGIN_PASSWORD)] = "wrong-password"
    status, out, err = run(argv, capsys)
    assert status == 2
    assert out == ""
    assert "rejected the SIP2 login: check its user and password" in err


def test_an_unreachable_library_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZ_CARD_HASH_SECRET", SECRET)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    status, out, _ = run(adhoc(free_port, GIRTS, "--pin", "1"), capsys)
    assert status == 2
    assert "not valid: library unreachable" in out
    assert f"cannot connect to library '127.0.0.1:{free_port}'" in out
    status, out, _ = run(adhoc(free_port, GIRTS, "--pin", "1", "--json"), capsys)
    assert json.loads(out)["reason"] == "library_unreachable"


def test_an_answer_outside_the_protocol_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZ_CARD_HASH_SECRET", SECRET)
    library = FaultyLibrary()
    library.script("23", "garbage")
    with serve_in_thread(library.serve) as port:
        status, out, _ = run(adhoc(port, GIRTS, "--pin", PINS[GIRTS], "--json"), capsys)
    assert status == 2
    document = json.loads(out)
    assert document["reason"] == "protocol_error"
    assert "two-digit command identifier" in document["detail"]


def test_an_invalid_card_number_exits_1(capsys: pytest.CaptureFixture[str], port: int) -> None:
    status, out, err = run(adhoc(port, "2100|77346", "--pin", "1"), capsys, "2100|77346")
    assert status == 1
    assert "the card number holds '|'" in err
    status, out, _ = run(adhoc(port, "2100|77346", "--json"), capsys, "2100|77346")
    assert json.loads(out) == {
        "valid": False,
        "error": "invalid_card_number",
        "message": "the card number holds '|', spaces or control characters",
    }


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--host", "127.0.0.1", "--user", "u"], "--host needs --port, --password, --institution"),
        (["--library", "Riga"], "no library called 'Riga' is configured"),
        (
            [
                "--host",
                "127.0.0.1",
                "--port",
                "1",
                "--user",
                "u",
                "--password",
                "p",
                "--institution",
                "J|X",
            ],
            "institution_id must not hold '|'",
        ),
    ],
)
def test_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    complaint: str,
) -> None:
    monkeypatch.setenv("QUIZ_CARD_HASH_SECRET", SECRET)
    monkeypatch.delenv("QUIZ_LIBRARIES", raising=False)
    status, _, err = run(["bridge", "lookup", GIRTS, *argv], capsys)
    assert status == 2
    assert complaint in err


def test_without_the_secret_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUIZ_CARD_HASH_SECRET", raising=False)
    status, _, err = run(adhoc(1, GIRTS), capsys)
    assert status == 2
    assert "QUIZ_CARD_HASH_SECRET must be set" in err


def test_library_and_host_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["bridge", "lookup", GIRTS, "--library", "Jelgava", "--host", "127.0.0.1"])
    assert raised.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
