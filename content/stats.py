"""Counts of a pack's questions: per language, topic, difficulty, type and audience.

Librarians balance a pack with these numbers (``quiz content stats``), and the shipped-pack test
holds the pack to the issue's targets with the same numbers. Pure: a ``Pack`` in, a ``PackStats``
out; every topic, difficulty, type and audience of the format appears, with 0 when it has none.
"""

from __future__ import annotations

import msgspec

from content.loader import Pack
from content.model import AUDIENCES, DIFFICULTIES, QUESTION_TYPES, TOPICS
from game import questions as engine


class PackStats(msgspec.Struct, frozen=True, kw_only=True):
    """How a pack's questions are spread.

    Attributes:
        pack: the pack id.
        questions: how many questions loaded.
        languages: per pack language, the questions whose text, explanation and every other
            localized field have that language.
        topics, difficulties, types, audiences: questions per value (difficulty keys are "1"–"3").
        topic_difficulty: per topic, questions per difficulty — to see where a pack is thin.
        with_media: questions with an image.
        with_unit: numeric and estimation questions whose unit is written in every language.
        with_source: questions that name a source.
    """

    pack: str
    questions: int
    languages: dict[str, int]
    topics: dict[str, int]
    difficulties: dict[str, int]
    types: dict[str, int]
    audiences: dict[str, int]
    topic_difficulty: dict[str, dict[str, int]]
    with_media: int
    with_unit: int
    with_source: int


def _localized_maps(question: engine.Question) -> list[dict[str, str]]:
    maps = [question.text, question.explanation]
    if question.media is not None:
        maps.append(question.media.alt)
    if isinstance(question, engine.SingleChoice | engine.MultipleChoice):
        maps += [o.text for o in question.options]
    elif isinstance(question, engine.Ordering):
        maps += [o.text for o in question.items]
    elif isinstance(question, engine.Numeric | engine.Estimation):
        maps.append(question.unit)
    return maps


def _has_language(question: engine.Question, language: str) -> bool:
    if isinstance(question, engine.OpenText) and not question.accepted.get(language):
        return False
    return all(m.get(language, "").strip() for m in _localized_maps(question))


def pack_stats(pack: Pack) -> PackStats:
    """Count ``pack``'s questions."""
    qs = pack.questions
    grid = {t: {str(d): 0 for d in DIFFICULTIES} for t in TOPICS}
    for q in qs:
        if q.topic in grid and str(q.difficulty) in grid[q.topic]:
            grid[q.topic][str(q.difficulty)] += 1
    return PackStats(
        pack=pack.id,
        questions=len(qs),
        languages={lang: sum(_has_language(q, lang) for q in qs) for lang in pack.languages},
        topics={t: sum(q.topic == t for q in qs) for t in TOPICS},
        difficulties={str(d): sum(q.difficulty == d for q in qs) for d in DIFFICULTIES},
        types={t: sum(engine.type_tag(q) == t for q in qs) for t in QUESTION_TYPES},
        audiences={
            a: sum(pack.meta[q.id].audience == a for q in qs if q.id in pack.meta)
            for a in AUDIENCES
        },
        topic_difficulty=grid,
        with_media=sum(q.media is not None for q in qs),
        with_unit=sum(
            isinstance(q, engine.Numeric | engine.Estimation)
            and all(q.unit.get(lang, "").strip() for lang in pack.languages)
            for q in qs
        ),
        with_source=sum(bool(q.source and q.source.strip()) for q in qs),
    )


def render_stats(stats: PackStats) -> str:
    """The counts as a plain-text report for a terminal."""

    def block(title: str, counts: dict[str, int]) -> list[str]:
        width = max((len(k) for k in counts), default=0)
        return [f"{title}:"] + [f"  {k:<{width}}  {v:>4}" for k, v in counts.items()]

    lines = [f"pack {stats.pack}: {stats.questions} questions"]
    lines += block("languages", stats.languages)
    lines += block("topics", stats.topics)
    lines += block("difficulties", stats.difficulties)
    lines += block("types", stats.types)
    lines += block("audiences", stats.audiences)
    lines.append("topic × difficulty (1 / 2 / 3):")
    width = max(len(t) for t in stats.topic_difficulty)
    for topic, row in stats.topic_difficulty.items():
        lines.append(f"  {topic:<{width}}  " + " / ".join(f"{n:>3}" for n in row.values()))
    lines.append(f"with an image: {stats.with_media}")
    lines.append(f"numeric or estimation with a unit: {stats.with_unit}")
    lines.append(f"with a source: {stats.with_source}")
    return "\n".join(lines)
