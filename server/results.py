"""Results over HTTP: a contest's results (JSON, CSV, XLSX, a chart), a public version, and the
participation report across contests.

Theory of operation
-------------------
Every answer is computed from the contest's whole event log, read from the database in the
store's thread and folded by ``game.results.contest_results`` — the numbers are never kept
anywhere else, so the results page, the exports, ``quiz export`` and a replay agree. Two facts
about players are not in the log and come from the ``players`` table (migration 0005): their
library (the kiosk's library that registered them; else their team's ``library``; else the
team's city) and how they registered (``card``, ``librarian`` — the fallback, flagged — or
``code``).

Who may read what:

- ``GET /api/contests/{id}/results`` (+ ``.csv``, ``.xlsx``): the contest's host (host secret) or
  the admin (``server.admin.admin_allowed``), at any time — during the contest too.
- ``GET /api/public/contests/{id}/results`` (+ ``chart.svg``): anyone, once the contest has
  finished (before that, per-question figures would tell players which teams answered right);
  without player names or ids (``game.results.public_results``).
- ``GET /api/admin/participation``: the admin.

The score-progression chart is an SVG drawn by pygal on the server (no script, nothing loaded
from elsewhere) and put inline by the results page; the XLSX export carries the same series as a
native spreadsheet chart (``server.exports``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

import msgspec
import pygal
import sqlalchemy as sa
from pygal.style import Style
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from game.events import Event
from game.results import ContestResults, contest_results, participation, public_results
from server.admin import admin_allowed, contest_rows, require_admin
from server.api import Api, bearer
from server.contests import ServiceError
from server.exports import (
    CSV_TYPE,
    PARTICIPATION_TABLES,
    RESULT_TABLES,
    XLSX_TYPE,
    participation_tables,
    results_tables,
    to_csv,
    to_xlsx,
)
from server.store import Store, events, players, teams

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
PAGE = 10_000  # events read per query
_EVENT = msgspec.json.Decoder(Event)
CHART_TITLES = {
    "lv": ("jautājums", "punkti"),
    "lt": ("klausimas", "taškai"),
    "en": ("question", "points"),
}


def read_log(store: Store, contest_id: str) -> list[Event]:
    """A contest's whole event log, oldest first (in the store's thread)."""
    log: list[Event] = []
    after = 0
    with store.engine.connect() as db:
        while True:
            rows = db.execute(
                sa.select(events.c.seq, events.c.payload)
                .where(events.c.contest_id == contest_id)
                .where(events.c.seq > after)
                .order_by(events.c.seq)
                .limit(PAGE)
            ).all()
            log.extend(_EVENT.decode(row.payload) for row in rows)
            if len(rows) < PAGE:
                return log
            after = rows[-1].seq


def player_registrations(store: Store, contest_id: str) -> tuple[dict[str, str], dict[str, str]]:
    """(player id → library, player id → how they registered) from the players table: the
    library is the one whose kiosk or librarian registered the player, else their team's
    ``library``; players without either are left out (they count for their team's city)."""
    query = (
        sa.select(
            players.c.player_id,
            players.c.library,
            players.c.registered_via,
            teams.c.library.label("team_library"),
        )
        .select_from(
            players.outerjoin(
                teams,
                sa.and_(
                    teams.c.contest_id == players.c.contest_id,
                    teams.c.team_id == players.c.team_id,
                ),
            )
        )
        .where(players.c.contest_id == contest_id)
    )
    with store.engine.connect() as db:
        rows = db.execute(query).all()
    libraries = {
        r.player_id: r.library or r.team_library for r in rows if r.library or r.team_library
    }
    via = {r.player_id: r.registered_via for r in rows if r.registered_via}
    return libraries, via


def load_results(store: Store, contest_id: str) -> ContestResults | None:
    """A contest's results from the database, or ``None`` without such a contest."""
    log = read_log(store, contest_id)
    if not log:
        return None
    libraries, via = player_registrations(store, contest_id)
    return contest_results(log, libraries, via)


def day(us: int) -> str:
    """The UTC date of a time in µs since the epoch."""
    return datetime.datetime.fromtimestamp(us / 1e6, tz=datetime.UTC).date().isoformat()


def load_participation(store: Store, date_from: str, date_to: str) -> list[tuple[str, Any]]:
    """(date, results) of every contest created in the range and started (store's thread)."""
    chosen: list[tuple[str, Any]] = []
    for row in contest_rows(store):
        date = day(row["created_at_us"])
        if not date_from <= date <= date_to:
            continue
        results = load_results(store, row["contest_id"])
        if results is not None and results.started_at is not None:
            chosen.append((date, results))
    return chosen


def progression_chart(results: ContestResults, lang: str) -> str:
    """The score progression as an inline SVG (pygal), one line per team in its colour."""
    x_title, y_title = CHART_TITLES.get(lang, CHART_TITLES["en"])
    style = Style(
        background="transparent",
        plot_background="transparent",
        colors=tuple(t.colour for t in results.ranking) or ("#3366cc",),
        font_family="system-ui, sans-serif",
        label_font_size=13,
        legend_font_size=15,
        title_font_size=16,
    )
    chart = pygal.Line(
        js=[],  # no script from elsewhere: the chart is plain SVG
        disable_xml_declaration=True,
        width=960,
        height=420,
        style=style,
        x_title=x_title,
        y_title=y_title,
        legend_at_bottom=True,
        show_minor_x_labels=True,
        truncate_legend=30,
        dots_size=3,
    )
    steps = results.progression
    chart.x_labels = [
        "Σ"
        if i and i == len(steps) - 1 and p.round_index < 0
        else _step_label(p.round_index, p.question_index)
        for i, p in enumerate(steps)
    ]
    for team in results.ranking:
        chart.add(team.name, [p.scores.get(team.team_id, 0) for p in results.progression])
    svg = str(chart.render(is_unicode=True))
    return _SCRIPT.sub("", svg)  # pygal's inline tooltip configuration: nothing runs on the page


def _step_label(round_index: int, question_index: int) -> str:
    if round_index < 0:
        return "0" if question_index < 0 else ""
    return f"{round_index + 1}.{question_index + 1}"


def _language(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    return lang if lang in CHART_TITLES else "en"


def _file(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _dates(request: Request) -> tuple[str, str]:
    today = datetime.datetime.now(tz=datetime.UTC).date()
    date_from = request.query_params.get("from") or f"{today.year}-01-01"
    date_to = request.query_params.get("to") or today.isoformat()
    try:
        start = datetime.date.fromisoformat(date_from)
        end = datetime.date.fromisoformat(date_to)
    except ValueError:
        raise ServiceError(
            "invalid_message", "`from` and `to` must be dates like 2026-05-31"
        ) from None
    if start > end:
        raise ServiceError("invalid_message", "`from` must not be after `to`")
    return start.isoformat(), end.isoformat()


def _table(request: Request, names: Iterable[str]) -> str:
    name = request.query_params.get("table", "")
    if name not in names:
        raise ServiceError("invalid_message", f"`table` must be one of: {', '.join(names)}")
    return name


class ResultsApi:
    """The results handlers, guarded like every API handler (``Api._guard``)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.service = api.service

    def routes(self) -> list[Route]:
        """The results API's routes."""
        h = self.api._guard
        c = "/api/contests/{contest_id}"
        p = "/api/public/contests/{contest_id}"
        return [
            Route(f"{c}/results", h(self.results), methods=["GET"]),
            Route(f"{c}/results.csv", h(self.results_csv), methods=["GET"]),
            Route(f"{c}/results.xlsx", h(self.results_xlsx), methods=["GET"]),
            Route(f"{c}/results/chart.svg", h(self.chart), methods=["GET"]),
            Route(f"{p}/results", h(self.public), methods=["GET"]),
            Route(f"{p}/results/chart.svg", h(self.public_chart), methods=["GET"]),
            Route("/api/admin/participation", h(self.participation), methods=["GET"]),
            Route("/api/admin/participation.csv", h(self.participation_csv), methods=["GET"]),
            Route("/api/admin/participation.xlsx", h(self.participation_xlsx), methods=["GET"]),
        ]

    async def _results(self, contest_id: str) -> ContestResults:
        results = await self.service._db(load_results, self.service.store, contest_id)
        if results is None:
            raise ServiceError("contest_not_found", f"no contest {contest_id!r}", 404)
        return results  # type: ignore[no-any-return]

    async def _for_host(self, request: Request) -> ContestResults:
        """The results, for the contest's host or the admin."""
        contest_id = str(request.path_params["contest_id"])
        if not admin_allowed(request, self.service.settings):
            await self.service.ensure(contest_id)  # 404 for an unknown contest
            if not await self.service.check_host(contest_id, bearer(request)):
                raise ServiceError("unauthorized", "the host secret is missing or wrong", 401)
        return await self._results(contest_id)

    async def _for_public(self, request: Request) -> ContestResults:
        results = await self._results(str(request.path_params["contest_id"]))
        if results.status != "finished":
            raise ServiceError(
                "not_finished", "the public results appear when the contest has finished", 409
            )
        return public_results(results)

    async def results(self, request: Request) -> Response:
        return _json(await self._for_host(request))

    async def results_csv(self, request: Request) -> Response:
        name = _table(request, RESULT_TABLES)
        results = await self._for_host(request)
        table = results_tables(results, _language(request))[name]
        return _file(to_csv(table), CSV_TYPE, f"{results.contest_id}-{name}.csv")

    async def results_xlsx(self, request: Request) -> Response:
        results = await self._for_host(request)
        book = to_xlsx(results_tables(results, _language(request)), chart_sheet="progression")
        return _file(book, XLSX_TYPE, f"{results.contest_id}-results.xlsx")

    async def chart(self, request: Request) -> Response:
        svg = progression_chart(await self._for_host(request), _language(request))
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def public(self, request: Request) -> Response:
        return _json(await self._for_public(request))

    async def public_chart(self, request: Request) -> Response:
        svg = progression_chart(await self._for_public(request), _language(request))
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def _participation(self, request: Request) -> Any:
        require_admin(request, self.service.settings)
        date_from, date_to = _dates(request)
        chosen = await self.service._db(load_participation, self.service.store, date_from, date_to)
        return participation(chosen, date_from, date_to)

    async def participation(self, request: Request) -> Response:
        return _json(await self._participation(request))

    async def participation_csv(self, request: Request) -> Response:
        name = _table(request, PARTICIPATION_TABLES)
        report = await self._participation(request)
        table = participation_tables(report)[name]
        return _file(to_csv(table), CSV_TYPE, f"participation-{report.date_from}-{name}.csv")

    async def participation_xlsx(self, request: Request) -> Response:
        report = await self._participation(request)
        book = to_xlsx(participation_tables(report))
        return _file(book, XLSX_TYPE, f"participation-{report.date_from}-{report.date_to}.xlsx")


def _json(value: object) -> Response:
    return Response(
        msgspec.json.encode(value),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
