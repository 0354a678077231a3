"""SIP2 frames: the wire layer of the codec. Bytes in, frames out; no I/O, no clock, no logger.

Theory of operation
-------------------
A SIP2 message is one line: a two-digit command identifier, a fixed-length part whose length
depends on the command, then variable fields, each a two-character field identifier, a value and
the field delimiter ``|``. The line ends with a carriage return. With error detection on, the
line ends ``AY<sequence digit>AZ<four hex digits>`` before the carriage return; the checksum is
the two's complement of the 16-bit sum of every byte from the first byte of the message up to and
including the ``A`` and ``Z`` of ``AZ`` (SIP2 2.00, "Error detection"). The sum runs over the
*encoded* bytes, so a name in UTF-8 and the same name in cp1257 carry different checksums.

Encoding (``encode_frame``) refuses values the wire cannot carry: the delimiter, control
characters, characters the library's encoding lacks, values of more than 255 bytes.

Decoding (``FrameReader``) is incremental in the manner of h11: ``feed`` bytes as they arrive,
then call ``next_frame`` until it returns ``None``. It is lenient where real library systems
differ and strict where trust is at stake:

* a line may end ``\\r`` or ``\\r\\n`` (the ``\\n`` is dropped from the start of the next line);
* unknown commands and unknown or extension field identifiers are kept, in wire order;
* a final field without its ``|`` and an ``AY`` glued to it are accepted;
* bytes the library's encoding cannot decode become U+FFFD instead of failing the message;
* every value is normalised to Unicode NFC (some systems send Latvian and Lithuanian letters
  decomposed: ``S`` + U+030C instead of ``Š``);
* a checksum, when present, must verify (``ChecksumMismatch``), and a line longer than the limit
  is refused (``MalformedMessage``). A bad line is consumed, so the reader stays usable.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from circulation_bridge.errors import ChecksumMismatch, EncodeError, MalformedMessage

DELIMITER: Final = b"|"
TERMINATOR: Final = b"\r"
MAX_FIELD_BYTES: Final = 255  # SIP2 2.00: variable-length fields hold at most 255 characters
DEFAULT_MAX_FRAME_BYTES: Final = 16384

# The character encodings a library may be configured with: setting value -> Python codec name.
ENCODINGS: Final[dict[str, str]] = {
    "utf-8": "utf-8",
    "cp1257": "cp1257",  # Windows Baltic
    "iso-8859-13": "iso8859_13",  # Latin-7, Baltic Rim
    "cp850": "cp850",  # DOS Latin-1, the encoding of many older SIP2 servers
}

# Length of the fixed part of each message we send or read (SIP2 2.00 message layouts).
FIXED_LENGTHS: Final[dict[str, int]] = {
    "93": 2,  # UID algorithm, PWD algorithm
    "94": 1,  # ok
    "99": 8,  # status code, max print width, protocol version
    "98": 34,  # six flags, timeout period, retries allowed, date/time sync, protocol version
    "23": 21,  # language, transaction date
    "24": 35,  # patron status, language, transaction date
    "63": 31,  # language, transaction date, summary
    "64": 59,  # patron status, language, transaction date, six item counts
    "35": 18,  # transaction date
    "36": 19,  # end session, transaction date
    "97": 0,
    "96": 0,
}

_HEX: Final = frozenset(b"0123456789ABCDEFabcdef")


def codec_name(encoding: str) -> str:
    """Return the Python codec for a configured encoding name, or raise ``EncodeError``."""
    try:
        return ENCODINGS[encoding]
    except KeyError:
        allowed = ", ".join(ENCODINGS)
        raise EncodeError(f"unsupported encoding {encoding!r}; allowed: {allowed}") from None


def checksum(data: bytes) -> str:
    """Return the SIP2 checksum of ``data`` as four upper-case hex digits.

    Args:
        data: every byte of the message from its first byte up to and including ``AZ``.
    """
    return f"{-sum(data) & 0xFFFF:04X}"


@dataclass(frozen=True)
class Frame:
    """One decoded SIP2 line.

    Attributes:
        command: the two-digit command identifier, e.g. ``"24"``.
        fixed: the fixed-length part (ASCII); for an unknown command, everything after the
            command identifier.
        fields: the variable fields in wire order as ``(identifier, value)`` pairs, unknown and
            extension fields included, ``AY`` excluded. Values are NFC-normalised text.
        sequence: the ``AY`` sequence number, when the line carried one.
        checksummed: whether the line carried an ``AZ`` checksum (it verified, or the reader
            would have raised).
    """

    command: str
    fixed: str
    fields: tuple[tuple[str, str], ...] = ()
    sequence: int | None = None
    checksummed: bool = False

    def __repr__(self) -> str:
        # Field values may hold card numbers and PINs: a frame never shows them.
        names = ",".join(identifier for identifier, _ in self.fields)
        return f"Frame(command={self.command!r}, fields=[{names}], sequence={self.sequence})"


def encode_frame(
    command: str,
    fixed: str,
    fields: tuple[tuple[str, str], ...],
    *,
    encoding: str,
    sequence: int | None,
    error_detection: bool = True,
) -> bytes:
    """Encode one SIP2 line, terminator included.

    Args:
        command: the two-digit command identifier.
        fixed: the fixed-length part, ASCII, of the length the command requires.
        fields: variable fields as ``(identifier, value)`` pairs, in the order to send.
        encoding: a key of ``ENCODINGS``.
        sequence: the ``AY`` digit 0-9, or ``None`` for ``97``, which carries only ``AZ``.
        error_detection: append ``AY``/``AZ``; without it the line ends after the fields.

    Raises:
        EncodeError: a value cannot be carried by the wire or by the encoding.
    """
    codec = codec_name(encoding)
    if len(command) != 2 or not command.isdigit():
        raise EncodeError(f"command identifier must be two digits, got {command!r}")
    expected = FIXED_LENGTHS.get(command)
    if expected is not None and len(fixed) != expected:
        raise EncodeError(f"fixed part of {command} must be {expected} characters")
    if not fixed.isascii() or not fixed.isprintable():
        raise EncodeError(f"fixed part of {command} must be printable ASCII")
    line = bytearray(command.encode("ascii") + fixed.encode("ascii"))
    for identifier, value in fields:
        line += _encode_field(command, identifier, value, codec)
    if error_detection:
        if sequence is not None:
            if not 0 <= sequence <= 9:
                raise EncodeError("sequence number (AY) must be a digit 0-9")
            line += b"AY" + str(sequence).encode("ascii")
        line += b"AZ"
        line += checksum(bytes(line)).encode("ascii")
    return bytes(line) + TERMINATOR


def _encode_field(command: str, identifier: str, value: str, codec: str) -> bytes:
    if len(identifier) != 2 or not identifier.isascii() or not identifier.isalnum():
        raise EncodeError(f"field identifier must be two letters or digits, got {identifier!r}")
    # The messages never include the value: it may be a card number, PIN or password.
    if "|" in value or any(unicodedata.category(ch) == "Cc" for ch in value):
        raise EncodeError(f"field {identifier} of {command} holds '|' or a control character")
    try:
        encoded = unicodedata.normalize("NFC", value).encode(codec)
    except UnicodeEncodeError:
        raise EncodeError(
            f"field {identifier} of {command} holds a character {codec} cannot encode"
        ) from None
    if len(encoded) > MAX_FIELD_BYTES:
        raise EncodeError(f"field {identifier} of {command} is longer than {MAX_FIELD_BYTES} bytes")
    return identifier.encode("ascii") + encoded + DELIMITER


class FrameReader:
    """Incremental SIP2 line decoder: ``feed`` bytes, then take frames with ``next_frame``."""

    def __init__(self, encoding: str = "utf-8", max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES):
        """Create a reader for one connection.

        Args:
            encoding: a key of ``ENCODINGS``: how the library encodes text.
            max_frame_bytes: refuse lines longer than this.
        """
        self._codec = codec_name(encoding)
        self._max = max_frame_bytes
        self._buffer = bytearray()
        self._discarding = False  # inside an over-long line: drop bytes up to its terminator

    @property
    def buffered(self) -> int:
        """Number of received bytes not yet returned as a frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> None:
        """Add received bytes (any amount, even one byte)."""
        self._buffer += data

    def next_frame(self) -> Frame | None:
        """Return the next complete frame, or ``None`` until more bytes are fed.

        Raises:
            ChecksumMismatch: the line's ``AZ`` checksum does not match its bytes.
            MalformedMessage: the line is too long or cannot be parsed as SIP2.
            Either way the bad line is consumed; the next call continues after it.
        """
        while True:
            end = self._buffer.find(TERMINATOR)
            if end < 0:
                if self._discarding:
                    self._buffer.clear()
                elif len(self._buffer) > self._max:
                    self._buffer.clear()
                    self._discarding = True
                    raise MalformedMessage(f"message longer than {self._max} bytes")
                return None
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            line = line.lstrip(b"\n\x00")  # the \n of a \r\n ending; NUL padding
            if not line:
                continue
            if len(line) > self._max:
                raise MalformedMessage(f"message longer than {self._max} bytes")
            return self._parse(line)

    def _parse(self, line: bytes) -> Frame:
        checksummed = False
        if len(line) >= 6 and line[-6:-4] == b"AZ":
            digits = line[-4:]
            if not all(b in _HEX for b in digits):
                raise MalformedMessage("checksum (AZ) is not four hex digits")
            if (sum(line[:-4]) + int(digits, 16)) & 0xFFFF != 0:
                raise ChecksumMismatch("checksum (AZ) does not match the message")
            line = line[:-6]
            checksummed = True
        command_bytes = line[:2]
        if len(command_bytes) != 2 or not command_bytes.isdigit():
            raise MalformedMessage("message does not start with a two-digit command identifier")
        command = command_bytes.decode("ascii")
        fixed_length = FIXED_LENGTHS.get(command)
        if fixed_length is None:  # unknown command: keep the rest as text, do not guess fields
            rest = line[2:].decode(self._codec, errors="replace")
            return Frame(command, unicodedata.normalize("NFC", rest), (), None, checksummed)
        fixed_bytes = line[2 : 2 + fixed_length]
        if len(fixed_bytes) != fixed_length:
            raise MalformedMessage(f"fixed part of {command} is shorter than {fixed_length} bytes")
        try:
            fixed = fixed_bytes.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedMessage(f"fixed part of {command} is not ASCII") from None
        fields, sequence = self._parse_fields(command, line[2 + fixed_length :], checksummed)
        return Frame(command, fixed, fields, sequence, checksummed)

    def _parse_fields(
        self, command: str, data: bytes, checksummed: bool
    ) -> tuple[tuple[tuple[str, str], ...], int | None]:
        pieces = data.split(DELIMITER)
        last = pieces[-1]  # b"" when the last field was terminated
        # Lenient: "...|AEName|AY3" and "...|AEName AY3" without the final "|" before AY.
        if checksummed and len(last) > 3 and last[-3:-1] == b"AY" and last[-1:].isdigit():
            pieces[-1:] = [last[:-3], last[-3:]]
        fields: list[tuple[str, str]] = []
        sequence: int | None = None
        for piece in pieces:
            if not piece:
                continue
            if len(piece) < 2:
                raise MalformedMessage(f"field of {command} is shorter than its identifier")
            identifier_bytes = piece[:2]
            if not identifier_bytes.isascii() or not identifier_bytes.isalnum():
                raise MalformedMessage(f"field identifier in {command} is not two letters/digits")
            identifier = identifier_bytes.decode("ascii")
            value = unicodedata.normalize("NFC", piece[2:].decode(self._codec, errors="replace"))
            if identifier == "AY" and checksummed and len(value) == 1 and value.isdigit():
                sequence = int(value)
                continue
            fields.append((identifier, value))
        return tuple(fields), sequence
