"""Answer checking for every question type, answer validation and question validation."""

from __future__ import annotations

import pytest

from game.errors import InvalidAnswer, InvalidSetup
from game.questions import (
    BoolAnswer,
    ChoiceAnswer,
    ChoicesAnswer,
    NumberAnswer,
    Option,
    OrderAnswer,
    SingleChoice,
    TextAnswer,
    Verdict,
    answer_kind,
    check_answer,
    correct_answer,
    estimation_distance,
    normalize_text,
    public_question,
    validate_question,
)
from tests.game.factory import (
    estimation,
    loc,
    multiple,
    numeric,
    open_text,
    ordering,
    single,
    true_false,
)

CORRECT, WRONG, PENDING = Verdict.CORRECT, Verdict.WRONG, Verdict.PENDING


@pytest.mark.parametrize(
    ("question", "answer", "verdict"),
    [
        (single(correct="b"), ChoiceAnswer(option="b"), CORRECT),
        (single(correct="b"), ChoiceAnswer(option="a"), WRONG),
        (multiple(), ChoicesAnswer(options=("a", "c")), CORRECT),
        (multiple(), ChoicesAnswer(options=("a",)), WRONG),  # all or nothing
        (multiple(), ChoicesAnswer(options=("a", "b", "c")), WRONG),
        (true_false(correct=True), BoolAnswer(value=True), CORRECT),
        (true_false(correct=True), BoolAnswer(value=False), WRONG),
        (numeric(value=100, tolerance=0), NumberAnswer(value=100), CORRECT),
        (numeric(value=100, tolerance=0), NumberAnswer(value=100.5), WRONG),
        (numeric(value=100, tolerance=2), NumberAnswer(value=98), CORRECT),  # edge of tolerance
        (numeric(value=100, tolerance=2), NumberAnswer(value=102.01), WRONG),
        (numeric(value=0.3, tolerance=0), NumberAnswer(value=0.1 + 0.2), CORRECT),
        (ordering(), OrderAnswer(order=("z", "x", "y")), CORRECT),
        (ordering(), OrderAnswer(order=("x", "y", "z")), WRONG),
        (open_text(), TextAnswer(text="oxygen"), CORRECT),
        (open_text(), TextAnswer(text="  O2!  "), CORRECT),
        (open_text(), TextAnswer(text="SKĀBEKLIS"), CORRECT),
        (open_text(), TextAnswer(text="deguonis."), CORRECT),
        (open_text(), TextAnswer(text="skabeklis"), CORRECT),  # missing diacritics forgiven
        (open_text(), TextAnswer(text="gaiss"), PENDING),  # no accepted answer: host judges
        (open_text(), TextAnswer(text="nitrogen"), PENDING),
    ],
)
def test_check_answer(question, answer, verdict):
    assert check_answer(question, answer) is verdict


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        (single(), NumberAnswer(value=1), "expects an answer of kind 'choice'"),
        (single(), ChoiceAnswer(option="z"), "'z' is not one of the options"),
        (multiple(), ChoicesAnswer(options=()), "at least one"),
        (multiple(), ChoicesAnswer(options=("q", "a")), "'q' is not one of the options"),
        (ordering(), OrderAnswer(order=("z", "x")), "every item exactly once"),
        (ordering(), OrderAnswer(order=("z", "x", "x")), "every item exactly once"),
        (numeric(), NumberAnswer(value=float("nan")), "finite"),
        (numeric(), NumberAnswer(value=float("inf")), "finite"),
        (open_text(), TextAnswer(text=" ?! "), "empty"),
        (open_text(), TextAnswer(text="x" * 201), "longer than 200"),
        (true_false(), TextAnswer(text="yes"), "'bool'"),
    ],
)
def test_invalid_answers_are_rejected_with_a_reason(question, answer, message):
    with pytest.raises(InvalidAnswer, match=message) as info:
        check_answer(question, answer)
    assert info.value.code == "invalid_answer"


def test_estimation_distance_counts_tolerance_as_exact():
    q = estimation(value=206)
    assert estimation_distance(q, 200) == 6
    assert estimation_distance(q, 206) == 0
    assert estimation_distance(numeric(value=10, tolerance=1), 10.9) == 0


def test_normalize_text_keeps_diacritics_and_folds_case_spacing_punctuation():
    assert normalize_text("  Šiauliai,  Lietuva! ") == "šiauliai lietuva"
    assert normalize_text("Šiauliai") != normalize_text("Siauliai")
    # decomposed input (S + combining caron) equals the composed letter
    assert normalize_text("S\u030ciauliai") == normalize_text("Šiauliai")


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (single(correct="z"), "not an option"),
        (
            SingleChoice(
                id="q", text=loc("x"), options=(Option(id="a", text=loc("a")),), correct="a"
            ),
            "two distinct options",
        ),
        (numeric(tolerance=-1), "negative"),
        (numeric(value=float("nan")), "finite"),
        (SingleChoice(id="", text=loc("x"), options=(), correct="a"), "needs an id"),
        (SingleChoice(id="q", text={}, options=(), correct="a"), "no text"),
    ],
)
def test_broken_questions_are_rejected(question, message):
    with pytest.raises(InvalidSetup, match=message):
        validate_question(question)


def test_broken_ordering_open_text_points_and_time_limit():
    from game.questions import OpenText, Ordering

    bad_order = Ordering(
        id="o",
        text=loc("x"),
        items=(Option(id="a", text={}), Option(id="b", text={})),
        correct=("a",),
    )
    with pytest.raises(InvalidSetup, match="every item once"):
        validate_question(bad_order)
    with pytest.raises(InvalidSetup, match="accepts no answer"):
        validate_question(OpenText(id="o", text=loc("x"), accepted={"lv": ()}))
    with pytest.raises(InvalidSetup, match="negative points"):
        validate_question(single(points=-1))
    with pytest.raises(InvalidSetup, match="not positive"):
        validate_question(SingleChoice(**{**_fields(single()), "time_limit": 0}))


def _fields(q):
    return {f: getattr(q, f) for f in q.__struct_fields__}


def test_public_question_never_contains_the_answer():
    for q in (single(), multiple(), true_false(), numeric(), ordering(), open_text(), estimation()):
        shown = public_question(q)
        assert "correct" not in shown and "accepted" not in shown and "value" not in shown
        assert shown["answer_kind"] == answer_kind(q)
        assert correct_answer(q)["kind"] == answer_kind(q)
    assert "Skābeklis" not in str(public_question(open_text()))
