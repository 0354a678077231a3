"""The card-check dialogue over plain functions: no sockets, no clock, no event loop."""

from __future__ import annotations

from collections.abc import Callable

import pysip2
import pytest

from circulation_bridge.codec import Sip2Codec
from circulation_bridge.dialogue import (
    PatronVerdict,
    Reason,
    card_check_dialogue,
    check_patron,
    drive,
    judge,
    open_session,
)
from circulation_bridge.errors import LibraryOffline, LoginRejected, UnexpectedMessage
from circulation_bridge.frames import Frame
from circulation_bridge.messages import (
    ACSStatus,
    EndSessionResponse,
    LoginResponse,
    PatronFlag,
    PatronInformationRequest,
    PatronInformationResponse,
    PatronStatusRequest,
    PatronStatusResponse,
    Request,
    Response,
)
from tests.circulation_bridge.libraries import GIRTS, PATRONS, library_settings, patron_status

DATE = "20250301   Z180000"
FIXED_98 = "YNNNNN010003" + DATE + "2.00"


def acs_status(online: bool = True, bx: str = "YNNNYYYYYNNNNNNN") -> ACSStatus:
    fixed = ("Y" if online else "N") + FIXED_98[1:]
    return ACSStatus.from_frame(Frame("98", fixed, (("AO", "JELGAVA"), ("BX", bx))))


def status_24(flags: str = " " * 14, **fields: str) -> PatronStatusResponse:
    return PatronStatusResponse.from_frame(Frame("24", flags + "000" + DATE, tuple(fields.items())))


def info_64(**fields: str) -> PatronInformationResponse:
    fixed = " " * 14 + "000" + DATE + "0000" * 6
    return PatronInformationResponse.from_frame(Frame("64", fixed, tuple(fields.items())))


END_36 = EndSessionResponse(end_session=True)


class FakeLibrary:
    """Answers typed requests from a table of command -> answer; records what it was asked."""

    def __init__(self, **answers: Response | Callable[[Request], Response]) -> None:
        self.answers = {"93": LoginResponse(ok=True), "99": acs_status(), "35": END_36}
        self.answers.update({k.removeprefix("c"): v for k, v in answers.items()})
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        answer = self.answers[request.command]
        return answer(request) if callable(answer) else answer

    @property
    def commands(self) -> list[str]:
        return [request.command for request in self.requests]


LIBRARY = library_settings(6001)


def run(library: FakeLibrary, pin: str | None = "905172", **overrides: object) -> PatronVerdict:
    settings = library_settings(6001, **overrides) if overrides else LIBRARY
    return drive(card_check_dialogue(settings, GIRTS, pin, DATE), library)


def test_the_whole_dialogue_in_order() -> None:
    library = FakeLibrary(c23=status_24(AE="Šķēle, Ģirts", BL="Y", CQ="Y"))
    verdict = run(library)
    assert verdict == PatronVerdict(valid=True, name="Šķēle, Ģirts")
    assert library.commands == ["93", "99", "23", "35"]
    login, _, status, end = library.requests
    assert (login.user, login.password, login.location) == ("kiosk", "s3cret-login", "JELG-KIOSK-1")
    assert isinstance(status, PatronStatusRequest)
    assert (status.patron_identifier, status.patron_password) == (GIRTS, "905172")
    assert (status.institution_id, status.transaction_date) == ("JELGAVA", DATE)
    assert end.patron_identifier == GIRTS


def test_the_pin_is_not_sent_when_the_library_does_not_require_one() -> None:
    library = FakeLibrary(c23=status_24(AE="Šķēle, Ģirts", BL="Y"))
    assert run(library, pin_required=False).valid
    assert library.requests[2].patron_password == ""


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (status_24(AE="", BL="N", CQ="N"), Reason.UNKNOWN_CARD),
        (status_24(AE=""), Reason.UNKNOWN_CARD),  # no BL and no name
        (status_24(AE="Šķēle, Ģirts", BL="Y", CQ="N"), Reason.WRONG_PIN),
        (status_24(AE="Šķēle, Ģirts", BL="Y"), Reason.WRONG_PIN),  # CQ absent: fail closed
        (status_24("Y" + " " * 13, AE="Šķēle, Ģirts", BL="Y", CQ="Y"), Reason.BLOCKED_CARD),
        (status_24("    Y" + " " * 9, AE="Šķēle, Ģirts", BL="Y", CQ="Y"), Reason.BLOCKED_CARD),
        # a wrong PIN on a blocked card says "wrong PIN": it must not reveal the card's state
        (status_24("Y" + " " * 13, AE="Šķēle, Ģirts", BL="Y", CQ="N"), Reason.WRONG_PIN),
    ],
)
def test_verdicts(answer: PatronStatusResponse, reason: Reason) -> None:
    library = FakeLibrary(c23=answer)
    assert run(library) == PatronVerdict(valid=False, reason=reason)
    assert library.commands == ["93", "99", "23", "35"]  # the session is ended every time


def test_a_name_without_bl_is_a_valid_patron() -> None:
    assert run(FakeLibrary(c23=status_24(AE="Šķēle, Ģirts", CQ="Y"))).valid


