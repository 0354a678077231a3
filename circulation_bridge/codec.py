"""The SIP2 codec of one connection: typed requests to bytes, bytes to typed responses.

Theory of operation
-------------------
``Sip2Codec`` joins the two layers below it, in the manner of h11's ``Connection`` and of the
websockets ``Protocol``: it holds no socket, no clock and no logger. The transport calls
``encode(request, sequence)`` and writes the bytes; it feeds whatever it reads to
``receive_data`` and drains ``next_response()`` until it returns ``None``. Sequence numbers are an
input (the transport counts them), so the codec is a pure function of what it is given.

``frames`` does the wire (delimiters, ``AY``/``AZ``, encodings, NFC, leniency); ``messages``
gives each command its typed shape. Only the responses the bridge understands are decoded; any
other command is an ``UnexpectedMessage``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from circulation_bridge.errors import UnexpectedMessage
from circulation_bridge.frames import DEFAULT_MAX_FRAME_BYTES, Frame, FrameReader, encode_frame
from circulation_bridge.messages import (
    ACSStatus,
    EndSessionResponse,
    LoginResponse,
    PatronInformationResponse,
    PatronStatusResponse,
    Request,
    RequestSCResend,
    Response,
)

_RESPONSE_TYPES: Final[dict[str, Callable[[Frame], Response]]] = {
    "94": LoginResponse.from_frame,
    "98": ACSStatus.from_frame,
    "24": PatronStatusResponse.from_frame,
    "64": PatronInformationResponse.from_frame,
    "36": EndSessionResponse.from_frame,
    "96": RequestSCResend.from_frame,
}


def encode_request(
    request: Request, *, encoding: str, sequence: int | None, error_detection: bool = True
) -> bytes:
    """Encode one request, terminator and (with ``error_detection``) ``AY``/``AZ`` included.

    Args:
        request: the typed request.
        encoding: the library's encoding (a key of ``frames.ENCODINGS``).
        sequence: the ``AY`` digit 0-9 (``None`` only for 97, which carries no sequence).
        error_detection: append the sequence number and checksum.

    Raises:
        EncodeError: a field cannot be carried (see ``frames.encode_frame``).
    """
    return encode_frame(
        request.command,
        request.fixed_part(),
        request.field_list(),
        encoding=encoding,
        sequence=sequence,
        error_detection=error_detection,
    )


def decode_response(frame: Frame) -> Response:
    """Turn a decoded frame into the typed response of its command.

    Raises:
        UnexpectedMessage: the command is not a response the bridge understands.
        MalformedMessage: the fixed part does not hold what the command requires.
    """
    parse = _RESPONSE_TYPES.get(frame.command)
    if parse is None:
        raise UnexpectedMessage(f"the library sent message {frame.command}, which we never ask for")
    return parse(frame)


class Sip2Codec:
    """Bytes in, typed responses out, for one connection to one library system."""

    def __init__(
        self,
        encoding: str = "utf-8",
        *,
        error_detection: bool = True,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        """Create a codec.

        Args:
            encoding: how the library encodes text (a key of ``frames.ENCODINGS``).
            error_detection: send ``AY``/``AZ`` with every request.
            max_frame_bytes: refuse received lines longer than this.
        """
        self.encoding = encoding
        self.error_detection = error_detection
        self._reader = FrameReader(encoding, max_frame_bytes)

    def encode(self, request: Request, sequence: int) -> bytes:
        """Encode ``request`` with sequence number ``sequence`` (0-9)."""
        return encode_request(
            request,
            encoding=self.encoding,
            sequence=None if request.command == "97" else sequence,
            error_detection=self.error_detection,
        )

    def receive_data(self, data: bytes) -> None:
        """Feed bytes received from the library (any amount, even one byte)."""
        self._reader.feed(data)

    def next_response(self) -> Response | None:
        """Return the next complete response, or ``None`` until more bytes arrive.

        Raises:
            ChecksumMismatch, MalformedMessage, UnexpectedMessage: for one received line; the
                line is consumed and the codec stays usable.
        """
        frame = self._reader.next_frame()
        return None if frame is None else decode_response(frame)
