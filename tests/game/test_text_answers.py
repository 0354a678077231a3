"""Open-text matching forgives case and missing diacritics in lv, lt and en (docs/game-rules.md,
"Question types"), unless the question says ``strict_diacritics``."""

from __future__ import annotations

import pytest

from game import commands as c
from game.questions import (
    OpenText,
    TextAnswer,
    Verdict,
    check_answer,
    strip_diacritics,
    text_matches,
)
from tests.game.factory import TEAMS, all_play_round, loc, setup


def question(accepted: dict[str, tuple[str, ...]], strict: bool = False) -> OpenText:
    return OpenText(id="q-text", text=loc("?"), accepted=accepted, strict_diacritics=strict)


VENUS = question({"lv": ("Venēra",), "lt": ("Venera",), "en": ("Venus",)})
HEART = question({"lv": ("Sirds",), "lt": ("Širdis",), "en": ("Heart",)})
OAK = question({"lv": ("Ozols",), "lt": ("Ąžuolas",), "en": ("Oak",)})
SPRUCE = question({"lv": ("Egle",), "lt": ("Eglė",), "en": ("Spruce",)})
KNOT = question({"lv": ("Ķērpji",), "lt": ("Kerpės",), "en": ("Lichens",)})


@pytest.mark.parametrize(
    ("q", "typed"),
    [
        # Latvian
        (VENUS, "Venēra"),
        (VENUS, "Venera"),
        (VENUS, "VENERA"),
        (VENUS, "  venera! "),
        (KNOT, "kerpji"),
        (KNOT, "Ķērpji"),
        # Lithuanian
        (HEART, "Širdis"),
        (HEART, "Sirdis"),
        (HEART, "sirdis"),
        (OAK, "azuolas"),
        (OAK, "Ąžuolas"),
        (SPRUCE, "egle"),
        (SPRUCE, "EGLĖ"),
        (KNOT, "kerpes"),
        # English
        (VENUS, "venus"),
        (HEART, "HEART"),
        (OAK, "oak."),
    ],
)
def test_case_and_missing_diacritics_are_forgiven(q: OpenText, typed: str) -> None:
    assert text_matches(q, typed)
    assert check_answer(q, TextAnswer(text=typed)) is Verdict.CORRECT


@pytest.mark.parametrize(("q", "typed"), [(VENUS, "Marss"), (HEART, "Plaučiai"), (OAK, "Liepa")])
def test_other_answers_still_go_to_the_host(q: OpenText, typed: str) -> None:
    assert check_answer(q, TextAnswer(text=typed)) is Verdict.PENDING


def test_strict_diacritics_keep_the_marks_where_they_change_the_word() -> None:
    weddings = question({"lv": ("kāzas",), "lt": ("vestuvės",), "en": ("wedding",)}, strict=True)
    assert check_answer(weddings, TextAnswer(text="kāzas")) is Verdict.CORRECT
    assert check_answer(weddings, TextAnswer(text="KĀZAS")) is Verdict.CORRECT
    assert check_answer(weddings, TextAnswer(text="kazas")) is Verdict.PENDING  # goats
    assert check_answer(weddings, TextAnswer(text="vestuves")) is Verdict.PENDING


def test_languages_outside_the_list_match_only_as_written() -> None:
    estonian = question({"et": ("Päike",), "en": ("Sun",)})
    assert check_answer(estonian, TextAnswer(text="päike")) is Verdict.CORRECT
    assert check_answer(estonian, TextAnswer(text="paike")) is Verdict.PENDING


def test_strip_diacritics_handles_every_latvian_and_lithuanian_letter() -> None:
    assert strip_diacritics("āčēģīķļņšūž ĀČĒĢĪĶĻŅŠŪŽ") == "acegiklnsuz ACEGIKLNSUZ"
    assert strip_diacritics("ąčęėįšųūž ĄČĘĖĮŠŲŪŽ") == "aceeisuuz ACEEISUUZ"
    assert strip_diacritics("S\u030ciauliai") == "Siauliai"  # decomposed input too


def test_an_all_play_answer_without_diacritics_is_marked_correct_automatically() -> None:
    g = setup([all_play_round(HEART)])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    for team, typed in zip(TEAMS, ("sirdis", "Sirds", "lungs"), strict=True):
        g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=TextAnswer(text=typed))
    g.run(c.LockAnswers)
    assert g.state.question is not None
    assert g.state.question.verdicts == {
        TEAMS[0]: "correct",
        TEAMS[1]: "correct",
        TEAMS[2]: "pending",
    }