def test_flags_not_listed_in_blocked_when_do_not_block() -> None:
    overdue = status_24("      Y       ", AE="Kalniņš, Jānis", BL="Y", CQ="Y")
    assert run(FakeLibrary(c23=overdue)).valid
    verdict = run(
        FakeLibrary(c23=overdue), blocked_when=frozenset({PatronFlag.TOO_MANY_ITEMS_OVERDUE})
    )
    assert verdict.reason is Reason.BLOCKED_CARD


def test_patron_information_is_asked_only_for_a_field_24_lacks() -> None:
    answer = status_24(AE="Šķēle, Ģirts", BL="Y", CQ="Y", BV="1.50")
    library = FakeLibrary(c23=answer)
    verdict = run(library, patron_fields=(("fees", "BV"),))
    assert library.commands == ["93", "99", "23", "35"]
    assert verdict.patron_fields == (("fees", "1.50"),)

    library = FakeLibrary(
        c23=answer, c63=info_64(AE="Šķēle, Ģirts", BL="Y", CQ="Y", BE="girts@example.lv")
    )
    verdict = run(library, patron_fields=(("email", "BE"), ("birth_date", "PB")))
    assert library.commands == ["93", "99", "23", "63", "35"]
    assert isinstance(library.requests[3], PatronInformationRequest)
    assert library.requests[3].summary == " " * 10  # no item lists
    assert verdict.patron_fields == (("email", "girts@example.lv"),)  # PB absent: left out


def test_patron_information_is_not_asked_for_an_invalid_card() -> None:
    library = FakeLibrary(c23=status_24(AE="", BL="N"))
    run(library, patron_fields=(("email", "BE"),))
    assert library.commands == ["93", "99", "23", "35"]


def test_a_library_without_23_is_asked_with_63() -> None:
    library = FakeLibrary(
        c99=acs_status(bx="NNNNYYYYYNNNNNNN"), c63=info_64(AE="Šķēle, Ģirts", BL="Y", CQ="Y")
    )
    assert run(library).valid
    assert library.commands == ["93", "99", "63", "35"]


def test_no_end_session_when_the_library_does_not_support_it() -> None:
    library = FakeLibrary(
        c99=acs_status(bx="YNNNYYYYNNNNNNNN"), c23=status_24(AE="Šķēle, Ģirts", BL="Y", CQ="Y")
    )
    assert run(library).valid
    assert library.commands == ["93", "99", "23"]


def test_a_rejected_login_is_a_configuration_error() -> None:
    library = FakeLibrary(c93=LoginResponse(ok=False))
    with pytest.raises(LoginRejected, match="rejected the SIP2 login: check its user and password"):
        run(library)
    assert library.commands == ["93"]


def test_an_offline_library_is_unreachable() -> None:
    with pytest.raises(LibraryOffline, match="offline"):
        run(FakeLibrary(c99=acs_status(online=False)))


def test_an_answer_of_the_wrong_kind_is_unexpected() -> None:
    with pytest.raises(UnexpectedMessage, match="answered 23 with 36, not 24"):
        run(FakeLibrary(c23=END_36))


def test_open_session_returns_the_acs_status() -> None:
    status = drive(open_session(LIBRARY), FakeLibrary())
    assert status.online and status.institution_id == "JELGAVA"


def test_check_patron_runs_on_an_open_session() -> None:
    library = FakeLibrary(c23=status_24(AE="Šķēle, Ģirts", BL="Y", CQ="Y"))
    verdict = drive(check_patron(LIBRARY, acs_status(), GIRTS, "905172", DATE), library)
    assert verdict.valid and library.commands == ["23", "35"]


def test_judge_normalises_the_name() -> None:
    verdict = judge(LIBRARY, status_24(AE="S\u030cķēle,  Ģirts ", BL="Y", CQ="Y"))
    assert verdict.name == "Šķēle, Ģirts"


def test_the_dialogue_over_bytes_and_an_independent_sip2_implementation() -> None:
    """One function plays the library at byte level: our codec encodes, pysip2 answers."""
    codec = Sip2Codec("cp1257")
    sequence = 0

    def exchange(request: Request) -> Response:
        nonlocal sequence
        sequence = (sequence + 1) % 10
        decoded = pysip2.decode_message(codec.encode(request, sequence), encoding="cp1257")
        message = decoded.message
        answer: pysip2.SIPMessage
        if isinstance(message, pysip2.LoginRequest):
            answer = pysip2.LoginResponse(ok="1")
        elif isinstance(message, pysip2.SCStatusRequest):
            answer = pysip2.SIP2Server(institution_id="JELGAVA").build_acs_status(message)
        elif isinstance(message, pysip2.PatronStatusRequest):
            answer = patron_status(message, PATRONS)
        else:
            assert isinstance(message, pysip2.EndPatronSessionRequest)
            answer = pysip2.EndSessionResponse(
                end_session="Y",
                transaction_date=DATE,
                institution_id="JELGAVA",
                patron_identifier=message.patron_identifier,
            )
        codec.receive_data(
            pysip2.encode_message(
                answer, sequence_number=decoded.sequence_number, checksum=True, encoding="cp1257"
            )
        )
        response = codec.next_response()
        assert response is not None
        return response

    settings = library_settings(6001, encoding="cp1257")
    verdict = drive(card_check_dialogue(settings, GIRTS, "905172", DATE), exchange)
    assert verdict == PatronVerdict(valid=True, name="Šķēle, Ģirts")
    wrong = drive(card_check_dialogue(settings, GIRTS, "000000", DATE), exchange)
    assert wrong.reason is Reason.WRONG_PIN
