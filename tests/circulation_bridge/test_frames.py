"""The SIP2 wire layer: byte vectors, checksums, encodings, leniency; fed one byte at a time."""

from __future__ import annotations

import unicodedata

import pysip2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from circulation_bridge.errors import ChecksumMismatch, EncodeError, MalformedMessage
from circulation_bridge.frames import ENCODINGS, Frame, FrameReader, checksum, encode_frame

DATE = b"20250301   Z180000"
HEAD_24 = b"24" + b" " * 14 + b"000" + DATE


def feed_bytewise(reader: FrameReader, data: bytes) -> list[Frame]:
    """Feed ``data`` one byte at a time; every frame must appear exactly at its terminator."""
    frames: list[Frame] = []
    for index in range(len(data)):
        reader.feed(data[index : index + 1])
        frame = reader.next_frame()
        if frame is not None:
            assert data[index : index + 1] == b"\r", "a frame appeared before its terminator"
            frames.append(frame)
        assert reader.next_frame() is None
    return frames


# -- checksums ------------------------------------------------------------------------------------


def test_checksum_of_the_specification_example() -> None:
    # SIP2 2.00 "Error detection" example: 9900302.00AY1AZFCA5
    assert checksum(b"9900302.00AY1AZ") == "FCA5"


@given(st.binary(max_size=600))
def test_checksum_agrees_with_an_independent_implementation(data: bytes) -> None:
    assert checksum(data) == pysip2.calculate_checksum(data)


def test_checksum_is_computed_over_encoded_bytes() -> None:
    utf8 = encode_frame("93", "00", (("CN", "Ģirts"),), encoding="utf-8", sequence=0)
    cp1257 = encode_frame("93", "00", (("CN", "Ģirts"),), encoding="cp1257", sequence=0)
    assert utf8 == b"9300CN\xc4\xa2irts|AY0AZF99A\r"
    assert cp1257 == b"9300CN\xccirts|AY0AZFA34\r"


# -- encoding -------------------------------------------------------------------------------------


def test_encode_without_error_detection_has_no_trailer() -> None:
    frame = encode_frame(
        "93", "00", (("CN", "a"),), encoding="utf-8", sequence=3, error_detection=False
    )
    assert frame == b"9300CNa|\r"


def test_encode_97_carries_only_a_checksum() -> None:
    assert encode_frame("97", "", (), encoding="utf-8", sequence=None) == b"97AZFEF5\r"


def test_encode_normalises_values_to_nfc() -> None:
    decomposed = "G\u0327irts"
    assert encode_frame("93", "00", (("CN", decomposed),), encoding="cp1257", sequence=0) == (
        b"9300CN\xccirts|AY0AZFA34\r"
    )


@pytest.mark.parametrize(
    ("value", "encoding", "complaint"),
    [
        ("12|34", "utf-8", "'|'"),
        ("12\r34", "utf-8", "control"),
        ("12\n34", "utf-8", "control"),
        ("12\x0034", "utf-8", "control"),
        ("Šķēle", "cp850", "cp850 cannot encode"),
        ("x" * 256, "utf-8", "255 bytes"),
        ("ā" * 128, "utf-8", "255 bytes"),  # 128 characters, 256 bytes
    ],
)
def test_encode_refuses_what_the_wire_cannot_carry(
    value: str, encoding: str, complaint: str
) -> None:
    with pytest.raises(EncodeError, match=complaint) as raised:
        encode_frame("23", "000" + DATE.decode(), (("AA", value),), encoding=encoding, sequence=0)
    assert value not in raised.value.message  # never echo the value: it may be a card or PIN


@pytest.mark.parametrize(
    ("command", "fixed", "sequence"),
    [("2", "", 0), ("93", "0", 0), ("93", "0é", 0), ("93", "00", 10), ("93", "00", -1)],
)
def test_encode_refuses_malformed_frames(command: str, fixed: str, sequence: int) -> None:
    with pytest.raises(EncodeError):
        encode_frame(command, fixed, (), encoding="utf-8", sequence=sequence)


def test_encode_refuses_an_unsupported_encoding() -> None:
    with pytest.raises(EncodeError, match="unsupported encoding 'latin-1'"):
        encode_frame("93", "00", (), encoding="latin-1", sequence=0)


def test_encode_refuses_a_bad_field_identifier() -> None:
    with pytest.raises(EncodeError, match="two letters or digits"):
        encode_frame("93", "00", (("C|", "x"),), encoding="utf-8", sequence=0)


# -- decoding: Baltic names in each encoding, one byte at a time ----------------------------------

