"""Two and three `quiz serve` processes behind a real nginx (Debian's, started by the test on
127.0.0.1 with TLS and the configuration of docs/deployment.md), and a backup restored with
pg_restore and replayed. Real PostgreSQL and Redis; in CI a missing nginx fails the test."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from loadtests.harness import QuizServer, free_port
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

DOCS = Path(__file__).parents[2] / "docs" / "deployment.md"


def _nginx_block() -> str:
    """The nginx configuration documented in docs/deployment.md."""
    found = re.search(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert found, "docs/deployment.md has no nginx block"
    return found[1]


def _nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is not installed: .ci/run installs it from Debian")
    pytest.skip("nginx is not installed (apt-get install nginx)")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def nginx(tmp_path: Path, certificate: tuple[Path, Path]) -> Iterator[Any]:
    """``start(servers)``: nginx on 127.0.0.1 in front of ``servers``; returns its https base."""
    binary = _nginx_binary()
    started: list[subprocess.Popen[bytes]] = []

    def start(servers: list[QuizServer]) -> str:
        port = free_port()
        cert, key = certificate
        block = _nginx_block()
        upstreams = "".join(
            f"    server 127.0.0.1:{s.port} max_fails=1 fail_timeout=2s;\n" for s in servers
        )
        block = re.sub(
            r"(upstream quiz \{\n)(.*?)(\})", rf"\g<1>{upstreams}\g<3>", block, flags=re.S
        )
        block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
        block = re.sub(r"ssl_certificate .*;", f"ssl_certificate {cert};", block)
        block = re.sub(r"ssl_certificate_key .*;", f"ssl_certificate_key {key};", block)
        prefix = tmp_path / "nginx"
        prefix.mkdir(exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        config = prefix / "nginx.conf"
        config.write_text(
            f"{user}worker_processes 1;\ndaemon off;\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n access_log off;\n client_body_temp_path {prefix}/body;\n"
            f" proxy_temp_path {prefix}/proxy;\n fastcgi_temp_path {prefix}/fcgi;\n"
            f" uwsgi_temp_path {prefix}/uwsgi;\n scgi_temp_path {prefix}/scgi;\n{block}\n}}\n"
        )
        proc = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        base = f"https://127.0.0.1:{port}"
        trust = ssl.create_default_context(cafile=str(cert))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "nginx"
            try:
                if httpx.get(f"{base}/healthz", verify=trust, timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("nginx did not start")

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


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
