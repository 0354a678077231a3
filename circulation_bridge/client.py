"""The asyncio SIP2 transport: one TCP (optionally TLS) connection to one library system.

Theory of operation
-------------------
``LibraryConnection`` is a thin shell around ``Sip2Codec``: it opens the connection, feeds the
codec what it reads and writes what the codec encodes. It runs one dialogue at a time (an
``asyncio.Lock``), and so one request at a time. The connection is opened lazily and kept for
the next card; it is logged in by running ``dialogue.open_session`` over itself.

What it handles below the message level, so that the dialogues never see it:

* **Timeouts.** Opening the connection has ``connect_timeout``; the login dialogue (93 and 99)
  has ``login_timeout``; every other request has ``response_timeout``. After any timeout the
  connection is closed: a late answer must never be taken for the answer to the next request.
* **Damaged answers.** An answer whose checksum (AZ) does not match, or a 96 (the library got our
  request damaged), makes us send the request once more, with a new sequence number. We do not
  send 97 and trust its replay: some systems replay the wrong message, and our requests are all
  safe to repeat. A second damaged answer is a ``ChecksumMismatch`` (protocol error).
* **Closed connections.** Library systems close idle connections. If the connection is found
  closed, before sending or while waiting for an answer, we reconnect, log in again and send the
  request again, once per request; if it closes again that is ``ConnectionClosed``.
* **Matching answers.** An answer is matched to its request by kind (94 to 93, 24 to 23 …), not
  by the echoed ``AY``, which some systems leave out. With one request in flight and the
  connection dropped after any timeout or error, no answer to an earlier request can turn up.
* **Anything outside the protocol** (garbage, a message we did not ask for, a line too long)
  closes the connection and raises a ``ProtocolError``.
* **Another institution.** A 98 whose institution id (AO) differs from the configured one is
  logged as a warning: the configured id is part of every card hash.

Logging: which library, which command, what happened. Never a card number, PIN, password, name
or byte of a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import TypeVar

from circulation_bridge.codec import Sip2Codec
from circulation_bridge.dialogue import Dialogue, drive_async, open_session
from circulation_bridge.errors import (
    ChecksumMismatch,
    ConnectFailed,
    ConnectionClosed,
    ConnectTimeout,
    NoAnswer,
)
from circulation_bridge.messages import ACSStatus, Request, RequestSCResend, Response
from circulation_bridge.settings import LibrarySettings

log = logging.getLogger(__name__)

T = TypeVar("T")
READ_SIZE = 4096

# How to open a stream: (host, port, ssl context or None) -> (reader, writer). Tests may inject
# their own, in the manner of pyserial's serial_for_url.
OpenStream = Callable[
    [str, int, ssl.SSLContext | None], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
]


async def open_tcp_stream(
    host: str, port: int, context: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a TCP connection, with TLS when ``context`` is given (the default ``OpenStream``)."""
    return await asyncio.open_connection(
        host, port, ssl=context, server_hostname=host if context else None
    )


def tls_context(library: LibrarySettings) -> ssl.SSLContext | None:
    """The TLS context for ``library``: system CAs, or its ``tls_ca_file``; ``None`` without TLS."""
    if not library.tls:
        return None
    return ssl.create_default_context(cafile=library.tls_ca_file)


class _Closed(Exception):
    """The library closed the connection (internal: answered by reconnecting once)."""


