"""The HTTP API of registration (docs/api.md, "Registration kiosks"): kiosks, card checks,
registrations, tablet codes, the host's list of players and erasing one.

Handlers check their caller (the host secret, or a kiosk token, as a Bearer token; claiming a
tablet code needs no credential but is throttled like join codes) and call the ``Registrar``.
Errors, browser safety and database outages are handled by the API's guard (``server.api``).
Card numbers and PINs arrive only in request bodies, which nothing logs.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from game import commands as c
from server.api import Api, bearer, body_of
from server.contests import ServiceError
from server.registration import Kiosk, Registrar
from server.registration_store import participation

KIOSK_GENERATIONS = ("child", "adult", "senior")
"""The generations a kiosk offers (the engine also knows ``teen``; docs/displays.md)."""


def _field(data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ServiceError("invalid_message", f"`{key}` must be a text of 1–{limit} characters")
    return value


class KioskApi:
    """Registration's handlers, guarded like the rest of the API."""

    def __init__(self, api: Api, registrar: Registrar) -> None:
        self.api = api
        self.registrar = registrar
        self.service = api.service

    def routes(self) -> list[Route]:
        h = self.api._guard
        base = "/api/contests/{contest_id}"
        return [
            Route(f"{base}/kiosks", h(self.add_kiosk), methods=["POST"]),
            Route(f"{base}/kiosk", h(self.kiosk), methods=["GET"]),
            Route(f"{base}/kiosk/lookup", h(self.lookup), methods=["POST"]),
            Route(f"{base}/kiosk/register", h(self.register), methods=["POST"]),
            Route(f"{base}/kiosk/librarian", h(self.librarian), methods=["POST"]),
            Route(f"{base}/claim", h(self.claim), methods=["POST"]),
            Route(f"{base}/players", h(self.players), methods=["GET"]),
            Route(f"{base}/players/{{player_id}}/erase", h(self.erase), methods=["POST"]),
        ]

    def _base_url(self, request: Request) -> str:
        return self.service.settings.public_url or str(request.base_url).rstrip("/")

    async def _kiosk(self, request: Request) -> Kiosk:
        contest_id = str(request.path_params["contest_id"])
        await self.service.ensure(contest_id)
        return await self.registrar.kiosk_for_token(contest_id, bearer(request))

    # --- the host -------------------------------------------------------------------------------

    async def add_kiosk(self, request: Request) -> Response:
        contest_id = await self.api._host(request)
        data = await body_of(request)
        venue = _field(data, "venue", 100)
        library = _field(data, "library", 100, required=False)
        pin = data.get("librarian_pin")
        if pin is not None and not isinstance(pin, str):
            raise ServiceError("invalid_message", "`librarian_pin` must be 4-12 digits")
        assert venue is not None
        kiosk_id, name, token = await self.registrar.add_kiosk(
            contest_id, venue.strip(), library, pin
        )
        return JSONResponse(
            {
                "kiosk_id": kiosk_id,
                "library": name,
                "kiosk_token": token,
                # The token rides in the fragment: browsers never send it to a server or a log.
                "url": f"/kiosk/{contest_id}#token={token}",
            },
            status_code=201,
        )

    async def players(self, request: Request) -> Response:
        contest_id = await self.api._host(request)
        records = await self.registrar.registrations(contest_id)
        state = self.service.runner(contest_id).state
        return JSONResponse(
            {
                "players": [
                    {
                        "player_id": r.player_id,
                        "team_id": r.team_id,
                        "display_name": r.display_name,
                        "generation": r.generation,
                        "library": r.library,
                        "registered_via": r.registered_via or "code",
                        "in_contest": r.player_id in state.players,
                        "erased": r.erased,
                    }
                    for r in records
                ],
                "participation": participation(records),
            }
        )

    async def erase(self, request: Request) -> Response:
        """Remove a player and delete their personal data (on their request)."""
        contest_id = await self.api._host(request)
        player_id = str(request.path_params["player_id"])
        runner = self.service.runner(contest_id)
        known = {r.player_id for r in await self.registrar.registrations(contest_id)}
        if player_id not in known and player_id not in runner.state.players:
            raise ServiceError("unknown_player", f"there is no player {player_id!r}", 404)
        if player_id in runner.state.players:  # removal erases in the same transaction
            await runner.submit(c.RemovePlayer(at=0, player_id=player_id))
        else:
            await self.service._db(self.registrar.db.erase_players, contest_id, [player_id])
        return JSONResponse({"player_id": player_id, "erased": True})

    # --- the kiosk ------------------------------------------------------------------------------

    async def kiosk(self, request: Request) -> Response:
        kiosk = await self._kiosk(request)
        state = self.service.runner(kiosk.contest_id).state
        return JSONResponse(
            {
                "kiosk_id": kiosk.kiosk_id,
                "venue": kiosk.venue,
                "library": kiosk.library,
                "contest_title": state.title,
                "pin_required": self.registrar.pin_required(kiosk),
                "librarian_fallback": kiosk.librarian_fallback,
                "teams": await self.registrar.kiosk_teams(kiosk),
                "generations": list(KIOSK_GENERATIONS),
            }
        )

    async def lookup(self, request: Request) -> Response:
        kiosk = await self._kiosk(request)
        data = await body_of(request)
        card = data.get("card")
        pin = data.get("pin")
        if not isinstance(card, str) or len(card) > 200:
            raise ServiceError("invalid_card_number", "`card` must be the card number as text")
        if pin is not None and (not isinstance(pin, str) or len(pin) > 200):
            raise ServiceError("invalid_pin", "`pin` must be text")
        return JSONResponse(await self.registrar.lookup(kiosk, card, pin or None))

    async def register(self, request: Request) -> Response:
        kiosk = await self._kiosk(request)
        data = await body_of(request)
        registration = _field(data, "registration", 2000)
        team_id = _field(data, "team_id", 64)
        generation = _field(data, "generation", 16, required=False)
        assert registration is not None and team_id is not None
        answer = await self.registrar.register(
            kiosk, registration, team_id, generation, self._base_url(request)
        )
        return JSONResponse(answer, status_code=200 if answer["again"] else 201)

    async def librarian(self, request: Request) -> Response:
        kiosk = await self._kiosk(request)
        data = await body_of(request)
        pin = _field(data, "librarian_pin", 12)
        name = _field(data, "name", 80)
        team_id = _field(data, "team_id", 64)
        generation = _field(data, "generation", 16, required=False)
        assert pin is not None and name is not None and team_id is not None
        answer = await self.registrar.librarian(
            kiosk, pin, name, team_id, generation, self._base_url(request)
        )
        return JSONResponse(answer, status_code=201)

    # --- the tablet -----------------------------------------------------------------------------

    async def claim(self, request: Request) -> Response:
        """A tablet takes a player with the code the kiosk showed (throttled like join codes)."""
        contest_id = str(request.path_params["contest_id"])
        guesser = await self.api.check_guesser(request, contest_id, "wrong codes")
        await self.service.ensure(contest_id)
        data = await body_of(request)
        code = _field(data, "tablet_code", 32)
        assert code is not None
        found = await self.registrar.claim(contest_id, code)
        if found is None:
            await self.api.wrong_guess(guesser, contest_id)
            raise ServiceError(
                "bad_tablet_code", "this code is not valid (or was used or is too old)", 403
            )
        player_id, team_id, token, name = found
        return JSONResponse(
            {
                "player_id": player_id,
                "team_id": team_id,
                "player_token": token,
                "display_name": name,
            },
            status_code=201,
        )
