"""``quiz demo``: a demonstration contest between Jelgava, Liepāja and Šiauliai.

Until the server is complete this plays a scripted contest in the terminal through the real
engine (``server.scripted_demo``) and prints what happens and the final scoreboard.
"""

from __future__ import annotations

import argparse
import sys

from server.scripted_demo import WORDS, play


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``demo`` options."""
    parser.add_argument("--lang", choices=sorted(WORDS), default="en", help="narration language")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (server demo)")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (server demo)")
    parser.add_argument("--data-dir", default="data", help="folder for the demo database")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Play the scripted contest on standard output."""
    play(sys.stdout, args.lang)
    return 0
