"""Choosing a round's questions from a pack by filters, including ``kids`` (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.packs import PackError, PackLibrary

PACKS = Path(__file__).resolve().parents[1] / "content" / "packs"


def library(tmp_path: Path) -> PackLibrary:
    root = tmp_path / "kids-pack"
    (root / "questions").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        (PACKS / "good" / "pack.yaml").read_text(encoding="utf-8").replace("test-good", "kids"),
        encoding="utf-8",
    )
    questions = ["questions:"]
    for n in range(1, 7):
        questions += [
            f"  - id: tf-{n:03}",
            "    topic: biology",
            f"    difficulty: {1 + n % 2}",
            "    audience: everyone",
            f"    kids: {'true' if n <= 2 else 'false'}",
            "    type: true_false",
            f"    text: {{lv: Teikums {n}., lt: Sakinys {n}., en: Statement {n}.}}",
            "    answer: true",
            "    explanation: {lv: Jā., lt: Taip., en: Yes.}",
            "    source: A book",
        ]
    (root / "questions" / "tf.yaml").write_text("\n".join(questions) + "\n", encoding="utf-8")
    return PackLibrary([root])


def test_kids_true_draws_only_questions_for_the_youngest(tmp_path: Path) -> None:
    packs = library(tmp_path)
    chosen = packs.select({"pack": "kids", "count": 2, "kids": True, "seed": 3})
    assert sorted(q.id for q in chosen) == ["tf-001", "tf-002"]
    with pytest.raises(PackError, match="only 2 questions match"):
        packs.select({"pack": "kids", "count": 3, "kids": True})
    assert len(packs.select({"pack": "kids", "count": 6})) == 6  # no filter: every question
    both = packs.select({"pack": "kids", "count": 1, "kids": True, "difficulties": [1]})
    assert [q.id for q in both] == ["tf-002"]
