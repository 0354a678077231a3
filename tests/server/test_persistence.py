"""The event log and recovery, on SQLite and on PostgreSQL (CI sets QUIZ_TEST_POSTGRES_URL)."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from game.questions import ChoiceAnswer
from server.contests import ContestService
from server.demo_questions import STORK, SUN
from server.runner import restore
from server.settings import Settings
from server.store import ContestRow, Store, StoredEvent, StoreError
from tests.server.conftest import questions


def _row(contest_id: str) -> ContestRow:
    return ContestRow(contest_id, "T", "setup", "hash", 1, 0)


def test_append_load_and_refuse_a_reused_sequence_number(database_url):
    store = Store(database_url)
    store.upgrade()
    store.upgrade()  # migrating twice is harmless
    cid = f"t-{secrets.token_hex(4)}"
    store.create_contest(_row(cid))
    with pytest.raises(StoreError):
        store.create_contest(_row(cid))
    store.append(
        cid,
        [StoredEvent(1, "a", 10, '{"n":1}'), StoredEvent(2, "b", 20, '{"n":2}')],
        status="setup",
    )
    store.append(cid, [StoredEvent(3, "c", 30, '{"n":3}')], status="running", snapshot=(3, "{}"))
    store.append(cid, [StoredEvent(4, "d", 40, '{"n":4}')], status="running")
    with pytest.raises(StoreError):  # a second writer replaying seq 4
        store.append(cid, [StoredEvent(4, "x", 41, "{}")], status="running")
    with pytest.raises(StoreError):  # a gap is refused too
        store.append(cid, [StoredEvent(9, "x", 41, "{}")], status="running")
    loaded = store.load(cid)
    assert (loaded.snapshot_seq, loaded.snapshot) == (3, "{}")
    assert [e.seq for e in loaded.events] == [4]
    assert [e.type for e in store.events_after(cid, 0)] == ["a", "b", "c", "d"]
    assert store.contest(cid).last_seq == 4 and store.contest(cid).status == "running"
    assert cid in store.live_contests()
    store.append(cid, [StoredEvent(5, "e", 50, "{}")], status="finished")
    assert cid not in store.live_contests()  # finished contests are not recovered
    store.close()


def _settings(tmp_path, database_url, **more):
    return Settings.from_environ(
        {}, data_dir=tmp_path, database_url=database_url, snapshot_every=5, **more
    )


def test_a_restarted_service_rebuilds_every_live_contest_exactly(tmp_path, database_url):
    async def scenario():
        service = ContestService(_settings(tmp_path, database_url))
        await service.start()
        cid, _secret = await service.create_contest(
            "Recovery", ("lv", "lt", "en"), f"r-{secrets.token_hex(4)}"
        )
        for name in ("Jelgava", "Liepāja"):
            await service.add_team(cid, name, name, "#123456", None)
        await service.add_round(
            cid,
            {"rules": {"kind": "all_play", "time_limit_s": 60}, "questions": questions(STORK, SUN)},
        )
        player_id, team_id, token = await service.join(
            cid, (await service.teams(cid))[0]["join_code"], "Anna", "child"
        )
        runner = service.runner(cid)
        from game import commands as c

        await runner.submit(c.StartContest(at=0))
        await runner.submit(c.StartRound(at=0))
        await runner.submit(c.ShowQuestion(at=0))
        await runner.submit(
            c.SubmitAnswer(
                at=runner.now_us(),
                team_id=team_id,
                player_id=player_id,
                answer=ChoiceAnswer(option="b"),
            ),
            keep_time=True,
        )
        before = runner.state
        await service.stop()

        again = ContestService(_settings(tmp_path, database_url))
        await again.start()
        recovered = again.runner(cid)
        assert recovered.state == before
        assert before.version > 5  # a snapshot was taken and used
        assert recovered.timers and next(iter(recovered.timers)).key == "answers_lock"
        assert (await again.player_for_token(cid, token)).player_id == player_id
        assert await again.check_host(cid, _secret)
        await recovered.submit(c.EndContest(at=0))  # leave no live contest behind in the database
        await again.stop()

    asyncio.run(scenario())


def test_restore_folds_a_snapshot_and_the_events_after_it():
    import msgspec

    from game import events as ev
    from game.state import encode_state, replay

    log = [
        ev.ContestCreated(at=1, contest_id="x", title="T", languages=("lv",), seed=3),
        ev.ContestStarted(at=2),
    ]
    state = replay(log[:1])
    rebuilt = restore(encode_state(state).decode(), [msgspec.json.encode(log[1]).decode()])
    assert rebuilt == replay(log)


def test_the_sqlite_log_is_checkpointed_by_the_server_not_inside_commits(tmp_path):
    from server.store import CHECKPOINT_EVERY

    path = tmp_path / "quiz.sqlite3"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.checkpoint()
    cid = "t-wal"
    store.create_contest(_row(cid))
    wal = path.with_name(path.name + "-wal")
    due = []
    for seq in range(1, CHECKPOINT_EVERY + 1):
        store.append(
            cid, [StoredEvent(seq, "e", seq, '{"pad":"' + "x" * 25_000 + '"}')], status="setup"
        )
        due.append(store.checkpoint_due())
    assert due == [False] * (CHECKPOINT_EVERY - 1) + [True]
    grown = wal.stat().st_size
    assert grown > CHECKPOINT_EVERY * 25_000  # no checkpoint inside the commits (SQLite: at 4 MB)
    store.checkpoint()
    store.append(cid, [StoredEvent(CHECKPOINT_EVERY + 1, "e", 0, "{}")], status="setup")
    assert wal.stat().st_size <= grown  # the log is reused from its start after the checkpoint
    assert len(store.events_after(cid, 0)) == CHECKPOINT_EVERY + 1
    store.close()
