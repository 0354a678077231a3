"""The HTTP JSON API (docs/protocol.md §2): contests, teams, rounds, agents, joining, the log.

Each handler validates its body, checks the caller (host secret as a Bearer token; the admin token
or a loopback client for creating contests) and calls the ``ContestService``. Errors are JSON
``{"error": {"code", "message"}}`` with a 4xx status and a stable code.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from game.errors import RuleError
from game.views import host_view
from server.contests import (
    ContestService,
    DatabaseUnavailable,
    ServiceError,
    database_failure,
    database_reason,
    time_mode_of,
)
from server.origins import request_origin_allowed
from server.protocol import ProtocolError, decode_json
from server.runner import CommitFailed, ContestBusy, describe
from server.store import Store, contests
from server.throttle import SharedThrottle

if TYPE_CHECKING:
    from server.registration import Registrar

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]
LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}
MAX_BODY = 2 * 1024 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JOIN_WINDOW = 60.0  # seconds
JOIN_FAILURES_PER_ADDRESS = 10  # wrong join codes a minute from one address, for one contest
JOIN_FAILURES_PER_CONTEST = 60  # wrong join codes a minute for one contest, from everywhere
MAX_AGENT_TEAMS = 64  # teams one venue agent may press for
JOIN_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")  # a tablet's key for one join attempt


def problem(code: str, message: str, status: int) -> JSONResponse:
    """An error response."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _unavailable() -> JSONResponse:
    unavailable = DatabaseUnavailable()
    return problem(unavailable.code, unavailable.message, unavailable.status)


def bearer(request: Request) -> str | None:
    """The Bearer token of a request."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def body_of(request: Request) -> dict[str, Any]:
    """The JSON object body of a request; ``ServiceError`` when it is not one."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ServiceError("message_too_large", "the request body is too large", 413)
    try:  # the WebSocket's limits: nesting at most MAX_NESTING deep, integers in 64 bits
        data = decode_json(raw or b"{}")
    except ProtocolError as refused:
        raise ServiceError(refused.code, f"the body: {refused.message}") from None
    if not isinstance(data, dict):
        raise ServiceError("invalid_message", "the body must be a JSON object")
    return data


