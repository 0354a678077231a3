"""Property tests: random valid and invalid command sequences keep the engine's invariants."""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import commands as c
from game import events as ev
from game.engine import decide
from game.errors import RuleError
from game.questions import (
    BoolAnswer,
    ChoiceAnswer,
    ChoicesAnswer,
    NumberAnswer,
    OpenText,
    OrderAnswer,
    TextAnswer,
    TrueFalse,
)
from game.state import (
    ContestState,
    decode_state,
    encode_state,
    pending_timers,
    replay,
    team_deadline,
)
from game.views import audience_view, display_view, team_view
from tests.game.factory import (
    MS,
    TEAMS,
    S,
    all_play_round,
    buzzer_round,
    estimation,
    estimation_round,
    loc,
    multiple,
    numeric,
    ordering,
    setup,
    single,
)

SECRET = "zzsecretzz"


def secret_open(qid: str) -> OpenText:
    return OpenText(
        id=qid,
        text=loc("Say the word"),
        accepted={"lv": (SECRET,), "lt": (SECRET,), "en": (SECRET,)},
    )


def contest():
    rounds = [
        buzzer_round(
            single("b1"),
            secret_open("b2"),
            TrueFalse(id="b3", text=loc("?"), correct=False),
            rid="buzz",
            false_start_penalty=2,
            wrong_penalty=3,
        ),
        all_play_round(
            secret_open("a1"),
            single("a2"),
            numeric("a3"),
            multiple("a4"),
            ordering("a5"),
            estimation("a6"),
            rid="all",
            speed_bonus=4,
        ),
        estimation_round(estimation("e1"), numeric("e2", tolerance=3), rid="est"),
    ]
    return setup(rounds)


def answer_for(data, team: str, state: ContestState):
    q = state.question
    kind = type(q.question).__name__ if q else "SingleChoice"
    marker = f"mk{team}{data.draw(st.integers(0, 99))}"
    options = {
        "SingleChoice": lambda: ChoiceAnswer(option=data.draw(st.sampled_from("abcdz"))),
        "MultipleChoice": lambda: ChoicesAnswer(
            options=tuple(data.draw(st.lists(st.sampled_from("abcd"))))
        ),
        "TrueFalse": lambda: BoolAnswer(value=data.draw(st.booleans())),
        "Numeric": lambda: NumberAnswer(value=data.draw(st.floats(-1e6, 1e6))),
        "Estimation": lambda: NumberAnswer(value=data.draw(st.floats(0, 500))),
        "Ordering": lambda: OrderAnswer(order=tuple(data.draw(st.permutations("xyz")))),
        "OpenText": lambda: TextAnswer(text=data.draw(st.sampled_from([marker, SECRET, ""]))),
    }
    if data.draw(st.integers(0, 9)) == 0:  # now and then an answer of the wrong kind
        return TextAnswer(text=marker)
    return options[kind]()


def _weights(state: ContestState) -> dict[str, int]:
    """Mostly commands that make sense now, sometimes anything (to exercise the rejections)."""
    weights = dict.fromkeys(ACTIONS, 1)
    weights["end"] = 0 if state.status == "running" and len(state.rounds_started) < 3 else 1
    if state.paused_at is not None:
        weights["resume"] = 20
        return weights
    q = state.question
    if state.status == "running" and not state.round_active:
        weights.update(start_round=20, tiebreak=3, time_mode=3)
    elif q is None or q.phase in ("revealed", "skipped", "closed"):
        weights.update(next=15, show=5, judge=3, undo=2)
    elif q.phase == "shown":
        weights.update(open=15, buzz=3)
    elif q.phase in ("armed", "open", "collecting"):
        weights.update(buzz=20, timer=8, undo=1)
    elif q.phase == "answering":
        weights.update(judge=15, answer=5, timer=3, undo=3)
    elif q.phase == "answers_open":
        weights.update(answer=25, timer=3, reveal=3, lock=2, time_mode=3)
    elif q.phase == "locked":
        weights.update(reveal=10, judge=8, undo=3)
    return weights


ACTIONS = (
    "start_round",
    "show",
    "next",
    "skip",
    "end_round",
    "open",
    "buzz",
    "answer",
    "lock",
    "reveal",
    "judge",
    "undo",
    "pause",
    "resume",
    "adjust",
    "timer",
    "stale_timer",
    "tiebreak",
    "time_mode",
    "end",
)