NAME_VECTORS = [
    (
        "utf-8",
        HEAD_24 + b"AOJELGAVA|AA21000177346|AE\xc5\xa0\xc4\xb7\xc4\x93le, \xc4\xa2irts|BLY|CQY|"
        b"AY2AZE5F6\r",
        "Šķēle, Ģirts",
    ),
    (
        "cp1257",
        HEAD_24 + b"AOJELGAVA|AA21000177346|AE\xd0\xed\xe7le, \xccirts|BLY|CQY|AY2AZE823\r",
        "Šķēle, Ģirts",
    ),
    (
        "iso-8859-13",
        HEAD_24 + b"AOSIAULIAI|AA21000177346|AE\xd0\xed\xe7le, \xccirts|BLY|CQY|AY2AZE7CC\r",
        "Šķēle, Ģirts",
    ),
    (
        "cp1257",
        HEAD_24 + b"AOSIAULIAI|AA21000177346|AEJonait\xeb, R\xfbta|BLY|CQY|AY2AZE85D\r",
        "Jonaitė, Rūta",
    ),
    (
        "iso-8859-13",
        HEAD_24 + b"AOJELGAVA|AA21000177346|AEJonait\xeb, R\xfbta|BLY|CQY|AY2AZE8B4\r",
        "Jonaitė, Rūta",
    ),
    (
        "utf-8",
        HEAD_24 + b"AOSIAULIAI|AA21000177346|AEJonait\xc4\x97, R\xc5\xabta|BLY|CQY|AY2AZE778\r",
        "Jonaitė, Rūta",
    ),
    (
        "cp850",  # cp850 has no Latvian or Lithuanian letters; an Estonian name fits it
        HEAD_24 + b"AOJELGAVA|AA21000177346|AEM\x84gi, T\xe4nu|BLY|CQY|AY2AZEA6A\r",
        "Mägi, Tõnu",
    ),
    (
        "utf-8",  # decomposed: S + U+030C, k + U+0327, e + U+0304, G + U+0327
        HEAD_24 + b"AOJELGAVA|AA21000177346|AES\xcc\x8ck\xcc\xa7e\xcc\x84le, G\xcc\xa7irts|BLY|"
        b"CQY|AY2AZE49B\r",
        "Šķēle, Ģirts",
    ),
]


@pytest.mark.parametrize(("encoding", "wire", "name"), NAME_VECTORS)
def test_baltic_names_decode_in_each_encoding_byte_by_byte(
    encoding: str, wire: bytes, name: str
) -> None:
    (frame,) = feed_bytewise(FrameReader(encoding), wire)
    assert frame.command == "24"
    assert frame.fixed == (HEAD_24[2:]).decode()
    assert frame.sequence == 2
    assert frame.checksummed
    assert dict(frame.fields)["AE"] == name
    assert [identifier for identifier, _ in frame.fields] == ["AO", "AA", "AE", "BL", "CQ"]


def test_decoded_names_are_nfc_and_match_precomposed_text() -> None:
    (frame,) = feed_bytewise(FrameReader("utf-8"), NAME_VECTORS[-1][1])
    assert dict(frame.fields)["AE"].encode() == "Šķēle, Ģirts".encode()


def test_frames_accept_crlf_and_several_frames_in_one_feed() -> None:
    wire = b"941AY0AZFDFD\r\n941AY1AZFDFC\r\n"
    reader = FrameReader()
    reader.feed(wire)
    first, second = reader.next_frame(), reader.next_frame()
    assert first == Frame("94", "1", (), 0, True)
    assert second == Frame("94", "1", (), 1, True)
    assert reader.next_frame() is None
    assert reader.buffered == 1  # the last "\n" waits; it is dropped with the next frame


def test_crlf_byte_by_byte() -> None:
    frames = feed_bytewise(FrameReader(), b"941AY0AZFDFD\r\n941AY1AZFDFC\r\n")
    assert [f.sequence for f in frames] == [0, 1]


def test_unknown_and_extension_fields_are_kept_in_order() -> None:
    wire = HEAD_24 + b"AOJELGAVA|AA1|AEA B|ZZext|PB19800101|AFhello|AFworld|"
    body = wire + b"AY5AZ"
    wire = body + checksum(body).encode() + b"\r"
    (frame,) = feed_bytewise(FrameReader(), wire)
    assert frame.fields == (
        ("AO", "JELGAVA"),
        ("AA", "1"),
        ("AE", "A B"),
        ("ZZ", "ext"),
        ("PB", "19800101"),
        ("AF", "hello"),
        ("AF", "world"),
    )
    assert frame.sequence == 5


def test_a_frame_without_error_detection_is_accepted() -> None:
    (frame,) = feed_bytewise(FrameReader(), b"941\r")
    assert frame == Frame("94", "1", (), None, False)


@pytest.mark.parametrize(
    "tail",
    [
        b"AOX|AEName|AY7AZ",  # standard
        b"AOX|AEName|AY7|AZ",  # AY terminated by a delimiter
        b"AOX|AENameAY7AZ",  # last field without its delimiter, AY glued to it
    ],
)
def test_trailer_variants_are_accepted(tail: bytes) -> None:
    body = HEAD_24 + tail
    (frame,) = feed_bytewise(FrameReader(), body + checksum(body).encode() + b"\r")
    assert frame.fields == (("AO", "X"), ("AE", "Name"))
    assert frame.sequence == 7


