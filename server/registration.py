"""Registration at the venue kiosk: library cards checked over SIP2, players made, tablet codes.

Theory of operation
-------------------
The host creates a kiosk per venue and library (``add_kiosk``: a ``kt_`` token, stored as its
hash, and optionally the librarian's PIN for the fallback, stored as its scrypt hash). The kiosk
page then goes through three calls, each authenticated with the kiosk token:

1. ``lookup(card, pin)`` asks the kiosk's library through ``circulation_bridge``. The check runs
   in a task of its own (owned here, cancelled at shutdown), never in a contest's runner; at most
   ``LOOKUPS_PER_LIBRARY`` run or wait per library, and the kiosk gets an answer within
   ``QUIZ_KIOSK_LOOKUP_TIMEOUT`` seconds whatever the library does: ``ok`` (with the short name
   the library gives), ``unknown_card``, ``wrong_pin``, ``blocked_card`` or
   ``library_unavailable``. An ``ok`` carries a *registration*: the card's keyed hash, the name,
   contest, kiosk and expiry, signed with a key derived from ``QUIZ_CARD_HASH_SECRET``, so that
   any server process can take the next call and nothing is held in memory.
2. ``register(registration, team, generation)`` makes the player (an ``add_player`` command with
   the player's row, card hash included, in one transaction) — or, for a card already
   registered in this contest, finds the same player; a card registered for another team is
   refused (``card_registered_elsewhere``). Only teams of the kiosk's library are offered.
3. The answer holds a one-time **tablet code** (eight digits, valid ``TABLET_CODE_TTL``), also as
   a QR code of ``/play/{contest}#pass=CODE``; the tablet's join page takes either (``claim``),
   which hands the tablet a fresh player token for that player.

``librarian(pin, name, team, generation)`` is the fallback when the library cannot answer: the
librarian's PIN, a typed name, and the player is flagged ``registered_via = librarian``.

Guessing is throttled (``server.throttle.SharedThrottle``, counted in Redis across processes):
wrong PINs per card hash and per kiosk, unknown cards per kiosk, wrong librarian PINs per kiosk;
wrong tablet codes like wrong join codes (the API's throttles). Card numbers and PINs are never
stored, logged or echoed: only the card's keyed hash leaves ``lookup``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import segno
import sqlalchemy as sa

from circulation_bridge import (
    BridgeSettings,
    CirculationBridge,
    ConfigurationError,
    InvalidInput,
    Reason,
)
from circulation_bridge.client import OpenStream, open_tcp_stream
from circulation_bridge.names import display_name as short_name
from circulation_bridge.names import normalize_name
from circulation_bridge.privacy import card_hash, check_pin, clean_card_number
from game import commands as c
from game.model import GENERATIONS, Generation
from server.contests import ContestService, ServiceError, hash_secret, new_secret
from server.registration_store import KioskRow, Registered, RegistrationStore, cutoffs
from server.store import ERASED_NAME, DuplicateRow, PlayerRow
from server.throttle import SharedThrottle

log = logging.getLogger(__name__)

LOOKUPS_PER_LIBRARY = 4
"""Card checks running or waiting per library; one more is answered ``library_unavailable`` at
once (a library whose system hangs must not collect a queue of kiosks)."""
REGISTRATION_TTL = 300.0
"""Seconds between a card check and the confirmation it allows."""
TABLET_CODE_TTL = 30 * 60.0
"""Seconds a tablet code stays valid; scanning the card again gives a new one."""
THROTTLE_WINDOW = 600.0
WRONG_PINS_PER_CARD = 5
FAILURES_PER_KIOSK = 20  # wrong PINs and unknown cards, per kiosk
WRONG_LIBRARIAN_PINS_PER_KIOSK = 5
OUTCOMES = ("ok", "unknown_card", "wrong_pin", "blocked_card", "library_unavailable")
VIA = ("card", "librarian", "code")


@dataclass(frozen=True)
class Kiosk:
    """A kiosk that authenticated with its token."""

    contest_id: str
    kiosk_id: str
    venue: str
    library: str
    librarian_fallback: bool
    librarian_pin_hash: str | None


@dataclass(frozen=True)
class Registration:
    """What a valid card check allows to confirm (signed; never the card number)."""

    contest_id: str
    kiosk_id: str
    card_hash: str
    display_name: str
    expires: float


def fold(name: str) -> str:
    """A name for matching: no case, no accents ("Liepāja" = "liepaja")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def hash_librarian_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt hex>$<hash hex>`` of a librarian's PIN (a short PIN needs a slow hash)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_librarian_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches a ``hash_librarian_pin`` value."""
    try:
        scheme, salt, _ = stored.split("$")
        expected = hash_librarian_pin(pin, bytes.fromhex(salt))
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(expected, stored)


