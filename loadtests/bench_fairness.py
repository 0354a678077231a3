"""Fairness benchmark: who wins the buzz in a simulated three-city world, and who should have.

Run with ``make bench`` (or ``python -m loadtests.bench_fairness``). Not a test: it prints
figures, recorded in docs/performance.md; the method is described in docs/game-rules.md
("Buzz arbitration").

Theory of operation
-------------------
Nine teams play in three cities (three per city). The world is simulated; the arbitration is not:
every press goes through the server's own code path —

1. each client's clock is learned by ``server.clock.ClockEstimator`` from simulated pings and
   pongs (one a second, NTP readings on the client's drifting clock);
2. the press becomes an engine ``Buzz`` through ``server.presses`` (``tablet_buzz`` for a
   tablet, ``box_press`` for a venue agent's box), as ``server.ws`` does;
3. ``game.engine.decide`` takes the buzzes in arrival order and fires the collection window's
   timer, exactly as the runner does, and its ``BuzzAwarded`` names the winner.

The *right* winner is the team whose human pressed first. A round is a *wrong winner* when the
engine awards another team (also when the right press arrived after the window).

Models (all times in ms, every draw from one seeded ``random.Random``):

- **Human reaction** after the opening: ex-Gaussian, normal(220, 25) + exponential(mean 60);
  all nine teams are equally quick.
- **Links**, one way, per message: base + exponential jitter + a rare spike.
  Venue Wi-Fi: 3 ms each way, jitter 1.5 ms, 3 % of messages +30…250 ms.
  4G: 18 ms down, 32 ms up (the uplink is slower), jitter 4 / 8 ms, 2 % of messages
  +60…300 ms. An agent's wired link: 1 ms, jitter 0.3 ms, 0.2 % +10…40 ms. Each city adds its
  backbone to the server both ways (2, 6 and 9 ms).
- **Clocks**: each tablet and agent clock is off by up to ±2 s and drifts up to ±100 ppm.
  Pongs are answered after 0.1–2 ms (a busy tablet).
- **Tablets**: the touch-to-event latency is fixed per device, 20–37 ms, with ±1.5 ms jitter per
  touch; the press leaves 0.5–2 ms after the event.
- **Boxes**: one box per city serves its three teams (channels 0–2). The box stamps the press on
  its own clock; the box mapping (``buzzers.clock``, not re-simulated here) places it on the
  agent's clock with an error common to the box (normal, σ 20 µs, redrawn each round) and the
  box's 4 µs resolution; the report crosses the serial line in 1–4 ms.
- **Cheaters** (cheater worlds only, tablets on venue Wi-Fi in Liepāja): one claims every press
  150 ms early; one answers one ping in four 1.9 s late (claiming it answered at once) and
  claims its presses 300 ms early. Neither claims a press before the opening (the view tells
  when the buzzers open), so neither false-starts. Its *twin* is an honest team with the same
  link, device and skill: the cheater's win share is compared with the twin's.
- **Calibration** (the calibrated worlds): the host sets each player's touch latency
  (``SetTouchLatency``), known to ±3 ms.

Pings between rounds are simulated (rounds are 3 s apart, so the 16-sample window spans about
five rounds); within a round the estimate is the one at the opening.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from game import commands as c
from game import events as ev
from game.engine import decide
from game.errors import RuleError
from game.model import BuzzerRules, Round
from game.questions import OpenText
from game.state import ContestState, pending_timers
from server import presses
from server.clock import ClockEstimator

MS = 1000
CITIES = ("jelgava", "liepaja", "siauliai")
BACKBONE_MS = {"jelgava": 2.0, "liepaja": 6.0, "siauliai": 9.0}
ROUND_GAP_MS = 3000.0
PING_INTERVAL_MS = 1000.0
WINDOWS_MS = (50, 100, 150, 300)
TIE_RESOLUTION_US = BuzzerRules().tie_resolution_us


@dataclass(frozen=True)
class Link:
    """One-way delays of a link: base, exponential jitter and rare spikes, per direction."""

    name: str
    down_ms: float
    up_ms: float
    jitter_down_ms: float
    jitter_up_ms: float
    spike_p: float
    spike_ms: tuple[float, float]

    def down(self, rng: random.Random, backbone: float) -> float:
        return self._one_way(rng, self.down_ms, self.jitter_down_ms) + backbone

    def up(self, rng: random.Random, backbone: float) -> float:
        return self._one_way(rng, self.up_ms, self.jitter_up_ms) + backbone

    def _one_way(self, rng: random.Random, base: float, jitter: float) -> float:
        delay = base + rng.expovariate(1 / jitter)
        if rng.random() < self.spike_p:
            delay += rng.uniform(*self.spike_ms)
        return delay


WIFI = Link("wifi", 3.0, 3.0, 1.5, 1.5, 0.03, (30.0, 250.0))
LTE = Link("4g", 18.0, 32.0, 4.0, 8.0, 0.02, (60.0, 300.0))
WIRED = Link("wired", 1.0, 1.0, 0.3, 0.3, 0.002, (10.0, 40.0))


@dataclass
class Client:
    """A tablet or an agent: its link, its clock, and the server's estimator of that clock."""

    city: str
    link: Link
    offset_ms: float
    drift: float
    next_ping: float
    late_pongs: bool = False
    estimator: ClockEstimator = field(default_factory=ClockEstimator)
    pings: int = 0

    def reading(self, server_ms: float) -> float:
        """The client's clock at server time ``server_ms``."""
        return self.offset_ms + server_ms * (1 + self.drift)

    def sync_until(self, rng: random.Random, until: float) -> None:
        """Ping once a second up to ``until``; feed the estimator as the server does."""
        backbone = BACKBONE_MS[self.city]
        while self.next_ping < until:
            t0 = self.next_ping
            received = t0 + self.link.down(rng, backbone)
            held = rng.uniform(0.1, 2.0)
            t1 = self.reading(received)
            t2 = self.reading(received + held)
            self.pings += 1
            if self.late_pongs and self.pings % 4 == 0:
                held += 1900.0  # answers 1.9 s late and claims it answered at once
            t3 = received + held + self.link.up(rng, backbone)
            self.estimator.add(t0, t1, t2, t3)
            self.next_ping += PING_INTERVAL_MS * rng.uniform(0.95, 1.05)


