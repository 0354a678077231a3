"""The `quiz` command line: one entry point, one subcommand group per package.

Each group lives in its own package (``content.cli``, ``buzzers.cli`` …) and exposes
``configure(parser)``, which adds its arguments and sets ``handler`` — a callable taking the parsed
namespace and returning the process exit status. Groups are imported only when their name is on the
command line, so ``quiz serve`` never imports pyserial and ``quiz buzzers`` never imports Starlette.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from server.settings import SettingsError, StartupError

# name on the command line -> (module[:function] that configures the parser, one-line help)
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "demo": ("server.demo", "play a demonstration contest between Jelgava, Liepāja and Šiauliai"),
    "serve": ("server.serve:configure_serve", "run the contest server"),
    "db": ("server.serve:configure_db", "database maintenance (upgrade)"),
    "content": ("content.cli", "validate, count, import and export question packs"),
    "bridge": ("circulation_bridge.cli", "check library cards against the libraries' systems"),
    "players": ("server.players_cli", "players' personal data: purge it after retention"),
    "export": ("server.export_cli", "results and participation reports as XLSX and CSV files"),
    "buzzers": ("buzzers.cli", "test buzzer boxes, drive their lamps, simulate a box"),
    "agent": ("buzzers.agent_cli", "run a venue's buzzer agent (its boxes play in the contest)"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the ``quiz`` parser; only the group named by ``only`` is configured (imported)."""
    parser = argparse.ArgumentParser(
        prog="quiz", description="Baltic Science Quiz — live science contests between libraries."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMAND_GROUPS.items():
        group = sub.add_parser(name, help=help_text, description=help_text)
        if name == only:
            module, _, function = module_name.partition(":")
            getattr(importlib.import_module(module), function or "configure")(group)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``quiz`` with ``argv`` (default: the process arguments) and return the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMAND_GROUPS else None)
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except (SettingsError, StartupError) as error:  # one line naming what is at fault
        print(f"quiz {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
