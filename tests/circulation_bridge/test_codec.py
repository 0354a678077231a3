"""Typed SIP2 messages: every request as exact bytes, every response from exact bytes."""

from __future__ import annotations

import pysip2
import pytest

from circulation_bridge.codec import Sip2Codec, decode_response, encode_request
from circulation_bridge.errors import ChecksumMismatch, MalformedMessage, UnexpectedMessage
from circulation_bridge.frames import Frame, checksum
from circulation_bridge.messages import (
    ACSStatus,
    EndPatronSessionRequest,
    EndSessionResponse,
    LoginRequest,
    LoginResponse,
    PatronFlag,
    PatronInformationRequest,
    PatronInformationResponse,
    PatronStatusRequest,
    PatronStatusResponse,
    Request,
    RequestACSResend,
    RequestSCResend,
    SCStatusRequest,
)

DATE = "20250301   Z180000"
CARD = "21000177346"
PIN = "905172"


def with_checksum(body: bytes) -> bytes:
    return body + checksum(body).encode() + b"\r"


REQUEST_VECTORS: list[tuple[Request, int, bytes]] = [
    (
        LoginRequest(user="kiosk", password="s3cret", location="JELG-KIOSK-1"),
        0,
        b"9300CNkiosk|COs3cret|CPJELG-KIOSK-1|AY0AZF302\r",
    ),
    (SCStatusRequest(), 1, b"9900002.00AY1AZFCA8\r"),
    (
        PatronStatusRequest("000", DATE, "JELGAVA", CARD, "", PIN),
        2,
        b"2300020250301   Z180000AOJELGAVA|AA21000177346|AC|AD905172|AY2AZF0C8\r",
    ),
    (
        PatronInformationRequest("000", DATE, "JELGAVA", CARD, "", PIN),
        3,
        b"6300020250301   Z180000          AOJELGAVA|AA21000177346|AC|AD905172|AY3AZEF83\r",
    ),
    (
        EndPatronSessionRequest(DATE, "JELGAVA", CARD, ""),  # 35 has no PIN (AD optional)
        4,
        b"3520250301   Z180000AOJELGAVA|AA21000177346|AC|AY4AZF38C\r",
    ),
    (RequestACSResend(), 5, b"97AZFEF5\r"),
]


@pytest.mark.parametrize(("request_", "sequence", "wire"), REQUEST_VECTORS)
def test_requests_encode_to_exact_bytes(request_: Request, sequence: int, wire: bytes) -> None:
    assert Sip2Codec("utf-8").encode(request_, sequence) == wire


@pytest.mark.parametrize(("request_", "sequence", "wire"), REQUEST_VECTORS)
def test_an_independent_sip2_implementation_accepts_our_requests(
    request_: Request, sequence: int, wire: bytes
) -> None:
    decoded = pysip2.decode_message(wire, encoding="utf-8")
    assert decoded.checksum is not None
    if request_.command != "97":
        assert decoded.sequence_number == sequence
    if isinstance(request_, PatronStatusRequest):
        assert isinstance(decoded.message, pysip2.PatronStatusRequest)
        assert decoded.message.patron_identifier == CARD
        assert decoded.message.patron_password == PIN


def test_login_without_location_leaves_cp_out() -> None:
    wire = encode_request(LoginRequest("kiosk", "pw"), encoding="utf-8", sequence=0)
    assert wire.startswith(b"9300CNkiosk|COpw|AY0AZ")


def test_without_error_detection_requests_have_no_trailer() -> None:
    assert Sip2Codec("utf-8", error_detection=False).encode(SCStatusRequest(), 1) == (
        b"9900002.00\r"
    )


def test_requests_never_show_card_pin_or_password_in_repr() -> None:
    for request in (
        LoginRequest("kiosk", "s3cret"),
        PatronStatusRequest("000", DATE, "JELGAVA", CARD, "term-pw", PIN),
        PatronInformationRequest("000", DATE, "JELGAVA", CARD, "term-pw", PIN),
        EndPatronSessionRequest(DATE, "JELGAVA", CARD, "term-pw"),
    ):
        shown = repr(request)
        for secret in ("s3cret", CARD, PIN, "term-pw"):
            assert secret not in shown


# -- responses ------------------------------------------------------------------------------------


def decode_bytewise(wire: bytes, encoding: str = "utf-8") -> object:
    codec = Sip2Codec(encoding)
    responses = []
    for byte in wire:
        codec.receive_data(bytes([byte]))
        response = codec.next_response()
        if response is not None:
            responses.append(response)
    assert len(responses) == 1
    return responses[0]


def test_login_response() -> None:
    assert decode_bytewise(b"941AY0AZFDFD\r") == LoginResponse(ok=True)
    assert decode_bytewise(b"940\r") == LoginResponse(ok=False)


def test_a_login_response_that_is_neither_0_nor_1_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match="ok in 94"):
        decode_response(Frame("94", "Y"))