def starts_at_of(data: dict[str, Any]) -> int | None:
    """``starts_at`` of a new contest: an ISO 8601 date and time with its UTC offset
    (``2026-05-14T18:00:00+03:00`` or ``…Z``) as µs since the epoch; ``None`` when absent."""
    value = data.get("starts_at")
    if value is None or value == "":
        return None
    problem = "`starts_at` must be a date and time with its UTC offset, like 2026-05-14T15:00:00Z"
    if not isinstance(value, str) or len(value) > 40:
        raise ServiceError("invalid_message", problem)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ServiceError("invalid_message", problem) from None
    if moment.tzinfo is None:
        raise ServiceError("invalid_message", problem)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def iso_time(us: int | None) -> str | None:
    """µs since the epoch as an ISO 8601 UTC date and time (``2026-05-14T15:00:00Z``)."""
    if us is None:
        return None
    moment = datetime.datetime.fromtimestamp(us / 1e6, tz=datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _set_starts_at(store: Store, contest_id: str, starts_at: int) -> None:
    with store.engine.begin() as db:
        db.execute(
            contests.update().where(contests.c.contest_id == contest_id).values(starts_at=starts_at)
        )


def _text(data: dict[str, Any], key: str, *, required: bool = True, limit: int = 200) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ServiceError("invalid_message", f"`{key}` must be a text of 1–{limit} characters")
    return value.strip()


class Api:
    """The API's handlers, bound to one service."""

    def __init__(self, service: ContestService, registrar: Registrar | None = None) -> None:
        self.service = service
        self.registrar = registrar  # kiosks and libraries (server/registration.py)
        # Wrong join codes: per client address and contest, and per contest from everywhere.
        # Counted in Redis with several processes, so a load balancer does not multiply them.
        self.join_guesses = SharedThrottle(
            "join-address",
            JOIN_FAILURES_PER_ADDRESS,
            JOIN_WINDOW,
            time.monotonic,
            service.shared_redis,
        )
        self.contest_guesses = SharedThrottle(
            "join-contest",
            JOIN_FAILURES_PER_CONTEST,
            JOIN_WINDOW,
            time.monotonic,
            service.shared_redis,
        )

    def routes(self) -> list[Route]:
        """The API's routes."""
        h = self._guard
        return [
            Route("/healthz", h(self.healthz), methods=["GET"]),
            Route("/api/contests", h(self.create_contest), methods=["POST"]),
            Route("/api/contests/{contest_id}", h(self.contest), methods=["GET"]),
            Route("/api/contests/{contest_id}/teams", h(self.add_team), methods=["POST"]),
            Route("/api/contests/{contest_id}/teams", h(self.teams), methods=["GET"]),
            Route(
                "/api/contests/{contest_id}/teams/{team_id}/time_mode",
                h(self.set_team_time_mode),
                methods=["POST"],
            ),
            Route("/api/contests/{contest_id}/rounds", h(self.add_round), methods=["POST"]),
            Route("/api/contests/{contest_id}/agents", h(self.add_agent), methods=["POST"]),
            Route("/api/contests/{contest_id}/agents", h(self.agents), methods=["GET"]),
            Route(
                "/api/contests/{contest_id}/agents/{agent_id}/revoke",
                h(self.revoke_agent),
                methods=["POST"],
            ),
            Route(
                "/api/contests/{contest_id}/agents/{agent_id}/rename",
                h(self.rename_agent),
                methods=["POST"],
            ),
            Route("/api/contests/{contest_id}/screens", h(self.add_screen), methods=["POST"]),
            Route("/api/contests/{contest_id}/join", h(self.join), methods=["POST"]),
            Route("/api/contests/{contest_id}/events", h(self.events), methods=["GET"]),
        ]

    def _guard(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS:
                    self._check_browser_safety(request)
                return await handler(request)
            except ServiceError as refused:
                response = problem(refused.code, refused.message, refused.status)
                if refused.retry_after is not None:
                    response.headers["Retry-After"] = str(max(1, math.ceil(refused.retry_after)))
                return response
            except (RuleError, ContestBusy, CommitFailed) as refused:
                if database_failure(refused):  # a commit the database could not take
                    return _unavailable()
                fields = describe(refused)
                status = 503 if isinstance(refused, ContestBusy | CommitFailed) else 400
                return problem(fields["code"], fields["message"], status)
            except Exception as failure:  # the database failed below the service: 503, not 500
                if not database_failure(failure):
                    raise
                log.warning("database unavailable: %s", database_reason(failure))
                return _unavailable()

        return guarded

    def _check_browser_safety(self, request: Request) -> None:
        """A state-changing call takes only a JSON body, from no page or a page of an allowed
        origin: a browser sends ``application/json`` across sites only after a CORS preflight,
        which this server never grants, so a foreign page cannot forge the call (a
        ``text/plain`` form post would otherwise reach it)."""
        if not request_origin_allowed(request.scope, self.service.settings):
            raise ServiceError(
                "forbidden_origin", "requests from this page's origin are refused", 403
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ServiceError(
                "unsupported_media_type",
                "send the body as JSON (Content-Type: application/json)",
                415,
            )

    async def _host(self, request: Request) -> str:
        contest_id = request.path_params["contest_id"]
        await self.service.ensure(contest_id)
        if not await self.service.check_host(contest_id, bearer(request)):
            raise ServiceError("unauthorized", "the host secret is missing or wrong", 401)
        return str(contest_id)

    async def healthz(self, request: Request) -> Response:
        from server import __version__

        report = {
            "status": "ok",
            "database": "ok",
            "contests": len(self.service.runners),
            "version": __version__,
        }
        reason = await self.service.database_problem()
        if reason is None:
            return JSONResponse(report)
        degraded = {**report, "status": "degraded", "database": "unavailable", "reason": reason}
        return JSONResponse(degraded, status_code=503)

    async def create_contest(self, request: Request) -> Response:
        admin = self.service.settings.admin_token
        if admin:
            token = bearer(request) or ""
            if not hmac.compare_digest(token.encode(), admin.encode()):
                raise ServiceError("unauthorized", "the admin token is missing or wrong", 401)
        elif (request.client.host if request.client else "") not in LOOPBACK:
            raise ServiceError(
                "forbidden",
                "contests can be created only from this machine unless QUIZ_ADMIN_TOKEN is set",
                403,
            )
        data = await body_of(request)
        title = _text(data, "title")
        languages = data.get("languages", ["lv", "lt", "en"])
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise ServiceError("invalid_message", "`languages` must be a list of language codes")
        contest_id = data.get("contest_id")
        if contest_id is not None and not isinstance(contest_id, str):
            raise ServiceError("invalid_message", "`contest_id` must be a text")
        starts_at = starts_at_of(data)  # checked before anything is made
        contest_id, secret = await self.service.create_contest(title, tuple(languages), contest_id)
        if starts_at is not None:  # migration 0007
            await self.service._db(_set_starts_at, self.service.store, contest_id, starts_at)
        urls = {
            "host": f"/host/{contest_id}",
            "display": f"/screen/{contest_id}",
            "audience": f"/watch/{contest_id}",
            "join": f"/play/{contest_id}",
        }
        return JSONResponse(
            {
                "contest_id": contest_id,
                "host_secret": secret,
                "urls": urls,
                "starts_at": iso_time(starts_at),
            },
            status_code=201,
        )

    async def contest(self, request: Request) -> Response:
        contest_id = await self._host(request)
        state = self.service.runner(contest_id).state
        return JSONResponse(host_view(state))

    async def add_team(self, request: Request) -> Response:
        contest_id = await self._host(request)
        data = await body_of(request)
        team_id = data.get("team_id")
        if team_id is not None and not isinstance(team_id, str):
            raise ServiceError("invalid_message", "`team_id` must be a text")
        colour = data.get("colour", "#3366cc")
        if not isinstance(colour, str):
            raise ServiceError("invalid_message", "`colour` must look like #1a2b3c")
        name = _text(data, "name", limit=100)
        library = _text(data, "library", required=False, limit=100) or None
        if library is not None and self.registrar is not None:  # a configured one, or refused
            library = self.registrar.library_name(library)
        team_id, code = await self.service.add_team(
            contest_id,
            name,
            _text(data, "venue", required=False, limit=100) or name,
            colour,
            team_id,
            time_mode_of(data),
        )
        if library is not None and self.registrar is not None:
            await self.registrar.set_team_library(contest_id, team_id, library)
        return JSONResponse({"team_id": team_id, "join_code": code}, status_code=201)

    async def teams(self, request: Request) -> Response:
        contest_id = await self._host(request)
        teams = await self.service.teams(contest_id)
        if self.registrar is not None:  # the library whose kiosks register each team's players
            libraries = await self.registrar.team_libraries(contest_id)
            teams = [{**team, "library": libraries.get(team["team_id"])} for team in teams]
        return JSONResponse({"teams": teams})

    async def set_team_time_mode(self, request: Request) -> Response:
        """Senior and accessible mode for one team (the host console's teams list; the same as
        the WebSocket command ``set_team_time_mode``)."""
        contest_id = await self._host(request)
        team_id = str(request.path_params["team_id"])
        data = await body_of(request)
        if "time_mode" not in data:
            raise ServiceError("invalid_message", "give the team's `time_mode`")
        mode = time_mode_of(data)
        await self.service.set_team_time_mode(contest_id, team_id, mode)
        return JSONResponse({"team_id": team_id, "time_mode": mode})

    async def add_round(self, request: Request) -> Response:
        contest_id = await self._host(request)
        index, round_id, count = await self.service.add_round(contest_id, await body_of(request))
        return JSONResponse(
            {"round_index": index, "round_id": round_id, "questions": count}, status_code=201
        )

    async def add_agent(self, request: Request) -> Response:
        contest_id = await self._host(request)
        data = await body_of(request)
        teams = data.get("teams")
        if (
            not isinstance(teams, list)
            or len(teams) > MAX_AGENT_TEAMS
            or not all(isinstance(t, str) and len(t) <= 64 for t in teams)
        ):
            raise ServiceError(
                "invalid_message", f"`teams` must be a list of at most {MAX_AGENT_TEAMS} team ids"
            )
        venue = _text(data, "venue", limit=100)
        agent_id, token = await self.service.add_agent(contest_id, venue, teams)
        return JSONResponse(
            {
                "agent_id": agent_id,
                "agent_token": token,
                "venue": venue,
                "teams": list(dict.fromkeys(teams)),
            },
            status_code=201,
        )

    async def agents(self, request: Request) -> Response:
        contest_id = await self._host(request)
        return JSONResponse({"agents": await self.service.agents(contest_id)})

    async def revoke_agent(self, request: Request) -> Response:
        contest_id = await self._host(request)
        await body_of(request)  # a JSON object, like every change (may be empty: {})
        agent_id = str(request.path_params["agent_id"])
        return JSONResponse(await self.service.revoke_agent(contest_id, agent_id))

    async def rename_agent(self, request: Request) -> Response:
        contest_id = await self._host(request)
        venue = _text(await body_of(request), "venue", limit=100)
        agent_id = str(request.path_params["agent_id"])
        return JSONResponse(await self.service.rename_agent(contest_id, agent_id, venue))

    async def add_screen(self, request: Request) -> Response:
        contest_id = await self._host(request)
        data = await body_of(request)
        screen_id, token = await self.service.add_screen(
            contest_id, _text(data, "venue", limit=100)
        )
        return JSONResponse(
            {
                "screen_id": screen_id,
                "screen_token": token,
                # The token rides in the fragment: browsers never send it to a server or a log.
                "url": f"/screen/{contest_id}#token={token}",
            },
            status_code=201,
        )

    async def join(self, request: Request) -> Response:
        contest_id = request.path_params["contest_id"]
        guesser = await self.check_guesser(request, contest_id, "wrong join codes")
        data = await body_of(request)
        generation = data.get("generation")
        if generation is not None and not isinstance(generation, str):
            raise ServiceError("invalid_message", "`generation` must be a text")
        join_key = data.get("join_key")
        if join_key is not None and not (
            isinstance(join_key, str) and JOIN_KEY.fullmatch(join_key)
        ):
            raise ServiceError(
                "invalid_message", "`join_key` must be 16-64 letters, digits, '-' or '_'"
            )
        try:
            player_id, team_id, token = await self.service.join(
                contest_id,
                _text(data, "join_code", limit=32),
                _text(data, "display_name", limit=40),
                generation or None,
                join_key,
            )
        except ServiceError as refused:
            if refused.code == "bad_join_code":
                await self.wrong_guess(guesser, contest_id)
            raise
        return JSONResponse(
            {"player_id": player_id, "team_id": team_id, "player_token": token}, status_code=201
        )

    async def check_guesser(self, request: Request, contest_id: str, what: str) -> str:
        """Refuse (429 ``too_many_attempts``) a client address, or a whole contest, that made too
        many wrong guesses of a code lately; returns the address's throttle key."""
        guesser = f"{contest_id}/{request.client.host if request.client else ''}"
        wait = max(
            await self.join_guesses.retry_after(guesser),
            await self.contest_guesses.retry_after(contest_id),
        )
        if wait > 0:
            raise ServiceError(
                "too_many_attempts",
                f"too many {what}; try again in {math.ceil(wait)} s",
                429,
                retry_after=wait,
            )
        return guesser

    async def wrong_guess(self, guesser: str, contest_id: str) -> None:
        """Count a wrong code against its address (``check_guesser``'s key) and its contest."""
        await self.join_guesses.failed(guesser)
        await self.contest_guesses.failed(contest_id)

    async def events(self, request: Request) -> Response:
        contest_id = await self._host(request)
        try:
            after = int(request.query_params.get("after", "0"))
        except ValueError:
            raise ServiceError("invalid_message", "`after` must be a whole number") from None
        return JSONResponse({"events": await self.service.events(contest_id, after)})
