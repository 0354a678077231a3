"""Writing one prepared WebSocket frame to many connections of uvicorn, without the ASGI layer.

A view goes to hundreds or thousands of connections at once. Through ASGI, every one of them
costs a coroutine, a dictionary lookup of the event, the text encoded to UTF-8 again and a
frame serialised again — the same bytes each time, because a server's frames are not masked.
``websockets.broadcast()`` avoids the coroutine by writing frames synchronously; this module goes
one step further and writes the **same frame bytes** (``text_frame``, built once per view) to
each connection's transport.

It applies only where that is exactly what uvicorn itself would have written:

- the connection is served by uvicorn's ``websockets-sansio`` protocol (``quiz serve`` uses it),
  so its ASGI ``send`` is a method of that protocol object;
- no extension was negotiated (permessage-deflate is off, the default of ``QUIZ_WS_COMPRESSION``:
  compressed frames differ per connection);
- at the moment of writing, the handshake is complete, no close was sent or received, the
  WebSocket is OPEN and the transport is not paused for flow control (uvicorn's ``writable``).

Whenever any of that does not hold, ``DirectFrames.write`` returns False and the caller falls
back to the ASGI ``send`` (which then waits for the socket, on a writer task: ``server.hub``).
Under Starlette's test client or any other ASGI server, ``direct_frames`` returns None and every
message goes through ASGI. ``tests/server/test_wire.py`` checks, against a real uvicorn, that the
fast path is taken and that the bytes on the wire are what uvicorn would have sent, so an uvicorn
upgrade that changes these internals fails the tests instead of silently slowing the fan-out.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State


def text_frame(text: str) -> bytes:
    """The bytes of one unmasked, unfragmented, uncompressed text frame carrying ``text``."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class DirectFrames:
    """Writes prepared frames straight to one uvicorn WebSocket's transport, when it may."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` now; False (nothing written) when the ASGI path must be used."""
        protocol = self._protocol
        if (
            protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.conn.state is not State.OPEN
            or protocol.transport.is_closing()
        ):
            return False
        protocol.transport.write(frame)
        return True


def direct_frames(send: Any) -> DirectFrames | None:
    """The direct writer of the WebSocket whose ASGI ``send`` is given, after its handshake;
    None when it is not an uncompressed uvicorn ``websockets-sansio`` connection."""
    protocol = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    if not protocol.handshake_complete or protocol.conn.extensions:
        return None
    return DirectFrames(protocol)