@dataclass
class Team:
    """A team: where it plays, how it presses and whether it cheats."""

    team_id: str
    city: str
    client: Client
    box: str | None = None
    channel: int | None = None
    touch_ms: float = 0.0
    claim_early_ms: float = 0.0
    calibrated_ms: int = 0
    calibrate_by_box: bool = False


def _client(rng: random.Random, city: str, link: Link, late_pongs: bool = False) -> Client:
    return Client(
        city=city,
        link=link,
        offset_ms=rng.uniform(-2000, 2000),
        drift=rng.uniform(-100e-6, 100e-6),
        next_ping=rng.uniform(0, PING_INTERVAL_MS),
        late_pongs=late_pongs,
    )


def boxes_world(rng: random.Random) -> list[Team]:
    """Every team on its city's box (one agent per city on a wired link)."""
    teams = []
    for city in CITIES:
        agent = _client(rng, city, WIRED)
        for channel in range(3):
            teams.append(Team(f"{city}-{channel}", city, agent, box=f"box-{city}", channel=channel))
    return teams


def tablets_world(
    rng: random.Random,
    cheat: str | None = None,
    calibrate: bool | str = False,
    wifi_only: bool = False,
) -> list[Team]:
    """Every team on one tablet: Wi-Fi and 4G mixed, devices of 20–37 ms touch latency.

    With ``cheat`` (``early`` or ``late_pongs``), team ``liepaja-0`` cheats and ``liepaja-1`` is
    its honest twin (same link, same device latency). With ``calibrate`` the host sets each
    player's touch latency, known to ±3 ms; with ``calibrate="box"`` each tablet is measured
    against its city's buzzer box before the first round (``calibrate_against_boxes``).
    ``wifi_only`` puts every tablet on venue Wi-Fi.
    The same ``rng`` seed draws the same devices and links whatever the options.
    """
    links = {
        "jelgava": (WIFI, WIFI, LTE),
        "liepaja": (WIFI, WIFI, LTE),
        "siauliai": (LTE, WIFI, LTE),
    }
    teams = []
    for city in CITIES:
        for k, link in enumerate(links[city]):
            late = cheat == "late_pongs" and city == "liepaja" and k == 0
            team = Team(f"{city}-{k}", city, _client(rng, city, WIFI if wifi_only else link, late))
            team.touch_ms = rng.uniform(20.0, 37.0)
            teams.append(team)
    if cheat is not None:
        cheater, twin = teams[3], teams[4]
        twin.touch_ms = cheater.touch_ms
        cheater.claim_early_ms = 150.0 if cheat == "early" else 300.0
    if calibrate == "box":
        for team in teams:
            team.calibrate_by_box = True
    elif calibrate:
        measured = random.Random(rng.random())  # its own stream: the world's stays the same
        for team in teams:
            error = measured.uniform(-3.0, 3.0)
            team.calibrated_ms = max(0, min(60, round(team.touch_ms + error)))
    return teams


