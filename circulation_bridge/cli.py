"""``quiz bridge`` — check a library card from the command line.

``quiz bridge lookup CARD [--pin PIN] (--library NAME | --host H --port P --user U --password W
--institution I [--encoding E] [--tls])`` asks the library system about one card and prints the
result; ``--json`` prints one JSON object instead. Exit status: 0 valid patron; 1 unknown card,
wrong PIN, blocked card, or a card number/PIN that cannot be sent; 2 library unreachable, an
answer outside the protocol, a rejected login or wrong settings. Operator messages are English.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import TextIO

from circulation_bridge.bridge import CirculationBridge, LookupResult
from circulation_bridge.dialogue import Reason
from circulation_bridge.errors import BridgeError, InvalidInput
from circulation_bridge.frames import ENCODINGS
from circulation_bridge.settings import SECRET_VARIABLE, BridgeSettings, LibrarySettings

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_TROUBLE = 2

REASON_TEXT = {
    Reason.UNKNOWN_CARD: "unknown card",
    Reason.WRONG_PIN: "wrong PIN",
    Reason.BLOCKED_CARD: "blocked card",
    Reason.LIBRARY_UNREACHABLE: "library unreachable",
    Reason.PROTOCOL_ERROR: "the library system answered outside the SIP2 protocol",
}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``bridge`` subcommands to ``parser``."""
    sub = parser.add_subparsers(dest="bridge_command", metavar="SUBCOMMAND", required=True)
    lookup = sub.add_parser(
        "lookup",
        help="check one library card against a library system over SIP2",
        description="Check one library card against a library system over SIP2. "
        f"The card hash needs {SECRET_VARIABLE}; --library needs QUIZ_LIBRARIES.",
        epilog="exit status: 0 valid patron, 1 invalid card or PIN, "
        "2 library unreachable, outside the protocol, login rejected or bad settings",
    )
    lookup.add_argument("card", metavar="CARD", help="the library card number")
    lookup.add_argument(
        "--pin", help="the card's PIN; '-' reads it from standard input (keeps it out of ps)"
    )
    target = lookup.add_mutually_exclusive_group(required=True)
    target.add_argument("--library", metavar="NAME", help="a library configured in QUIZ_LIBRARIES")
    target.add_argument("--host", metavar="H", help="SIP2 server host (ad-hoc, without settings)")
    lookup.add_argument("--port", metavar="P", type=int, help="SIP2 server port (with --host)")
    lookup.add_argument("--user", metavar="U", help="SIP2 login user (with --host)")
    lookup.add_argument("--password", metavar="W", help="SIP2 login password (with --host)")
    lookup.add_argument("--institution", metavar="I", help="SIP2 institution id (with --host)")
    lookup.add_argument("--location", metavar="L", default="", help="SIP2 location code")
    lookup.add_argument(
        "--encoding",
        metavar="E",
        default="utf-8",
        choices=list(ENCODINGS),
        help=f"character encoding of the library system ({', '.join(ENCODINGS)}; default utf-8)",
    )
    lookup.add_argument("--tls", action="store_true", help="connect over TLS (with --host)")
    lookup.add_argument("--tls-ca-file", metavar="FILE", help="CA certificate file for --tls")
    lookup.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=10.0,
        help="connect, login and answer timeout in seconds (with --host; default 10)",
    )
    lookup.add_argument("--json", action="store_true", help="print one JSON object")
    lookup.set_defaults(handler=run_lookup)


def _settings(args: argparse.Namespace, environ: dict[str, str]) -> tuple[BridgeSettings, str]:
    """Settings and the library name to look up, from ``--library`` or the ad-hoc options."""
    if args.library is not None:
        return BridgeSettings.from_environ(environ), args.library
    missing = [
        option
        for option, value in (
            ("--port", args.port),
            ("--user", args.user),
            ("--password", args.password),
            ("--institution", args.institution),
        )
        if value is None
    ]
    if missing:
        raise _UsageError(f"--host needs {', '.join(missing)}")
    secret = environ.get(SECRET_VARIABLE)
    if not secret:
        raise _UsageError(f"{SECRET_VARIABLE} must be set: the card hash is keyed with it")
    library = LibrarySettings(
        name=f"{args.host}:{args.port}",
        host=args.host,
        port=args.port,
        institution_id=args.institution,
        user=args.user,
        password=args.password,
        location=args.location,
        encoding=args.encoding,
        pin_required=args.pin is not None,
        tls=args.tls or args.tls_ca_file is not None,
        tls_ca_file=args.tls_ca_file,
        connect_timeout=args.timeout,
        login_timeout=args.timeout,
        response_timeout=args.timeout,
    )
    return BridgeSettings(libraries=(library,), card_hash_secret=secret.encode()), library.name


class _UsageError(Exception):
    pass


def run_lookup(args: argparse.Namespace) -> int:
    """Handle ``quiz bridge lookup``; return the exit status."""
    out: TextIO = sys.stdout
    try:
        settings, name = _settings(args, dict(os.environ))
        pin = args.pin
        if pin == "-":
            pin = sys.stdin.readline().rstrip("\r\n")
        result = asyncio.run(_lookup(settings, name, args.card, pin))
    except _UsageError as exc:
        return _fail(args.json, "usage", str(exc), EXIT_TROUBLE)
    except InvalidInput as exc:
        return _fail(args.json, exc.code, exc.message, EXIT_INVALID)
    except BridgeError as exc:
        return _fail(args.json, exc.code, exc.message, EXIT_TROUBLE)
    if args.json:
        json.dump(result.to_json(), out, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(_describe(result))
    if result.valid:
        return EXIT_VALID
    if result.reason in (Reason.LIBRARY_UNREACHABLE, Reason.PROTOCOL_ERROR):
        return EXIT_TROUBLE
    return EXIT_INVALID


async def _lookup(settings: BridgeSettings, name: str, card: str, pin: str | None) -> LookupResult:
    async with CirculationBridge(settings) as bridge:
        return await bridge.lookup(name, card, pin)


def _describe(result: LookupResult) -> str:
    if result.valid:
        lines = [f"{result.library}: valid patron: {result.display_name} ({result.name})"]
        lines += [f"  {label}: {value}" for label, value in result.patron_fields]
    else:
        assert result.reason is not None
        lines = [f"{result.library}: not valid: {REASON_TEXT[result.reason]}"]
        if result.detail:
            lines.append(f"  {result.detail}")
    lines.append(f"card hash: {result.card_hash}")
    return "\n".join(lines) + "\n"


def _fail(as_json: bool, code: str, message: str, status: int) -> int:
    if as_json:
        json.dump(
            {"valid": False, "error": code, "message": message}, sys.stdout, ensure_ascii=False
        )
        sys.stdout.write("\n")
    else:
        sys.stderr.write(f"quiz bridge lookup: {message}\n")
    return status
