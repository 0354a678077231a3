"""Question and answer types of the contest engine, and how an answer is checked.

Theory of operation
-------------------
A question is one of seven frozen, tagged structs (``SingleChoice`` … ``Estimation``). Texts,
options, units and explanations are *per-language maps* (``{"lv": …, "lt": …, "en": …}``) that the
engine carries opaquely: it never picks a language, it only hands the maps to the views.

An answer is one of six tagged structs (``ChoiceAnswer`` … ``TextAnswer``). ``validate_answer``
says whether an answer has the right shape for a question (a rule error otherwise), and
``check_answer`` gives a verdict: correct, wrong, or ``PENDING`` when a human must judge (an open
text answer that matches none of the accepted answers). Estimation questions have no verdict of
their own: the closest team wins, which ``game.scoring`` decides across teams.

A set of ids (the correct options of a multiple-choice question, the options a team chose, a
round's teams, the locked-out teams) is an ``IdSet``: a tuple in one canonical order, sorted and
each id once. A ``frozenset`` iterates in an order that follows the process's string hash seed,
so it would reach the views, the event log and the snapshots in a different order after every
restart (issue 11, item 17); the canonical order is a pure function of the ids.

Question packs (``content/``) are loaded into these types; nothing here reads files.
"""

from __future__ import annotations

import enum
import math
import unicodedata
from collections.abc import Iterable
from typing import Literal

import msgspec

from game.errors import InvalidAnswer, InvalidSetup

Localized = dict[str, str]
"""A text in several languages: language code (``lv``, ``lt``, ``en`` …) to text."""

MAX_TEXT_ANSWER = 200
"""The longest open-text answer a team may submit, in characters."""

IdSet = tuple[str, ...]
"""A set of ids in its canonical order: sorted, each id once (see ``id_set``)."""


def id_set(ids: Iterable[str]) -> IdSet:
    """``ids`` as an ``IdSet``: sorted and without repeats, the same in every process."""
    return tuple(sorted(set(ids)))


class Option(msgspec.Struct, frozen=True, kw_only=True):
    """One option of a choice question or one item of an ordering question."""

    id: str
    text: Localized


class Media(msgspec.Struct, frozen=True, kw_only=True):
    """An image shown with a question: a path inside its pack, alt text, credit and licence."""

    path: str
    alt: Localized = {}
    credit: str = ""
    licence: str = ""


