"""Box-to-server press time benchmark: how far the server's press time is from the true one.

Run with ``make bench`` (or ``python -m loadtests.bench_agent``). It starts ``quiz serve`` in a
subprocess, a simulated bz1 box on a pseudo-terminal in this process (``buzzers.simulator``: its
clock drifts by ``--drift-ppm`` and wraps during the run) and ``quiz agent`` as a subprocess (the
command a venue runs), with the box's eight channels belonging to eight teams. Then, question
after question of a buzzer round, the host opens the buzzers; once the agent has armed the box
(its lamps blink: the agent saw the buzzers open), the eight buzzers are pressed in a random order
a few milliseconds apart, normally all within the collection window (``buzz_accepted``; a press
a loaded machine holds up past it is refused and counted as such, and more questions are played
until ``--presses`` presses are recorded). Before the next question the
benchmark waits until the agent has numbered all eight presses and has an empty outbox (its state
file), so no press of one question lands in the next as a false start. The agent is connected
``--warmup`` seconds (40) before the first press: the box fit's 32 s window and the server's 16
pings are full, as for an agent started before the contest. The run ends after ``--presses``
presses.

What is measured: for every press, the server's press time — ``press.pressed_at`` of its
``buzz_accepted`` event (``GET /api/contests/{id}/events``): the agent's box-clock mapping and the
server's clock-sync mapping of the agent, in µs of server time — minus the true press time, which
the simulator records on this machine's monotonic clock. The server's clock is its wall clock at
start plus the same monotonic clock, so one constant ``K`` turns a monotonic reading into server
time; the benchmark measures it over a direct loopback WebSocket with ``time`` requests (the
quickest of 60 round trips; the uncertainty, half that round trip, is printed) — independent of
the link under test. The error splits in two, from the press's logged clock inputs: the agent's
box mapping (its claim against the truth, both on this machine's clock) and the server's estimate
of the agent's clock over the link (its offset against ``−K``).

Two links: **loopback** (the agent connects to the server directly) and **jittered** (through
``loadtests.agent_harness.LinkProxy`` in this process: agent → server 20 ms ± 10 ms, server →
agent 10 ms ± 5 ms, uniform, order kept). An asymmetric link shifts NTP-style clock sync by half
the difference of the one-way delays of its best sample; that is the error this shows, and the
benchmark prints what a model of the link (independent uniform delays, the lowest-delay sample
of the last 16 or 64 pings) gives for it. Goals: p99 at most 2 ms on loopback, 5 ms jittered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from buzzers.bz1 import U32, LampMode
from buzzers.simbox import SimulatedBox
from buzzers.simulator import PtySimulator
from loadtests.agent_harness import AgentProcess, LinkProxy, venue_toml
from loadtests.harness import Contest, HostConsole, QuizServer, machine, percentile

CHANNELS = 8
GOALS_MS = {"loopback": 2.0, "jittered": 5.0}
JITTERED_UP = (0.020, 0.010)  # agent → server: 20 ms ± 10 ms (seconds)
JITTERED_DOWN = (0.010, 0.005)  # server → agent: 10 ms ± 5 ms
SERVER_WINDOW = 16  # the server's clock estimate: the lowest-delay of the last 16 pings
STALL_S = 30.0  # seconds without progress before the benchmark gives up with the agent's log
RULES = {
    "kind": "buzzer",
    "open_delay_ms": 0,
    "collect_window_ms": 400,
    "buzz_time_ms": 60_000,
    "answer_time_ms": 60_000,
    "points": 1,
    "wrong_penalty": 0,
}


def questions(count: int) -> list[dict[str, Any]]:
    """``count`` true/false questions."""
    return [
        {
            "type": "true_false",
            "id": f"b{n}",
            "text": {"lv": f"Jautājums {n}", "lt": f"Klausimas {n}", "en": f"Question {n}"},
            "correct": True,
        }
        for n in range(count)
    ]


async def server_offset_ms(ws_url: str, contest: Contest, rounds: int = 60) -> tuple[float, float]:
    """``K`` (server time minus this machine's monotonic clock, ms) and its uncertainty (ms)."""
    async with connect(f"{ws_url}/ws/{contest.id}", proxy=None, compression=None) as ws:
        hello = {"type": "hello", "role": "host", "secret": contest.secret}
        await ws.send(json.dumps(hello))
        best: tuple[float, float] | None = None
        for n in range(rounds):
            sent = time.monotonic_ns() / 1e6
            await ws.send(json.dumps({"type": "time", "id": n}))
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "time" and message.get("id") == n:
                    break
                if message.get("type") == "error":
                    raise RuntimeError(f"time request refused: {message}")
            received = time.monotonic_ns() / 1e6
            await asyncio.sleep(0.06)  # within the server's 20 messages a second
            rtt = received - sent
            if best is None or rtt < best[1]:
                best = (message["server_time"] - (sent + received) / 2, rtt)
        assert best is not None
        return best[0], best[1] / 2


async def until(
    predicate: Callable[[], bool],
    timeout: float = STALL_S,
    what: Callable[[], str] = lambda: "timed out",
) -> None:
    """Wait until ``predicate()``; RuntimeError with ``what()`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(what())
        await asyncio.sleep(0.005)


def outbox_state(state_file: Path) -> tuple[int, int]:
    """(presses the agent has numbered so far, presses waiting in its outbox), from its state
    file; (-1, -1) while it cannot be read."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
        return int(state["counter"]), len(state["pending"])
    except (OSError, ValueError, KeyError):
        return -1, -1


async def events_until_award(
    http: httpx.AsyncClient, contest: Contest, after: int
) -> list[dict[str, Any]]:
    """The events after ``after`` up to the question's ``buzz_awarded`` (or, when every press was
    refused, the events there are: no press opened a window). Call it once the agent's presses
    are all answered, so every ``buzz_accepted`` is in the log."""
    deadline = time.monotonic() + STALL_S
    while True:
        got = await http.get(
            f"/api/contests/{contest.id}/events", headers=contest.auth, params={"after": after}
        )
        got.raise_for_status()
        events: list[dict[str, Any]] = got.json()["events"]
        if any(e["type"] == "buzz_awarded" for e in events):
            return events
        if events and not any(e["type"] == "buzz_accepted" for e in events):
            return events  # every press refused: no window, no award
        if time.monotonic() > deadline:
            raise RuntimeError(f"no buzz_awarded after {events[-3:]}")
        await asyncio.sleep(0.05)


async def run_link(
    server: QuizServer,
    folder: Path,
    link: str,
    presses: int,
    drift: float,
    seed: int,
    warmup: float,
    log_level: str = "warning",
) -> dict[str, Any]:
    """One scenario: a contest, a box, an agent, until ``presses`` presses are recorded."""
    rng = random.Random(seed)
    count = -(-presses // CHANNELS) * 5 // 4  # room for presses refused on a loaded machine
    with httpx.Client(base_url=server.base, trust_env=False, timeout=60) as http:
        contest = Contest.create(http, f"Agent benchmark ({link})")
        teams = [contest.add_team(f"Team {n}") for n in range(1, CHANNELS + 1)]
        contest.add_round(RULES, questions(count))
        made = http.post(
            f"/api/contests/{contest.id}/agents",
            headers=contest.auth,
            json={"venue": "Bench", "teams": teams},
        )
        made.raise_for_status()
        token = made.json()["agent_token"]
    offset_k, k_uncertainty = await server_offset_ms(server.ws, contest)
    proxy = None
    port = server.port
    if link == "jittered":
        proxy = await LinkProxy(server.port, up=JITTERED_UP, down=JITTERED_DOWN, seed=seed).start()
        port = proxy.port
    box = SimulatedBox(
        channels=CHANNELS, drift=drift, start_us=U32 - 40_000_000, rng=random.Random(seed)
    )
    sim = PtySimulator(box, folder / f"bz1-{link}")
    sim.start()
    channels = dict(zip(range(1, CHANNELS + 1), teams, strict=True))
    config = venue_toml(
        f"ws://127.0.0.1:{port}",
        contest.id,
        [(str(sim.link), channels)],
        state_file=folder / f"{link}-state.json",
    )
    agent = AgentProcess(folder, config, token, f"agent-{link}").start("--log-level", log_level)
    state_file = folder / f"{link}-state.json"
    errors_ms: list[float] = []
    effective_ms: list[float] = []
    transit_ms: list[float] = []  # button to server: the box's debounce, the agent, the link
    box_ms: list[float] = []  # the error's two parts: the agent's box-clock mapping …
    link_ms: list[float] = []  # … and the server's clock-sync estimate of the agent's clock
    samples: list[int] = []  # ping round trips behind that estimate
    clamped = late = 0

    def stall() -> str:
        return f"the agent's presses are still waiting; its log:\n{agent.log()[-8000:]}"

    try:
        async with (
            HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host,
            httpx.AsyncClient(base_url=server.base, trust_env=False, timeout=60) as http,
        ):
            await host.command({"type": "start_contest"})
            await host.command({"type": "start_round"})
            # The box clock fit, and the server's clock-sync window (the best of the last 16
            # pings, one a second) filled, as for an agent connected before the contest.
            await asyncio.sleep(warmup)
            seen_seq = 0
            for question in range(count):
                if len(errors_ms) >= presses:
                    break
                await host.command(
                    {"type": "show_question"} if question == 0 else {"type": "next_question"}
                )
                await until(lambda: not box.armed)
                await host.command({"type": "open_buzzers"})
                await until(
                    lambda: (
                        box.armed and all(box.lamps.get(ch) is LampMode.BLINK for ch in channels)
                    ),
                    what=lambda: f"armed {box.armed}, lamps {box.lamps}; " + stall(),
                )
                order = list(channels)
                rng.shuffle(order)
                first_truth = len(sim.truth)
                numbered, _ = outbox_state(state_file)
                for channel in order:
                    sim.press(channel, 0.03)
                    await asyncio.sleep(rng.uniform(0.002, 0.012))
                # Every press read by the agent and answered (acknowledged or refused) before the
                # next question, so a press held up on this busy machine never lands in the next
                # question as a false start (which locks its team out: its lamp would not blink).
                await until(
                    lambda n=numbered: outbox_state(state_file) == (n + CHANNELS, 0), what=stall
                )
                events = await events_until_award(http, contest, seen_seq)
                seen_seq = events[-1]["seq"]
                truth = {t.channel: t for t in sim.truth[first_truth:] if t.kind == "press"}
                accepted = 0
                for event in events:
                    if event["type"] != "buzz_accepted":
                        continue
                    accepted += 1
                    press = event["event"]["press"]
                    channel = teams.index(press["team_id"]) + 1
                    true_ms = truth[channel].host_ns / 1e6 + offset_k
                    errors_ms.append(press["pressed_at"] / 1000 - true_ms)
                    effective_ms.append(press["effective_at"] / 1000 - true_ms)
                    transit_ms.append(press["arrived_at"] / 1000 - true_ms)
                    clock = press.get("clock")
                    if clock is not None:
                        # the agent's box mapping: its claim against the truth, both on this
                        # machine's monotonic clock; the link: the server's offset estimate of
                        # the agent's clock (agent − server) against the true one, −K
                        box_ms.append(clock["claim_ms"] - truth[channel].host_ns / 1e6)
                        link_ms.append(-clock["offset_ms"] - offset_k)
                        samples.append(clock["samples"])
                    clamped += bool(press["clamped"])
                late += CHANNELS - accepted  # refused: arrived after the collection window
                winner = next((e for e in events if e["type"] == "buzz_awarded"), None)
                if winner is None:
                    await host.command({"type": "skip_question"})
                else:
                    await host.command(
                        {
                            "type": "judge",
                            "team_id": winner["event"]["photo"]["winner"],
                            "correct": True,
                        }
                    )
                print(f"\r  {link}: {len(errors_ms)} presses", end="", flush=True)
    finally:
        print()
        agent.stop()
        sim.stop()
        if proxy is not None:
            await proxy.close()
    return {
        "link": link,
        "errors_ms": errors_ms,
        "effective_ms": effective_ms,
        "transit_ms": transit_ms,
        "box_ms": box_ms,
        "link_ms": link_ms,
        "samples": samples,
        "clamped": clamped,
        "refused": late,
        "expected": len(errors_ms) + late,
        "k_uncertainty_ms": k_uncertainty,
    }


def modelled_link_bias(
    window: int, up: tuple[float, float], down: tuple[float, float], rounds: int = 20_000
) -> tuple[float, float]:
    """p50 and p99 of the offset error (ms) that min-delay clock sync has on a link whose one-way
    delays are uniform ``mean ± jitter`` (seconds) and independent: the lowest-delay sample of
    the last ``window`` is chosen, and its error is half its up delay less its down delay. The
    floor of what any NTP-style estimate can do on such a link, with no machine in the way."""
    rng = random.Random(1)
    recent: list[tuple[float, float]] = []
    errors: list[float] = []
    for _ in range(rounds):
        up_ms = 1000 * rng.uniform(up[0] - up[1], up[0] + up[1])
        down_ms = 1000 * rng.uniform(down[0] - down[1], down[0] + down[1])
        recent = [*recent[-(window - 1) :], (up_ms + down_ms, (up_ms - down_ms) / 2)]
        if len(recent) == window:
            errors.append(abs(min(recent)[1]))
    return percentile(errors, 0.5), percentile(errors, 0.99)


def report(result: dict[str, Any]) -> bool:
    """Print one scenario's figures; whether it met its goal."""
    errors = result["errors_ms"]
    magnitudes = [abs(e) for e in errors]
    goal = GOALS_MS[result["link"]]
    p99 = percentile(magnitudes, 0.99)
    mean = sum(errors) / len(errors)
    print(
        f"{result['link']:>9}: {len(errors)} presses recorded (of {result['expected']} pressed), "
        "|error| "
        f"p50 {percentile(magnitudes, 0.5):.3f} ms  p99 {p99:.3f} ms  max {max(magnitudes):.3f} ms"
        f"  (mean signed {mean:+.3f} ms; clamped {result['clamped']}; "
        f"refused {result['refused']}; "
        f"K ±{result['k_uncertainty_ms']:.3f} ms)  goal p99 ≤ {goal} ms: "
        f"{'met' if p99 <= goal else 'MISSED'}"
    )
    effective = [abs(e) for e in result["effective_ms"]]
    print(
        f"{'':>9}  after the anti-cheat clamp (effective_at): p50 {percentile(effective, 0.5):.3f}"
        f" ms  p99 {percentile(effective, 0.99):.3f} ms  max {max(effective):.3f} ms"
    )
    transit = result["transit_ms"]
    print(
        f"{'':>9}  button to server (arrived_at − true): p50 {percentile(transit, 0.5):.1f} ms"
        f"  p99 {percentile(transit, 0.99):.1f} ms  max {max(transit):.1f} ms"
    )
    for name, part in (("agent's box mapping", "box_ms"), ("server's link offset", "link_ms")):
        values = result[part]
        if values:
            size = [abs(v) for v in values]
            print(
                f"{'':>9}  of the error, the {name}: |p50| {percentile(size, 0.5):.3f} ms  "
                f"|p99| {percentile(size, 0.99):.3f} ms  signed {min(values):+.3f} .. "
                f"{max(values):+.3f} ms"
            )
    if result["samples"]:
        print(f"{'':>9}  round trips behind the offset: {min(result['samples'])} or more")
    if result["link"] == "jittered":
        for window in (SERVER_WINDOW, 4 * SERVER_WINDOW):
            p50, p99 = modelled_link_bias(window, JITTERED_UP, JITTERED_DOWN)
            print(
                f"{'':>9}  model of this link, lowest delay of the last {window} pings: "
                f"|offset error| p50 {p50:.2f} ms  p99 {p99:.2f} ms"
            )
    return p99 <= goal


async def main_async(args: argparse.Namespace) -> int:
    print(f"agent benchmark — {machine()}")
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="quiz-bench-agent-") as folder,
        QuizServer(env={"QUIZ_PING_INTERVAL": "1.0"}) as server,
    ):
        for n, link in enumerate(args.links):
            results.append(
                await run_link(
                    server,
                    Path(folder),
                    link,
                    args.presses,
                    args.drift_ppm / 1e6,
                    n + 1,
                    args.warmup,
                    args.agent_log_level,
                )
            )
    ok = [report(result) for result in results]
    return 0 if all(ok) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=1000, help="presses per link (≥ 1000)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=40.0,
        help="seconds the agent is connected before presses (the box fit's 32 s window and the "
        "server's 64 samples of the agent full)",
    )
    parser.add_argument(
        "--agent-log-level", default="warning", choices=("debug", "info", "warning", "error")
    )
    parser.add_argument("--drift-ppm", type=float, default=1500.0, help="the box clock's drift")
    parser.add_argument(
        "--links", nargs="+", default=["loopback", "jittered"], choices=["loopback", "jittered"]
    )
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
