"""The question-pack file format as typed structs: the one source of truth for the format.

Theory of operation
-------------------
``PackFile`` is ``pack.yaml``; ``QuestionFile`` is one file of ``questions/``; a question is one of
seven structs tagged by its ``type`` field, one per engine question type. Three things are derived
from these structs and nothing else:

* the checker (``content.checker``) walks a located YAML tree against them and reports every
  mismatch with its line and column;
* the JSON Schema for editors (``content.schema``) is ``msgspec.json.schema`` of them;
* a checked question is converted into its struct with ``msgspec.convert``, which re-checks it.

Constraints that a schema can say (patterns, ranges, list lengths) live here as ``msgspec.Meta``;
``extra`` carries two hints for the checker: ``localized`` (a map that must hold exactly the
pack's languages) and ``expected`` (how to describe a pattern to a librarian). Rules that need the
whole pack — an answer among the options, unique ids, existing media — are in ``content.rules``.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta

TOPICS: Final = (
    "physics",
    "chemistry",
    "biology",
    "earth_science",
    "astronomy",
    "human_body",
    "ecology",
)
AUDIENCES: Final = ("children", "everyone", "adults")
DIFFICULTIES: Final = (1, 2, 3)
QUESTION_TYPES: Final = (
    "single_choice",
    "multiple_choice",
    "true_false",
    "numeric",
    "ordering",
    "open_text",
    "estimation",
)
MEDIA_SUFFIXES: Final = (".svg", ".png", ".jpg", ".jpeg")

Topic = Literal[
    "physics", "chemistry", "biology", "earth_science", "astronomy", "human_body", "ecology"
]
Audience = Literal["children", "everyone", "adults"]

Id = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="Lowercase letters, digits and single hyphens, e.g. phys-001.",
        extra={"expected": "lowercase letters, digits and hyphens, e.g. phys-001"},
    ),
]
OptionId = Annotated[
    str,
    Meta(
        pattern=r"^[a-z0-9]+$",
        description="Option or item id: lowercase letters and digits, usually a, b, c …",
        extra={"expected": "lowercase letters and digits, e.g. a"},
    ),
]
Language = Annotated[
    str,
    Meta(
        pattern=r"^[a-z]{2,3}$",
        description="ISO 639-1 language code: lv, lt, en …",
        extra={"expected": "a two- or three-letter language code, e.g. lv"},
    ),
]
Text = Annotated[
    str,
    Meta(
        pattern=r"\S",
        description="Non-empty text.",
        extra={"expected": "text that is not blank"},
    ),
]
Localized = Annotated[
    dict[Language, Text],
    Meta(
        description="The same text in each of the pack's languages (lv, lt, en).",
        examples=[{"lv": "Ūdens", "lt": "Vanduo", "en": "Water"}],
        extra={"localized": True},
    ),
]
Choices = Annotated[
    dict[OptionId, Localized],
    Meta(
        min_length=2,
        max_length=6,
        description="2–6 options: option id -> text per language, in the order shown.",
    ),
]
Items = Annotated[
    dict[OptionId, Localized],
    Meta(
        min_length=3,
        max_length=6,
        description="3–6 items: item id -> text per language, in the order DISPLAYED.",
    ),
]
Number = Annotated[float, Meta(description="A number, e.g. 100, 3.5 or 6.02e23.")]
Tolerance = Annotated[
    float,
    Meta(ge=0, description="Absolute tolerance in the unit; answers this close count as right."),
]
Difficulty = Annotated[int, Meta(ge=1, le=3, description="1 easy, 2 medium, 3 hard.")]
Seconds = Annotated[int, Meta(gt=0, le=3600, description="Seconds to answer (1–3600).")]
Points = Annotated[int, Meta(gt=0, le=1000, description="Points for a correct answer.")]
AcceptedAnswers = Annotated[
    dict[Language, Annotated[list[Text], Meta(min_length=1)]],
    Meta(
        description="Accepted answers per language; the first is shown at the reveal.",
        examples=[{"lv": ["Skābeklis"], "lt": ["Deguonis"], "en": ["Oxygen", "O2"]}],
        extra={"localized": True},
    ),
]


class MediaEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An image shown with a question (SVG, PNG or JPEG) made by the project."""

    path: Annotated[
        str,
        Meta(
            pattern=r"^[^/\\].*\.(svg|png|jpg|jpeg)$",
            description="Path relative to the pack folder, e.g. media/phys-001.svg.",
            extra={"expected": "a relative path to an .svg, .png or .jpg file, e.g. media/x.svg"},
        ),
    ]
    alt: Localized
    credit: Text
    licence: Text


