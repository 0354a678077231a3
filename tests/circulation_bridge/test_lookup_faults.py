"""Card checks against a library system that misbehaves on purpose (our fault-injecting server).

No test measures time: where nothing answers, the configured timeout is short; where an answer is
late, it is held back on an event until the bridge has given up.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import pytest

from circulation_bridge import BridgeSettings, CirculationBridge, LoginRejected, Reason
from circulation_bridge.client import LibraryConnection
from circulation_bridge.dialogue import check_patron
from circulation_bridge.errors import ConnectTimeout
from tests.circulation_bridge.libraries import (
    GIRTS,
    PINS,
    SECRET,
    TLS_DIR,
    UNKNOWN,
    FaultyLibrary,
    library_settings,
    server_tls_context,
)

SHORT = 0.05  # seconds: only for cases where nothing will ever answer


def bridge_for(port: int, **overrides: Any) -> CirculationBridge:
    settings = BridgeSettings(
        libraries=(library_settings(port, **overrides),), card_hash_secret=SECRET.encode()
    )
    return CirculationBridge(settings)


async def check(bridge: CirculationBridge, card: str = GIRTS) -> Any:
    return await bridge.lookup("Jelgava", card, PINS.get(card, "000000"))


# -- no answer, slow answers ----------------------------------------------------------------------


async def test_no_answer_is_unreachable_and_the_next_card_gets_a_new_connection() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port, response_timeout=SHORT) as b:
        library.script("23", "silent")
        result = await check(b)
        assert result.reason is Reason.LIBRARY_UNREACHABLE
        assert result.detail == "library 'Jelgava' did not answer 23 within 0.05 s"
        assert (await check(b)).valid
    assert library.connections == 2


async def test_no_answer_to_the_login() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port, login_timeout=SHORT) as b:
        library.script("93", "silent")
        result = await check(b)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert "did not complete the login within 0.05 s" in (result.detail or "")


async def test_a_late_answer_is_never_taken_for_the_next_one() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port, response_timeout=SHORT) as b:
        library.script("23", "late")
        first = await check(b, GIRTS)
        assert first.reason is Reason.LIBRARY_UNREACHABLE
        library.release.set()  # the valid answer about GIRTS now arrives on the old connection
        await library.late_sent.wait()
        second = await check(b, UNKNOWN)
    assert second.reason is Reason.UNKNOWN_CARD


async def test_slow_answers_arriving_byte_by_byte_are_fine() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        for command in ("93", "99", "23", "35"):
            library.script(command, "slow")
        result = await check(bridge)
    assert result.valid and result.name == "Šķēle, Ģirts"


# -- closed connections ---------------------------------------------------------------------------


async def test_a_closed_connection_is_reopened_and_the_request_sent_again() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("23", "close")
        result = await check(bridge)
    assert result.valid
    assert library.received == ["93", "99", "23", "93", "99", "23", "35"]
    assert library.connections == 2


async def test_closed_again_after_reconnecting_is_unreachable() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("23", "close", "close")
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert result.detail == "library 'Jelgava' closed the connection again after a reconnect"


async def test_a_connection_closed_while_idle_is_reopened() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        assert (await check(bridge)).valid
        connection = bridge.connection(bridge.settings.library("Jelgava"))
        await library.close_connections()
        assert (await check(bridge)).valid
        assert connection.logins == 2
    assert library.connections == 2


async def test_closed_during_login_is_unreachable() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("93", "close")
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert "closed the connection during login" in (result.detail or "")


async def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with bridge_for(port) as bridge:
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert (
        result.detail
        == f"cannot connect to library 'Jelgava' at 127.0.0.1:{port}: connection refused"
    )


async def test_a_connection_that_never_opens_times_out() -> None:
    async def never_opens(host: str, port: int, context: ssl.SSLContext | None) -> Any:
        await asyncio.Event().wait()

    connection = LibraryConnection(
        library_settings(1, connect_timeout=SHORT), open_stream=never_opens
    )
    with pytest.raises(ConnectTimeout, match=r"cannot connect .* within 0\.05 s"):
        await connection.run(
            lambda status: check_patron(
                connection.library, status, GIRTS, "0", "20250301   Z180000"
            )
        )


# -- answers outside the protocol -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        ("garbage", "does not start with a two-digit command identifier"),
        ("too_long", "longer than 16384 bytes"),
        ("unexpected", "answered 23 with 36, not 24"),
    ],
)
async def test_answers_outside_the_protocol(fault: str, detail: str) -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("23", fault)
        result = await check(bridge)
        assert result.reason is Reason.PROTOCOL_ERROR
        assert detail in (result.detail or "")
        assert (await check(bridge)).valid  # the next card gets a fresh connection
    assert library.connections == 2


async def test_a_bad_checksum_is_answered_by_sending_the_request_again() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("23", "bad_checksum")
        result = await check(bridge)
    assert result.valid
    assert library.received == ["93", "99", "23", "23", "35"]
    assert library.connections == 1


async def test_two_bad_checksums_are_a_protocol_error() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("23", "bad_checksum", "bad_checksum")
        result = await check(bridge)
    assert result.reason is Reason.PROTOCOL_ERROR
    assert "checksum" in (result.detail or "")
    assert library.received.count("23") == 2  # once more, not forever


async def test_a_bad_checksum_during_login_is_retried_too() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("93", "bad_checksum")
        library.script("99", "bad_checksum")
        assert (await check(bridge)).valid
    assert library.received == ["93", "93", "99", "99", "23", "35"]


async def test_a_96_makes_us_send_the_request_again() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("23", "resend")
        assert (await check(bridge)).valid
        library.script("23", "resend", "resend")
        result = await check(bridge)
    assert result.reason is Reason.PROTOCOL_ERROR
    assert "received 23 damaged twice" in (result.detail or "")


async def test_answers_ending_crlf() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        for command in ("93", "99", "23", "35"):
            library.script(command, "crlf")
        assert (await check(bridge)).valid
        assert (await check(bridge)).valid


async def test_an_offline_library_is_unreachable() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("99", "offline")
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert result.detail == "library 'Jelgava' reports that its system is offline"


async def test_a_rejected_login_raises_a_configuration_error() -> None:
    async with FaultyLibrary() as library, bridge_for(library.port) as bridge:
        library.script("93", "reject")
        with pytest.raises(LoginRejected, match="check its user and password"):
            await check(bridge)
    assert library.received == ["93"]


# -- encodings and TLS ----------------------------------------------------------------------------


async def test_a_cp1257_library_over_tcp() -> None:
    async with (
        FaultyLibrary(encoding="cp1257") as library,
        bridge_for(library.port, encoding="cp1257") as bridge,
    ):
        result = await check(bridge)
    assert result.name == "Šķēle, Ģirts"


async def test_tls_with_the_library_certificate_authority() -> None:
    tls = {"tls": True, "tls_ca_file": str(TLS_DIR / "ca.pem")}
    async with (
        FaultyLibrary(context=server_tls_context()) as library,
        bridge_for(library.port, **tls) as bridge,
    ):
        result = await check(bridge)
    assert result.valid and result.display_name == "Ģirts Š."


async def test_tls_with_an_untrusted_certificate_is_unreachable() -> None:
    async with (
        FaultyLibrary(context=server_tls_context()) as library,
        bridge_for(library.port, tls=True) as bridge,  # system CAs do not know the test CA
    ):
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert "TLS with library 'Jelgava'" in (result.detail or "")
    assert library.received == []


async def test_tls_to_a_plain_port_is_unreachable_with_a_hint() -> None:
    tls = {"tls": True, "tls_ca_file": str(TLS_DIR / "ca.pem")}
    async with FaultyLibrary() as library, bridge_for(library.port, **tls) as bridge:
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert "during the TLS handshake: does this port speak TLS?" in (result.detail or "")


async def test_plain_tcp_to_a_tls_port_is_unreachable() -> None:
    async with (
        FaultyLibrary(context=server_tls_context()) as library,
        bridge_for(library.port) as bridge,
    ):
        result = await check(bridge)
    assert result.reason is Reason.LIBRARY_UNREACHABLE
    assert result.detail == "library 'Jelgava' closed the connection during login"
