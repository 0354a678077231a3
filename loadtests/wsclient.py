"""A lean WebSocket client for load tests: websockets' sans-I/O protocol on an asyncio.Protocol.

Theory of operation
-------------------
A load test holds thousands of connections in one client process. The usual asyncio client runs
a task per connection and hands every message through a future and a queue; at thousands of
messages per second that bookkeeping would be most of what the client process does, and the
client would end up measuring itself. ``LeanClient`` keeps the library's protocol — websockets'
``ClientProtocol`` does the handshake, framing, pings and closing — and drives it from
``asyncio.Protocol`` callbacks: bytes from the socket go in, frames come out, and each text frame
is handed to ``on_text`` with the ``time.monotonic()`` at which its bytes arrived. No task, future
or queue per message.

Subclasses implement ``on_open`` (the handshake is done: send the ``hello``) and ``on_text``.
``opened`` resolves when the subclass calls ``ready()`` (True) or the connection fails (False).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from typing import TypeVar

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

Client = TypeVar("Client", bound="LeanClient")


class LeanClient(asyncio.Protocol):
    """One WebSocket connection driven by callbacks."""

    def __init__(self, url: str) -> None:
        self.ws = ClientProtocol(parse_uri(url), max_size=None)
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    # --- for subclasses ---------------------------------------------------------------------------

    def on_open(self) -> None:
        """The handshake succeeded."""

    def on_text(self, data: bytes, at: float) -> None:
        """A text frame arrived (its bytes reached the process at ``at``)."""

    def on_close(self) -> None:
        """The connection is gone."""

    def ready(self) -> None:
        """Mark the connection as ready for the test (resolves ``opened``)."""
        if not self.opened.done():
            self.opened.set_result(True)

    def send_text(self, text: str | bytes) -> None:
        """Send one text frame now (``bytes`` must be UTF-8)."""
        self.ws.send_text(text.encode() if isinstance(text, str) else text)
        self.flush()

    def abandon(self) -> None:
        """Close the connection without a closing handshake."""
        if self.transport is not None:
            self.transport.abort()

    # --- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.ws.send_request(self.ws.connect())
        self.flush()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self._fail()
                    return
                self.on_open()
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.on_text(bytes(event.data), at)
        self.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_result(False)
        self.on_close()

    def flush(self) -> None:
        """Write what the protocol wants to send (pongs, close frames, our messages)."""
        if self.transport is None or self.transport.is_closing():
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:  # the protocol wants the connection closed
                self.transport.close()

    def _fail(self) -> None:
        if not self.opened.done():
            self.opened.set_result(False)
        self.abandon()


async def open_client(
    make: Callable[[], Client],
    url: str,
    gate: asyncio.Semaphore,
    timeout: float = 120.0,
    tls: ssl.SSLContext | None = None,
) -> Client | None:
    """Connect one client (at most ``gate``'s worth of handshakes at a time); None on failure.
    A ``wss://`` URL is opened with ``tls`` (the system's trust store when None)."""
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    secure = (tls or ssl.create_default_context()) if uri.secure else None
    async with gate:
        try:
            _, client = await asyncio.wait_for(
                loop.create_connection(make, uri.host, uri.port, ssl=secure), timeout
            )
        except (OSError, TimeoutError):
            return None
        try:
            if await asyncio.wait_for(asyncio.shield(client.opened), timeout):
                return client
        except TimeoutError:
            pass
        client.abandon()
        return None
