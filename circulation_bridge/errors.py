"""Errors of the circulation bridge (the tree with its codes is in the package docstring).

Every error carries a stable string ``code``. Messages name the library, the SIP2 command and
what went wrong, never a card number, a PIN, a password or the bytes of a message: errors end up
in logs and on operators' screens, and the privacy rules of ``docs/circulation-bridge.md`` apply
to them as much as to the log lines we write ourselves.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error the circulation bridge raises."""

    code = "bridge_error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = str(self.args[0])


# -- configuration: the operator must fix the settings ---------------------------------------------


class ConfigurationError(BridgeError):
    """The bridge settings are missing or malformed."""

    code = "configuration_error"


class UnknownLibrary(ConfigurationError):
    """No library of that name is configured."""

    code = "unknown_library"


class LoginRejected(ConfigurationError):
    """The library system rejected our SIP2 login: check the configured user and password."""

    code = "login_rejected"


# -- input: the card or PIN cannot even be sent ---------------------------------------------------


class InvalidInput(BridgeError):
    """A card number or PIN has a form no library system can be asked about."""

    code = "invalid_input"


class InvalidCardNumber(InvalidInput):
    """The card number is empty, too long, or contains characters a card number cannot have."""

    code = "invalid_card_number"


class InvalidPin(InvalidInput):
    """The PIN is too long or contains characters a PIN cannot have."""

    code = "invalid_pin"


class EncodeError(InvalidInput):
    """A request field cannot be encoded: it holds the field delimiter, a control character, a
    character the library's encoding lacks, or more than 255 bytes."""

    code = "encode_error"


# -- the library system could not be reached ------------------------------------------------------


class LibraryUnreachable(BridgeError):
    """The library system could not be reached or did not answer."""

    code = "library_unreachable"


class ConnectFailed(LibraryUnreachable):
    """The TCP (or TLS) connection to the library system could not be opened."""

    code = "connect_failed"


class ConnectTimeout(LibraryUnreachable):
    """Opening the connection took longer than the configured connect timeout."""

    code = "connect_timeout"


class NoAnswer(LibraryUnreachable):
    """The library system did not answer within the configured timeout."""

    code = "no_answer"


class ConnectionClosed(LibraryUnreachable):
    """The library system closed the connection (again, after we had reconnected once)."""

    code = "connection_closed"


class LibraryOffline(LibraryUnreachable):
    """The library system answered SC Status with "offline" (98, online status N)."""

    code = "library_offline"


# -- the library system answered outside the protocol --------------------------------------------


class ProtocolError(BridgeError):
    """The library system answered outside the SIP2 protocol."""

    code = "protocol_error"


class MalformedMessage(ProtocolError):
    """A received message could not be parsed as SIP2."""

    code = "malformed_message"


class ChecksumMismatch(ProtocolError):
    """A received message carries a checksum (AZ) that does not match its bytes."""

    code = "bad_checksum"


class UnexpectedMessage(ProtocolError):
    """The library system answered with a message we did not ask for."""

    code = "unexpected_message"