class Registrar:
    """Kiosks, card checks and registrations of every contest of this server."""

    def __init__(
        self,
        service: ContestService,
        bridge_settings: BridgeSettings,
        *,
        lookup_timeout: float,
        open_stream: OpenStream = open_tcp_stream,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.settings = bridge_settings
        self.lookup_timeout = lookup_timeout
        self.bridge = CirculationBridge(bridge_settings, open_stream=open_stream)
        self.db = RegistrationStore(service.store)
        self._wall = wall
        self._busy: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # Counted in Redis with several processes (server/throttle.py), else in this one.
        shared = service.shared_redis
        self.card_pins = SharedThrottle(
            "card-pins", WRONG_PINS_PER_CARD, THROTTLE_WINDOW, monotonic, shared
        )
        self.kiosk_failures = SharedThrottle(
            "kiosk-failures", FAILURES_PER_KIOSK, THROTTLE_WINDOW, monotonic, shared
        )
        self.librarian_pins = SharedThrottle(
            "librarian-pins", WRONG_LIBRARIAN_PINS_PER_KIOSK, THROTTLE_WINDOW, monotonic, shared
        )
        secret = bridge_settings.card_hash_secret or b""
        self._signing_key = hmac.new(secret, b"quiz registration v1", hashlib.sha256).digest()

    @classmethod
    def from_environ(
        cls, service: ContestService, environ: dict[str, str], lookup_timeout: float
    ) -> Registrar:
        """Build from ``QUIZ_LIBRARIES`` and ``QUIZ_CARD_HASH_SECRET`` in ``environ``.

        Raises:
            ConfigurationError: the libraries' settings are wrong (the message names them).
        """
        return cls(service, BridgeSettings.from_environ(environ), lookup_timeout=lookup_timeout)

    async def stop(self) -> None:
        """Cancel running card checks and close the libraries' connections."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.bridge.aclose()

    # --- libraries and teams --------------------------------------------------------------------

    def library_name(self, name: str) -> str:
        """The configured name of a library (case and accents ignored).

        Raises:
            ServiceError: no libraries are configured, or none of that name.
        """
        if not self.settings.libraries:
            raise ServiceError(
                "no_libraries", "no libraries are configured on this server (QUIZ_LIBRARIES)", 409
            )
        try:
            return self.settings.library(name).name
        except ConfigurationError as unknown:
            raise ServiceError("unknown_library", unknown.message) from None

    def default_library(self, *names: str) -> str | None:
        """The library a team or venue belongs to when none is named: the configured library
        whose name equals one of ``names`` (team name, venue, id), else whose name is part of
        the venue ("Jelgava" in "Jelgavas pilsētas bibliotēka"); None when none fits."""
        folded = [fold(n) for n in names if n]
        for library in self.settings.libraries:
            if fold(library.name) in folded:
                return library.name
        for library in self.settings.libraries:
            if any(fold(library.name) in n for n in folded):
                return library.name
        return None

    async def set_team_library(self, contest_id: str, team_id: str, library: str | None) -> None:
        """Record which library's kiosks register a team (``None``: the default)."""
        await self.service._db(self.db.set_team_library, contest_id, team_id, library)

    async def team_libraries(self, contest_id: str) -> dict[str, str | None]:
        """Every team's library: the one named at creation, else ``default_library``."""
        state = (await self.service.ensure(contest_id)).state
        named = await self.service._db(self.db.team_libraries, contest_id)
        return {
            team.id: named.get(team.id) or self.default_library(team.name, team.venue, team.id)
            for team in state.teams.values()
        }

    async def kiosk_teams(self, kiosk: Kiosk) -> list[dict[str, str]]:
        """The teams a kiosk registers players for: those of its library."""
        state = (await self.service.ensure(kiosk.contest_id)).state
        libraries = await self.team_libraries(kiosk.contest_id)
        return [
            {"team_id": t.id, "name": t.name, "colour": t.colour}
            for t in state.teams.values()
            if libraries.get(t.id) == kiosk.library
        ]

    # --- kiosks ---------------------------------------------------------------------------------

    async def add_kiosk(
        self, contest_id: str, venue: str, library: str | None, librarian_pin: str | None
    ) -> tuple[str, str, str]:
        """Create a kiosk; returns (kiosk id, library, kiosk token — shown only now)."""
        await self.service.ensure(contest_id)
        name = self.library_name(library) if library else self.default_library(venue)
        if name is None:
            raise ServiceError(
                "unknown_library",
                f"no configured library fits venue {venue!r}: name one with `library`",
            )
        pin_hash = None
        if librarian_pin is not None:
            if not (4 <= len(librarian_pin) <= 12 and librarian_pin.isdigit()):
                raise ServiceError("invalid_message", "`librarian_pin` must be 4-12 digits")
            pin_hash = hash_librarian_pin(librarian_pin)
        kiosk_id = f"ki-{secrets.token_hex(3)}"
        token = new_secret("kt")
        row = KioskRow(
            contest_id,
            kiosk_id,
            venue,
            name,
            hash_secret(token),
            pin_hash,
            int(self._wall() * 1_000_000),
        )
        await self.service._db(self.db.add_kiosk, row)
        return kiosk_id, name, token

    async def kiosk_for_token(self, contest_id: str, token: str | None) -> Kiosk:
        """The kiosk a token belongs to; ``ServiceError`` 401 otherwise."""
        found = None
        if token:
            found = await self.service._db(self.db.kiosk_for_token, contest_id, hash_secret(token))
        if found is None:
            raise ServiceError("unauthorized", "the kiosk token is missing or wrong", 401)
        return Kiosk(
            contest_id,
            found.kiosk_id,
            found.venue,
            found.library,
            found.librarian_pin_hash is not None,
            found.librarian_pin_hash,
        )

    def pin_required(self, kiosk: Kiosk) -> bool:
        """Whether the kiosk's library asks for the card's PIN."""
        return self.settings.library(kiosk.library).pin_required

    # --- 1. the card check ----------------------------------------------------------------------

    async def lookup(self, kiosk: Kiosk, card: str, pin: str | None) -> dict[str, Any]:
        """Check a card at the kiosk's library; the answer never holds the card or PIN.

        Raises:
            ServiceError: ``too_many_attempts`` (429), ``invalid_card_number`` or
                ``invalid_pin`` (400).
        """
        await self._throttled(self.kiosk_failures, kiosk.kiosk_id, "card checks at this kiosk")
        library = self.settings.library(kiosk.library)
        secret = self.settings.card_hash_secret
        assert secret is not None  # BridgeSettings requires it once a library is configured
        try:
            card = clean_card_number(card)
            if pin is not None:
                check_pin(pin)
        except InvalidInput as refused:
            raise ServiceError(refused.code, refused.message) from None
        hashed = card_hash(secret, library.institution_id, card)
        await self._throttled(self.card_pins, hashed, "wrong PINs for this card")
        reason = await self._check(kiosk, card, pin)
        if isinstance(reason, tuple):
            return await self._valid(kiosk, hashed, reason[1])
        if reason == "wrong_pin":
            await self.card_pins.failed(hashed)
            await self.kiosk_failures.failed(kiosk.kiosk_id)
        elif reason == "unknown_card":
            await self.kiosk_failures.failed(kiosk.kiosk_id)
        answer: dict[str, Any] = {"outcome": reason}
        if reason == "library_unavailable":
            answer["librarian_fallback"] = kiosk.librarian_fallback
        return answer

    async def _check(self, kiosk: Kiosk, card: str, pin: str | None) -> str | tuple[str, str]:
        """Run the library's card check in a task of its own, within the time limit."""
        library = kiosk.library
        if self._busy.get(library, 0) >= LOOKUPS_PER_LIBRARY:
            log.warning("kiosk %s: library %s has too many checks waiting", kiosk.kiosk_id, library)
            return "library_unavailable"
        self._busy[library] = self._busy.get(library, 0) + 1
        task = asyncio.get_running_loop().create_task(
            self.bridge.lookup(library, card, pin), name=f"card-check:{library}"
        )
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            self._busy[library] -= 1
            if not finished.cancelled():
                finished.exception()  # retrieved: a failure is reported below, once

        task.add_done_callback(done)
        finished, _ = await asyncio.wait({task}, timeout=self.lookup_timeout)
        if not finished:
            task.cancel()  # its connection is closed: a late answer is never taken for another
            log.warning(
                "kiosk %s: library %s did not answer within %g s",
                kiosk.kiosk_id,
                library,
                self.lookup_timeout,
            )
            return "library_unavailable"
        failure = task.exception()
        if failure is not None:
            if isinstance(failure, InvalidInput):
                raise ServiceError(failure.code, failure.message)
            # a rejected login or wrong settings: the operator must act, the kiosk says why not
            code = getattr(failure, "code", type(failure).__name__)
            log.error("kiosk %s: card check at %s failed: %s", kiosk.kiosk_id, library, code)
            return "library_unavailable"
        result = task.result()
        log.info(
            "kiosk %s: card check at %s: %s",
            kiosk.kiosk_id,
            library,
            "valid" if result.valid else result.reason,
        )
        if result.valid:
            return ("ok", result.display_name or "?")
        if result.reason in (Reason.LIBRARY_UNREACHABLE, Reason.PROTOCOL_ERROR):
            return "library_unavailable"
        return str(result.reason)

    async def _valid(self, kiosk: Kiosk, hashed: str, name: str) -> dict[str, Any]:
        name = name[:40]
        found = await self.service._db(self.db.player_for_card, kiosk.contest_id, hashed)
        registration = Registration(
            kiosk.contest_id, kiosk.kiosk_id, hashed, name, self._wall() + REGISTRATION_TTL
        )
        answer: dict[str, Any] = {
            "outcome": "ok",
            "display_name": name,
            "registration": self._sign(registration),
            "team_id": found[1] if found else None,
        }
        return answer

    # --- 2. confirming --------------------------------------------------------------------------

    async def register(
        self, kiosk: Kiosk, signed: str, team_id: str, generation: str | None, base_url: str
    ) -> dict[str, Any]:
        """Make (or find) the player of a checked card; returns the player and a tablet code."""
        registration = self._verify(signed, kiosk)
        await self._check_team(kiosk, team_id)
        gen = _generation(generation)
        for _ in range(3):
            found = await self.service._db(
                self.db.player_for_card, kiosk.contest_id, registration.card_hash
            )
            if found is not None:
                player_id, their_team = found
                if their_team != team_id:
                    state = (await self.service.ensure(kiosk.contest_id)).state
                    team = state.teams.get(their_team)
                    raise ServiceError(
                        "card_registered_elsewhere",
                        f"this card is already registered for team "
                        f"{team.name if team else their_team}",
                        409,
                    )
                return await self._tablet_code(kiosk, player_id, again=True, base_url=base_url)
            try:
                player_id = await self._add_player(
                    kiosk, team_id, registration.display_name, gen, "card", registration.card_hash
                )
            except DuplicateRow:  # the same card confirmed twice at once: the other one won
                continue
            return await self._tablet_code(kiosk, player_id, again=False, base_url=base_url)
        raise ServiceError("internal_error", "could not register the card", 500)

    async def librarian(
        self,
        kiosk: Kiosk,
        librarian_pin: str,
        name: str,
        team_id: str,
        generation: str | None,
        base_url: str,
    ) -> dict[str, Any]:
        """Register a player by name with the librarian's PIN (the library cannot answer)."""
        if kiosk.librarian_pin_hash is None:
            raise ServiceError(
                "librarian_fallback_off", "this kiosk has no librarian PIN (see docs/api.md)", 403
            )
        await self._throttled(self.librarian_pins, kiosk.kiosk_id, "wrong librarian PINs")
        if not check_librarian_pin(librarian_pin, kiosk.librarian_pin_hash):
            await self.librarian_pins.failed(kiosk.kiosk_id)
            raise ServiceError("wrong_librarian_pin", "the librarian PIN is wrong", 403)
        await self._check_team(kiosk, team_id)
        shown = short_name(normalize_name(name))[:40]
        if not shown:
            raise ServiceError("invalid_message", "`name` must hold a name")
        player_id = await self._add_player(
            kiosk, team_id, shown, _generation(generation), "librarian", None
        )
        log.info("kiosk %s: player %s registered by the librarian", kiosk.kiosk_id, player_id)
        answer = await self._tablet_code(kiosk, player_id, again=False, base_url=base_url)
        return answer

    async def _check_team(self, kiosk: Kiosk, team_id: str) -> None:
        if team_id not in {t["team_id"] for t in await self.kiosk_teams(kiosk)}:
            raise ServiceError(
                "wrong_team", f"team {team_id!r} does not register at this kiosk's library"
            )

    async def _add_player(
        self,
        kiosk: Kiosk,
        team_id: str,
        name: str,
        generation: Generation | None,
        via: str,
        hashed: str | None,
    ) -> str:
        runner = await self.service.ensure(kiosk.contest_id)
        player_id = f"p-{secrets.token_hex(4)}"
        row = PlayerRow(
            kiosk.contest_id,
            player_id,
            team_id,
            name,
            generation,
            hash_secret(new_secret("pt")),  # replaced when a tablet claims the player
            int(self._wall() * 1_000_000),
            card_hash=hashed,
            library=kiosk.library,
            registered_via=via,
        )
        command = c.AddPlayer(
            at=0, player_id=player_id, team_id=team_id, display_name=name, generation=generation
        )
        await runner.submit(command, rows=[row])
        log.info("kiosk %s: player %s registered (%s)", kiosk.kiosk_id, player_id, via)
        return player_id

    async def _tablet_code(
        self, kiosk: Kiosk, player_id: str, *, again: bool, base_url: str
    ) -> dict[str, Any]:
        state = (await self.service.ensure(kiosk.contest_id)).state
        player = state.players[player_id]
        expires = self._wall() + TABLET_CODE_TTL
        for _ in range(10):
            code = f"{secrets.randbelow(10**8):08d}"
            try:
                await self.service._db(
                    self.db.set_tablet_code,
                    kiosk.contest_id,
                    player_id,
                    tablet_code_hash(kiosk.contest_id, code),
                    int(expires * 1_000_000),
                )
            except sa.exc.IntegrityError:  # drawn twice: draw again
                continue
            break
        else:  # pragma: no cover - 10 collisions among 10^8 codes
            raise ServiceError("internal_error", "could not draw a tablet code", 500)
        url = f"{base_url}/play/{kiosk.contest_id}#pass={code}"
        qr = segno.make(url, error="m").svg_data_uri(scale=6, border=2)
        team = state.teams[player.team_id]
        return {
            "player_id": player_id,
            "team_id": team.id,
            "team_name": team.name,
            "display_name": player.display_name,
            "generation": player.generation,
            "again": again,
            "tablet_code": code,
            "tablet_url": url,
            "tablet_qr": qr,
            "expires_in": int(TABLET_CODE_TTL),
        }

    # --- 3. the tablet ---------------------------------------------------------------------------

    async def claim(self, contest_id: str, code: str) -> tuple[str, str, str, str] | None:
        """Use a tablet code: (player id, team id, a new player token, display name), or None."""
        digits = "".join(ch for ch in code if ch.isdigit())
        if len(digits) != 8:
            return None
        token = new_secret("pt")
        found = await self.service._db(
            self.db.claim_tablet_code,
            contest_id,
            tablet_code_hash(contest_id, digits),
            int(self._wall() * 1_000_000),
            hash_secret(token),
        )
        if found is None:
            return None
        player = (await self.service.ensure(contest_id)).state.players.get(found[0])
        if player is None:
            return None
        return found[0], found[1], token, player.display_name

    # --- the host --------------------------------------------------------------------------------

    async def registrations(self, contest_id: str) -> list[Registered]:
        """Every player's registration record."""
        return list(await self.service._db(self.db.registrations, contest_id))

    async def purge(self, retention_days: int) -> dict[str, list[str]]:
        """Erase the personal data of players whose contest ended ``retention_days`` ago, or
        never ended and has been idle that long (``RegistrationStore.purge``)."""
        due = cutoffs(self._wall(), retention_days)
        erased: dict[str, list[str]] = await self.service._db(self.db.purge, *due)
        for contest_id, player_ids in erased.items():
            log.info("retention: erased %d players of contest %s", len(player_ids), contest_id)
        # Contests in memory forget every erased name, also those `quiz players purge` erased.
        for contest_id, runner in list(self.service.runners.items()):
            records = await self.service._db(self.db.registrations, contest_id)
            gone = [
                r.player_id
                for r in records
                if r.erased
                and r.player_id in runner.state.players
                and runner.state.players[r.player_id].display_name != ERASED_NAME
            ]
            if gone:
                self.service.forget_names(contest_id, gone)
        return erased

    # --- signing ---------------------------------------------------------------------------------

    def _sign(self, registration: Registration) -> str:
        body = json.dumps(registration.__dict__, separators=(",", ":")).encode()
        signature = hmac.new(self._signing_key, body, hashlib.sha256).digest()
        return f"{_b64(body)}.{_b64(signature)}"

    def _verify(self, signed: str, kiosk: Kiosk) -> Registration:
        expired = ServiceError(
            "registration_expired", "this card check is too old or not for this kiosk: scan again"
        )
        try:
            body_text, signature_text = signed.split(".")
            body = _unb64(body_text)
            signature = _unb64(signature_text)
        except ValueError:
            raise expired from None
        expected = hmac.new(self._signing_key, body, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            raise expired
        registration = Registration(**json.loads(body))
        if (
            registration.contest_id != kiosk.contest_id
            or registration.kiosk_id != kiosk.kiosk_id
            or registration.expires < self._wall()
        ):
            raise expired
        return registration

    @staticmethod
    async def _throttled(throttle: SharedThrottle, key: str, what: str) -> None:
        wait = await throttle.retry_after(key)
        if wait > 0:
            raise ServiceError(
                "too_many_attempts",
                f"too many {what}; try again in {int(wait) + 1} s",
                429,
                retry_after=wait,
            )


def tablet_code_hash(contest_id: str, code: str) -> str:
    """The stored form of a tablet code (per contest)."""
    return hash_secret(f"{contest_id}/{code}")


def _generation(generation: str | None) -> Generation | None:
    if generation is None or generation == "":
        return None
    if generation not in GENERATIONS:
        raise ServiceError("invalid_message", f"generation must be one of {GENERATIONS}")
    return generation


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError("not base64") from None


RETENTION_EVERY = 3600.0
"""Seconds between two retention purges while the server runs (also one at start)."""


async def retention_loop(
    registrar: Registrar, retention_days: int, every: float = RETENTION_EVERY
) -> None:
    """Purge personal data past retention at start and then every ``every`` seconds (a lifespan
    task). A failed purge (the database away) is logged and tried again next time."""
    while True:
        try:
            await registrar.purge(retention_days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention purge failed; trying again in %g s", every)
        await asyncio.sleep(every)
