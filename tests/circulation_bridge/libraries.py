"""Library systems for the tests: a real SIP2 server (pysip2) and a fault-injecting one of our own.

Both serve the same small patron table on 127.0.0.1 and stop when their ``async with`` (or the
thread helper) ends. Responses of both are encoded by pysip2, an implementation the project did
not write, so the codec is never only tested against itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import queue
import ssl
import threading
import unicodedata
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import pysip2
from anyio.abc import SocketAttribute

from circulation_bridge.frames import ENCODINGS
from circulation_bridge.settings import LibrarySettings

TLS_DIR = Path(__file__).parent / "tls"
SECRET = "a-test-secret-of-32-bytes-length"
LOGIN_USER = "kiosk"
LOGIN_PASSWORD = "s3cret-login"
INSTITUTION = "JELGAVA"


@dataclasses.dataclass(frozen=True)
class Patron:
    name: str
    pin: str
    status: str = " " * 14  # SIP2 patron status flags
    email: str | None = None


GIRTS = "21000177346"  # valid; PIN 905172
RUTA = "21000200001"  # valid; PIN 471100; decomposed name in the library's records
LOST = "21000300003"  # card reported lost (flag 4)
DENIED = "21000400004"  # charge privileges denied (flag 0)
OVERDUE = "21000500005"  # too many items overdue (flag 6): still welcome at a quiz
UNKNOWN = "29999999999"

PATRONS: dict[str, Patron] = {
    GIRTS: Patron("Šķēle, Ģirts", "905172", email="girts@example.lv"),
    RUTA: Patron(unicodedata.normalize("NFD", "Jonaitė, Rūta"), "471100"),
    LOST: Patron("Ozols, Pēteris", "111111", status="    Y         "),
    DENIED: Patron("Bērziņa, Anna", "222222", status="Y             "),
    OVERDUE: Patron("Kalniņš, Jānis", "333333", status="      Y       "),
}
PINS = {card: patron.pin for card, patron in PATRONS.items()}


def library_settings(port: int, **overrides: Any) -> LibrarySettings:
    """Settings for a test library on 127.0.0.1:``port``."""
    values: dict[str, Any] = {
        "name": "Jelgava",
        "host": "127.0.0.1",
        "port": port,
        "institution_id": INSTITUTION,
        "user": LOGIN_USER,
        "password": LOGIN_PASSWORD,
        "location": "JELG-KIOSK-1",
        "pin_required": True,
        "connect_timeout": 10.0,
        "login_timeout": 10.0,
        "response_timeout": 10.0,
    }
    values.update(overrides)
    return LibrarySettings(**values)


def _now_18() -> str:
    return datetime.now().strftime("%Y%m%d    %H%M%S")


def patron_status(req: Any, patrons: dict[str, Patron]) -> pysip2.PatronStatusResponse:
    patron = patrons.get(req.patron_identifier)
    common = {
        "language": req.language,
        "transaction_date": _now_18(),
        "institution_id": req.institution_id,
        "patron_identifier": req.patron_identifier,
    }
    if patron is None:
        return pysip2.PatronStatusResponse(
            patron_status=" " * 14,
            personal_name="",
            valid_patron="N",
            valid_patron_password="N",
            **common,
        )
    pin_ok = "Y" if req.patron_password == patron.pin else "N"
    return pysip2.PatronStatusResponse(
        patron_status=patron.status,
        personal_name=patron.name,
        valid_patron="Y",
        valid_patron_password=pin_ok,
        **common,
    )


def patron_information(req: Any, patrons: dict[str, Patron]) -> pysip2.PatronInformationResponse:
    status = patron_status(req, patrons)
    patron = patrons.get(req.patron_identifier)
    return pysip2.PatronInformationResponse(
        patron_status=status.patron_status,
        language=status.language,
        transaction_date=status.transaction_date,
        hold_items_count="0000",
        overdue_items_count="0000",
        charged_items_count="0000",
        fine_items_count="0000",
        recall_items_count="0000",
        unavailable_holds_count="0000",
        institution_id=status.institution_id,
        patron_identifier=status.patron_identifier,
        personal_name=status.personal_name,
        valid_patron=status.valid_patron,
        valid_patron_password=status.valid_patron_password,
        email_address=patron.email if patron else None,
    )


# -- a real SIP2 server: pysip2 --------------------------------------------------------------------


@dataclasses.dataclass
class Pysip2Library:
    """A pysip2 ACS with the patron table; ``received`` lists the commands it handled."""

    encoding: str = "utf-8"
    with_patron_status: bool = True  # False: BX says 23 is unsupported
    received: list[str] = dataclasses.field(default_factory=list)
    logins: int = 0
    institution_id: str = INSTITUTION  # what its 98 says (AO)
    library_name: str = "Jelgavas pilsētas bibliotēka"  # what its 98 says (AM)
    end_session_pins: list[str | None] = dataclasses.field(default_factory=list)  # AD of each 35
    delay: float = 0.0  # seconds before answering 23 or 63 (a slow library)

    def build(self) -> pysip2.SIP2Server:
        app = pysip2.SIP2Server(
            institution_id=self.institution_id,
            library_name=self.library_name,
            encoding=ENCODINGS[self.encoding],
            login_required=True,
        )

        @app.route(pysip2.LOGIN)
        async def login(req: pysip2.LoginRequest, ctx: Any) -> pysip2.LoginResponse:
            self.received.append("93")
            self.logins += 1
            ok = req.login_user_id == LOGIN_USER and req.login_password == LOGIN_PASSWORD
            return pysip2.LoginResponse(ok="1" if ok else "0")

        if self.with_patron_status:

            @app.route(pysip2.PATRON_STATUS)
            async def status(req: pysip2.PatronStatusRequest, ctx: Any) -> Any:
                self.received.append("23")
                await asyncio.sleep(self.delay)
                return patron_status(req, PATRONS)

        @app.route(pysip2.PATRON_INFORMATION)
        async def information(req: pysip2.PatronInformationRequest, ctx: Any) -> Any:
            self.received.append("63")
            await asyncio.sleep(self.delay)
            return patron_information(req, PATRONS)

        @app.route(pysip2.END_PATRON_SESSION)
        async def end(req: pysip2.EndPatronSessionRequest, ctx: Any) -> Any:
            self.received.append("35")
            self.end_session_pins.append(req.patron_password)
            return pysip2.EndSessionResponse(
                end_session="Y",
                transaction_date=_now_18(),
                institution_id=req.institution_id,
                patron_identifier=req.patron_identifier,
            )

        return app

    @contextlib.asynccontextmanager
    async def serve(self) -> AsyncIterator[int]:
        """Serve on 127.0.0.1 in a task of the running loop; yield the port."""
        app = self.build()
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        stop = asyncio.Event()

        async def run() -> None:
            # Not app.start(): it never closes its listening socket. The connection handler is
            # pysip2's own, the same one start() and serve() use.
            listener = await app.listen("127.0.0.1", 0)
            async with listener, anyio.create_task_group() as group:
                group.start_soon(listener.serve, app._handle_connection)
                ready.set_result(listener.extra(SocketAttribute.local_port))
                await stop.wait()
                group.cancel_scope.cancel()

        task = asyncio.create_task(run())
        try:
            await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            yield ready.result()
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)

    @contextlib.contextmanager
    def serve_in_thread(self) -> Iterator[int]:
        """Serve from a thread with its own loop (for code that calls ``asyncio.run``)."""
        with serve_in_thread(self.serve) as port:
            yield port


@contextlib.contextmanager
def serve_in_thread(
    serve: Callable[[], contextlib.AbstractAsyncContextManager[int]],
) -> Iterator[int]:
    """Run ``serve()`` in a thread with its own event loop until the ``with`` block ends."""
    ports: queue.Queue[int] = queue.Queue()
    control: dict[str, Any] = {}

    async def run() -> None:
        control["loop"], control["stop"] = asyncio.get_running_loop(), asyncio.Event()
        async with serve() as port:
            ports.put(port)
            await control["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    try:
        yield ports.get(timeout=10)
    finally:
        control["loop"].call_soon_threadsafe(control["stop"].set)
        thread.join(timeout=10)


# -- a fault-injecting server of our own ---------------------------------------------------------

FAULTS = (
    "normal",  # a correct answer
    "silent",  # no answer at all
    "late",  # answer only once ``release`` is set
    "slow",  # a correct answer, one byte at a time
    "close",  # close the connection instead of answering
    "garbage",  # a line that is not SIP2
    "too_long",  # 20000 bytes without a terminator
    "bad_checksum",  # a correct answer with a wrong AZ
    "resend",  # 96: "send that again"
    "crlf",  # a correct answer ending \r\n
    "unexpected",  # a 36 whatever was asked
    "offline",  # (99 only) 98 with online status N
    "reject",  # (93 only) 94 with ok 0
)


class FaultyLibrary:
    """A SIP2 server that answers each command as the test scripts it, on 127.0.0.1.

    ``script("23", "bad_checksum", "normal")`` makes the next two 23s get a damaged and then a
    correct answer; unscripted requests get correct answers. ``received`` lists the commands in
    the order they arrived; ``connections`` counts accepted connections.
    """

    def __init__(self, encoding: str = "utf-8", context: ssl.SSLContext | None = None) -> None:
        self.encoding = encoding
        self.context = context
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.received: list[str] = []
        self.connections = 0
        self.release = asyncio.Event()
        self.late_sent = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def script(self, command: str, *faults: str) -> None:
        assert all(fault in FAULTS for fault in faults), faults
        self.faults[command].extend(faults)

    @contextlib.asynccontextmanager
    async def serve(self) -> AsyncIterator[int]:
        """Serve until the ``async with`` ends; yield the port (for ``serve_in_thread``)."""
        async with self:
            yield self.port

    async def close_connections(self) -> None:
        """Close every open connection, as a library system does with idle ones."""
        for writer in list(self._writers):
            writer.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> FaultyLibrary:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        self.release.set()  # a held-back answer goes out (to a closed socket, if at all)
        await asyncio.wait_for(self.close_connections(), timeout=10)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1
        buffer = b""
        try:
            while data := await reader.read(4096):
                buffer += data
                while b"\r" in buffer:
                    line, _, buffer = buffer.partition(b"\r")
                    if not await self._answer(line + b"\r", writer):
                        return
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, line: bytes, writer: asyncio.StreamWriter) -> bool:
        try:
            decoded = pysip2.decode_message(line, encoding=ENCODINGS[self.encoding])
        except pysip2.SIP2Error:
            return False  # not SIP2 (a TLS handshake on a plain port, say): hang up
        command = line[:2].decode()
        self.received.append(command)
        fault = self.faults[command].pop(0) if self.faults[command] else "normal"
        answer = self._correct(decoded, fault)
        if fault == "close":
            return False
        if fault == "silent":
            return True
        if fault == "late":
            await self.release.wait()
            writer.write(answer)
            self.late_sent.set()
            return True
        wire = {
            "garbage": b"<html>Service unavailable</html>\r",
            "too_long": b"24" + b"x" * 20000,
            "bad_checksum": _damage(answer),
            "resend": b"96AZFEF6\r",
            "crlf": answer + b"\n",
        }.get(fault, answer)
        if fault == "slow":
            for byte in wire:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.001)
        else:
            writer.write(wire)
        await writer.drain()
        return True

    def _correct(self, decoded: Any, fault: str) -> bytes:
        request = decoded.message
        response: Any
        if fault == "unexpected" or isinstance(request, pysip2.EndPatronSessionRequest):
            response = pysip2.EndSessionResponse(
                end_session="Y",
                transaction_date=_now_18(),
                institution_id=INSTITUTION,
                patron_identifier=getattr(request, "patron_identifier", ""),
            )
        elif isinstance(request, pysip2.LoginRequest):
            ok = request.login_user_id == LOGIN_USER and request.login_password == LOGIN_PASSWORD
            response = pysip2.LoginResponse(ok="1" if ok and fault != "reject" else "0")
        elif isinstance(request, pysip2.SCStatusRequest):
            response = pysip2.ACSStatusResponse(
                online_status="N" if fault == "offline" else "Y",
                checkin_ok="N",
                checkout_ok="N",
                acs_renewal_policy="N",
                status_update_ok="N",
                offline_ok="N",
                timeout_period="010",
                retries_allowed="003",
                date_time_sync=_now_18(),
                protocol_version="2.00",
                institution_id=INSTITUTION,
                supported_messages="YNNNYYYYYNNNNNNN",
            )
        elif isinstance(request, pysip2.PatronStatusRequest):
            response = patron_status(request, PATRONS)
        elif isinstance(request, pysip2.PatronInformationRequest):
            response = patron_information(request, PATRONS)
        else:  # pragma: no cover - the bridge sends nothing else
            raise AssertionError(type(request))
        return pysip2.encode_message(
            response,
            sequence_number=decoded.sequence_number,
            checksum=decoded.checksum is not None,
            encoding=ENCODINGS[self.encoding],
        )


def _damage(answer: bytes) -> bytes:
    """Change the AZ checksum of an answer so that it no longer matches."""
    value = int(answer[-5:-1], 16)
    return answer[:-5] + f"{(value + 1) & 0xFFFF:04X}".encode() + b"\r"


def server_tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_DIR / "server.pem", TLS_DIR / "server.key")
    return context
