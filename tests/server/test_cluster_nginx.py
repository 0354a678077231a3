"""Two and three `quiz serve` processes behind a real nginx (Debian's, started by the test on
127.0.0.1 with TLS and the configuration of docs/deployment.md), and a backup restored with
pg_restore and replayed. Real PostgreSQL and Redis; in CI a missing nginx fails the test."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from loadtests.harness import QuizServer
from loadtests.nginx import Nginx, nginx_binary, self_signed
from server.store import Store
from tests.server.conftest import setup_contest
from tests.server.test_cluster import (
    _add_round,
    _outcome,
    _play,
    _single_process_outcome,
    cluster,  # noqa: F401 - a fixture
    pg_url,  # noqa: F401 - a fixture
    redis_url,  # noqa: F401 - a fixture
)


def _nginx_binary() -> str:
    found = nginx_binary()
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is not installed: .ci/run installs it from Debian")
    pytest.skip("nginx is not installed (apt-get install nginx)")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    return self_signed(tmp_path)


@pytest.fixture
def nginx(tmp_path: Path, certificate: tuple[Path, Path]) -> Iterator[Any]:
    """``start(servers)``: nginx on 127.0.0.1 in front of ``servers`` with docs/deployment.md's
    configuration (``loadtests.nginx``); returns its https base."""
    binary = _nginx_binary()
    started: list[Nginx] = []

    def start(servers: list[QuizServer]) -> str:
        proxy = Nginx(tmp_path / f"nginx{len(started)}", *certificate)
        started.append(proxy)
        return proxy.start([s.port for s in servers], binary)

    yield start
    for proxy in started:
        proxy.stop()


@pytest.mark.parametrize("processes", [2, 3])
def test_processes_behind_nginx_play_like_one(
    cluster: Any,  # noqa: F811
    nginx: Any,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    processes: int,
) -> None:
    """Every client goes through nginx (round robin spreads them over the processes)."""
    expected = _single_process_outcome(tmp_path)
    servers = cluster(processes)
    base = nginx(servers)
    tls = ssl.create_default_context(cafile=str(certificate[0]))
    with httpx.Client(base_url=base, verify=tls) as http:
        contest = setup_contest(http)
        _add_round(http, contest)
    wss = base.replace("https://", "wss://")
    outcome = _outcome(asyncio.run(_play([wss, wss, wss], contest, tls)))
    assert outcome == [expected[0]] * len(outcome)
    served = [s.log_tail(1_000_000).count("WebSocket /ws/") for s in servers]
    assert all(served), f"every process served some clients: {served}"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_backup_restore_and_replay(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """docs/deployment.md's backup and restore: pg_dump of a played contest, pg_restore into an
    empty database, a server started on it replays the contest to the same end."""
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump and pg_restore are needed (postgresql-client)")
        pytest.skip("pg_dump/pg_restore are not installed")
    with QuizServer({"QUIZ_DATABASE_URL": pg_url}, data_dir=tmp_path / "played") as played:
        with httpx.Client(base_url=played.base) as http:
            contest = setup_contest(http)
            _add_round(http, contest)
        outcome = _outcome(asyncio.run(_play([played.ws], contest)))
    dump = tmp_path / "quiz.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _libpq(pg_url)],
        check=True,
        capture_output=True,
    )
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.exec_driver_sql(f"CREATE DATABASE {name}")
    restored = pg_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_libpq(restored)}", str(dump)],
            check=True,
            capture_output=True,
        )
        original, copy = Store(pg_url), Store(restored)
        try:
            assert copy.events_after(contest["id"], 0) == original.events_after(contest["id"], 0)
        finally:
            original.close()
            copy.close()
        with QuizServer({"QUIZ_DATABASE_URL": restored}, data_dir=tmp_path / "restored") as again:
            from tests.server.test_cluster import _connect, _recv

            async def replayed() -> dict[str, Any]:
                host = await _connect(
                    again.ws, contest["id"], role="host", secret=contest["secret"]
                )
                view = await _recv(host, lambda m: m["type"] == "view")
                await host.close()
                return dict(view)

            view = asyncio.run(replayed())
        assert _outcome([view])[0] == outcome[0]
    finally:
        with admin.connect() as db:
            db.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
