"""``quiz demo``: the contest server on the embedded defaults with a ready demonstration contest.

It starts the server (SQLite in the data folder, in-process fan-out), creates through the real
HTTP API a contest with three teams — Jelgava, Liepāja, Šiauliai — and three rounds of questions
from the shipped pack (buzzer, all-play, estimation), and prints the URLs of the host console,
each team's tablet page (with its join code), the big screens and the audience page. The demo
database is started afresh on every run. ``--script`` instead plays a scripted contest in the
terminal through the engine alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from server.demo_teams import TEAMS
from server.scripted_demo import WORDS, play
from server.serve import (
    add_server_options,
    check_folder,
    open_database,
    settings_from,
    uvicorn_config,
)
from server.settings import Settings, SettingsError

ROUNDS: tuple[dict[str, Any], ...] = (
    {
        "round_id": "buzzers",
        "title": {"lv": "Ātrākā poga", "lt": "Greičiausias mygtukas", "en": "Fastest finger"},
        "rules": {"kind": "buzzer"},
        "from_pack": {
            "pack": "baltic-science",
            "count": 5,
            "difficulties": [1, 2],
            "types": ["single_choice", "true_false"],
            "seed": 1,
        },
    },
    {
        "round_id": "all-play",
        "title": {"lv": "Visi atbild", "lt": "Atsako visi", "en": "Everyone answers"},
        "rules": {"kind": "all_play", "time_limit_s": 30, "speed_bonus": 5},
        "from_pack": {
            "pack": "baltic-science",
            "count": 6,
            "difficulties": [1, 2],
            "types": [
                "single_choice",
                "multiple_choice",
                "true_false",
                "ordering",
                "open_text",
                "numeric",
            ],
            "seed": 2,
        },
    },
    {
        "round_id": "estimation",
        "title": {"lv": "Novērtējums", "lt": "Įvertinimas", "en": "Estimation"},
        "rules": {"kind": "estimation", "time_limit_s": 40},
        "from_pack": {"pack": "baltic-science", "count": 3, "types": ["estimation"], "seed": 3},
    },
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``quiz demo``."""
    add_server_options(parser)
    parser.add_argument(
        "--script",
        action="store_true",
        help="play a scripted contest in the terminal instead of serving",
    )
    parser.add_argument(
        "--lang", choices=sorted(WORDS), default="en", help="language of the printed text"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=0,
        help="stop the server after this many seconds (default: run until Ctrl-C)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve the demonstration contest (or play the terminal script)."""
    if args.script:
        play(sys.stdout, args.lang)
        return 0
    if not args.data_dir:
        args.data_dir = str(Path("data") / "demo")
    try:
        settings = settings_from(args)
    except SettingsError as error:
        print(f"quiz demo: {error}")
        return 2
    check_folder(settings.data_dir, "--data-dir")  # a StartupError is one line (server.cli)
    database = settings.data_dir / "quiz.sqlite3"
    for leftover in (
        database,
        database.with_suffix(".sqlite3-wal"),
        database.with_suffix(".sqlite3-shm"),
    ):
        leftover.unlink(missing_ok=True)
    open_database(settings, "--data-dir")
    return asyncio.run(_serve(settings, args.duration))


async def _serve(settings: Settings, duration: float) -> int:
    server = uvicorn.Server(uvicorn_config(settings))
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            return 1
        await asyncio.sleep(0.05)
    base = f"http://{settings.host}:{settings.port}"
    try:
        demo = await _create_demo(
            base,
            settings.public_url or base,
            settings.audience_delay,
            with_kiosks=bool(settings.environ.get("QUIZ_LIBRARIES")),
        )
        print(demo, flush=True)
    except (httpx.HTTPError, KeyError) as error:
        print(f"quiz demo: could not create the demo contest: {error}")
        server.should_exit = True
        await task
        return 1
    if duration:
        await asyncio.sleep(duration)
        server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return 0


async def _create_demo(
    base: str, public: str, audience_delay: float, *, with_kiosks: bool = False
) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        made = await http.post(
            "/api/contests",
            json={
                "title": "Baltijas zinātnes viktorīna · Baltijos mokslo viktorina",
                "languages": ["lv", "lt", "en"],
                "contest_id": "demo",
            },
        )
        made.raise_for_status()
        contest = made.json()
        contest_id, secret = contest["contest_id"], contest["host_secret"]
        auth = {"Authorization": f"Bearer {secret}"}
        lines = ["", "Baltic Science Quiz — demo contest is running", ""]
        codes: list[tuple[str, str]] = []
        screens: list[tuple[str, str]] = []
        kiosks: list[tuple[str, str]] = []
        for team_id, name, venue, colour in TEAMS:
            answer = await http.post(
                f"/api/contests/{contest_id}/teams",
                headers=auth,
                json={"team_id": team_id, "name": name, "venue": venue, "colour": colour},
            )
            answer.raise_for_status()
            codes.append((name, answer.json()["join_code"]))
            screen = await http.post(
                f"/api/contests/{contest_id}/screens", headers=auth, json={"venue": venue}
            )
            screen.raise_for_status()
            screens.append((name, screen.json()["screen_token"]))
            if with_kiosks:  # a registration kiosk where a configured library fits the city
                kiosk = await http.post(
                    f"/api/contests/{contest_id}/kiosks", headers=auth, json={"venue": name}
                )
                if kiosk.status_code == 201:
                    kiosks.append((name, kiosk.json()["kiosk_token"]))
        for round_ in ROUNDS:
            (
                await http.post(f"/api/contests/{contest_id}/rounds", headers=auth, json=round_)
            ).raise_for_status()
    lines.append(f"  Host console:  {public}/host/{contest_id}?lang=en#secret={secret}")
    for name, code in codes:
        lines.append(
            f"  Tablet {name:9}: {public}/play/{contest_id}?lang=lv#code={code}"
            f"   (join code {code})"
        )
    for name, token in screens:
        lang = "lt" if name == "Šiauliai" else "lv"
        lines.append(f"  Screen {name:9}: {public}/screen/{contest_id}?lang={lang}#token={token}")
    for name, token in kiosks:
        lang = "lt" if name == "Šiauliai" else "lv"
        lines.append(f"  Kiosk {name:10}: {public}/kiosk/{contest_id}?lang={lang}#token={token}")
    lines.append(
        f"  Audience:      {public}/watch/{contest_id}?lang=en"
        f"   ({audience_delay:g} s behind: QUIZ_AUDIENCE_DELAY)"
    )
    lines.append("")
    tokens = "screen and kiosk tokens" if kiosks else "screen tokens"
    lines.append(f"  The host secret and {tokens} above are shown only once. Press Ctrl-C to stop.")
    return "\n".join(lines)