class _QuestionEntry(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    tag_field="type",
):
    """Fields every question has, whatever its type."""

    id: Id
    topic: Topic
    difficulty: Difficulty
    audience: Audience
    text: Localized
    explanation: Localized
    source: Text
    media: MediaEntry | None = None
    time_limit: Seconds | None = None
    points: Points | None = None
    kids: Annotated[
        bool,
        Meta(description="Suitable for the youngest players (rounds for children choose these)."),
    ] = False


Shuffle = Annotated[
    bool | None,
    Meta(
        description="false: keep the written order of the options (items) in a contest; "
        "omitted: the pack's `shuffle` (true unless pack.yaml says otherwise)."
    ),
]
FixedOptions = Annotated[
    list[OptionId],
    Meta(
        description="Option ids that keep their written position while the others are "
        "shuffled, e.g. [d] for a last option 'All of the above'."
    ),
]


class SingleChoiceEntry(_QuestionEntry, frozen=True, kw_only=True, tag="single_choice"):
    """Exactly one option is right; ``answer`` is its id."""

    options: Choices
    answer: OptionId
    shuffle: Shuffle = None
    fixed_options: FixedOptions = []


class MultipleChoiceEntry(_QuestionEntry, frozen=True, kw_only=True, tag="multiple_choice"):
    """Several options may be right; ``answer`` lists their ids."""

    options: Choices
    answer: Annotated[list[OptionId], Meta(min_length=1)]
    shuffle: Shuffle = None
    fixed_options: FixedOptions = []


class TrueFalseEntry(_QuestionEntry, frozen=True, kw_only=True, tag="true_false"):
    """A statement; ``answer`` is true or false."""

    answer: bool


class NumericEntry(_QuestionEntry, frozen=True, kw_only=True, tag="numeric"):
    """A number; answers within ``tolerance`` of ``answer`` are right."""

    answer: Number
    tolerance: Tolerance = 0.0
    unit: Localized


class EstimationEntry(_QuestionEntry, frozen=True, kw_only=True, tag="estimation"):
    """Guess a number; the closest team wins, answers within ``tolerance`` count as exact."""

    answer: Number
    tolerance: Tolerance = 0.0
    unit: Localized


class OrderingEntry(_QuestionEntry, frozen=True, kw_only=True, tag="ordering"):
    """Put ``items`` (listed in display order) in order; ``answer`` is the correct order."""

    items: Items
    answer: Annotated[list[OptionId], Meta(min_length=3, max_length=6)]
    shuffle: Shuffle = None


class OpenTextEntry(_QuestionEntry, frozen=True, kw_only=True, tag="open_text"):
    """A free answer; ``answer`` lists the accepted answers per language."""

    answer: AcceptedAnswers
    strict_diacritics: Annotated[
        bool,
        Meta(
            description="true: a typed answer must have the accepted answer's diacritics "
            "(kazas is not kāzas); by default they may be left out."
        ),
    ] = False


QuestionEntry = (
    SingleChoiceEntry
    | MultipleChoiceEntry
    | TrueFalseEntry
    | NumericEntry
    | OrderingEntry
    | OpenTextEntry
    | EstimationEntry
)


class QuestionFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One YAML file of a pack's ``questions/`` folder."""

    questions: list[QuestionEntry]


class PackFile(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """``pack.yaml``: what the pack is, who made it, and its languages."""

    id: Id
    version: Annotated[str, Meta(pattern=r"\S", description="Version, e.g. 1.0.0.")]
    title: Localized
    description: Localized | None = None
    authors: Annotated[list[Text], Meta(min_length=1)]
    licence: Text
    languages: Annotated[
        list[Language],
        Meta(
            min_length=1,
            description="Every localized text in the pack has exactly these languages.",
        ),
    ]
    shuffle: Annotated[
        bool,
        Meta(
            description="false: contests keep the written order of options and items of every "
            "question that does not say otherwise (default: shuffled per contest)."
        ),
    ] = True
