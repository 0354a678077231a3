"""The admin area's HTTP API: the contests of this server, question packs, and a new host secret.

Theory of operation
-------------------
The admin is whoever holds ``QUIZ_ADMIN_TOKEN`` (docs/settings.md), sent like a host secret as
``Authorization: Bearer <token>``. A server without the setting has no admin token: then, as for
creating a contest (docs/api.md), only clients on the server's own machine are the admin. The
admin page (``/admin``) asks for the token once and keeps it in the tab's ``sessionStorage``; it
never rides in a URL, so it never reaches an access log.

Creating a contest is one request, ``POST /api/admin/contests`` with the whole plan (teams, rounds,
and the screens, agents and kiosks of each venue): checked in full first, then written in one
transaction (server/setup_plan.py), so an error leaves no half-made contest. To reopen a contest's
host console later, the admin asks for a **new host secret** (``POST …/host-secret``): the old one
is refused from then on (a console still connected with it keeps its connection until it
reconnects, and is then asked to sign in), and the new one opens the console through the URL
fragment ``#secret=…`` (never sent to the server). Rotating rather than letting the admin token
act as a host secret keeps the admin token out of every host console and every WebSocket hello.

The contest list and the rotation read and write the ``contests`` table directly, in the store's
thread (``ContestService._db``): two small queries that nothing else needs.
"""

from __future__ import annotations

import datetime
import hmac
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from content.loader import Pack
from displays import render_page
from displays.after import render_after
from server import setup_plan
from server.api import LOOPBACK, Api, bearer, body_of, iso_time
from server.contests import ContestService, ServiceError, hash_secret, new_secret
from server.packs import PackError
from server.settings import Settings
from server.store import Store, contests

MAX_PREVIEW = 500  # questions one preview request lists at most


def admin_allowed(request: Request, settings: Settings) -> bool:
    """Whether the request comes from the admin: the admin token, or — when the server has
    none — a client on the server's own machine."""
    if settings.admin_token:
        token = bearer(request) or ""
        return hmac.compare_digest(token.encode(), settings.admin_token.encode())
    return (request.client.host if request.client else "") in LOOPBACK


def require_admin(request: Request, settings: Settings) -> None:
    """``ServiceError`` 401 unless the request comes from the admin."""
    if not admin_allowed(request, settings):
        raise ServiceError("unauthorized", "the admin token is missing or wrong", 401)