class LibraryConnection:
    """A logged-in SIP2 session with one library system; reconnects by itself."""

    def __init__(self, library: LibrarySettings, *, open_stream: OpenStream = open_tcp_stream):
        """Prepare a connection (nothing is opened until the first dialogue).

        Args:
            library: the library's settings.
            open_stream: how to open the byte stream (default: TCP, TLS if configured).
        """
        self.library = library
        self._open_stream = open_stream
        self._lock = asyncio.Lock()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._codec = Sip2Codec(library.encoding, error_detection=library.error_detection)
        self._sequence = -1
        self.status: ACSStatus | None = None  # the 98 of the current session
        self.logins = 0  # how many times we logged in (reconnects show here)
        self.reported_institution: str | None = None  # AO of the last 98, when it had one

    @property
    def is_open(self) -> bool:
        """Whether a logged-in connection is open (as far as we know)."""
        return self._writer is not None and self.status is not None

    async def run(self, make_dialogue: Callable[[ACSStatus], Dialogue[T]]) -> T:
        """Run one dialogue on the logged-in session, connecting and logging in first if needed.

        Args:
            make_dialogue: given this session's 98 ACS Status, returns the dialogue to run.

        Raises:
            LibraryUnreachable: could not connect, no answer, closed twice, or offline.
            ProtocolError: the library answered outside the protocol.
            LoginRejected: the library refused our login (a configuration error).
        """
        async with self._lock:
            try:
                status = await self._ensure_session()
                return await drive_async(make_dialogue(status), self._request_reconnecting)
            except BaseException:
                await self._discard()
                raise

    async def aclose(self) -> None:
        """Close the connection (SIP2 has no log-out message; closing is enough)."""
        async with self._lock:
            await self._discard()

    # -- connection and session -------------------------------------------------------------------

    async def _ensure_session(self) -> ACSStatus:
        if self.status is not None and self._reader is not None and not self._reader.at_eof():
            return self.status
        if self._writer is not None:
            log.info("library %s closed the connection; reconnecting", self.library.name)
        await self._discard()
        await self._connect()
        try:
            async with asyncio.timeout(self.library.login_timeout):
                self.status = await drive_async(open_session(self.library), self._request)
        except TimeoutError:
            raise NoAnswer(
                f"library {self.library.name!r} did not complete the login within "
                f"{self.library.login_timeout:g} s"
            ) from None
        except _Closed:
            raise ConnectionClosed(
                f"library {self.library.name!r} closed the connection during login"
            ) from None
        self.logins += 1
        log.info("logged in to library %s", self.library.name)
        self._check_institution(self.status)
        return self.status

    def _check_institution(self, status: ACSStatus) -> None:
        """Warn when the library's 98 names another institution (AO) than the configured one.

        The configured ``institution_id`` is sent in every 23 and is part of every card hash: a
        wrong one makes cards ``unknown_card`` at some systems and, once corrected, changes every
        stored card hash (returning players are no longer recognised). Warned once per value.
        """
        reported = (status.institution_id or "").strip()
        configured = self.library.institution_id
        if reported and reported != configured and reported != self.reported_institution:
            log.warning(
                "library %s reports institution id %r in its status answer (98 AO), not the "
                "configured %r: check institution_id in QUIZ_LIBRARIES (it is part of every "
                "card hash, so correct it before players register)",
                self.library.name,
                reported,
                configured,
            )
        self.reported_institution = reported or None

    async def _connect(self) -> None:
        library = self.library
        where = f"library {library.name!r} at {library.host}:{library.port}"
        try:
            async with asyncio.timeout(library.connect_timeout):
                self._reader, self._writer = await self._open_stream(
                    library.host, library.port, tls_context(library)
                )
        except TimeoutError:
            raise ConnectTimeout(
                f"cannot connect to {where} within {library.connect_timeout:g} s"
            ) from None
        except ssl.SSLError as exc:
            raise ConnectFailed(f"TLS with {where} failed: {exc.reason or exc}") from None
        except ConnectionRefusedError:
            raise ConnectFailed(f"cannot connect to {where}: connection refused") from None
        except ConnectionError as exc:
            hint = " during the TLS handshake: does this port speak TLS?" if library.tls else ""
            reason = exc.strerror or "the connection was closed"
            raise ConnectFailed(f"cannot connect to {where}: {reason}{hint}") from None
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to {where}: {exc.strerror or exc}") from None
        self._codec = Sip2Codec(library.encoding, error_detection=library.error_detection)
        log.debug("connected to library %s", library.name)

    async def _discard(self) -> None:
        writer, self._reader, self._writer, self.status = self._writer, None, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                async with asyncio.timeout(1):
                    await writer.wait_closed()

    # -- one request ----------------------------------------------------------------------------

    async def _request_reconnecting(self, request: Request) -> Response:
        try:
            return await self._request_timed(request)
        except _Closed:
            log.info(
                "library %s closed the connection during %s; reconnecting",
                self.library.name,
                request.command,
            )
        await self._discard()
        await self._ensure_session()
        try:
            return await self._request_timed(request)
        except _Closed:
            raise ConnectionClosed(
                f"library {self.library.name!r} closed the connection again after a reconnect"
            ) from None

    async def _request_timed(self, request: Request) -> Response:
        try:
            async with asyncio.timeout(self.library.response_timeout):
                return await self._request(request)
        except TimeoutError:
            raise NoAnswer(
                f"library {self.library.name!r} did not answer {request.command} within "
                f"{self.library.response_timeout:g} s"
            ) from None

    async def _request(self, request: Request) -> Response:
        """Send ``request`` and return its answer, sending it once more if it came back damaged."""
        for attempt in (1, 2):
            self._sequence = (self._sequence + 1) % 10
            await self._send(self._codec.encode(request, self._sequence))
            try:
                response = await self._receive()
            except ChecksumMismatch:
                if attempt == 2:
                    raise
                log.warning(
                    "library %s: damaged answer to %s (bad checksum); sending it again",
                    self.library.name,
                    request.command,
                )
                continue
            if isinstance(response, RequestSCResend):
                if attempt == 2:
                    raise ChecksumMismatch(
                        f"library {self.library.name!r} received {request.command} damaged twice"
                    )
                log.warning(
                    "library %s asked for %s again (96); sending it again",
                    self.library.name,
                    request.command,
                )
                continue
            log.debug("library %s answered %s", self.library.name, request.command)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, data: bytes) -> None:
        if self._writer is None or self._reader is None or self._reader.at_eof():
            raise _Closed
        try:
            self._writer.write(data)
            await self._writer.drain()
        except ConnectionError:
            raise _Closed from None

    async def _receive(self) -> Response:
        assert self._reader is not None
        while True:
            response = self._codec.next_response()
            if response is not None:
                return response
            try:
                data = await self._reader.read(READ_SIZE)
            except (ConnectionError, ssl.SSLError):
                raise _Closed from None
            if not data:
                raise _Closed
            self._codec.receive_data(data)
