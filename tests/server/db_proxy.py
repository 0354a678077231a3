"""A TCP proxy on 127.0.0.1 between the server and its database, for fault tests (no mocks).

``DatabaseProxy`` accepts connections, opens one to ``upstream`` for each and hands the pair to
``_connected`` (a subclass forwards the bytes, and decides what to drop or hold back); it refuses
new connections while ``_refusing()`` says so, tracks every open socket so ``drop_all`` can cut
them at once, and stops with ``close``.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class DatabaseProxy:
    """The shared part of the fault tests' proxies (tests/server/test_degraded.py,
    tests/server/test_storage_faults.py)."""

    def __init__(self, upstream: tuple[str, int], name: str) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = int(self.listener.getsockname()[1])
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.acceptor = threading.Thread(target=self._accept, name=f"{name}-accept", daemon=True)
        self.acceptor.start()

    def _refusing(self) -> bool:
        """Whether new connections are refused now."""
        return False

    def _connected(self, client: socket.socket, server: socket.socket) -> None:
        """Start forwarding between a new client and its database connection."""
        raise NotImplementedError

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._refusing():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets.update((client, server))
            self._connected(client, server)

    def _close(self, *sockets: socket.socket) -> None:
        with self.lock:
            for sock in sockets:
                self.sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def drop_all(self) -> None:
        """Cut every open connection through the proxy."""
        with self.lock:
            live = list(self.sockets)
        self._close(*live)

    def close(self) -> None:
        """Stop accepting and cut everything."""
        self.stopped.set()
        self.listener.close()
        self.acceptor.join(10)
        self.drop_all()