def reaction_ms(rng: random.Random) -> float:
    """A human's reaction to the opening (ex-Gaussian)."""
    return rng.gauss(220.0, 25.0) + rng.expovariate(1 / 60.0)


def calibrate_against_boxes(rng: random.Random, teams: list[Team], now: float) -> None:
    """The venue's calibration (docs/game-rules.md, "Tablet latency"): one finger presses the
    tablet and the city's box together (±2 ms) twenty times; both presses are mapped as the
    server maps them, and the median of tablet minus box, in whole ms (0–60), is the player's
    touch latency. It measures what the tablet's press time lacks end to end: the touch latency
    and the offset error of the tablet's link."""
    agents = {city: _client(rng, city, WIRED) for city in CITIES}
    for team in teams:
        team.client.sync_until(rng, now)
    for agent in agents.values():
        agent.sync_until(rng, now)
    for team in teams:
        if not team.calibrate_by_box:
            continue
        agent, backbone = agents[team.city], BACKBONE_MS[team.city]
        differences = []
        for k in range(20):
            pressed = now + 100.0 * k
            event = pressed + rng.uniform(-2.0, 2.0) + team.touch_ms + rng.uniform(-1.5, 1.5)
            tablet = presses.tablet_buzz(
                team.client.estimator,
                team_id=team.team_id,
                player_id=None,
                pressed_at_ms=team.client.reading(event),
                arrived_us=round((event + team.client.link.up(rng, backbone)) * MS),
            )
            box = presses.box_press(
                agent.estimator,
                team_id=team.team_id,
                pressed_at_ms=agent.reading(pressed),
                box_bound_ms=0.05,
                box="calibration",
                arrived_us=round((pressed + 3.0 + agent.link.up(rng, backbone)) * MS),
            )
            differences.append((tablet.pressed_at - box.pressed_at) / MS)
        team.calibrated_ms = max(0, min(60, round(statistics.median(differences))))


# --- the engine side -----------------------------------------------------------------------------


def base_state(teams: list[Team], window_ms: int, seed: int) -> ContestState:
    """A contest whose buzzer question is open (opening at server time 1 s), built by decide."""
    state = ContestState()
    rules = BuzzerRules(
        collect_window_ms=window_ms, open_delay_ms=1000, tie_resolution_us=TIE_RESOLUTION_US
    )
    question = OpenText(id="q", text={"en": "?"}, accepted={"en": ("a",)})
    commands: list[c.Command] = [
        c.CreateContest(at=0, contest_id="fair", title="Fair", languages=("en",), seed=seed),
        *(c.AddTeam(at=0, team_id=t.team_id, name=t.team_id, venue=t.city) for t in teams),
        *(
            c.AddPlayer(at=0, player_id=f"{t.team_id}-p", team_id=t.team_id, display_name="P")
            for t in teams
        ),
        *(
            c.SetTouchLatency(at=0, player_id=f"{t.team_id}-p", latency_ms=t.calibrated_ms)
            for t in teams
            if t.calibrated_ms
        ),
        c.AddRound(
            at=0, round=Round(id="r", title={"en": "R"}, rules=rules, questions=(question,))
        ),
        c.StartContest(at=0),
        c.StartRound(at=0),
        c.ShowQuestion(at=0),
        c.OpenBuzzers(at=0),
        c.TimerFired(at=1000 * MS, key="buzzers_open", due=1000 * MS),
    ]
    for command in commands:
        state = decide(state, command).state
    assert state.question is not None and state.question.phase == "open"
    return state


@dataclass
class Outcome:
    """One engine decision: the winner (``None``: nobody) and its photo finish."""

    winner: str | None
    photo: ev.PhotoFinish | None
    refused: int