def test_a_final_field_without_delimiter_is_accepted() -> None:
    (frame,) = feed_bytewise(FrameReader(), HEAD_24 + b"AOX|AEName\r")
    assert frame.fields == (("AO", "X"), ("AE", "Name"))


def test_undecodable_bytes_become_replacement_characters() -> None:
    # 0x81 is undefined in cp1257; \xff is never valid UTF-8
    (frame,) = feed_bytewise(FrameReader("cp1257"), HEAD_24 + b"AOX|AEa\x81b|\r")
    assert dict(frame.fields)["AE"] == "a\ufffdb"
    (frame,) = feed_bytewise(FrameReader("utf-8"), HEAD_24 + b"AOX|AEa\xffb|\r")
    assert dict(frame.fields)["AE"] == "a\ufffdb"


def test_an_unknown_command_is_kept_whole() -> None:
    (frame,) = feed_bytewise(FrameReader(), b"12whatever|AB1|\r")
    assert frame.command == "12"
    assert frame.fixed == "whatever|AB1|"
    assert frame.fields == ()


# -- decoding: what is refused, and that the reader survives it -----------------------------------


def test_a_bad_checksum_is_refused_and_the_next_frame_still_decodes() -> None:
    reader = FrameReader()
    reader.feed(b"941AY0AZFDFE\r941AY1AZFDFC\r")
    with pytest.raises(ChecksumMismatch):
        reader.next_frame()
    assert reader.next_frame() == Frame("94", "1", (), 1, True)


def test_a_checksum_that_is_not_hex_is_malformed() -> None:
    reader = FrameReader()
    reader.feed(b"941AY0AZFDFG\r")
    with pytest.raises(MalformedMessage, match="hex"):
        reader.next_frame()


@pytest.mark.parametrize(
    ("wire", "complaint"),
    [
        (b"hello world\r", "two-digit command"),
        (b"\xff\xfe\r", "two-digit command"),
        (b"24  short\r", "shorter than 35"),
        (b"94\xc5\r", "not ASCII"),
        (HEAD_24 + b"AOX|A|\r", "shorter than its identifier"),
        (HEAD_24 + b"AOX|\xc5\xa0x|\r", "identifier"),
    ],
)
def test_garbage_is_malformed(wire: bytes, complaint: str) -> None:
    reader = FrameReader()
    reader.feed(wire + b"941\r")
    with pytest.raises(MalformedMessage, match=complaint):
        reader.next_frame()
    assert reader.next_frame() == Frame("94", "1")


def test_an_over_long_line_is_refused_and_skipped_to_its_end() -> None:
    reader = FrameReader(max_frame_bytes=64)
    reader.feed(b"24" + b"x" * 100)
    with pytest.raises(MalformedMessage, match="longer than 64 bytes"):
        reader.next_frame()
    assert reader.buffered == 0  # nothing of it is kept
    reader.feed(b"x" * 100)
    assert reader.next_frame() is None
    reader.feed(b"xx\r941\r")
    assert reader.next_frame() == Frame("94", "1")


def test_an_over_long_line_arriving_whole_is_refused() -> None:
    reader = FrameReader(max_frame_bytes=64)
    reader.feed(b"24" + b"x" * 100 + b"\r941\r")
    with pytest.raises(MalformedMessage, match="longer than 64 bytes"):
        reader.next_frame()
    assert reader.next_frame() == Frame("94", "1")


def test_empty_lines_and_nul_padding_are_skipped() -> None:
    assert feed_bytewise(FrameReader(), b"\r\n\r\x00\x00941\r") == [Frame("94", "1")]


def test_frame_repr_never_shows_field_values() -> None:
    frame = Frame("24", HEAD_24[2:].decode(), (("AA", "21000177346"), ("AD", "905172")))
    assert "21000177346" not in repr(frame)
    assert "905172" not in repr(frame)
    assert "AA" in repr(frame)


def _representable(value: str, codec: str) -> bool:
    try:
        value.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["AE", "AF", "ZZ", "PB"]),
            st.text(
                alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="|"),
                max_size=40,
            ),
        ),
        max_size=6,
    ),
    st.sampled_from(["utf-8", "cp1257", "iso-8859-13"]),
    st.integers(0, 9),
)
def test_encode_then_decode_round_trips(
    fields: list[tuple[str, str]], encoding: str, sequence: int
) -> None:
    codec = ENCODINGS[encoding]
    wanted = tuple(
        (identifier, unicodedata.normalize("NFC", value))
        for identifier, value in fields
        if _representable(unicodedata.normalize("NFC", value), codec)
    )
    wire = encode_frame("24", HEAD_24[2:].decode(), wanted, encoding=encoding, sequence=sequence)
    (frame,) = feed_bytewise(FrameReader(encoding), wire)
    assert frame.fields == wanted
    assert frame.sequence == sequence