def test_acs_status_response() -> None:
    wire = with_checksum(
        b"98YYYNYN01000320250301   Z1800002.00AOJELGAVA|AMJelgavas bibliot\xc4\x93ka|"
        b"BXYNYNYYYYYNNNNNNNNN|AY1AZ"
    )
    status = decode_bytewise(wire)
    assert isinstance(status, ACSStatus)
    assert status.online
    assert status.protocol_version == "2.00"
    assert status.institution_id == "JELGAVA"
    assert status.library_name == "Jelgavas bibliotēka"
    assert status.supports("23")
    assert not status.supports("11")
    assert status.supports("63") and status.supports("35")


def test_acs_status_without_bx_supports_everything() -> None:
    status = ACSStatus.from_frame(Frame("98", "N" * 6 + "010003" + DATE + "2.00", (("AO", "X"),)))
    assert not status.online
    assert status.supports("23") and status.supports("35")


def test_patron_status_response_fields_and_flags() -> None:
    wire = with_checksum(
        b"24Y   Y         001" + DATE.encode() + b"AOJELGAVA|AA21000177346|"
        b"AE\xc5\xa0\xc4\xb7\xc4\x93le, \xc4\xa2irts|BLY|CQN|BHEUR|BV1.50|"
        b"AFKarte blo\xc4\xb7\xc4\x93ta|"
        b"XKlocal|AY2AZ"
    )
    response = decode_bytewise(wire)
    assert isinstance(response, PatronStatusResponse)
    assert response.patron_status == {
        PatronFlag.CHARGE_PRIVILEGES_DENIED,
        PatronFlag.CARD_REPORTED_LOST,
    }
    assert response.language == "001"
    assert response.personal_name == "Šķēle, Ģirts"
    assert response.patron_identifier == CARD
    assert response.valid_patron is True
    assert response.valid_patron_password is False
    assert response.screen_messages == ("Karte bloķēta",)
    assert response.field("XK") == "local"
    assert response.field("PB") is None
    assert CARD not in repr(response)


def test_missing_yes_no_fields_read_as_unknown() -> None:
    response = PatronStatusResponse.from_frame(Frame("24", " " * 14 + "000" + DATE, (("AE", ""),)))
    assert response.valid_patron is None
    assert response.valid_patron_password is None
    assert response.personal_name == ""


def test_patron_information_response() -> None:
    wire = with_checksum(
        b"64              000" + DATE.encode() + b"0000000100000000    0000"
        b"AOJELGAVA|AA21000177346|AEJonait\xc4\x97, R\xc5\xabta|BLY|CQY|BEruta@example.lt|"
        b"PB19800101|AY3AZ"
    )
    response = decode_bytewise(wire)
    assert isinstance(response, PatronInformationResponse)
    assert response.personal_name == "Jonaitė, Rūta"
    assert response.field("BE") == "ruta@example.lt"
    assert response.field("PB") == "19800101"
    assert response.patron_status == frozenset()


def test_end_session_response() -> None:
    wire = with_checksum(b"36Y" + DATE.encode() + b"AOJELGAVA|AA21000177346|AY4AZ")
    assert decode_bytewise(wire) == EndSessionResponse(
        end_session=True, fields=(("AO", "JELGAVA"), ("AA", CARD))
    )


def test_request_sc_resend() -> None:
    assert decode_bytewise(b"96AZFEF6\r") == RequestSCResend()


def test_a_message_we_never_ask_for_is_unexpected() -> None:
    codec = Sip2Codec()
    codec.receive_data(b"12whatever\r")
    with pytest.raises(UnexpectedMessage, match="message 12"):
        codec.next_response()


def test_a_request_sent_back_to_us_is_unexpected() -> None:
    codec = Sip2Codec()
    codec.receive_data(b"9900002.00AY1AZFCA8\r")
    with pytest.raises(UnexpectedMessage):
        codec.next_response()


def test_a_damaged_response_raises_and_the_codec_continues() -> None:
    codec = Sip2Codec()
    codec.receive_data(b"941AY0AZFDFE\r941AY1AZFDFC\r")
    with pytest.raises(ChecksumMismatch):
        codec.next_response()
    assert codec.next_response() == LoginResponse(ok=True)
    assert codec.next_response() is None


def test_pysip2_responses_decode() -> None:
    """Frames produced by an independent SIP2 implementation, in each encoding."""
    response = pysip2.PatronStatusResponse(
        patron_status=" " * 14,
        language="000",
        transaction_date="20250301    180000",
        institution_id="SIAULIAI",
        patron_identifier=CARD,
        personal_name="Jonaitė, Rūta",
        valid_patron="Y",
        valid_patron_password="Y",
    )
    for encoding, codec_name in (
        ("utf-8", "utf-8"),
        ("cp1257", "cp1257"),
        ("iso-8859-13", "iso8859_13"),
    ):
        wire = pysip2.encode_message(
            response, sequence_number=6, checksum=True, encoding=codec_name
        )
        decoded = decode_bytewise(wire, encoding)
        assert isinstance(decoded, PatronStatusResponse)
        assert decoded.personal_name == "Jonaitė, Rūta"
        assert decoded.valid_patron and decoded.valid_patron_password