def arbitrate(state: ContestState, buzzes: list[c.Buzz]) -> Outcome:
    """Feed ``buzzes`` (in arrival order) to the engine and fire the window as the runner does."""
    refused = 0
    for buzz in buzzes:
        due = next((t.due for t in pending_timers(state) if t.key == "buzz_window"), None)
        if due is not None and buzz.at > due:
            break
        try:
            state = decide(state, buzz).state
        except RuleError:
            refused += 1
    due = next((t.due for t in pending_timers(state) if t.key == "buzz_window"), None)
    if due is None:
        return Outcome(None, None, refused)
    decision = decide(state, c.TimerFired(at=due, key="buzz_window", due=due))
    awarded = next(e for e in decision.events if isinstance(e, ev.BuzzAwarded))
    return Outcome(awarded.photo.winner, awarded.photo, refused)


# --- one round -----------------------------------------------------------------------------------


def press_buzzes(
    rng: random.Random, teams: list[Team], open_ms: float, base_open_us: int
) -> tuple[list[c.Buzz], str]:
    """Everyone presses; returns the buzzes in arrival order and the team that truly was first."""
    shift_us = base_open_us - round(open_ms * MS)  # simulated server time -> the base state's
    box_error: dict[str, float] = {}
    sent: list[tuple[int, c.Buzz]] = []
    first: tuple[float, str] | None = None
    for team in teams:
        pressed = open_ms + reaction_ms(rng)
        if first is None or pressed < first[0]:
            first = (pressed, team.team_id)
        backbone = BACKBONE_MS[team.city]
        client = team.client
        if team.box is not None:
            error = box_error.setdefault(team.box, rng.gauss(0.0, 0.02))
            stamped = math.floor((pressed + error) * 250) / 250  # 4 µs resolution
            arrived = pressed + rng.uniform(1.0, 4.0) + 0.3 + client.link.up(rng, backbone)
            arrived_us = round(arrived * MS) + shift_us
            buzz = presses.box_press(
                client.estimator,
                team_id=team.team_id,
                pressed_at_ms=client.reading(stamped),
                box_bound_ms=0.05,
                box=team.box,
                channel=team.channel,
                arrived_us=arrived_us,
            )
        else:
            event = pressed + team.touch_ms + rng.uniform(-1.5, 1.5)
            arrived = event + rng.uniform(0.5, 2.0) + client.link.up(rng, backbone)
            arrived_us = round(arrived * MS) + shift_us
            claimed = event
            if team.claim_early_ms:  # a cheater: early, yet never a false start
                claimed = max(event - team.claim_early_ms, open_ms + 5.0)
            buzz = presses.tablet_buzz(
                client.estimator,
                team_id=team.team_id,
                player_id=f"{team.team_id}-p",
                pressed_at_ms=client.reading(claimed),
                arrived_us=arrived_us,
            )
        sent.append((arrived_us, _shifted(buzz, shift_us)))
    sent.sort(key=lambda pair: pair[0])
    assert first is not None
    return [buzz for _, buzz in sent], first[1]


def _shifted(buzz: c.Buzz, shift_us: int) -> c.Buzz:
    """The buzz with its press time on the base state's clock (the arrival already is)."""
    return c.Buzz(
        at=buzz.at,
        team_id=buzz.team_id,
        player_id=buzz.player_id,
        pressed_at=buzz.pressed_at + shift_us,
        bound_us=buzz.bound_us,
        allowed_path_us=buzz.allowed_path_us,
        source=buzz.source,
        box=buzz.box,
        channel=buzz.channel,
        clock=buzz.clock,
    )


# --- a world, many rounds ------------------------------------------------------------------------


@dataclass
class Tally:
    """What one window made of one world's rounds."""

    rounds: int = 0
    wrong: int = 0
    ties: int = 0
    waits_ms: list[float] = field(default_factory=list)
    wins: Counter[str] = field(default_factory=Counter)
    clamped: int = 0
    presses: int = 0
    allowed_ms: dict[str, list[float]] = field(default_factory=dict)

    def add(self, outcome: Outcome, right: str) -> None:
        self.rounds += 1
        self.wins[outcome.winner or "-"] += 1
        if outcome.winner != right:
            self.wrong += 1
        photo = outcome.photo
        if photo is None:
            return
        if len(photo.tied) > 1:
            self.ties += 1
        self.waits_ms.append((photo.window_closed_at - photo.window_opened_at) / MS)
        for press in photo.presses:
            self.presses += 1
            self.clamped += press.clamped
            self.allowed_ms.setdefault(press.team_id, []).append(press.allowed_path_us / MS)


