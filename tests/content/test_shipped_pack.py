"""The shipped pack ``content/packs/baltic-science`` is valid and meets the issue's targets.

The targets (issue 4): every question in Latvian, Lithuanian and English with an explanation in all
three and a source; balanced — every topic at least 10 % and every difficulty at least 20 % of the
pack; at least 30 numeric or estimation questions with units; every question type of the engine
present. Raised by issue 18: at least 450 questions, at least 60 with images whose files exist,
questions flagged ``kids`` for the youngest players, and no warning from the validator's audit
(``content.audit``: no near-duplicates, no explanation giving away another question's answer).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content import Pack, load_pack
from content.audit import audit_pack
from content.model import DIFFICULTIES, TOPICS
from content.stats import pack_stats
from content.transfer import export_pack, import_spreadsheet
from game import questions as engine

SHIPPED = Path(__file__).parents[2] / "content" / "packs" / "baltic-science"
LANGUAGES = ("lv", "lt", "en")


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(SHIPPED)  # raises PackInvalid listing every problem


def test_the_shipped_pack_is_valid_and_in_three_languages(pack: Pack) -> None:
    assert pack.id == "baltic-science"
    assert pack.languages == LANGUAGES
    stats = pack_stats(pack)
    assert stats.languages == {lang: stats.questions for lang in LANGUAGES}


def test_at_least_450_questions(pack: Pack) -> None:
    count = len(pack.questions)
    assert count >= 450, f"the pack has {count} questions"


def test_balanced_across_topics_and_difficulties(pack: Pack) -> None:
    stats = pack_stats(pack)
    for topic in TOPICS:
        assert stats.topics[topic] >= 0.10 * stats.questions, (topic, stats.topics)
    for difficulty in DIFFICULTIES:
        assert stats.difficulties[str(difficulty)] >= 0.20 * stats.questions, stats.difficulties


def test_every_engine_question_type_is_present(pack: Pack) -> None:
    missing = set(engine.QUESTION_TYPES) - {type(q) for q in pack.questions}
    assert not missing, f"no question of type {sorted(t.__name__ for t in missing)}"


def test_at_least_30_numeric_or_estimation_questions_with_units(pack: Pack) -> None:
    with_units = [
        q
        for q in pack.questions
        if isinstance(q, engine.Numeric | engine.Estimation)
        and all(q.unit.get(lang, "").strip() for lang in LANGUAGES)
    ]
    assert len(with_units) >= 30, f"{len(with_units)} numeric or estimation questions with units"


def test_at_least_60_questions_with_images_that_exist(pack: Pack) -> None:
    files = [pack.media_file(q) for q in pack.questions if q.media is not None]
    assert len(files) >= 60, f"{len(files)} questions with images"
    assert all(f is not None and f.is_file() for f in files)


def test_a_tenth_of_the_questions_suit_the_youngest_players(pack: Pack) -> None:
    kids = [q for q in pack.questions if q.kids]
    assert len(kids) >= 0.10 * len(pack.questions), f"{len(kids)} questions flagged kids"


def test_every_question_has_an_explanation_in_three_languages_and_a_source(pack: Pack) -> None:
    for q in pack.questions:
        assert all(q.explanation.get(lang, "").strip() for lang in LANGUAGES), q.id
        assert q.source and q.source.strip(), q.id


def test_every_question_is_an_audience_of_the_format(pack: Pack) -> None:
    assert {pack.audience(q.id) for q in pack.questions} <= {"children", "everyone", "adults"}


def test_the_shipped_pack_survives_a_spreadsheet_round_trip(pack: Pack, tmp_path: Path) -> None:
    workbook = tmp_path / "baltic-science.xlsx"
    export_pack(SHIPPED, workbook)
    again = tmp_path / "again"
    shutil.copytree(SHIPPED / "media", again / "media")
    import_spreadsheet(workbook, again)
    copy = load_pack(again)
    assert sorted(copy.questions, key=lambda q: q.id) == sorted(pack.questions, key=lambda q: q.id)
    assert (copy.id, copy.title, copy.languages) == (pack.id, pack.title, pack.languages)


def test_the_shipped_pack_has_no_validator_warnings(pack: Pack) -> None:
    problems = audit_pack(pack)  # the warnings `quiz content validate` prints
    assert not problems, "\n".join(str(p) for p in problems)
