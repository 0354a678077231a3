"""All log output of card checks, from every logger at DEBUG, holds no card, PIN or SIP2 traffic."""

from __future__ import annotations

import logging

import pytest

from circulation_bridge import BridgeSettings, CirculationBridge, LoginRejected
from tests.circulation_bridge.libraries import (
    GIRTS,
    INSTITUTION,
    LOGIN_PASSWORD,
    LOST,
    PINS,
    UNKNOWN,
    FaultyLibrary,
    Pysip2Library,
    library_settings,
)

# Long, distinctive values: a short one could occur by chance in a port number or line number.
CARDS = (GIRTS, LOST, UNKNOWN)
SECRETS = (*CARDS, *(PINS[card] for card in (GIRTS, LOST)), "000000", LOGIN_PASSWORD)
# Fragments of the SIP2 messages exchanged, requests and answers.
WIRE_FRAGMENTS = (
    "9300CN",
    f"CO{LOGIN_PASSWORD}",
    "9900002.00",
    "23000",
    f"AO{INSTITUTION}|",
    "|AA",
    "|AD",
    "|AE",
    "|BL",
    "|CQ",
    "AY1AZ",
    "Šķēle",
    "Ģirts",
    "Ozols",
    "Pēteris",
    "\\r",
    "b'",
)


def assert_no_private_data(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "the lookup logged nothing at all: the capture is not working"
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        texts.append(record.exc_text or "")
    everything = "\n".join(texts)
    for secret in SECRETS:
        assert secret not in everything, "a card number, PIN or password was logged"
    for fragment in WIRE_FRAGMENTS:
        assert fragment not in everything, f"SIP2 traffic or a name was logged: {fragment!r}"


def bridge_for(port: int, **overrides: object) -> CirculationBridge:
    settings = BridgeSettings(
        libraries=(library_settings(port, **overrides),),
        card_hash_secret=b"a-test-secret-of-32-bytes-length",
    )
    return CirculationBridge(settings)


async def test_lookups_against_a_real_sip2_server_log_nothing_private(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every logger, ours, pysip2's, asyncio's
    library = Pysip2Library()
    async with library.serve() as port, bridge_for(port) as bridge:
        await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
        await bridge.lookup("Jelgava", GIRTS, "000000")
        await bridge.lookup("Jelgava", LOST, PINS[LOST])
        await bridge.lookup("Jelgava", UNKNOWN, "000000")
    assert_no_private_data(caplog)


async def test_failing_lookups_log_nothing_private(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with FaultyLibrary() as library, bridge_for(library.port, response_timeout=0.05) as b:
        library.script(
            "23",
            "bad_checksum",
            "normal",
            "close",
            "normal",
            "garbage",
            "resend",
            "resend",
            "unexpected",
            "silent",
        )
        for _ in range(7):
            await b.lookup("Jelgava", GIRTS, PINS[GIRTS])
        await library.close_connections()  # the next lookup logs in again
        library.script("93", "reject")
        with pytest.raises(LoginRejected):
            await b.lookup("Jelgava", GIRTS, PINS[GIRTS])
    messages = [record.getMessage() for record in caplog.records]
    assert any("bad checksum" in message for message in messages)
    assert any("protocol error" in message for message in messages)
    assert_no_private_data(caplog)
