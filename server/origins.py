"""Which browser origins may talk to the server (docs/protocol.md §1, docs/api.md).

An origin is allowed when its scheme, host and port equal those of

* the public URL (``QUIZ_PUBLIC_URL``),
* one of ``QUIZ_ALLOWED_ORIGINS``, or
* the address the connection arrived on (the socket's own IP and port, as the server sees it;
  on a loopback socket also ``localhost``) — so a tablet that opened ``http://10.0.0.5:8000``
  works without configuration.

The ``Host`` header is never consulted: a page on ``http://evil.example`` whose name an attacker
points at the server (DNS rebinding) sends ``Host: evil.example`` and its own origin, and both
are the attacker's choice. Behind a reverse proxy, set ``QUIZ_PUBLIC_URL``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.types import Scope

from server.settings import Settings

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_origin(text: str) -> Origin | None:
    """(scheme, host, port) of an origin or URL; ``None`` when it is not an http(s) origin."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_allowed(
    origin: str, server: tuple[str, int] | None, settings: Settings, scheme: str = "http"
) -> bool:
    """Whether a request with ``Origin: origin`` that arrived on the socket ``server`` (host,
    port — the ASGI scope's ``server``) over ``scheme`` (the scope's: http, https, ws, wss)
    comes from an allowed page."""
    found = parse_origin(origin)
    if found is None:
        return False
    configured = [settings.public_url, *settings.allowed_origins]
    if found in {parse_origin(url) for url in configured if url}:
        return True
    if server is None:
        return False
    own_host, own_port = str(server[0]).lower(), int(server[1])
    own_scheme = "https" if scheme in ("https", "wss") else "http"
    if found[2] != own_port or found[0] != own_scheme:
        return False
    names = {own_host}
    if _is_loopback(own_host):
        names |= {"localhost", "127.0.0.1", "::1"}
    return found[1] in names


def request_origin_allowed(scope: Scope, settings: Settings) -> bool:
    """The origin rule for an ASGI request or WebSocket: requests without an ``Origin`` header
    (non-browser clients: the venue agent, curl, the CLI) pass; browsers must come from an
    allowed origin."""
    origin = next((v for k, v in scope.get("headers", []) if k == b"origin"), None)
    if origin is None:
        return True
    server = scope.get("server")
    return origin_allowed(
        origin.decode("latin-1"), tuple(server) if server else None, settings, scope["scheme"]
    )
