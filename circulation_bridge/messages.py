"""The SIP2 messages the bridge speaks, as frozen typed values (SIP2 2.00 message layouts).

Theory of operation
-------------------
Requests (SC -> ACS) know how to lay themselves out: ``fixed_part()`` gives the fixed-length
part and ``field_list()`` the variable fields in the order the specification lists them.
Responses (ACS -> SC) are built from a decoded ``Frame`` by ``from_frame``, which checks the
fixed part and keeps *every* variable field in wire order, unknown and extension fields included,
so a library-specific field (``PB`` birth date, ``XK`` …) can be read with ``field()`` without
this module knowing it. Absent fields read as ``None`` (lenient: many systems omit optional
fields and some omit required ones).

Card numbers, PINs and passwords are excluded from ``repr`` so that a stray log line or traceback
does not leak them.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import ClassVar, Self

from circulation_bridge.errors import MalformedMessage
from circulation_bridge.frames import Frame

Fields = tuple[tuple[str, str], ...]


class PatronFlag(enum.StrEnum):
    """The 14 positions of the patron status field of 24 and 64 (SIP2 2.00), in order."""

    CHARGE_PRIVILEGES_DENIED = "charge_privileges_denied"
    RENEWAL_PRIVILEGES_DENIED = "renewal_privileges_denied"
    RECALL_PRIVILEGES_DENIED = "recall_privileges_denied"
    HOLD_PRIVILEGES_DENIED = "hold_privileges_denied"
    CARD_REPORTED_LOST = "card_reported_lost"
    TOO_MANY_ITEMS_CHARGED = "too_many_items_charged"
    TOO_MANY_ITEMS_OVERDUE = "too_many_items_overdue"
    TOO_MANY_RENEWALS = "too_many_renewals"
    TOO_MANY_CLAIMS_OF_ITEMS_RETURNED = "too_many_claims_of_items_returned"
    TOO_MANY_ITEMS_LOST = "too_many_items_lost"
    EXCESSIVE_OUTSTANDING_FINES = "excessive_outstanding_fines"
    EXCESSIVE_OUTSTANDING_FEES = "excessive_outstanding_fees"
    RECALL_OVERDUE = "recall_overdue"
    TOO_MANY_ITEMS_BILLED = "too_many_items_billed"


_FLAG_ORDER: tuple[PatronFlag, ...] = tuple(PatronFlag)

# The BX "supported messages" field of 98: position -> command identifier (SIP2 2.00).
SUPPORTED_MESSAGES_ORDER: tuple[str, ...] = (
    "23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65",
)  # fmt: skip

# The variable fields a Patron Status Response (24) can carry (SIP2 2.00).
PATRON_STATUS_FIELDS: frozenset[str] = frozenset(
    {"AO", "AA", "AE", "BL", "CQ", "BH", "BV", "AF", "AG"}
)


def _flags(text: str) -> frozenset[PatronFlag]:
    return frozenset(flag for flag, mark in zip(_FLAG_ORDER, text, strict=False) if mark == "Y")


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    return {"Y": True, "N": False}.get(value.strip().upper())


def _fixed_flag(command: str, name: str, mark: str, yes: str = "Y", no: str = "N") -> bool:
    if mark == yes:
        return True
    if mark == no:
        return False
    raise MalformedMessage(f"{name} in {command} must be {yes!r} or {no!r}")


def _expect_command(frame: Frame, command: str) -> None:
    if frame.command != command:  # pragma: no cover - decode_response dispatches by command
        raise MalformedMessage(f"expected message {command}, got {frame.command}")


# -- requests -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRequest:
    """93 Login: the bridge identifies itself as a self-check unit (plain-text algorithms)."""

    command: ClassVar[str] = "93"
    user: str
    password: str = dataclasses.field(repr=False)
    location: str = ""

    def fixed_part(self) -> str:
        return "00"  # UID algorithm 0, PWD algorithm 0: not encrypted

    def field_list(self) -> Fields:
        fields: Fields = (("CN", self.user), ("CO", self.password))
        return (*fields, ("CP", self.location)) if self.location else fields


@dataclass(frozen=True)
class SCStatusRequest:
    """99 SC Status: "I am online, I speak 2.00"; answered by 98 ACS Status."""

    command: ClassVar[str] = "99"
    status_code: str = "0"  # 0 = SC unit is OK
    max_print_width: int = 0
    protocol_version: str = "2.00"

    def fixed_part(self) -> str:
        return f"{self.status_code}{self.max_print_width:03d}{self.protocol_version}"

    def field_list(self) -> Fields:
        return ()


@dataclass(frozen=True)
class PatronStatusRequest:
    """23 Patron Status Request: is this card valid, is this PIN right, whose card is it."""

    command: ClassVar[str] = "23"
    language: str
    transaction_date: str
    institution_id: str
    patron_identifier: str = dataclasses.field(repr=False)
    terminal_password: str = dataclasses.field(default="", repr=False)
    patron_password: str = dataclasses.field(default="", repr=False)

    def fixed_part(self) -> str:
        return f"{self.language}{self.transaction_date}"

    def field_list(self) -> Fields:
        # AO, AA, AC and AD are all required in 23; AC and AD may be empty.
        return (
            ("AO", self.institution_id),
            ("AA", self.patron_identifier),
            ("AC", self.terminal_password),
            ("AD", self.patron_password),
        )


@dataclass(frozen=True)
class PatronInformationRequest:
    """63 Patron Information: used only for fields a 24 does not carry (no item lists)."""

    command: ClassVar[str] = "63"
    language: str
    transaction_date: str
    institution_id: str
    patron_identifier: str = dataclasses.field(repr=False)
    terminal_password: str = dataclasses.field(default="", repr=False)
    patron_password: str = dataclasses.field(default="", repr=False)
    summary: str = " " * 10  # no item list requested

    def fixed_part(self) -> str:
        return f"{self.language}{self.transaction_date}{self.summary}"

    def field_list(self) -> Fields:
        return (
            ("AO", self.institution_id),
            ("AA", self.patron_identifier),
            ("AC", self.terminal_password),
            ("AD", self.patron_password),
        )


@dataclass(frozen=True)
class EndPatronSessionRequest:
    """35 End Patron Session: the bridge is done with this patron.

    The patron password (AD) is optional in 35 (SIP2 2.00) and this message has no field for it:
    the PIN was checked by 23 or 63 already, and library systems log the fields of 35.
    """

    command: ClassVar[str] = "35"
    transaction_date: str
    institution_id: str
    patron_identifier: str = dataclasses.field(repr=False)
    terminal_password: str = dataclasses.field(default="", repr=False)

    def fixed_part(self) -> str:
        return self.transaction_date

    def field_list(self) -> Fields:
        # AO and AA are required in 35; AC and AD are optional: AC is kept for systems that
        # want the terminal password on every message, AD (the PIN) is never sent here.
        return (
            ("AO", self.institution_id),
            ("AA", self.patron_identifier),
            ("AC", self.terminal_password),
        )


@dataclass(frozen=True)
class RequestACSResend:
    """97 Request ACS Resend: ask the library to send its last message again.

    The client does not rely on it (a replay of a message that arrived damaged is not always what
    the library sends); it re-sends its own request instead. It is here for completeness.
    """

    command: ClassVar[str] = "97"

    def fixed_part(self) -> str:
        return ""

    def field_list(self) -> Fields:
        return ()


Request = (
    LoginRequest
    | SCStatusRequest
    | PatronStatusRequest
    | PatronInformationRequest
    | EndPatronSessionRequest
    | RequestACSResend
)


# -- responses ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldsMixin:
    fields: Fields = dataclasses.field(default=(), repr=False)

    def field(self, identifier: str) -> str | None:
        """Return the first value of the variable field ``identifier``, or ``None``."""
        return next((value for key, value in self.fields if key == identifier), None)

    def field_values(self, identifier: str) -> tuple[str, ...]:
        """Return every value of a repeatable field (``AF`` screen messages, …)."""
        return tuple(value for key, value in self.fields if key == identifier)

    @property
    def institution_id(self) -> str | None:
        return self.field("AO")

    @property
    def screen_messages(self) -> tuple[str, ...]:
        return self.field_values("AF")


@dataclass(frozen=True)
class LoginResponse(_FieldsMixin):
    """94 Login Response: ``ok`` is whether the library accepted our user and password."""

    command: ClassVar[str] = "94"
    ok: bool = False

    @classmethod
    def from_frame(cls, frame: Frame) -> Self:
        _expect_command(frame, cls.command)
        return cls(ok=_fixed_flag(frame.command, "ok", frame.fixed, "1", "0"), fields=frame.fields)


@dataclass(frozen=True)
class ACSStatus(_FieldsMixin):
    """98 ACS Status: whether the library system is online and which messages it supports."""

    command: ClassVar[str] = "98"
    online: bool = False
    protocol_version: str = ""

    @classmethod
    def from_frame(cls, frame: Frame) -> Self:
        _expect_command(frame, cls.command)
        online = _fixed_flag(frame.command, "online status", frame.fixed[0])
        return cls(online=online, protocol_version=frame.fixed[30:34], fields=frame.fields)

    @property
    def library_name(self) -> str | None:
        return self.field("AM")

    def supports(self, command: str) -> bool:
        """Whether BX marks ``command`` as supported; ``True`` when BX is absent or short."""
        flags = self.field("BX") or ""
        position = SUPPORTED_MESSAGES_ORDER.index(command)
        return position >= len(flags) or flags[position].upper() != "N"


@dataclass(frozen=True)
class _PatronMixin(_FieldsMixin):
    patron_status: frozenset[PatronFlag] = frozenset()
    language: str = "000"

    @property
    def patron_identifier(self) -> str | None:
        return self.field("AA")

    @property
    def personal_name(self) -> str | None:
        return self.field("AE")

    @property
    def valid_patron(self) -> bool | None:
        """BL: ``None`` when the library does not say."""
        return _yes_no(self.field("BL"))

    @property
    def valid_patron_password(self) -> bool | None:
        """CQ: ``None`` when the library does not say."""
        return _yes_no(self.field("CQ"))

    @classmethod
    def from_frame(cls, frame: Frame) -> Self:
        """24 and 64 share their fixed part: 14 status flags, then the language (SIP2 2.00)."""
        _expect_command(frame, cls.command)  # type: ignore[attr-defined]
        return cls(
            patron_status=_flags(frame.fixed[:14]),
            language=frame.fixed[14:17],
            fields=frame.fields,
        )


@dataclass(frozen=True)
class PatronStatusResponse(_PatronMixin):
    """24 Patron Status Response."""

    command: ClassVar[str] = "24"


@dataclass(frozen=True)
class PatronInformationResponse(_PatronMixin):
    """64 Patron Information Response (we ask for no item lists, so only the patron's fields)."""

    command: ClassVar[str] = "64"


@dataclass(frozen=True)
class EndSessionResponse(_FieldsMixin):
    """36 End Session Response."""

    command: ClassVar[str] = "36"
    end_session: bool = False

    @classmethod
    def from_frame(cls, frame: Frame) -> Self:
        _expect_command(frame, cls.command)
        ended = frame.fixed[0].upper() == "Y"  # lenient: some systems answer blank
        return cls(end_session=ended, fields=frame.fields)


@dataclass(frozen=True)
class RequestSCResend(_FieldsMixin):
    """96 Request SC Resend: the library received our last request damaged."""

    command: ClassVar[str] = "96"

    @classmethod
    def from_frame(cls, frame: Frame) -> Self:
        _expect_command(frame, cls.command)
        return cls(fields=frame.fields)


Response = (
    LoginResponse
    | ACSStatus
    | PatronStatusResponse
    | PatronInformationResponse
    | EndSessionResponse
    | RequestSCResend
)
