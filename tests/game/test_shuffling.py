"""Option shuffling (docs/game-rules.md, "Option order"): a per-contest permutation, logged.

Properties: the order is a permutation of the option ids with the fixed options in place; the
same seed gives the same order (and a replay of the log the same views); answers and scores name
ids, so they do not depend on the order; every switch that turns shuffling off is honoured; an
ordering question is never shown in its correct order; a log written before shuffling replays
in the written order.
"""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game import commands as c
from game import events as ev
from game.errors import InvalidSetup
from game.model import AllPlayRules, BuzzerRules, Round
from game.questions import (
    ChoiceAnswer,
    ChoicesAnswer,
    MultipleChoice,
    Option,
    OrderAnswer,
    Ordering,
    SingleChoice,
    TrueFalse,
    validate_question,
)
from game.shuffling import display_order, shuffled
from game.state import replay
from game.views import audience_view, display_view, host_view, team_view
from tests.game.factory import LANGS, TEAMS, Game, loc, multiple, ordering, single

IDS = "abcdef"

option_counts = st.integers(min_value=2, max_value=6)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
question_ids = st.from_regex(r"[a-z]{1,6}-[0-9]{1,3}", fullmatch=True)


def choice(qid: str, count: int, correct: str = "a", **fields: object) -> SingleChoice:
    return SingleChoice(
        id=qid,
        text=loc("Which?"),
        options=tuple(Option(id=o, text=loc(o.upper())) for o in IDS[:count]),
        correct=correct,
        **fields,  # type: ignore[arg-type]
    )


def contest(seed: int, *rounds: Round) -> Game:
    g = Game()
    g.run(c.CreateContest, contest_id="shuffle", title="Shuffle", languages=LANGS, seed=seed)
    for team in TEAMS:
        g.run(c.AddTeam, team_id=team, name=team.title(), venue=team.title())
        g.run(c.AddPlayer, player_id=f"{team}-p1", team_id=team, display_name=f"{team} one")
    for round_ in rounds:
        g.run(c.AddRound, round=round_)
    g.run(c.StartContest)
    g.run(c.StartRound)
    return g


def all_play(*questions: object, shuffle: bool = True) -> Round:
    return Round(
        id="r",
        title=loc("All play"),
        rules=AllPlayRules(shuffle=shuffle),
        questions=questions,  # type: ignore[arg-type]
    )


def shown_ids(view: dict[str, object], key: str = "options") -> list[str]:
    question = view["question"]
    assert isinstance(question, dict)
    return [o["id"] for o in question["question"][key]]


# --- the permutation -----------------------------------------------------------------------------


@given(
    count=option_counts,
    seed=seeds,
    qid=question_ids,
    fixed=st.sets(st.sampled_from(IDS), max_size=3),
)
def test_the_order_is_a_permutation_with_fixed_options_in_place(
    count: int, seed: int, qid: str, fixed: set[str]
) -> None:
    ids = tuple(IDS[:count])
    order = shuffled(ids, seed, qid, frozenset(fixed))
    assert sorted(order) == sorted(ids)
    for position, option in enumerate(ids):
        if option in fixed:
            assert order[position] == option
    assert shuffled(ids, seed, qid, frozenset(fixed)) == order  # same inputs, same order


@given(count=st.integers(min_value=2, max_value=6), seed=seeds, qid=question_ids)
def test_an_ordering_question_is_never_shown_in_its_correct_order(
    count: int, seed: int, qid: str
) -> None:
    items = tuple(Option(id=i, text=loc(i)) for i in IDS[:count])
    for correct in (tuple(IDS[:count]), tuple(reversed(IDS[:count]))):
        question = Ordering(id=qid, text=loc("Order"), items=items, correct=correct)
        order = display_order(question, seed)
        assert order is not None and sorted(order) == sorted(correct)
        assert order != correct


def test_every_position_is_drawn_for_the_correct_option_over_contests() -> None:
    orders = [display_order(single(correct="a"), seed) for seed in range(64)]
    positions = {order.index("a") for order in orders if order is not None}
    assert positions == {0, 1, 2, 3}


def test_a_fixed_option_must_be_an_option() -> None:
    with pytest.raises(InvalidSetup, match="fixed option"):
        validate_question(choice("q", 3, fixed_options=("z",)))


def test_questions_without_options_and_questions_that_keep_their_order_have_none() -> None:
    assert display_order(TrueFalse(id="t", text=loc("?"), correct=True), 1) is None
    assert display_order(choice("q", 4, shuffle=False), 1) is None
    fixed = choice("q", 4, fixed_options=("d",))
    assert display_order(fixed, 7)[-1] == "d"  # type: ignore[index]
    kept = Ordering(
        id="o", text=loc("?"), items=ordering().items, correct=("z", "x", "y"), shuffle=False
    )
    assert display_order(kept, 1) is None


