"""Card numbers and PINs: checked at the edge, hashed with a key, never echoed."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from circulation_bridge.errors import InvalidCardNumber, InvalidPin
from circulation_bridge.privacy import card_hash, check_pin, clean_card_number

SECRET = b"a-test-secret-of-32-bytes-length"


def test_card_hash_is_hmac_sha256_of_institution_and_card() -> None:
    expected = hmac.new(SECRET, b"JELGAVA\x1f21000177346", hashlib.sha256).hexdigest()
    assert card_hash(SECRET, "JELGAVA", "21000177346") == expected
    assert len(expected) == 64


def test_card_hash_depends_on_secret_library_and_card() -> None:
    base = card_hash(SECRET, "JELGAVA", "21000177346")
    assert card_hash(SECRET, "JELGAVA", "21000177346") == base
    assert card_hash(SECRET + b"x", "JELGAVA", "21000177346") != base
    assert card_hash(SECRET, "LIEPAJA", "21000177346") != base
    assert card_hash(SECRET, "JELGAVA", "21000177347") != base
    assert "21000177346" not in base


def test_card_numbers_lose_surrounding_white_space_only() -> None:
    assert clean_card_number(" 21000177346\r\n") == "21000177346"
    assert clean_card_number("LV-0042a") == "LV-0042a"


@pytest.mark.parametrize(
    ("card", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1" * 65, "longer than 64"),
        ("2100|0177346", "'|'"),
        ("2100 0177346", "spaces"),
        ("2100\x000177346", "control"),
        ("2100\x1b0177346", "control"),
    ],
)
def test_bad_card_numbers_are_refused_without_echoing_them(card: str, complaint: str) -> None:
    with pytest.raises(InvalidCardNumber, match=complaint) as raised:
        clean_card_number(card)
    if card.strip():
        assert card.strip() not in raised.value.message


@pytest.mark.parametrize(
    ("pin", "complaint"), [("9" * 65, "longer"), ("90|5", "'|'"), ("90\r5", "control")]
)
def test_bad_pins_are_refused_without_echoing_them(pin: str, complaint: str) -> None:
    with pytest.raises(InvalidPin, match=complaint) as raised:
        check_pin(pin)
    assert pin not in raised.value.message


def test_a_good_pin_is_returned_unchanged() -> None:
    assert check_pin(" 9051 ") == " 9051 "
    assert check_pin("") == ""
