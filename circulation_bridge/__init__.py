"""Circulation bridge: checks library cards against each library's system over SIP2.

Players register by scanning their library card; each library's circulation system (its ILS)
answers over 3M SIP2 2.00, the protocol its self-check kiosks use. This package holds:

* ``frames``, ``messages``, ``codec`` — the SIP2 codec: pure, incremental, bytes in, typed
  messages out (sequence numbers, checksums, per-library encodings, NFC names);
* ``dialogue`` — login → SC status → patron status [→ patron information] → end session, written
  once as generators that run over any transport, and the verdict on a card;
* ``client`` — the asyncio TCP/TLS transport (timeouts, retries, reconnects);
* ``bridge`` — ``CirculationBridge.lookup``, the service the quiz calls;
* ``settings``, ``privacy``, ``names`` — configuration, card hashing, short display names;
* ``cli`` — ``quiz bridge lookup``.

It does not import ``server``. Guide: ``docs/circulation-bridge.md``; settings:
``docs/settings.md``.

Every error has a stable ``code``. Exception tree::

    BridgeError                 bridge_error         root; never raised itself
    ├── ConfigurationError      configuration_error  settings missing or malformed (operator fixes)
    │   ├── UnknownLibrary      unknown_library      no library of that name is configured
    │   └── LoginRejected       login_rejected       the library refused our SIP2 user/password
    ├── InvalidInput            invalid_input        a value that cannot be sent at all
    │   ├── InvalidCardNumber   invalid_card_number  empty, too long, '|' or control characters
    │   ├── InvalidPin          invalid_pin          too long, '|' or control characters
    │   └── EncodeError         encode_error         a field the wire or the encoding cannot carry
    ├── LibraryUnreachable      library_unreachable  lookup reason "library_unreachable"
    │   ├── ConnectFailed       connect_failed       TCP/TLS connection refused or failed
    │   ├── ConnectTimeout      connect_timeout      no connection within connect_timeout
    │   ├── NoAnswer            no_answer            no answer within login/response timeout
    │   ├── ConnectionClosed    connection_closed    closed again after one reconnect
    │   └── LibraryOffline      library_offline      98 ACS Status says offline
    └── ProtocolError           protocol_error       lookup reason "protocol_error"
        ├── MalformedMessage    malformed_message    not parseable as SIP2 (garbage, too long)
        ├── ChecksumMismatch    bad_checksum         AZ wrong, twice in a row (or 96 twice)
        └── UnexpectedMessage   unexpected_message   a message we did not ask for

``LibraryUnreachable`` and ``ProtocolError`` reach callers of ``CirculationBridge.lookup`` as
results with a reason, not as exceptions. No error message ever holds a card number, a PIN, a
password or the bytes of a SIP2 message.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from circulation_bridge.errors import (
    BridgeError,
    ChecksumMismatch,
    ConfigurationError,
    ConnectFailed,
    ConnectionClosed,
    ConnectTimeout,
    EncodeError,
    InvalidCardNumber,
    InvalidInput,
    InvalidPin,
    LibraryOffline,
    LibraryUnreachable,
    LoginRejected,
    MalformedMessage,
    NoAnswer,
    ProtocolError,
    UnexpectedMessage,
    UnknownLibrary,
)

# A library leaves logging to the application; without this, Python's last-resort handler would
# print our warnings on stderr of every program that has not configured logging.
logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:
    from circulation_bridge.bridge import CirculationBridge, LookupResult
    from circulation_bridge.dialogue import Reason
    from circulation_bridge.settings import BridgeSettings, LibrarySettings

# Imported on first use, so that importing the pure codec does not import asyncio and ssl.
_LAZY = {
    "CirculationBridge": "circulation_bridge.bridge",
    "LookupResult": "circulation_bridge.bridge",
    "Reason": "circulation_bridge.dialogue",
    "BridgeSettings": "circulation_bridge.settings",
    "LibrarySettings": "circulation_bridge.settings",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BridgeError",
    "BridgeSettings",
    "ChecksumMismatch",
    "CirculationBridge",
    "ConfigurationError",
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionClosed",
    "EncodeError",
    "InvalidCardNumber",
    "InvalidInput",
    "InvalidPin",
    "LibraryOffline",
    "LibrarySettings",
    "LibraryUnreachable",
    "LoginRejected",
    "LookupResult",
    "MalformedMessage",
    "NoAnswer",
    "ProtocolError",
    "Reason",
    "UnexpectedMessage",
    "UnknownLibrary",
]
