"""Cluster benchmark: failover time after SIGKILL, and audience fan-out over two processes.

Run with ``make bench`` (or ``python -m loadtests.bench_cluster --kills 20 --clients 1000``).
Needs PostgreSQL and Redis: ``QUIZ_TEST_POSTGRES_URL`` and ``QUIZ_TEST_REDIS_URL`` (as the tests).

1. **Failover.** Three ``quiz serve`` processes on one PostgreSQL and one Redis with the default
   lease (``QUIZ_LEASE_SECONDS`` 5, renewal 1 s, or ``--lease``/``--renew``). A host console on a
   process that does not own the contest sends an ``adjust_score`` until it is acknowledged; the
   owner (the lease holder) is killed with SIGKILL, and the time from the kill to the first new
   acknowledgement is one sample. The killed process is replaced by a fresh one; ``--kills``
   samples, p50 and max.
2. **Fan-out.** N audience WebSockets on one process (PostgreSQL, no Redis), then the same N and
   2N split evenly over two processes (PostgreSQL and Redis) — connected to the processes
   directly, not through nginx (on a 2-core machine nginx would take the CPU the processes
   measure). The host console is on the owner. As in ``loadtests.bench_fanout``: over
   ``--changes`` changes, the p50/p99 of send → the last client's receipt; for two processes also
   the **Redis hop**: the first receipt on the follower's audience minus the first receipt on the
   owner's, per change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec
import redis

from loadtests.bench_fanout import WARM_UP, Crowd
from loadtests.harness import (
    Contest,
    HostConsole,
    QuizServer,
    machine,
    percentile,
    raise_fd_limit,
    summary_ms,
)
from loadtests.nginx import Nginx, self_signed
from server.demo_questions import STORK


def _services() -> tuple[str, str]:
    database = os.environ.get("QUIZ_TEST_POSTGRES_URL")
    broker = os.environ.get("QUIZ_TEST_REDIS_URL")
    if not database or not broker:
        raise SystemExit(
            "set QUIZ_TEST_POSTGRES_URL and QUIZ_TEST_REDIS_URL (see docs/settings.md)"
        )
    return database, broker


def _setup(server: QuizServer, title: str) -> tuple[Contest, str]:
    with httpx.Client(base_url=server.base, trust_env=False) as http:
        contest = Contest.create(http, title)
        teams = [contest.add_team(name) for name in ("Jelgava", "Liepāja", "Šiauliai")]
        contest.add_round({"kind": "all_play", "time_limit_s": 3600}, [msgspec.to_builtins(STORK)])
    return contest, teams[0]


def _owner_pid(broker: str, contest_id: str, timeout: float = 30) -> int:
    client = redis.Redis.from_url(broker)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held = client.get(f"quiz:lease:{contest_id}")
            if held is not None:
                return int(held.decode().split(":")[1])
            time.sleep(0.05)
    finally:
        client.close()
    raise RuntimeError("nobody took the contest's lease")


# --- failover -------------------------------------------------------------------------------------


def bench_failover(args: argparse.Namespace) -> list[float]:
    database, broker = _services()
    env = {
        "QUIZ_DATABASE_URL": database,
        "QUIZ_REDIS_URL": broker,
        "QUIZ_LEASE_SECONDS": str(args.lease),
        "QUIZ_LEASE_RENEW_SECONDS": str(args.renew),
    }
    servers = [QuizServer(env).start() for _ in range(3)]
    samples: list[float] = []
    try:
        contest, team = _setup(servers[0], "Failover benchmark")
        change = {"type": "adjust_score", "team_id": team, "delta": 1, "reason": "failover"}

        async def one_kill() -> float:
            owner_pid = _owner_pid(broker, contest.id)
            owner = next(s for s in servers if s.pid == owner_pid)
            other = next(s for s in servers if s is not owner)
            async with HostConsole(f"{other.ws}/ws/{contest.id}", contest.secret) as host:
                if not samples:
                    for step in ("start_contest", "start_round", "show_question"):
                        await host.command({"type": step})
                await host.command(change)  # the owner answers
                owner.kill()
                killed = time.monotonic()
                while True:
                    reply = await asyncio.wait_for(await host.send(change), 120)
                    if reply["type"] == "ack":
                        elapsed = time.monotonic() - killed
                        break
                    await asyncio.sleep(0.02)  # refused (cluster_unavailable): resend
            servers.remove(owner)
            servers.append(QuizServer(env).start())
            return elapsed

        for number in range(args.kills):
            samples.append(asyncio.run(one_kill()))
            print(f"  kill {number + 1}: new acknowledgement after {samples[-1]:.2f} s", flush=True)
    finally:
        for server in servers:
            server.stop()
    return samples


# --- fan-out --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """Where the audience connects: ``(url, clients)`` per crowd, and which two crowds' first
    receipts give the Redis hop (the owner's and a follower's), if any."""

    crowds: list[tuple[str, int]]
    hop: tuple[int, int] | None = None
    cafile: str | None = None  # nginx's certificate, for wss:// crowds


async def _fanout(
    spread: Spread, host_url: str, secret: str, team: str, args: argparse.Namespace
) -> dict[str, list[float]]:
    """Time ``args.changes`` changes to the crowds of ``spread``."""
    crowds = [
        Crowd(
            url,
            {"type": "hello", "role": "audience"},
            clients,
            args.processes if clients > 1 else 1,
            spread.cafile if url.startswith("wss://") else None,
        )
        for url, clients in spread.crowds
    ]
    figures: dict[str, list[float]] = {"to_last": [], "hop": []}
    try:
        for crowd in crowds:
            connected, failed = await crowd.start(timeout=600)
            if failed:
                raise RuntimeError(f"{failed} audience connections failed ({connected} opened)")
        change = {"type": "adjust_score", "team_id": team, "delta": 1, "reason": "fan-out"}
        async with HostConsole(host_url, secret) as host:
            for step in ("start_contest", "start_round", "show_question"):
                await host.command({"type": step})
            for number in range(WARM_UP + args.changes):
                sent = time.monotonic()
                reply = await asyncio.wait_for(await host.send(change), 60)
                if reply["type"] != "ack":
                    raise RuntimeError(f"refused: {reply}")
                reports = [await crowd.received(int(reply["seq"]), 60) for crowd in crowds]
                await asyncio.sleep(args.pause)
                if number < WARM_UP or any(
                    len(r) < len(c.processes) for r, c in zip(reports, crowds, strict=True)
                ):
                    continue
                figures["to_last"].append(max(x[2] for r in reports for x in r) - sent)
                if spread.hop is not None:
                    owner, follower = spread.hop
                    owner_first = min(x[0] for x in reports[owner])
                    follower_first = min(x[0] for x in reports[follower])
                    figures["hop"].append(follower_first - owner_first)
    finally:
        for crowd in crowds:
            crowd.close()
    return figures


def bench_fanout(
    clients: int, processes: int, args: argparse.Namespace, *, proxied: bool = False
) -> dict[str, list[float]]:
    """N audience clients on ``processes`` processes, connected directly (split evenly) or
    through nginx (``proxied``: round robin, plus one direct probe client on each process for
    the Redis hop). The host console is always directly on the owner."""
    database, broker = _services()
    env = {"QUIZ_DATABASE_URL": database}
    if processes > 1:
        env["QUIZ_REDIS_URL"] = broker
    servers = [QuizServer(env).start() for _ in range(processes)]
    proxy: Nginx | None = None
    folder = tempfile.TemporaryDirectory(prefix="quiz-nginx-")
    try:
        contest, team = _setup(servers[0], "Cluster fan-out benchmark")
        if processes > 1:
            owner_pid = _owner_pid(broker, contest.id)
            servers.sort(key=lambda s: s.pid != owner_pid)  # the owner first
        urls = [f"{s.ws}/ws/{contest.id}" for s in servers]
        if proxied:
            cert, key = self_signed(Path(folder.name))
            # each client is two connections in nginx (client and upstream)
            proxy = Nginx(
                Path(folder.name) / "nginx", cert, key, worker_connections=clients * 2 + 512
            )
            base = proxy.start([s.port for s in servers])
            crowds = [(f"{base.replace('https://', 'wss://')}/ws/{contest.id}", clients)]
            hop = None
            if processes > 1:
                crowds += [(urls[0], 1), (urls[1], 1)]
                hop = (1, 2)
            spread = Spread(crowds, hop, str(cert))
        else:
            shares = [clients // processes + (i < clients % processes) for i in range(processes)]
            spread = Spread(list(zip(urls, shares, strict=True)), (0, 1) if processes > 1 else None)
        return asyncio.run(_fanout(spread, urls[0], contest.secret, team, args))
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()
        folder.cleanup()


def _p(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--lease", type=float, default=5.0, help="QUIZ_LEASE_SECONDS")
    parser.add_argument("--renew", type=float, default=1.0, help="QUIZ_LEASE_RENEW_SECONDS")
    parser.add_argument("--clients", type=int, default=1000, help="audience size N")
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2, help="client processes per crowd")
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--skip", choices=("failover", "fanout"), action="append", default=[])
    parser.add_argument(
        "--via",
        choices=("direct", "nginx"),
        action="append",
        help="how the audience connects (both unless given)",
    )
    args = parser.parse_args()
    args.via = args.via or ["direct", "nginx"]
    print(f"cluster benchmark — {machine()}; open files limit {raise_fd_limit()}")
    if "failover" not in args.skip and args.kills:
        print(
            f"\nfailover: {args.kills} SIGKILLs of the owner, lease {args.lease:g} s, renewal "
            f"{args.renew:g} s, 3 processes"
        )
        samples = bench_failover(args)
        print(
            f"  SIGKILL -> first new acknowledgement: p50 {statistics.median(samples):.2f} s, "
            f"max {max(samples):.2f} s, min {min(samples):.2f} s ({len(samples)} kills)"
        )
    if "fanout" not in args.skip:
        n = args.clients
        ways = [
            proxied for proxied in (False, True) if ("nginx" if proxied else "direct") in args.via
        ]
        for proxied in ways:
            for clients, processes in ((n, 1), (n, 2), (2 * n, 1), (2 * n, 2)):
                figures = bench_fanout(clients, processes, args, proxied=proxied)
                way = "through nginx" if proxied else "directly"
                print(f"\nfan-out: {clients} audience clients on {processes} process(es), {way}")
                print(f"  to last : {summary_ms(figures['to_last'])}", flush=True)
                if processes > 1:
                    print(
                        f"  Redis hop (follower's first minus owner's first): {_p(figures['hop'])}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
