"""The bz1 codec: fed one byte at a time, bad input counted and skipped, never raised."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buzzers.bz1 import (
    U32,
    Arm,
    Bz1Decoder,
    CommandDecoder,
    CommandProblem,
    Disarm,
    Err,
    Heartbeat,
    Hello,
    Lamp,
    LampMode,
    Ok,
    PressReport,
    Query,
    ReleaseReport,
    SyncPing,
    SyncReply,
    encode_command,
    encode_message,
    parse_command_line,
)
from buzzers.errors import BuzzerError, InvalidMessage
from buzzers.framing import MAX_LINE, LineStats

STREAM = (
    b"HELLO proto=1 fw=1.0.0 id=bz1-0001 boot=1A2B3C4D ch=8\r\n"
    b"P 0 3 4294967290\n"
    b"R 1 3 12\n"
    b"HB 1000000 5\n"
    b"T 7f 1000 1010\n"
    b"OK L\n"
    b"ERR bad_channel no such channel\n"
)
EXPECTED = [
    Hello(1, "1.0.0", "bz1-0001", "1a2b3c4d", 8),
    PressReport(0, 3, 4294967290),
    ReleaseReport(1, 3, 12),
    Heartbeat(1_000_000, 5),
    SyncReply("7f", 1000, 1010),
    Ok("L"),
    Err("bad_channel", "no such channel"),
]


def feed_bytewise(decoder: Bz1Decoder, data: bytes) -> list[object]:
    out: list[object] = []
    for i in range(len(data)):
        out.extend(decoder.feed(data[i : i + 1]))
    return out


def test_every_message_type_decodes_when_fed_one_byte_at_a_time() -> None:
    decoder = Bz1Decoder()
    assert feed_bytewise(decoder, STREAM) == EXPECTED
    assert decoder.stats == LineStats(lines=len(EXPECTED))


def test_a_message_is_only_returned_once_its_line_ends() -> None:
    decoder = Bz1Decoder()
    assert decoder.feed(b"P 5 2 100") == []
    assert decoder.feed(b"\n") == [PressReport(5, 2, 100)]


@given(st.lists(st.integers(0, len(STREAM)), max_size=12))
def test_chunk_boundaries_do_not_matter(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(STREAM)]
    decoder = Bz1Decoder()
    out: list[object] = []
    for start, end in itertools.pairwise(points):
        out.extend(decoder.feed(STREAM[start:end]))
    assert out == EXPECTED


@given(st.binary(max_size=400))
def test_random_bytes_never_raise_and_a_good_line_after_them_decodes(noise: bytes) -> None:
    decoder = Bz1Decoder()
    decoder.feed(noise)
    assert decoder.feed(b"\nP 9 1 77\n")[-1] == PressReport(9, 1, 77)


def test_heartbeat_mask_names_the_held_channels() -> None:
    assert Heartbeat(0, 0b101).held_channels() == (1, 3)


@pytest.mark.parametrize(
    ("line", "counter"),
    [
        (b"P 1 2 3\xff\n", "garbage"),
        (b"\x00\x01\x02\n", "garbage"),
        (b"P one 2 3\n", "garbage"),
        (b"P +1 2 3\n", "garbage"),
        (b"P 1_0 2 3\n", "garbage"),
        (b"P -1 2 3\n", "garbage"),
        (b"P 1 2 4294967296\n", "garbage"),  # t_us is 32-bit
        (b"P 65536 2 3\n", "garbage"),  # seq is 16-bit
        (b"P 1 0 3\n", "garbage"),  # channels are 1-based
        (b"P 1 2 3 4\n", "garbage"),
        (b"HB 10 xyz\n", "garbage"),
        (b"T bad-token 1 2\n", "garbage"),
        (b"P 1 2\n", "truncated"),
        (b"HB\n", "truncated"),
        (b"T 7f 1\n", "truncated"),
        (b"OK\n", "truncated"),
        (b"ERR\n", "truncated"),
        (b"HELLO proto=1 fw=1 id=x ch=8\n", "truncated"),  # no boot
        (b"X" * 100 + b"\n", "overlong"),
        (b"ZAP 1 2 3\n", "ignored"),  # unknown types are allowed and skipped
    ],
)
def test_bad_lines_are_counted_and_skipped(line: bytes, counter: str) -> None:
    decoder = Bz1Decoder()
    out = feed_bytewise(decoder, line + b"R 4 2 99\n")
    assert out == [ReleaseReport(4, 2, 99)]
    assert getattr(decoder.stats, counter) == 1
    assert decoder.stats.lines == 1


def test_line_length_limit_includes_the_terminator() -> None:
    decoder = Bz1Decoder()
    fits = b"ERR e " + b"y" * (MAX_LINE - len(b"ERR e \n")) + b"\n"
    assert len(fits) == MAX_LINE
    assert decoder.feed(fits) == [Err("e", "y" * (MAX_LINE - 7))]
    too_long = b"ERR e " + b"y" * (MAX_LINE - len(b"ERR e \n") + 1) + b"\n"
    assert decoder.feed(too_long) == []
    assert decoder.stats.overlong == 1


def test_unknown_key_value_fields_are_ignored() -> None:
    decoder = Bz1Decoder()
    line = b"HELLO proto=1 fw=2 id=a boot=ff ch=4 colour=red\nP 1 2 3 extra=yes\n"
    assert decoder.feed(line) == [Hello(1, "2", "a", "ff", 4), PressReport(1, 2, 3)]


def test_reset_drops_a_partial_line_as_truncated() -> None:
    decoder = Bz1Decoder()
    decoder.feed(b"P 12 3 4567")
    decoder.reset()
    assert decoder.feed(b"89\nP 13 3 1\n") == [PressReport(13, 3, 1)]
    assert decoder.stats.truncated == 1
    assert decoder.stats.ignored == 1  # "89" reads as an unknown message type


def test_empty_lines_are_not_counted() -> None:
    decoder = Bz1Decoder()
    assert decoder.feed(b"\n\r\n  \n") == []
    assert decoder.stats == LineStats()


messages = st.one_of(
    st.builds(
        Hello,
        st.integers(1, 999),
        st.from_regex(r"[!-~]{1,8}", fullmatch=True),
        st.from_regex(r"[!-~]{1,8}", fullmatch=True).filter(lambda s: "=" not in s),
        st.from_regex(r"[0-9a-f]{1,8}", fullmatch=True),
        st.integers(1, 64),
    ),
    st.builds(PressReport, st.integers(0, 65535), st.integers(1, 64), st.integers(0, U32 - 1)),
    st.builds(ReleaseReport, st.integers(0, 65535), st.integers(1, 64), st.integers(0, U32 - 1)),
    st.builds(Heartbeat, st.integers(0, U32 - 1), st.integers(0, 2**64 - 1)),
    st.builds(
        SyncReply,
        st.from_regex(r"[0-9A-Za-z]{1,16}", fullmatch=True),
        st.integers(0, U32 - 1),
        st.integers(0, U32 - 1),
    ),
    st.builds(Ok, st.from_regex(r"[!-~]{1,24}", fullmatch=True)),
)


@given(st.lists(messages, max_size=8))
def test_what_the_encoder_writes_the_decoder_reads_back(sent: list[object]) -> None:
    data = b"".join(encode_message(m) for m in sent)  # type: ignore[arg-type]
    assert all(len(line) + 1 <= MAX_LINE for line in data.split(b"\n"))
    assert feed_bytewise(Bz1Decoder(), data) == sent


@pytest.mark.parametrize(
    ("command", "wire"),
    [
        (Query(), b"?\n"),
        (SyncPing("1a"), b"T 1a\n"),
        (Lamp(3, LampMode.ON), b"L 3 1\n"),
        (Lamp(None, LampMode.BLINK), b"L * B\n"),
        (Lamp(12, LampMode.OFF), b"L 12 0\n"),
        (Arm(), b"ARM\n"),
        (Disarm(), b"DISARM\n"),
    ],
)
def test_host_commands_encode_to_the_documented_lines(command: object, wire: bytes) -> None:
    assert encode_command(command) == wire  # type: ignore[arg-type]
    assert CommandDecoder().feed(wire) == [command]


@pytest.mark.parametrize(
    ("line", "code"),
    [("L 0 1", "bad_args"), ("L 3 X", "bad_args"), ("L 3", "bad_args"), ("T", "bad_args")],
)
def test_a_box_answers_bad_commands_with_an_error_code(line: str, code: str) -> None:
    parsed = parse_command_line(line)
    assert isinstance(parsed, CommandProblem)
    assert parsed.code == code


def test_a_box_reports_unknown_commands() -> None:
    assert CommandDecoder().feed(b"FLY 1\n") == [CommandProblem("unknown", "FLY")]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Lamp(65, LampMode.ON),
        lambda: Lamp(0, LampMode.ON),
        lambda: SyncPing("has space"),
        lambda: SyncPing("x" * 17),
        lambda: PressReport(0, 1, U32),
        lambda: Hello(1, "fw", "id", "nothex", 8),
    ],
)
def test_out_of_range_messages_cannot_be_built(build: object) -> None:
    with pytest.raises(InvalidMessage) as caught:
        build()  # type: ignore[operator]
    assert isinstance(caught.value, BuzzerError)
    assert isinstance(caught.value, ValueError)