def iso_date(us: int | None) -> str | None:
    """A time in µs since the epoch as an ISO date and time (UTC), or ``None``."""
    if us is None:
        return None
    moment = datetime.datetime.fromtimestamp(us / 1e6, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds")


def contest_rows(store: Store) -> list[dict[str, Any]]:
    """Every contest of the database, newest first (in the store's thread)."""
    with store.engine.connect() as db:
        rows = db.execute(
            sa.select(
                contests.c.contest_id,
                contests.c.title,
                contests.c.status,
                contests.c.created_at,
                contests.c.finished_at,
                contests.c.starts_at,
            ).order_by(contests.c.created_at.desc())
        ).all()
    return [
        {
            "contest_id": row.contest_id,
            "title": row.title,
            "status": row.status,
            "created_at": iso_date(row.created_at),
            "finished_at": iso_date(row.finished_at),
            "starts_at": iso_time(row.starts_at),
            "created_at_us": row.created_at,
        }
        for row in rows
    ]


def set_host_secret(store: Store, contest_id: str, secret_hash: str) -> bool:
    """Replace a contest's host secret hash; whether the contest exists (store's thread)."""
    with store.engine.begin() as db:
        done = db.execute(
            contests.update()
            .where(contests.c.contest_id == contest_id)
            .values(host_secret_hash=secret_hash)
        )
    return bool(done.rowcount)


def pack_summary(pack: Pack) -> dict[str, Any]:
    """A pack as the admin's form lists it: title, languages, topics and difficulties."""
    topics = sorted({q.topic for q in pack.questions if q.topic})
    difficulties = sorted({q.difficulty for q in pack.questions if q.difficulty is not None})
    return {
        "pack": pack.id,
        "version": pack.version,
        "title": dict(pack.title),
        "languages": list(pack.languages),
        "questions": len(pack.questions),
        "topics": topics,
        "difficulties": difficulties,
        "types": sorted({type(q).__name__ for q in pack.questions}),
    }


def question_preview(question: Any) -> dict[str, Any]:
    """A question's texts in every language, for the admin's preview (no correct answer: the
    preview is shown on a screen someone may be looking at)."""
    tag = type(question).__struct_config__.tag
    options = getattr(question, "options", None) or getattr(question, "items", None) or ()
    return {
        "id": question.id,
        "type": tag,
        "topic": question.topic,
        "difficulty": question.difficulty,
        "text": dict(question.text),
        "options": [{"id": o.id, "text": dict(o.text)} for o in options],
    }


class AdminApi:
    """The admin's handlers, guarded like every API handler (``Api._guard``)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.service = api.service

    def routes(self) -> list[Route]:
        """The admin API's routes."""
        h = self.api._guard
        return [
            Route("/api/admin/contests", h(self.contests), methods=["GET"]),
            Route("/api/admin/contests", h(self.create_contest), methods=["POST"]),
            Route("/api/admin/packs", h(self.packs), methods=["GET"]),
            Route("/api/admin/packs/{pack_id}/questions", h(self.questions), methods=["GET"]),
            Route(
                "/api/admin/contests/{contest_id}/host-secret",
                h(self.rotate_host_secret),
                methods=["POST"],
            ),
        ]

    async def contests(self, request: Request) -> Response:
        require_admin(request, self.service.settings)
        rows = await self.service._db(contest_rows, self.service.store)
        return JSONResponse({"contests": rows})

    async def create_contest(self, request: Request) -> Response:
        require_admin(request, self.service.settings)
        data = await body_of(request)
        registrar = self.api.registrar
        if registrar is None:  # the app always has one; a bare Api in a test may not
            raise ServiceError("no_libraries", "registration is not set up on this server", 409)
        answer = await setup_plan.create(self.service, registrar, data)
        return JSONResponse(answer, status_code=200 if answer.get("dry_run") else 201)

    async def packs(self, request: Request) -> Response:
        require_admin(request, self.service.settings)
        try:
            packs = self.service.packs.packs()
        except PackError as broken:
            raise ServiceError(broken.code, broken.message) from None
        return JSONResponse({"packs": [pack_summary(p) for _, p in sorted(packs.items())]})

    async def questions(self, request: Request) -> Response:
        require_admin(request, self.service.settings)
        try:
            pack = self.service.packs.pack(request.path_params["pack_id"])
        except PackError as unknown:
            raise ServiceError(unknown.code, unknown.message, 404) from None
        topic = request.query_params.get("topic") or None
        try:
            difficulty = int(request.query_params.get("difficulty") or 0) or None
        except ValueError:
            raise ServiceError("invalid_message", "`difficulty` must be 1, 2 or 3") from None
        chosen = [
            question_preview(q)
            for q in pack.questions
            if (topic is None or q.topic == topic)
            and (difficulty is None or q.difficulty == difficulty)
        ]
        return JSONResponse({"pack": pack.id, "questions": chosen[:MAX_PREVIEW]})

    async def rotate_host_secret(self, request: Request) -> Response:
        require_admin(request, self.service.settings)
        await body_of(request)  # a JSON object, like every change (may be empty: {})
        contest_id = str(request.path_params["contest_id"])
        secret = new_secret("hs")
        found = await self.service._db(
            set_host_secret, self.service.store, contest_id, hash_secret(secret)
        )
        if not found:
            raise ServiceError("contest_not_found", f"no contest {contest_id!r}", 404)
        return JSONResponse(
            {
                "contest_id": contest_id,
                "host_secret": secret,
                # The secret rides in the fragment: browsers never send it to a server or a log.
                "url": f"/host/{contest_id}#secret={secret}",
            }
        )


def page_routes(service: ContestService) -> list[Route]:
    """The pages: the admin area (``/admin``) and a contest's results (``/results/{id}``)."""

    def language(request: Request) -> str:
        return request.query_params.get("lang", service.settings.default_lang)

    async def admin_page(request: Request) -> Response:
        return HTMLResponse(render_after("admin", lang=language(request)))

    async def results_page(request: Request) -> Response:
        contest_id = str(request.path_params["contest_id"])
        try:
            runner = await service.ensure(contest_id)  # a finished contest loads on first use
        except ServiceError as refused:  # 404 unknown, 503 database unavailable
            html = render_page("index", contest_id="", lang=language(request))
            return HTMLResponse(html, status_code=refused.status)
        html = render_after(
            "results",
            lang=language(request),
            contest_id=contest_id,
            contest_title=runner.state.title,
        )
        return HTMLResponse(html)

    return [Route("/admin", admin_page), Route("/results/{contest_id:str}", results_page)]
