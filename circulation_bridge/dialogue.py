"""The SIP2 dialogue of a card check, written once as generators, and the verdict it reaches.

Theory of operation
-------------------
A card check is a short conversation with the library system::

    93 Login               -> 94   once per connection (``open_session``)
    99 SC Status           -> 98
    23 Patron Status       -> 24   once per card (``check_patron``)
    63 Patron Information  -> 64   only if a configured patron field is one 24 lacks
    35 End Patron Session  -> 36   (without the PIN: AD is optional there, and systems log 35)

Like httpx's ``Auth.auth_flow``, each part is a generator that *yields* a typed request and is
*sent* the typed response; its return value is the outcome. The generators know nothing of
sockets, sequence numbers, checksums or retries: ``drive`` runs a dialogue over a plain function
(tests, a fake library) and ``drive_async`` over the asyncio transport (``client``), which
handles everything below the message level. ``card_check_dialogue`` chains both parts for a
single connection-less run.

The verdict (``judge``) is pure and follows the order in which a kiosk must answer, so that it
never reveals more than the card holder has proved:

1. ``unknown_card`` — BL (valid patron) is N, or BL is absent and there is no name (AE);
2. ``wrong_pin`` — the library requires a PIN and CQ (valid patron password) is not Y;
   a library that requires a PIN but does not say whether it was right fails closed;
3. ``blocked_card`` — a patron status flag listed in ``blocked_when`` is set;
4. otherwise valid, with the name (AE) in NFC.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

from circulation_bridge.errors import LibraryOffline, LoginRejected, UnexpectedMessage
from circulation_bridge.messages import (
    ACSStatus,
    EndPatronSessionRequest,
    EndSessionResponse,
    LoginRequest,
    LoginResponse,
    PatronInformationRequest,
    PatronInformationResponse,
    PatronStatusRequest,
    PatronStatusResponse,
    Request,
    Response,
    SCStatusRequest,
)
from circulation_bridge.names import normalize_name
from circulation_bridge.settings import LibrarySettings

T = TypeVar("T")
R = TypeVar("R", bound=Response)

Dialogue = Generator[Request, Response, T]


class Reason(enum.StrEnum):
    """Why a card check did not find a valid patron (stable codes, sent to clients as they are)."""

    UNKNOWN_CARD = "unknown_card"
    WRONG_PIN = "wrong_pin"
    BLOCKED_CARD = "blocked_card"
    LIBRARY_UNREACHABLE = "library_unreachable"
    PROTOCOL_ERROR = "protocol_error"


@dataclass(frozen=True)
class PatronVerdict:
    """What the library said about one card (no card number, no PIN).

    Attributes:
        valid: the card belongs to a patron in good standing and the PIN (if required) is right.
        reason: why not, when not valid.
        name: the patron's personal name (AE) in NFC; only when valid.
        patron_fields: the configured patron fields, ``(label, value)``; only when valid.
    """

    valid: bool
    reason: Reason | None = None
    name: str | None = None
    patron_fields: tuple[tuple[str, str], ...] = ()


def _expect(response: Response, kind: type[R], request: Request) -> R:
    if not isinstance(response, kind):
        raise UnexpectedMessage(
            f"the library answered {request.command} with {response.command}, not {kind.command}"
        )
    return response


def open_session(library: LibrarySettings) -> Dialogue[ACSStatus]:
    """Log in (93/94) and ask for the library system's status (99/98).

    Raises:
        LoginRejected: the library refused our user or password (a configuration error).
        LibraryOffline: the library system says it is offline.
    """
    login = LoginRequest(user=library.user, password=library.password, location=library.location)
    if not _expect((yield login), LoginResponse, login).ok:
        raise LoginRejected(
            f"library {library.name!r} rejected the SIP2 login: check its user and password"
        )
    status_request = SCStatusRequest()
    status = _expect((yield status_request), ACSStatus, status_request)
    if not status.online:
        raise LibraryOffline(f"library {library.name!r} reports that its system is offline")
    return status


def check_patron(
    library: LibrarySettings,
    status: ACSStatus,
    card: str,
    pin: str | None,
    transaction_date: str,
) -> Dialogue[PatronVerdict]:
    """Ask about one card: 23/24 (or 63/64), 63/64 when needed, then 35/36.

    Args:
        library: the library's settings.
        status: the 98 ACS Status of this connection (which messages the library supports).
        card: the card number, already checked by ``privacy.clean_card_number``.
        pin: the PIN, sent only when the library requires one.
        transaction_date: SIP2 date, 18 characters ``YYYYMMDDZZZZHHMMSS`` (an input: no clock here).
    """
    pin_sent = pin if (library.pin_required and pin is not None) else ""
    common = {
        "institution_id": library.institution_id,
        "patron_identifier": card,
        "terminal_password": library.terminal_password,
        "patron_password": pin_sent,
    }
    info_request = PatronInformationRequest(
        language=library.language, transaction_date=transaction_date, **common
    )
    # BX: a library that does not support 23 but supports 63 is asked with 63 alone.
    use_status = status.supports("23") or not status.supports("63")
    first: PatronStatusResponse | PatronInformationResponse
    if use_status:
        request = PatronStatusRequest(
            language=library.language, transaction_date=transaction_date, **common
        )
        first = _expect((yield request), PatronStatusResponse, request)
    else:
        first = _expect((yield info_request), PatronInformationResponse, info_request)
    verdict = judge(library, first)
    if verdict.valid and use_status and library.needs_patron_information:
        info = _expect((yield info_request), PatronInformationResponse, info_request)
        verdict = judge(library, info)
    if status.supports("35"):
        end = EndPatronSessionRequest(  # without the PIN: AD is optional in 35
            transaction_date=transaction_date,
            institution_id=library.institution_id,
            patron_identifier=card,
            terminal_password=library.terminal_password,
        )
        _expect((yield end), EndSessionResponse, end)
    return verdict


def card_check_dialogue(
    library: LibrarySettings, card: str, pin: str | None, transaction_date: str
) -> Dialogue[PatronVerdict]:
    """The whole dialogue on a fresh connection: ``open_session`` then ``check_patron``."""
    status = yield from open_session(library)
    return (yield from check_patron(library, status, card, pin, transaction_date))


def judge(
    library: LibrarySettings, response: PatronStatusResponse | PatronInformationResponse
) -> PatronVerdict:
    """Decide what a 24 or 64 says about the card (see the module docstring for the order)."""
    name = normalize_name(response.personal_name or "")
    valid_patron = response.valid_patron
    if valid_patron is False or (valid_patron is None and not name):
        return PatronVerdict(valid=False, reason=Reason.UNKNOWN_CARD)
    if library.pin_required and response.valid_patron_password is not True:
        return PatronVerdict(valid=False, reason=Reason.WRONG_PIN)
    if response.patron_status & library.blocked_when:
        return PatronVerdict(valid=False, reason=Reason.BLOCKED_CARD)
    fields = tuple(
        (label, normalize_name(value))
        for label, field_id in library.patron_fields
        if (value := response.field(field_id)) is not None
    )
    return PatronVerdict(valid=True, name=name, patron_fields=fields)


def drive(dialogue: Dialogue[T], exchange: Callable[[Request], Response]) -> T:
    """Run ``dialogue`` over a plain function that answers each request."""
    try:
        request = next(dialogue)
        while True:
            request = dialogue.send(exchange(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        dialogue.close()


async def drive_async(
    dialogue: Dialogue[T], exchange: Callable[[Request], Awaitable[Response]]
) -> T:
    """Run ``dialogue`` over an async function that answers each request (the transport)."""
    try:
        request = next(dialogue)
        while True:
            request = dialogue.send(await exchange(request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        dialogue.close()