def run_world(
    key: str,
    build: Callable[[random.Random], list[Team]],
    rounds: int,
    seed: int,
    windows: tuple[int, ...],
) -> dict[int, Tally]:
    """Play ``rounds`` rounds of one world; each round is decided once per window. Worlds of
    the same ``key`` draw the same devices, links, clocks and reactions."""
    rng = random.Random(f"{key}:{seed}")
    teams = build(rng)
    clients = {id(t.client): t.client for t in teams}.values()
    now = 5000.0  # a few pings before the first round
    if any(t.calibrate_by_box for t in teams):
        calibrate_against_boxes(random.Random(f"{key}:{seed}:calibration"), teams, now)
    bases = {
        w: [base_state(teams, w, seed=s) for s in range(8)] for w in windows
    }  # eight contest seeds, so that tie draws vary
    base_open = bases[windows[0]][0].question.opens_at  # type: ignore[union-attr]
    assert base_open is not None
    tallies = {w: Tally() for w in windows}
    for n in range(rounds):
        now += ROUND_GAP_MS
        for client in clients:
            client.sync_until(rng, now)
        buzzes, right = press_buzzes(rng, teams, now, base_open)
        for w in windows:
            tallies[w].add(arbitrate(bases[w][n % 8], buzzes), right)
    return tallies


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.2f} %" if whole else "   -  "


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(name: str, tallies: dict[int, Tally], cheater: str | None = None) -> None:
    """Print one world's figures, one line per window."""
    print(f"\n{name}")
    for w, t in tallies.items():
        line = (
            f"  window {w:3d} ms: wrong winner {_pct(t.wrong, t.rounds)}, "
            f"tie-break {_pct(t.ties, t.rounds)}, wait p50 {_quantile(t.waits_ms, 0.5):.0f} ms "
            f"max {max(t.waits_ms, default=math.nan):.0f} ms, clamped {_pct(t.clamped, t.presses)}"
        )
        if cheater is not None:
            twin = cheater[:-1] + "1"
            line += (
                f"; cheater wins {_pct(t.wins[cheater], t.rounds)}, "
                f"honest twin {_pct(t.wins[twin], t.rounds)}"
            )
        print(line)
    if cheater is not None:
        last = tallies[max(tallies)]
        allowed = last.allowed_ms.get(cheater, [])
        print(
            f"  cheater's allowed path: p50 {_quantile(allowed, 0.5):.0f} ms, "
            f"p95 {_quantile(allowed, 0.95):.0f} ms"
        )


def main() -> None:
    """Run every world and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000, help="rounds per world")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    worlds: list[tuple[str, str, Callable[[random.Random], list[Team]], str | None]] = [
        ("boxes only (3 boxes x 3 teams)", "boxes", boxes_world, None),
        ("mixed tablets (Wi-Fi and 4G, 20-37 ms touch latency)", "tablets", tablets_world, None),
        (
            "mixed tablets, touch latency calibrated (±3 ms)",
            "tablets",
            lambda r: tablets_world(r, calibrate=True),
            None,
        ),
        (
            "mixed tablets, each calibrated against its city's box",
            "tablets",
            lambda r: tablets_world(r, calibrate="box"),
            None,
        ),
        (
            "tablets on venue Wi-Fi only, calibrated (no 4G uplink asymmetry)",
            "tablets",
            lambda r: tablets_world(r, calibrate=True, wifi_only=True),
            None,
        ),
        (
            "cheater: claims 150 ms early (calibrated tablets)",
            "tablets",
            lambda r: tablets_world(r, "early", calibrate=True),
            "liepaja-0",
        ),
        (
            "cheater: one pong in four 1.9 s late, claims 300 ms early (calibrated tablets)",
            "tablets",
            lambda r: tablets_world(r, "late_pongs", calibrate=True),
            "liepaja-0",
        ),
    ]
    print(
        f"fairness: {args.rounds} rounds per world, 9 teams in 3 cities, seed {args.seed}, "
        f"tie resolution {TIE_RESOLUTION_US} µs"
    )
    for name, key, build, cheater in worlds:
        report(name, run_world(key, build, args.rounds, args.seed, WINDOWS_MS), cheater)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