class _QuestionBase(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Fields every question type has.

    Attributes:
        id: stable identifier, unique within a contest.
        text: the question, per language.
        explanation: an explanation or fun fact shown after the reveal, per language.
        media: an optional image.
        points: points for a correct answer; ``None`` takes the round's default.
        time_limit: seconds to answer; ``None`` takes the round's default.
        topic: the pack's topic (physics, biology …), carried for statistics.
        difficulty: 1 (easy) to 3 (hard), carried for statistics.
        source: where the fact comes from, carried for the host.
        kids: suitable for the youngest players, carried for choosing questions.
    """

    id: str
    text: Localized
    explanation: Localized = {}
    media: Media | None = None
    points: int | None = None
    time_limit: int | None = None
    topic: str | None = None
    difficulty: int | None = None
    source: str | None = None
    kids: bool = False


class SingleChoice(_QuestionBase, frozen=True, kw_only=True, tag="single_choice"):
    """Exactly one option is correct.

    ``shuffle`` lets the engine show the options in a per-contest shuffled order
    (``game.shuffling``); ``fixed_options`` (an ``IdSet``) keep their written position meanwhile
    ("All of the above" written last stays last).
    """

    options: tuple[Option, ...]
    correct: str
    shuffle: bool = True
    fixed_options: IdSet = ()

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "fixed_options", id_set(self.fixed_options))


class MultipleChoice(_QuestionBase, frozen=True, kw_only=True, tag="multiple_choice"):
    """Several options may be correct; an answer counts only when it names exactly those.

    ``correct`` and ``fixed_options`` are kept as ``IdSet``s whatever order they are given or
    decoded in; ``shuffle`` and ``fixed_options`` work as for ``SingleChoice``.
    """

    options: tuple[Option, ...]
    correct: IdSet
    shuffle: bool = True
    fixed_options: IdSet = ()

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "correct", id_set(self.correct))
        msgspec.structs.force_setattr(self, "fixed_options", id_set(self.fixed_options))


class TrueFalse(_QuestionBase, frozen=True, kw_only=True, tag="true_false"):
    """A statement that is true or false."""

    correct: bool


class Numeric(_QuestionBase, frozen=True, kw_only=True, tag="numeric"):
    """A number; any answer within ``tolerance`` (absolute, in ``unit``) of ``value`` is correct."""

    value: float
    tolerance: float = 0.0
    unit: Localized = {}


class Ordering(_QuestionBase, frozen=True, kw_only=True, tag="ordering"):
    """Put the items in order; ``correct`` lists every item id in the right order.

    ``shuffle`` lets the engine show the items in a per-contest shuffled order that is never the
    correct one (``game.shuffling``).
    """

    items: tuple[Option, ...]
    correct: tuple[str, ...]
    shuffle: bool = True


class OpenText(_QuestionBase, frozen=True, kw_only=True, tag="open_text"):
    """A free answer. ``accepted`` lists, per language, answers that count as correct.

    Matching ignores case, white space and punctuation, and — unless ``strict_diacritics`` — the
    diacritics of accepted answers in languages where a team may type without them
    (``DIACRITICS_OPTIONAL``: "Venera" matches "Venēra"); anything else is judged by the host. The
    first accepted answer of a language is the one shown at the reveal.
    """

    accepted: dict[str, tuple[str, ...]]
    strict_diacritics: bool = False


class Estimation(_QuestionBase, frozen=True, kw_only=True, tag="estimation"):
    """Guess a number; the closest team wins. Answers within ``tolerance`` count as exact."""

    value: float
    tolerance: float = 0.0
    unit: Localized = {}


Question = SingleChoice | MultipleChoice | TrueFalse | Numeric | Ordering | OpenText | Estimation
QUESTION_TYPES: tuple[type[Question], ...] = (
    SingleChoice,
    MultipleChoice,
    TrueFalse,
    Numeric,
    Ordering,
    OpenText,
    Estimation,
)
NUMERIC_TYPES: tuple[type[Numeric], type[Estimation]] = (Numeric, Estimation)


# --- answers -------------------------------------------------------------------------------------


class _AnswerBase(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    pass


class ChoiceAnswer(_AnswerBase, frozen=True, kw_only=True, tag="choice"):
    """The chosen option of a single-choice question."""

    option: str


class ChoicesAnswer(_AnswerBase, frozen=True, kw_only=True, tag="choices"):
    """The chosen options of a multiple-choice question, as an ``IdSet`` whatever order (and
    repeats) the team sent."""

    options: IdSet

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "options", id_set(self.options))


class BoolAnswer(_AnswerBase, frozen=True, kw_only=True, tag="bool"):
    """True or false."""

    value: bool


class NumberAnswer(_AnswerBase, frozen=True, kw_only=True, tag="number"):
    """A number, for numeric and estimation questions."""

    value: float


class OrderAnswer(_AnswerBase, frozen=True, kw_only=True, tag="order"):
    """Every item id of an ordering question, in the order the team chose."""

    order: tuple[str, ...]


class TextAnswer(_AnswerBase, frozen=True, kw_only=True, tag="text"):
    """A free-text answer."""

    text: str


Answer = ChoiceAnswer | ChoicesAnswer | BoolAnswer | NumberAnswer | OrderAnswer | TextAnswer

AnswerKind = Literal["choice", "choices", "bool", "number", "order", "text"]

_EXPECTED: dict[type[Question], type[Answer]] = {
    SingleChoice: ChoiceAnswer,
    MultipleChoice: ChoicesAnswer,
    TrueFalse: BoolAnswer,
    Numeric: NumberAnswer,
    Ordering: OrderAnswer,
    OpenText: TextAnswer,
    Estimation: NumberAnswer,
}


class Verdict(enum.Enum):
    """The result of checking one answer."""

    CORRECT = "correct"
    WRONG = "wrong"
    PENDING = "pending"  # the host must judge


def answer_kind(question: Question) -> str:
    """The ``kind`` tag of the answer ``question`` expects (``choice``, ``number`` …)."""
    return str(_EXPECTED[type(question)].__struct_config__.tag)


def validate_question(question: Question) -> None:
    """Check a question's internal consistency; raise ``InvalidSetup`` when it is broken.

    The content validator reports the same problems with file positions; the engine re-checks so
    that a question built any other way cannot put the contest into an impossible state.
    """
    if not question.id:
        raise InvalidSetup("a question needs an id")
    if not question.text:
        raise InvalidSetup(f"question {question.id!r} has no text")
    if question.points is not None and question.points < 0:
        raise InvalidSetup(f"question {question.id!r} has negative points")
    if question.time_limit is not None and question.time_limit <= 0:
        raise InvalidSetup(f"question {question.id!r} has a time limit that is not positive")
    if isinstance(question, SingleChoice | MultipleChoice):
        ids = [o.id for o in question.options]
        if len(ids) < 2 or len(set(ids)) != len(ids):
            raise InvalidSetup(f"question {question.id!r} needs at least two distinct options")
        correct = (question.correct,) if isinstance(question, SingleChoice) else question.correct
        if not correct or not set(correct) <= set(ids):
            raise InvalidSetup(f"question {question.id!r}: the correct answer is not an option")
        if not set(question.fixed_options) <= set(ids):
            raise InvalidSetup(f"question {question.id!r}: a fixed option is not an option")
    elif isinstance(question, Ordering):
        ids = [o.id for o in question.items]
        if len(ids) < 2 or len(set(ids)) != len(ids) or sorted(ids) != sorted(question.correct):
            raise InvalidSetup(
                f"question {question.id!r}: the correct order must list every item once"
            )
    elif isinstance(question, Numeric | Estimation):
        if not math.isfinite(question.value):
            raise InvalidSetup(f"question {question.id!r}: the value is not a finite number")
        if not math.isfinite(question.tolerance) or question.tolerance < 0:
            raise InvalidSetup(f"question {question.id!r}: the tolerance is negative")
    elif isinstance(question, OpenText) and not any(question.accepted.values()):
        raise InvalidSetup(f"question {question.id!r} accepts no answer")


def validate_answer(question: Question, answer: Answer) -> None:
    """Raise ``InvalidAnswer`` unless ``answer`` has the right shape for ``question``."""
    expected = _EXPECTED[type(question)]
    if not isinstance(answer, expected):
        raise InvalidAnswer(f"this question expects an answer of kind {answer_kind(question)!r}")
    if isinstance(answer, ChoiceAnswer):
        assert isinstance(question, SingleChoice)
        if answer.option not in {o.id for o in question.options}:
            raise InvalidAnswer(f"{answer.option!r} is not one of the options")
    elif isinstance(answer, ChoicesAnswer):
        assert isinstance(question, MultipleChoice)
        if not answer.options:
            raise InvalidAnswer("choose at least one option")
        known = {o.id for o in question.options}
        unknown = [option for option in answer.options if option not in known]
        if unknown:
            raise InvalidAnswer(f"{unknown[0]!r} is not one of the options")
    elif isinstance(answer, OrderAnswer):
        assert isinstance(question, Ordering)
        if sorted(answer.order) != sorted(o.id for o in question.items):
            raise InvalidAnswer("an order must list every item exactly once")
    elif isinstance(answer, NumberAnswer):
        if not math.isfinite(answer.value):
            raise InvalidAnswer("the answer is not a finite number")
    elif isinstance(answer, TextAnswer):
        if not normalize_text(answer.text):
            raise InvalidAnswer("the answer is empty")
        if len(answer.text) > MAX_TEXT_ANSWER:
            raise InvalidAnswer(f"the answer is longer than {MAX_TEXT_ANSWER} characters")


DIACRITICS_OPTIONAL = frozenset({"lv", "lt", "en"})
"""Languages whose accepted answers also match when typed without diacritics (docs/game-rules.md,
"Question types"): Latvian ā č ē ģ ī ķ ļ ņ š ū ž, Lithuanian ą č ę ė į š ų ū ž and English words
all decompose into a base letter and a mark, and people often type without the marks. Other
languages match only as written."""


def normalize_text(text: str) -> str:
    """Fold an open-text answer for matching: NFC, case-folded, punctuation and spacing removed.

    Diacritics are kept here: ``strip_diacritics`` removes them where a question allows it.
    """
    text = unicodedata.normalize("NFC", text).casefold()
    kept = [c if c.isalnum() else " " for c in text]
    return " ".join("".join(kept).split())


def strip_diacritics(text: str) -> str:
    """``text`` without its combining marks: ``šķērslis`` → ``skerslis``, ``ąžuolas`` →
    ``azuolas`` (canonical decomposition, marks dropped, recomposed)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def text_matches(question: OpenText, text: str) -> bool:
    """Whether ``text`` matches an accepted answer of ``question`` (see ``OpenText``)."""
    given = normalize_text(text)
    accepted = [
        (lang, normalize_text(a)) for lang, texts in question.accepted.items() for a in texts
    ]
    if any(given == wanted for _, wanted in accepted):
        return True
    if question.strict_diacritics:
        return False
    # Rule (docs/game-rules.md, "Question types"): missing diacritics are forgiven.
    bare = strip_diacritics(given)
    return any(
        bare == strip_diacritics(wanted) for lang, wanted in accepted if lang in DIACRITICS_OPTIONAL
    )


def check_answer(question: Question, answer: Answer) -> Verdict:
    """The verdict on a valid answer to a question (estimation: use ``estimation_distance``)."""
    validate_answer(question, answer)
    if isinstance(question, SingleChoice):
        assert isinstance(answer, ChoiceAnswer)
        ok = answer.option == question.correct
    elif isinstance(question, MultipleChoice):
        assert isinstance(answer, ChoicesAnswer)
        ok = answer.options == question.correct
    elif isinstance(question, TrueFalse):
        assert isinstance(answer, BoolAnswer)
        ok = answer.value == question.correct
    elif isinstance(question, Numeric | Estimation):
        assert isinstance(answer, NumberAnswer)
        ok = estimation_distance(question, answer.value) == 0.0
    elif isinstance(question, Ordering):
        assert isinstance(answer, OrderAnswer)
        ok = answer.order == question.correct
    else:
        assert isinstance(answer, TextAnswer)
        return Verdict.CORRECT if text_matches(question, answer.text) else Verdict.PENDING
    return Verdict.CORRECT if ok else Verdict.WRONG


def estimation_distance(question: Numeric | Estimation, value: float) -> float:
    """How far ``value`` is from the answer, counting anything within the tolerance as 0."""
    distance = abs(value - question.value)
    # A tiny epsilon keeps 0.1 + 0.2 within a tolerance of 0.3 — decimal input, binary floats.
    if distance <= question.tolerance + 1e-9 * max(1.0, abs(question.value)):
        return 0.0
    return distance


def correct_answer(question: Question) -> dict[str, object]:
    """The correct answer as plain data for a view, shown only after the reveal."""
    if isinstance(question, SingleChoice):
        return {"kind": "choice", "option": question.correct}
    if isinstance(question, MultipleChoice):
        return {"kind": "choices", "options": list(question.correct)}
    if isinstance(question, TrueFalse):
        return {"kind": "bool", "value": question.correct}
    if isinstance(question, Numeric | Estimation):
        return {
            "kind": "number",
            "value": question.value,
            "tolerance": question.tolerance,
            "unit": dict(question.unit),
        }
    if isinstance(question, Ordering):
        return {"kind": "order", "order": list(question.correct)}
    return {
        "kind": "text",
        "accepted": {lang: list(texts) for lang, texts in question.accepted.items()},
    }


def _in_order(choices: tuple[Option, ...], order: tuple[str, ...] | None) -> list[Option]:
    """``choices`` in the displayed ``order`` (their ids), or as written when there is none."""
    if order is None:
        return list(choices)
    by_id = {o.id: o for o in choices}
    return [by_id[i] for i in order]


def public_question(question: Question, order: tuple[str, ...] | None = None) -> dict[str, object]:
    """A question as every audience may see it before the reveal: no answer, no source.

    ``order`` lists the option (or item) ids in the order the contest shows them
    (``game.shuffling``); ``None`` shows them as written.
    """
    shown: dict[str, object] = {
        "id": question.id,
        "type": type_tag(question),
        "answer_kind": answer_kind(question),
        "text": dict(question.text),
        "media": msgspec.to_builtins(question.media) if question.media else None,
    }
    if isinstance(question, SingleChoice | MultipleChoice):
        shown["options"] = [
            {"id": o.id, "text": dict(o.text)} for o in _in_order(question.options, order)
        ]
    elif isinstance(question, Ordering):
        shown["items"] = [
            {"id": o.id, "text": dict(o.text)} for o in _in_order(question.items, order)
        ]
    elif isinstance(question, Numeric | Estimation):
        shown["unit"] = dict(question.unit)
    return shown


def type_tag(question: Question) -> str:
    """The ``type`` tag of a question (``single_choice`` …)."""
    # The struct's own config, not msgspec.inspect: that re-reads the annotations on every call.
    return str(type(question).__struct_config__.tag)
