"""Card checks against the configured libraries: the service the rest of the quiz calls.

Theory of operation
-------------------
``CirculationBridge`` owns one ``LibraryConnection`` per library, opened on first use and closed
by ``aclose`` (or leaving ``async with``); it starts no background task. ``lookup`` checks the card
number and PIN at the edge (``privacy``), hashes the card number, runs ``dialogue.check_patron``
on the library's connection and turns the verdict into a ``LookupResult``, which holds the card
only as its keyed hash and never holds the PIN.

Failures of the library system are answers, not exceptions: ``library_unreachable`` and
``protocol_error`` come back as results with a ``detail`` for the operator, so that a kiosk can
say "try again later". What only an operator can fix raises instead: an unknown library name, a
missing secret, a rejected login (``ConfigurationError``), and a card number or PIN that cannot
be sent at all (``InvalidInput``). A card number or PIN that the library's encoding cannot carry
is an answer too (``unknown_card``, ``wrong_pin``): no library can hold it.

The clock is an input (``clock``), used only for the SIP2 transaction date.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from circulation_bridge.client import LibraryConnection, OpenStream, open_tcp_stream
from circulation_bridge.dialogue import PatronVerdict, Reason, check_patron
from circulation_bridge.errors import ConfigurationError, LibraryUnreachable, ProtocolError
from circulation_bridge.frames import MAX_FIELD_BYTES, codec_name
from circulation_bridge.names import display_name
from circulation_bridge.privacy import card_hash, check_pin, clean_card_number
from circulation_bridge.settings import SECRET_VARIABLE, BridgeSettings, LibrarySettings

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


def transaction_date(at: datetime) -> str:
    """Format ``at`` as a SIP2 date, ``YYYYMMDDZZZZHHMMSS`` with zone ``   Z`` (UTC)."""
    return at.astimezone(UTC).strftime("%Y%m%d   Z%H%M%S")


@dataclass(frozen=True)
class LookupResult:
    """The outcome of one card check. Holds the card only as ``card_hash``; never the PIN.

    Attributes:
        library: the library's configured name.
        valid: the card belongs to a patron in good standing (and the PIN, if required, is right).
        card_hash: HMAC-SHA256 of the card number with the server secret (64 hex digits).
        reason: why not valid (``None`` when valid).
        name: the patron's personal name as the library holds it, in NFC (only when valid).
        display_name: the short name for screens, "Ģirts Š." (only when valid).
        patron_fields: the library's configured extra patron fields (only when valid).
        detail: for the operator, what went wrong when the library could not answer properly.
    """

    library: str
    valid: bool
    card_hash: str
    reason: Reason | None = None
    name: str | None = dataclasses.field(default=None, repr=False)
    display_name: str | None = None
    patron_fields: tuple[tuple[str, str], ...] = dataclasses.field(default=(), repr=False)
    detail: str | None = None

    def to_json(self) -> dict[str, object]:
        """The result as a JSON object (``reason`` and ``detail`` only when present)."""
        document: dict[str, object] = {
            "library": self.library,
            "valid": self.valid,
            "name": self.name,
            "display_name": self.display_name,
            "card_hash": self.card_hash,
        }
        if self.reason is not None:
            document["reason"] = self.reason.value
        if self.detail is not None:
            document["detail"] = self.detail
        if self.patron_fields:
            document["patron_fields"] = dict(self.patron_fields)
        return document


def sendable(library: LibrarySettings, text: str) -> bool:
    """Whether ``text`` fits in one SIP2 field in the library's encoding (no character it lacks,
    at most 255 bytes). A card number or PIN that does not cannot be the library's: it is
    answered ``unknown_card`` or ``wrong_pin`` without asking (nothing half-sent)."""
    try:
        encoded = text.encode(codec_name(library.encoding))
    except UnicodeEncodeError:
        return False
    return len(encoded) <= MAX_FIELD_BYTES


def _unsendable(what: str, library: LibrarySettings) -> str:
    return (
        f"the {what} holds a character the library's encoding ({library.encoding}) cannot "
        f"carry, or is longer than {MAX_FIELD_BYTES} bytes in it"
    )


class CirculationBridge:
    """Checks library cards against the configured libraries' circulation systems."""

    def __init__(
        self,
        settings: BridgeSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        open_stream: OpenStream = open_tcp_stream,
    ) -> None:
        """Create the bridge; nothing connects until the first lookup.

        Args:
            settings: the libraries and the card-hash secret.
            clock: gives the time for SIP2 transaction dates.
            open_stream: how connections are opened (tests may inject their own).
        """
        self.settings = settings
        self._clock = clock
        self._open_stream = open_stream
        self._connections: dict[str, LibraryConnection] = {}

    def connection(self, library: LibrarySettings) -> LibraryConnection:
        """The (lazily created) connection to ``library``."""
        if library.name not in self._connections:
            self._connections[library.name] = LibraryConnection(
                library, open_stream=self._open_stream
            )
        return self._connections[library.name]

    async def lookup(self, library_name: str, card: str, pin: str | None = None) -> LookupResult:
        """Check a library card (and PIN, where the library requires one).

        Args:
            library_name: a configured library (case and accents ignored).
            card: the card number as scanned or typed (surrounding white space is removed).
            pin: the PIN; required when the library's ``pin_required`` is set, else not sent.

        Returns:
            The result; ``library_unreachable`` and ``protocol_error`` are results, not errors.

        Raises:
            UnknownLibrary: no such library is configured.
            ConfigurationError: no card-hash secret, or the library rejected our login.
            InvalidCardNumber, InvalidPin: the card number or PIN cannot be sent.
        """
        library = self.settings.library(library_name)
        secret = self.settings.card_hash_secret
        if secret is None:
            raise ConfigurationError(f"{SECRET_VARIABLE} is not set: card numbers cannot be hashed")
        card = clean_card_number(card)
        if pin is not None:
            check_pin(pin)
        hashed = card_hash(secret, library.institution_id, card)
        if not sendable(library, card):
            verdict = PatronVerdict(valid=False, reason=Reason.UNKNOWN_CARD)
            log.info(
                "card check at %s: card number not sendable in %s", library.name, library.encoding
            )
            return self._result(library, hashed, verdict, _unsendable("card number", library))
        if library.pin_required and pin and not sendable(library, pin):
            verdict = PatronVerdict(valid=False, reason=Reason.WRONG_PIN)
            log.info("card check at %s: PIN not sendable in %s", library.name, library.encoding)
            return self._result(library, hashed, verdict, _unsendable("PIN", library))
        if library.pin_required and not pin:
            verdict = PatronVerdict(valid=False, reason=Reason.WRONG_PIN)
            result = self._result(library, hashed, verdict, "this library requires a PIN")
            log.info("card check at %s: no PIN given, PIN required", library.name)
            return result
        date = transaction_date(self._clock())
        try:
            verdict = await self.connection(library).run(
                lambda status: check_patron(library, status, card, pin, date)
            )
        except LibraryUnreachable as exc:
            log.warning("card check at %s: library unreachable (%s)", library.name, exc.code)
            verdict = PatronVerdict(valid=False, reason=Reason.LIBRARY_UNREACHABLE)
            return self._result(library, hashed, verdict, exc.message)
        except ProtocolError as exc:
            log.warning("card check at %s: protocol error (%s)", library.name, exc.code)
            verdict = PatronVerdict(valid=False, reason=Reason.PROTOCOL_ERROR)
            return self._result(library, hashed, verdict, exc.message)
        outcome = "valid" if verdict.valid else f"not valid ({verdict.reason})"
        log.info("card check at %s: %s", library.name, outcome)
        return self._result(library, hashed, verdict, None)

    @staticmethod
    def _result(
        library: LibrarySettings, hashed: str, verdict: PatronVerdict, detail: str | None
    ) -> LookupResult:
        name = verdict.name if verdict.valid else None
        return LookupResult(
            library=library.name,
            valid=verdict.valid,
            card_hash=hashed,
            reason=verdict.reason,
            name=name,
            display_name=display_name(name) if name is not None else None,
            patron_fields=verdict.patron_fields,
            detail=detail,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            await connection.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
