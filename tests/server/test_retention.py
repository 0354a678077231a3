"""Retention (docs/settings.md, "Retention"): which contests' players lose their personal data.

A contest that finished before the cut-off loses it; so does one that never finished and has been
idle since before the cut-off (no event, and no scheduled start after it): an evening abandoned
in set-up or half played must not keep names and card hashes for ever. A contest still going on,
or one due to start later, keeps them. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time

from circulation_bridge.settings import BridgeSettings
from server.contests import ContestService
from server.registration import Registrar
from server.registration_store import MIN_IDLE_DAYS, RegistrationStore, cutoffs
from server.settings import Settings
from server.store import ERASED_NAME, ContestRow, PlayerRow, Store, StoredEvent, contests

CUTOFF = 5_000_000_000  # µs since the epoch: "retention days ago"
BEFORE, AFTER = CUTOFF - 1_000_000, CUTOFF + 1_000_000


def _contest(
    store: Store,
    status: str,
    last_event_at: int,
    *,
    finished_at: int | None = None,
    starts_at: int | None = None,
) -> str:
    """A contest created before the cut-off with one card-registered player, whose last event
    happened at ``last_event_at``; returns its id."""
    cid = f"r-{secrets.token_hex(4)}"
    store.create_contest(ContestRow(cid, "T", "setup", "hash", BEFORE - 1_000_000, 0))
    player = {"id": "p1", "team_id": "t1", "display_name": "Anna"}
    store.append(
        cid,
        [StoredEvent(1, "player_joined", BEFORE, json.dumps({"player": player}))],
        status="setup",
        rows=[
            PlayerRow(
                cid, "p1", "t1", "Anna", "child", f"tok-{cid}", BEFORE, card_hash=f"card-{cid}"
            )
        ],
    )
    if last_event_at != BEFORE:
        store.append(cid, [StoredEvent(2, "score_adjusted", last_event_at, "{}")], status=status)
    with store.engine.begin() as db:  # the contest's state as the test needs it
        db.execute(
            contests.update()
            .where(contests.c.contest_id == cid)
            .values(status=status, finished_at=finished_at, starts_at=starts_at)
        )
    return cid


def test_players_of_ended_and_of_abandoned_contests_are_erased_and_no_others(database_url):
    store = Store(database_url)
    store.upgrade()
    try:
        ended = _contest(store, "finished", BEFORE, finished_at=BEFORE)
        ended_lately = _contest(store, "finished", BEFORE, finished_at=AFTER)
        abandoned_in_setup = _contest(store, "setup", BEFORE)
        abandoned_mid_play = _contest(store, "running", BEFORE)
        still_playing = _contest(store, "running", AFTER)
        due_later = _contest(store, "setup", BEFORE, starts_at=AFTER)

        mine = {
            ended,
            ended_lately,
            abandoned_in_setup,
            abandoned_mid_play,
            still_playing,
            due_later,
        }
        erased = RegistrationStore(store).purge(CUTOFF, CUTOFF)

        # (the PostgreSQL database is shared: only this test's contests are looked at)
        assert {cid: erased[cid] for cid in mine & erased.keys()} == {
            ended: ["p1"],
            abandoned_in_setup: ["p1"],
            abandoned_mid_play: ["p1"],
        }
        registrations = RegistrationStore(store).registrations
        for cid in (ended, abandoned_in_setup, abandoned_mid_play):
            (record,) = registrations(cid)
            assert record.erased and record.display_name == ERASED_NAME
            assert "Anna" not in json.dumps([e.payload for e in store.events_after(cid, 0)])
        for cid in (ended_lately, still_playing, due_later):
            (record,) = registrations(cid)
            assert not record.erased and record.display_name == "Anna"
        # nothing left to erase
        assert mine.isdisjoint(RegistrationStore(store).purge(CUTOFF, CUTOFF))
    finally:
        store.close()


def test_an_unfinished_contest_counts_as_abandoned_after_a_day_at_least():
    now, day = 1_800_000_000.0, 86400 * 1_000_000
    assert cutoffs(now, 30) == (int(now * 1e6) - 30 * day, int(now * 1e6) - 30 * day)
    # with 0 days a finished contest's data goes at once, but tonight's set-up keeps its names
    assert cutoffs(now, 0) == (int(now * 1e6), int(now * 1e6) - MIN_IDLE_DAYS * day)


def test_a_contest_left_in_set_up_forgets_its_player_in_memory_too(tmp_path, database_url):
    """The server's hourly purge (``Registrar.purge``): a contest abandoned in set-up and still
    loaded stops showing its player's name once retention has erased it, not before."""

    async def scenario() -> None:
        settings = Settings.from_environ({}, data_dir=tmp_path, database_url=database_url)
        service = ContestService(settings)
        await service.start()
        try:
            cid, _secret = await service.create_contest(
                "Abandoned", ("lv", "lt", "en"), f"r-{secrets.token_hex(4)}"
            )
            await service.add_team(cid, "Jelgava", "Jelgava", "#123456", None)
            code = (await service.teams(cid))[0]["join_code"]
            player_id, _team, _token = await service.join(cid, code, "Anna", "senior")
            later = time.time() + 31 * 86400  # a month on, nothing has happened to it
            registrar = Registrar(service, BridgeSettings(), lookup_timeout=1, wall=lambda: later)

            assert cid not in await registrar.purge(60)  # not idle for 60 days yet
            assert service.runner(cid).state.players[player_id].display_name == "Anna"

            assert (await registrar.purge(30))[cid] == [player_id]
            assert service.runner(cid).state.players[player_id].display_name == ERASED_NAME
            (record,) = await registrar.registrations(cid)
            assert record.erased
        finally:
            await service.stop()

    asyncio.run(scenario())
