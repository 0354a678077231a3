"""Engine benchmark: commands per second for decide+apply, events per second for a full replay.

Run with ``make bench-engine``. It builds a long synthetic contest — three city teams with ten
players each, alternating buzzer and all-play rounds — plays it through ``game.engine.decide``
(as the server's runner does), then replays the resulting event log from scratch (the cost of
crash recovery without snapshots), and prints both rates. Not a test: the numbers depend on the
machine; docs/performance.md records them.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Iterator

import msgspec

from game import commands as c
from game.engine import decide
from game.events import Event
from game.model import AllPlayRules, BuzzerRules, Round
from game.questions import ChoiceAnswer, Option, SingleChoice
from game.state import ContestState, pending_timers, replay

S = 1_000_000
MS = 1_000
TEAMS = ("jelgava", "liepaja", "siauliai")
PLAYERS_PER_TEAM = 10


def _question(n: int) -> SingleChoice:
    text = {lang: f"Question {n} [{lang}]" for lang in ("lv", "lt", "en")}
    options = tuple(Option(id=o, text={"lv": o, "lt": o, "en": o}) for o in "abcd")
    return SingleChoice(id=f"q{n}", text=text, options=options, correct="abcd"[n % 4])


def synthetic_commands(rounds: int, questions_per_round: int) -> Iterator[c.Command]:
    """Yield the commands of a long contest; timers are fired as the engine asks for them."""
    now = 0
    yield c.CreateContest(
        at=now, contest_id="bench", title="Bench", languages=("lv", "lt", "en"), seed=7
    )
    for team in TEAMS:
        yield c.AddTeam(at=now, team_id=team, name=team.title(), venue=team.title())
        for p in range(PLAYERS_PER_TEAM):
            yield c.AddPlayer(at=now, player_id=f"{team}-{p}", team_id=team, display_name=f"P{p}")
    for r in range(rounds):
        rules = BuzzerRules() if r % 2 == 0 else AllPlayRules(speed_bonus=5)
        questions = tuple(
            _question(r * questions_per_round + i) for i in range(questions_per_round)
        )
        yield c.AddRound(
            at=now, round=Round(id=f"r{r}", title={"en": f"R{r}"}, rules=rules, questions=questions)
        )
    yield c.StartContest(at=now)


def play(rounds: int, questions_per_round: int) -> tuple[int, list[Event], float]:
    """Play the synthetic contest; returns (commands, events, seconds spent in decide)."""
    state = ContestState()
    log: list[Event] = []
    commands = 0
    spent = 0.0

    def run(command: c.Command) -> None:
        nonlocal state, commands, spent
        started = time.perf_counter()
        decision = decide(state, command)
        spent += time.perf_counter() - started
        state = decision.state
        log.extend(decision.events)
        commands += 1

    def fire(key: str) -> None:
        timer = next(t for t in pending_timers(state) if t.key == key)
        run(c.TimerFired(at=timer.due, key=timer.key, due=timer.due))

    for command in synthetic_commands(rounds, questions_per_round):
        run(command)
    now = 0
    for r in range(rounds):
        now += S
        run(c.StartRound(at=now))
        for i in range(questions_per_round):
            now += S
            run(c.NextQuestion(at=now))
            if r % 2 == 0:
                run(c.OpenBuzzers(at=now))
                fire("buzzers_open")
                opened = state.question.opens_at if state.question else None
                assert opened is not None
                for k, team in enumerate(TEAMS):
                    press = opened + (100 + 7 * k + i % 5) * MS
                    run(
                        c.Buzz(
                            at=press + 30 * MS,
                            team_id=team,
                            player_id=f"{team}-0",
                            pressed_at=press,
                            allowed_path_us=80 * MS,
                        )
                    )
                fire("buzz_window")
                answering = state.question.answering_team if state.question else None
                assert answering is not None
                run(c.Judge(at=now + 5 * S, team_id=answering, correct=i % 3 != 0))
                if state.question and state.question.phase == "armed":
                    fire("buzzers_open")
                    fire("buzz_timeout")
                now += 30 * S
            else:
                for team in TEAMS:
                    for p in range(PLAYERS_PER_TEAM):
                        now += 10 * MS
                        run(
                            c.SubmitAnswer(
                                at=now,
                                team_id=team,
                                player_id=f"{team}-{p}",
                                answer=ChoiceAnswer(option="abcd"[(p + i) % 4]),
                            )
                        )
                fire("answers_lock")
                now = state.question.deadline if state.question and state.question.deadline else now
            run(c.Reveal(at=now))
        run(c.NextQuestion(at=now))
    run(c.EndContest(at=now))
    return commands, log, spent


def cpu_model() -> str:
    """The processor's model name, for the record."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--questions", type=int, default=25)
    args = parser.parse_args()

    commands, log, spent = play(args.rounds, args.questions)
    encoded = msgspec.json.encode(log)
    started = time.perf_counter()
    decoded = msgspec.json.decode(encoded, type=list[Event])
    decode_spent = time.perf_counter() - started
    started = time.perf_counter()
    state = replay(decoded)
    replay_spent = time.perf_counter() - started
    assert state.status == "finished"

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(
        f"contest: {args.rounds} rounds x {args.questions} questions, {len(TEAMS)} teams x "
        f"{PLAYERS_PER_TEAM} players"
    )
    print(
        f"decide+apply: {commands} commands in {spent:.3f} s = {commands / spent:,.0f} commands/s"
    )
    print(
        f"replay:       {len(log)} events in {replay_spent:.3f} s = "
        f"{len(log) / replay_spent:,.0f} events/s"
    )
    print(
        f"decode log:   {len(encoded) / 1e6:.1f} MB JSON in {decode_spent:.3f} s = "
        f"{len(log) / decode_spent:,.0f} events/s"
    )
    print(
        f"recovery:     decode + replay = {len(log) / (decode_spent + replay_spent):,.0f} events/s"
    )


if __name__ == "__main__":
    main()
