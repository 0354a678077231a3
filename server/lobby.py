"""The big screen's lobby before the start: each team's join code as a QR code, and who joined.

Theory of operation
-------------------
``GET /api/contests/{id}/lobby`` answers a venue's big screen (its screen token as
``Authorization: Bearer st_…``) or the host. While the contest has not started, every team comes
with its join code, the tablet link that carries it (``/play/{id}#code=…`` — the code rides in the
fragment, which a browser never sends to a server) and that link as a QR code, an inline SVG made
by segno on the server. The players who joined are listed by their short display names (the names
the screens show anyway). Once the contest starts the codes are left out and the screen leaves its
lobby. The screen asks again every few seconds, so new players appear while people join. The
contest's start time (``starts_at``, set when it was created; migration 0007) comes along, as an
ISO 8601 UTC time or ``null``.

The link's host is ``QUIZ_PUBLIC_URL`` when set, else the address the screen itself used.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.api import Api, bearer, iso_time
from server.contests import ServiceError


def join_url(base: str, contest_id: str, join_code: str) -> str:
    """The tablet link that joins a team: the code in the fragment."""
    return f"{base.rstrip('/')}/play/{quote(contest_id, safe='')}#code={quote(join_code, safe='')}"


def qr_svg(text: str) -> str:
    """``text`` as a QR code: an inline SVG (no XML declaration), scalable by CSS."""
    code = segno.make(text, error="m")
    return str(code.svg_inline(scale=1, border=2, dark="#111111", light="#ffffff", omitsize=True))


class LobbyApi:
    """The lobby handler, guarded like every API handler (``Api._guard``)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.service = api.service

    def routes(self) -> list[Route]:
        """The lobby's route."""
        return [Route("/api/contests/{contest_id}/lobby", self.api._guard(self.lobby))]

    async def lobby(self, request: Request) -> Response:
        contest_id = str(request.path_params["contest_id"])
        runner = await self.service.ensure(contest_id)
        token = bearer(request)
        screen = await self.service.screen_for_token(contest_id, token)
        if screen is None and not await self.service.check_host(contest_id, token):
            raise ServiceError("unauthorized", "the screen token is missing or wrong", 401)
        state = runner.state
        waiting = state.status in ("new", "setup")
        codes = (
            {t["team_id"]: t["join_code"] for t in await self.service.teams(contest_id)}
            if waiting
            else {}
        )
        base = self.service.settings.public_url or str(request.base_url)
        row = await self.service._db(self.service.store.contest, contest_id)
        teams: list[dict[str, Any]] = []
        for team in state.teams.values():
            entry: dict[str, Any] = {
                "team_id": team.id,
                "name": team.name,
                "venue": team.venue,
                "colour": team.colour,
                "players": [p.display_name for p in state.players.values() if p.team_id == team.id],
            }
            code = codes.get(team.id)
            if code:
                url = join_url(base, contest_id, code)
                entry.update(join_code=code, join_url=url, qr_svg=qr_svg(url))
            teams.append(entry)
        return JSONResponse(
            {
                "contest_id": contest_id,
                "title": state.title,
                "status": state.status,
                "starts_at": iso_time(row.starts_at if row is not None else None),
                "teams": teams,
            },
            headers={"Cache-Control": "no-store"},
        )
