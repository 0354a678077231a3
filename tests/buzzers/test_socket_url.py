"""A box behind a serial-to-network converter: the link opens a ``socket://`` URL as well."""

from __future__ import annotations

import select
import socket
import threading
import time

from buzzers.events import Press, Synchronised
from buzzers.session import Bz1Session
from buzzers.simbox import SimulatedBox
from buzzers.transport import SerialLink
from tests.buzzers.conftest import MS, wait_for


class BoxServer:
    """A simulated box answering on 127.0.0.1, one connection, in an owned thread."""

    def __init__(self) -> None:
        self.box = SimulatedBox(drift=0.002)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conn: socket.socket | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve)
        self.thread.start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        with self.lock:
            self.conn = conn
            conn.sendall(self.box.power_on(time.monotonic_ns()))
        while not self.stopping.is_set():
            ready, _, _ = select.select([conn], [], [], 0.05)
            if ready:
                data = conn.recv(1024)
                if not data:
                    break
                with self.lock:
                    conn.sendall(self.box.receive(data, time.monotonic_ns()))
        conn.close()

    def press(self, channel: int) -> None:
        with self.lock:
            assert self.conn is not None
            self.conn.sendall(self.box.press(channel, time.monotonic_ns()))

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()


def test_a_box_on_a_socket_url_is_synchronised_and_its_presses_arrive() -> None:
    server = BoxServer()
    url = f"socket://127.0.0.1:{server.port}"
    link = SerialLink(url, Bz1Session(url))
    link.start()
    try:
        wait_for(link, lambda e: isinstance(e, Synchronised))
        server.press(6)
        press = wait_for(link, lambda e: isinstance(e, Press))
        assert isinstance(press, Press) and press.channel == 6
        true = server.box.truth[-1]
        assert abs(press.host_ns - true.host_ns) < 1 * MS
    finally:
        link.stop()
        server.stop()
