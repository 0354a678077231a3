"""Card checks against a real SIP2 server the project did not write (pysip2), over TCP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from circulation_bridge import BridgeSettings, CirculationBridge, LoginRejected, Reason
from circulation_bridge.privacy import card_hash
from tests.circulation_bridge.libraries import (
    DENIED,
    GIRTS,
    INSTITUTION,
    LOST,
    OVERDUE,
    PINS,
    RUTA,
    SECRET,
    UNKNOWN,
    Pysip2Library,
    library_settings,
)


def bridge_for(port: int, **overrides: Any) -> CirculationBridge:
    settings = BridgeSettings(
        libraries=(library_settings(port, **overrides),), card_hash_secret=SECRET.encode()
    )
    return CirculationBridge(settings)


@pytest.fixture
async def pysip2_library() -> AsyncIterator[tuple[Pysip2Library, int]]:
    library = Pysip2Library()
    async with library.serve() as port:
        yield library, port


async def test_a_valid_card_and_pin(pysip2_library: tuple[Pysip2Library, int]) -> None:
    library, port = pysip2_library
    async with bridge_for(port) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
    assert result.valid
    assert result.reason is None
    assert result.library == "Jelgava"
    assert result.name == "Šķēle, Ģirts"
    assert result.display_name == "Ģirts Š."
    assert result.card_hash == card_hash(SECRET.encode(), INSTITUTION, GIRTS)
    assert library.received == ["93", "23", "35"]  # pysip2 answers 99 itself


@pytest.mark.parametrize(
    ("card", "pin", "reason"),
    [
        (GIRTS, "000000", Reason.WRONG_PIN),
        (UNKNOWN, "000000", Reason.UNKNOWN_CARD),
        (LOST, PINS[LOST], Reason.BLOCKED_CARD),
        (DENIED, PINS[DENIED], Reason.BLOCKED_CARD),
    ],
)
async def test_invalid_cards(
    pysip2_library: tuple[Pysip2Library, int], card: str, pin: str, reason: Reason
) -> None:
    _, port = pysip2_library
    async with bridge_for(port) as bridge:
        result = await bridge.lookup("jelgava", card, pin)
    assert not result.valid
    assert result.reason is reason
    assert result.name is None and result.display_name is None  # nothing about the holder
    assert result.card_hash == card_hash(SECRET.encode(), INSTITUTION, card)


async def test_an_overdue_patron_may_still_play(pysip2_library: tuple[Pysip2Library, int]) -> None:
    _, port = pysip2_library
    async with bridge_for(port) as bridge:
        result = await bridge.lookup("Jelgava", OVERDUE, PINS[OVERDUE])
    assert result.valid and result.display_name == "Jānis K."


async def test_a_decomposed_name_comes_back_nfc(pysip2_library: tuple[Pysip2Library, int]) -> None:
    _, port = pysip2_library
    async with bridge_for(port) as bridge:
        result = await bridge.lookup("Jelgava", RUTA, PINS[RUTA])
    assert result.name == "Jonaitė, Rūta"
    assert result.name.encode() == "Jonaitė, Rūta".encode()
    assert result.display_name == "Rūta J."


@pytest.mark.parametrize("encoding", ["utf-8", "cp1257", "iso-8859-13"])
async def test_each_encoding_end_to_end(encoding: str) -> None:
    library = Pysip2Library(encoding=encoding)
    async with library.serve() as port, bridge_for(port, encoding=encoding) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
        wrong = await bridge.lookup("Jelgava", GIRTS, "000000")
    assert result.name == "Šķēle, Ģirts"
    assert wrong.reason is Reason.WRONG_PIN


async def test_the_connection_is_kept_between_cards(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    library, port = pysip2_library
    async with bridge_for(port) as bridge:
        for card in (GIRTS, RUTA, UNKNOWN):
            await bridge.lookup("Jelgava", card, PINS.get(card, "0"))
    assert library.logins == 1
    assert library.received == ["93", "23", "35", "23", "35", "23", "35"]


async def test_concurrent_lookups_take_turns(pysip2_library: tuple[Pysip2Library, int]) -> None:
    library, port = pysip2_library
    cards = [GIRTS, RUTA, LOST, UNKNOWN, OVERDUE]
    async with bridge_for(port) as bridge:
        results = await asyncio.gather(
            *(bridge.lookup("Jelgava", card, PINS.get(card, "0")) for card in cards)
        )
    assert [r.reason for r in results] == [
        None,
        None,
        Reason.BLOCKED_CARD,
        Reason.UNKNOWN_CARD,
        None,
    ]
    assert library.logins == 1
    # one dialogue at a time: every 23 is followed by its own 35
    assert library.received[1:] == ["23", "35"] * len(cards)


async def test_patron_information_for_a_field_24_lacks(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    library, port = pysip2_library
    async with bridge_for(port, patron_fields=(("email", "BE"),)) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
    assert library.received == ["93", "23", "63", "35"]
    assert result.patron_fields == (("email", "girts@example.lv"),)
    assert result.to_json()["patron_fields"] == {"email": "girts@example.lv"}


async def test_a_library_without_patron_status_is_asked_with_63() -> None:
    library = Pysip2Library(with_patron_status=False)
    async with library.serve() as port, bridge_for(port) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
    assert result.valid
    assert library.received == ["93", "63", "35"]


async def test_a_rejected_login_is_a_clear_configuration_error(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    _, port = pysip2_library
    async with bridge_for(port, password="not-the-password") as bridge:
        with pytest.raises(LoginRejected) as raised:
            await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
    assert raised.value.code == "login_rejected"
    assert "'Jelgava' rejected the SIP2 login: check its user and password" in raised.value.message
    assert "not-the-password" not in raised.value.message


async def test_no_pin_where_one_is_required_asks_nothing(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    library, port = pysip2_library
    async with bridge_for(port) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS)
    assert result.reason is Reason.WRONG_PIN
    assert result.detail == "this library requires a PIN"
    assert library.received == []


async def test_without_pin_required_the_pin_is_not_needed(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    _, port = pysip2_library
    async with bridge_for(port, pin_required=False) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS)
    assert result.valid


async def test_end_patron_session_does_not_carry_the_pin(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    library, port = pysip2_library
    async with bridge_for(port) as bridge:
        result = await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
    assert result.valid
    assert library.received == ["93", "23", "35"]
    assert library.end_session_pins == [None]  # AD left out of 35: the PIN went only with 23


async def test_another_institution_in_the_status_answer_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    library = Pysip2Library(institution_id="JELGAVA-CENTRALA")
    caplog.set_level(logging.DEBUG)
    async with library.serve() as port, bridge_for(port) as bridge:
        first = await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
        await bridge.lookup("Jelgava", RUTA, PINS[RUTA])
    assert first.valid  # the check still works; the operator is told
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings  # once per value, not once per card
    assert "'JELGAVA-CENTRALA'" in warnings[0] and "'JELGAVA'" in warnings[0]
    assert "institution_id" in warnings[0]


async def test_the_configured_institution_gives_no_warning(
    pysip2_library: tuple[Pysip2Library, int], caplog: pytest.LogCaptureFixture
) -> None:
    _, port = pysip2_library
    caplog.set_level(logging.DEBUG)
    async with bridge_for(port) as bridge:
        await bridge.lookup("Jelgava", GIRTS, PINS[GIRTS])
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("card", "pin", "reason", "what"),
    [
        (GIRTS, "ķ90517", Reason.WRONG_PIN, "PIN"),  # cp850 has no ķ
        ("2100ĢĢ77346", "905172", Reason.UNKNOWN_CARD, "card number"),
        (GIRTS, "€" * 60, Reason.WRONG_PIN, "PIN"),  # no € in cp850
    ],
)
async def test_a_card_or_pin_the_encoding_cannot_carry_is_an_answer(
    card: str, pin: str, reason: Reason, what: str
) -> None:
    library = Pysip2Library(encoding="cp850", library_name="Jelgava")
    async with library.serve() as port, bridge_for(port, encoding="cp850") as bridge:
        result = await bridge.lookup("Jelgava", card, pin)
        after = await bridge.lookup("Jelgava", UNKNOWN, "000000")  # the bridge still works
    assert not result.valid and result.reason is reason
    assert result.detail is not None and what in result.detail and "cp850" in result.detail
    assert pin not in result.detail and card not in result.detail
    assert after.reason is Reason.UNKNOWN_CARD
    assert library.received == ["93", "23", "35"]  # nothing was sent for the unsendable one


async def test_long_multibyte_pins_that_fit_one_field_are_asked_about(
    pysip2_library: tuple[Pysip2Library, int],
) -> None:
    library, port = pysip2_library
    async with bridge_for(port) as bridge:
        short = await bridge.lookup("Jelgava", GIRTS, "ķ" * 64)  # 128 bytes in UTF-8
        long = await bridge.lookup("Jelgava", GIRTS, "€" * 64)  # 192 bytes: still one field
    assert short.reason is Reason.WRONG_PIN and long.reason is Reason.WRONG_PIN  # the library said
    assert library.received.count("23") == 2
