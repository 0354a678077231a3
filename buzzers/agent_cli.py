"""``quiz agent``: run the venue buzzer agent (docs/buzzers.md, "The venue agent").

The configuration comes from a TOML file (``--config``) and/or options, which win over the file.
The agent token is read from the environment (``QUIZ_AGENT_TOKEN``) or a ``token_file``, never
from an option. A bad configuration stops the agent at once with status 2 and one line on standard
error; otherwise it runs until SIGINT or SIGTERM and logs to standard error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from buzzers.agent_config import LANGUAGES, load_config, parse_box_option
from buzzers.errors import BuzzerError


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``agent`` options to ``parser``."""
    parser.add_argument("--config", type=Path, help="the agent's TOML configuration file")
    parser.add_argument(
        "--server", help="the server's URL (wss://…) or the contest's WebSocket URL (…/ws/ID)"
    )
    parser.add_argument("--contest", help="the contest id (unless the server URL names it)")
    parser.add_argument(
        "--token-env",
        help="the environment variable holding the agent token (default QUIZ_AGENT_TOKEN)",
    )
    parser.add_argument("--token-file", help="a file holding the agent token")
    parser.add_argument("--lang", choices=LANGUAGES, help="the language of operator messages")
    parser.add_argument("--state-file", help="where unacknowledged presses are kept")
    parser.add_argument(
        "--box",
        action="append",
        default=[],
        metavar="PORT,CH=TEAM[,CH=TEAM…]",
        help="a bz1 box and its channels' teams (repeatable; added to the file's boxes)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("debug", "info", "warning", "error")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the configuration, then run the agent."""
    try:
        overrides = {
            "server": args.server,
            "contest": args.contest,
            "token_env": args.token_env,
            "token_file": args.token_file,
            "lang": args.lang,
            "state_file": args.state_file,
            "boxes": [parse_box_option(b) for b in args.box] or None,
        }
        config = load_config(args.config, overrides)
        from buzzers.agent import open_box

        sources = [open_box(box) for box in config.boxes]
    except BuzzerError as exc:
        print(f"quiz agent: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(message)s",
    )
    # the agent's own debug lines, not every WebSocket frame
    logging.getLogger("websockets").setLevel(max(logging.INFO, logging.getLogger().level))
    from buzzers.agent import run_agent

    return run_agent(config, sources)
