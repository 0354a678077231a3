"""Card numbers and PINs: checked at the edge, hashed, never kept.

Theory of operation
-------------------
A library card number identifies a person, so the quiz never stores it: it keeps a keyed hash,
HMAC-SHA256 with a server secret (``QUIZ_CARD_HASH_SECRET``). The same card at the same library
always gives the same hash, so a returning player is recognised; without the secret nobody can
test which card numbers are in the database (a plain hash of a 10-digit number is reversed by
trying them all). The institution id is part of the hashed message, so the same number at two
libraries gives two hashes: they are two cards of two people.

A PIN is passed to the library system and then forgotten: it is in no result, no error message,
no ``repr`` and no log line.

Card numbers and PINs are checked before anything is sent: printable, no SIP2 delimiter, no
control characters, bounded length. White space around a scanned card number (scanners often
send a trailing newline) is removed; nothing else is changed.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Final

from circulation_bridge.errors import InvalidCardNumber, InvalidPin

MAX_CARD_LENGTH: Final = 64
MAX_PIN_LENGTH: Final = 64
MIN_SECRET_BYTES: Final = 16


def _is_clean(text: str) -> bool:
    return all(unicodedata.category(ch)[0] != "C" for ch in text) and "|" not in text


def clean_card_number(card: str) -> str:
    """Return the card number with surrounding white space removed, or raise.

    Raises:
        InvalidCardNumber: empty, longer than ``MAX_CARD_LENGTH``, or holding ``|``, control or
            white-space characters. The message never repeats the card number.
    """
    card = card.strip()
    if not card:
        raise InvalidCardNumber("the card number is empty")
    if len(card) > MAX_CARD_LENGTH:
        raise InvalidCardNumber(f"the card number is longer than {MAX_CARD_LENGTH} characters")
    if not _is_clean(card) or any(ch.isspace() for ch in card):
        raise InvalidCardNumber("the card number holds '|', spaces or control characters")
    return card


def check_pin(pin: str) -> str:
    """Return the PIN unchanged if it can be sent, or raise ``InvalidPin`` (never repeating it)."""
    if len(pin) > MAX_PIN_LENGTH:
        raise InvalidPin(f"the PIN is longer than {MAX_PIN_LENGTH} characters")
    if not _is_clean(pin):
        raise InvalidPin("the PIN holds '|' or control characters")
    return pin


def card_hash(secret: bytes, institution_id: str, card: str) -> str:
    """Return the keyed hash under which a card is known to the quiz (64 hex digits).

    Args:
        secret: the server secret (at least ``MIN_SECRET_BYTES`` bytes).
        institution_id: the library's SIP2 institution id (AO).
        card: the card number as returned by ``clean_card_number``.
    """
    message = f"{institution_id}\x1f{card}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
