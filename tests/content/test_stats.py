"""Counts of a pack per language, topic, difficulty, type and audience."""

from __future__ import annotations

from content import load_pack, read_pack
from content.stats import pack_stats, render_stats
from tests.content.conftest import BROKEN, GOOD


def test_counts_of_the_good_pack() -> None:
    stats = pack_stats(load_pack(GOOD))
    assert stats.pack == "test-good"
    assert stats.questions == 9
    assert stats.languages == {"lv": 9, "lt": 9, "en": 9}
    assert stats.topics == {
        "physics": 2,
        "chemistry": 2,
        "biology": 1,
        "earth_science": 1,
        "astronomy": 1,
        "human_body": 1,
        "ecology": 1,
    }
    assert stats.difficulties == {"1": 4, "2": 3, "3": 2}
    assert stats.types == {
        "single_choice": 1,
        "multiple_choice": 1,
        "true_false": 2,
        "numeric": 2,
        "ordering": 1,
        "open_text": 1,
        "estimation": 1,
    }
    assert stats.audiences == {"children": 2, "everyone": 4, "adults": 3}
    assert stats.topic_difficulty["physics"] == {"1": 2, "2": 0, "3": 0}
    assert stats.topic_difficulty["chemistry"] == {"1": 0, "2": 1, "3": 1}
    assert (stats.with_media, stats.with_unit, stats.with_source) == (1, 3, 9)


def test_a_broken_pack_counts_only_its_valid_questions() -> None:
    stats = pack_stats(read_pack(BROKEN).pack)
    assert stats.questions == 1
    assert stats.topics["human_body"] == 1


def test_the_text_report_names_every_count() -> None:
    report = render_stats(pack_stats(load_pack(GOOD)))
    assert report.splitlines()[0] == "pack test-good: 9 questions"
    for words in (
        "earth_science",
        "estimation",
        "adults",
        "with an image: 1",
        "topic × difficulty",
    ):
        assert words in report