# --- in a contest --------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=seeds, count=option_counts)
def test_every_role_sees_the_logged_order_and_a_replay_sees_it_too(seed: int, count: int) -> None:
    question = choice("q-mix", count)
    g = contest(seed, all_play(question))
    events = g.run(c.ShowQuestion)
    shown = next(e for e in events if isinstance(e, ev.QuestionShown))
    assert shown.order == display_order(question, seed)
    views = [
        host_view(g.state),
        team_view(g.state, TEAMS[0]),
        display_view(g.state),
        audience_view(g.state),
    ]
    assert {tuple(shown_ids(v)) for v in views} == {shown.order}
    again = replay(msgspec.json.decode(msgspec.json.encode(g.log), type=list[ev.Event]))
    assert shown_ids(team_view(again, TEAMS[1])) == list(shown.order or ())


@settings(max_examples=30, deadline=None)
@given(seed_a=seeds, seed_b=seeds, picks=st.lists(st.sampled_from("abcd"), min_size=3, max_size=3))
def test_scores_do_not_depend_on_the_order(seed_a: int, seed_b: int, picks: list[str]) -> None:
    def play(seed: int) -> dict[str, int]:
        g = contest(seed, all_play(single("q1", correct="c"), multiple("q2"), ordering("q3")))
        g.run(c.ShowQuestion)
        for team, pick in zip(TEAMS, picks, strict=True):
            answer = ChoiceAnswer(option=pick)
            g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=answer)
        g.run(c.Reveal)
        g.run(c.NextQuestion)
        for team, pick in zip(TEAMS, picks, strict=True):
            answer2 = ChoicesAnswer(options=("a", "c") if pick == "a" else (pick,))
            g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=answer2)
        g.run(c.Reveal)
        g.run(c.NextQuestion)
        for team, pick in zip(TEAMS, picks, strict=True):
            order = ("z", "x", "y") if pick in "ab" else ("x", "y", "z")
            answer3 = OrderAnswer(order=order)
            g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=answer3)
        g.run(c.Reveal)
        return dict(g.state.scores)

    assert play(seed_a) == play(seed_b)


@settings(max_examples=20, deadline=None)
@given(seed=seeds)
def test_a_round_that_keeps_the_written_order_logs_no_order(seed: int) -> None:
    g = contest(seed, all_play(single(), shuffle=False))
    (shown,) = g.run(c.ShowQuestion)
    assert isinstance(shown, ev.QuestionShown) and shown.order is None
    assert shown_ids(display_view(g.state)) == list("abcd")


def test_a_buzzer_round_shuffles_too_unless_its_rules_say_not() -> None:
    for shuffle in (True, False):
        round_ = Round(
            id="b",
            title=loc("Buzzers"),
            rules=BuzzerRules(shuffle=shuffle),
            questions=(single("q-b"),),
        )
        g = contest(5, round_)
        (shown,) = g.run(c.ShowQuestion)
        assert isinstance(shown, ev.QuestionShown)
        assert (shown.order is not None) is shuffle


def test_estimation_rounds_have_nothing_to_shuffle() -> None:
    from tests.game.factory import estimation_round

    assert estimation_round().shuffles is False


def test_a_log_written_before_shuffling_replays_in_the_written_order() -> None:
    g = contest(3, all_play(single(), multiple()))
    g.run(c.ShowQuestion)
    old = [
        {k: v for k, v in msgspec.to_builtins(e).items() if k != "order"}
        for e in g.log  # QuestionShown of an old log has no "order" field
    ]
    state = replay(msgspec.convert(old, type=list[ev.Event]))
    assert state.question is not None and state.question.order is None
    assert shown_ids(display_view(state)) == list("abcd")
    assert g.state.question is not None and g.state.question.order is not None


def test_the_correct_answer_is_an_id_and_the_reveal_shows_the_same_order() -> None:
    question = single("q-rev", correct="d")
    g = contest(11, all_play(question))
    g.run(c.ShowQuestion)
    before = shown_ids(team_view(g.state, TEAMS[0]))
    g.run(c.Reveal)
    view = team_view(g.state, TEAMS[0])
    assert shown_ids(view) == before
    assert view["question"]["answer"] == {"kind": "choice", "option": "d"}


def test_a_multiple_choice_question_with_fixed_options_keeps_them_last() -> None:
    question = MultipleChoice(
        id="q-all",
        text=loc("Which?"),
        options=tuple(Option(id=o, text=loc(o)) for o in "abcd"),
        correct=("d",),
        fixed_options=("d",),
    )
    for seed in range(20):
        g = contest(seed, all_play(question))
        g.run(c.ShowQuestion)
        assert shown_ids(display_view(g.state))[-1] == "d"