def random_command(data, state: ContestState, now: int) -> c.Command:
    weights = _weights(state)
    pool = [a for a in ACTIONS for _ in range(weights[a])]
    action = data.draw(st.sampled_from(pool))
    team = data.draw(st.sampled_from(TEAMS))
    if action == "start_round":
        return c.StartRound(at=now)
    if action == "show":
        return c.ShowQuestion(at=now)
    if action == "next":
        return c.NextQuestion(at=now)
    if action == "skip":
        return c.SkipQuestion(at=now)
    if action == "end_round":
        return c.EndRound(at=now)
    if action == "open":
        return c.OpenBuzzers(at=now)
    if action == "buzz":
        offset = data.draw(st.integers(-800 * MS, 50 * MS))
        return c.Buzz(
            at=now,
            team_id=team,
            player_id=f"{team}-p1",
            pressed_at=now + offset,
            allowed_path_us=data.draw(st.integers(0, 300 * MS)),
        )
    if action == "answer":
        player = data.draw(st.sampled_from([f"{team}-p1", f"{team}-p2", "liepaja-p1"]))
        return c.SubmitAnswer(
            at=now, team_id=team, player_id=player, answer=answer_for(data, team, state)
        )
    if action == "lock":
        return c.LockAnswers(at=now)
    if action == "reveal":
        return c.Reveal(at=now)
    if action == "judge":
        return c.Judge(at=now, team_id=team, correct=data.draw(st.booleans()))
    if action == "undo":
        return c.UndoJudgement(at=now)
    if action == "pause":
        return c.Pause(at=now)
    if action == "resume":
        return c.Resume(at=now)
    if action == "adjust":
        return c.AdjustScore(at=now, team_id=team, delta=data.draw(st.integers(-5, 5)), reason="r")
    if action == "timer":
        timers = pending_timers(state)
        if timers:
            timer = data.draw(st.sampled_from(timers))
            return c.TimerFired(at=max(now, timer.due), key=timer.key, due=timer.due)
        return c.LockAnswers(at=now)
    if action == "stale_timer":
        key = data.draw(
            st.sampled_from(
                ["buzzers_open", "buzz_timeout", "buzz_window", "answer_time", "answers_lock"]
            )
        )
        return c.TimerFired(at=now, key=key, due=data.draw(st.integers(0, now)))
    if action == "tiebreak":
        return c.StartTieBreak(at=now, question=single(f"tb{now}"))
    if action == "time_mode":
        mode = data.draw(st.sampled_from(["standard", "extended", "untimed"]))
        return c.SetTeamTimeMode(at=now, team_id=team, time_mode=mode)
    return c.EndContest(at=now)


def check_step(before: ContestState, command: c.Command, events: tuple[ev.Event, ...]) -> None:
    q = before.question
    for event in events:
        if isinstance(event, ev.AnswerSubmitted):
            # nothing is accepted after the team's own deadline or a lock
            assert q is not None and q.phase in ("answers_open", "answering")
            if q.kind == "buzzer":
                assert q.answer_deadline is not None and event.at <= q.answer_deadline
            else:
                deadline = team_deadline(q, event.team_id)
                assert deadline is None or event.at <= deadline
                assert (deadline is None) == (event.time_mode == "untimed")
                assert (event.time_mode == "standard") == (event.team_id not in q.team_deadlines)
        if isinstance(event, ev.ScoreChanged) and event.reason == "speed_bonus":
            # senior mode: a team answering in extended or untimed mode never earns a bonus
            assert q is not None and event.team_id not in q.team_deadlines
            assert q.answers[event.team_id].time_mode == "standard"
        if isinstance(event, ev.BuzzAccepted):
            assert q is not None and q.phase in ("armed", "open", "collecting")
            if q.phase == "collecting":
                assert event.at <= q.window_closes_at
            assert event.press.effective_at >= q.opens_at
        if isinstance(event, ev.BuzzAwarded):
            # one buzz phase never has two answering teams
            assert q is not None and q.phase == "collecting" and q.answering_team is None


def check_views(state: ContestState) -> None:
    q = state.question
    revealed = q is not None and q.phase == "revealed"
    for team in TEAMS:
        view = team_view(state, team)
        text = msgspec.json.encode(view).decode()
        for other in TEAMS:
            if other != team and not revealed:
                assert f"mk{other}" not in text, "another team's answer leaked"
        if q is not None and not revealed:
            assert view["question"]["answer"] is None and view["question"]["results"] is None
            if isinstance(q.question, OpenText):
                mine = q.answers.get(team)
                if not (mine and getattr(mine.answer, "text", "") == SECRET):
                    assert SECRET not in text, "the correct answer leaked"
    for view in (display_view(state), audience_view(state)):
        text = msgspec.json.encode(view).decode()
        if q is not None and not revealed:
            assert "mk" not in text.replace("mkdir", "")
            assert SECRET not in text
            assert view["question"]["answer"] is None and view["question"]["results"] is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_sequences_keep_the_invariants(data):
    g = contest()
    now = 0
    for _ in range(data.draw(st.integers(20, 150))):
        now += data.draw(st.sampled_from([0, 1, 10 * MS, 100 * MS, 200 * MS, 1 * S, 5 * S, 40 * S]))
        command = random_command(data, g.state, now)
        before = g.state
        snapshot = encode_state(before)
        try:
            decision = decide(before, command)
        except RuleError:
            assert encode_state(g.state) == snapshot  # a rejected command changes nothing
            continue
        assert encode_state(before) == snapshot  # apply never changes the state it was given
        check_step(before, command, decision.events)
        g.log.extend(decision.events)
        g.state = decision.state
        check_views(g.state)
        q = g.state.question
        if q is not None and q.phase == "answering":
            assert q.answering_team is not None and q.answering_team not in q.locked_out

    # replaying the log gives the same state
    assert replay(g.log) == g.state
    # every score equals the sum of its score events
    totals = {team: 0 for team in TEAMS}
    for event in g.log:
        if isinstance(event, ev.ScoreChanged):
            totals[event.team_id] += event.delta
    assert totals == g.state.scores
    # snapshots round-trip, and the event log round-trips through JSON
    assert decode_state(encode_state(g.state)) == g.state
    encoded = msgspec.json.encode(g.log)
    assert replay(msgspec.json.decode(encoded, type=list[ev.Event])) == g.state
