"""The optional question flags of issue 18: ``kids``, ``shuffle``, ``fixed_options``,
``strict_diacritics`` and the pack's ``shuffle`` default — read, checked, carried to the engine and
through a spreadsheet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from content import load_pack, read_pack
from content.transfer import export_pack, import_spreadsheet
from game import questions as engine

QUESTIONS = """\
questions:
  - id: flag-001
    topic: physics
    difficulty: 1
    audience: children
    kids: true
    type: single_choice
    text: {lv: "Kurš?", lt: "Kuris?", en: "Which?"}
    options:
      a: {lv: Varš, lt: Varis, en: Copper}
      b: {lv: Stikls, lt: Stiklas, en: Glass}
      c: {lv: Koks, lt: Mediena, en: Wood}
      d: {lv: Visi minētie, lt: Visi išvardyti, en: All of these}
    answer: a
    fixed_options: [d]
    explanation: {lv: Metāls., lt: Metalas., en: A metal.}
    source: A book
  - id: flag-002
    topic: physics
    difficulty: 1
    audience: everyone
    type: ordering
    shuffle: false
    text: {lv: Sakārtojiet., lt: Išdėstykite., en: Put in order.}
    items:
      a: {lv: Viens, lt: Vienas, en: One}
      b: {lv: Divi, lt: Du, en: Two}
      c: {lv: Trīs, lt: Trys, en: Three}
    answer: [a, b, c]
    explanation: {lv: Skaitļi., lt: Skaičiai., en: Numbers.}
    source: A book
  - id: flag-003
    topic: biology
    difficulty: 2
    audience: everyone
    type: open_text
    strict_diacritics: true
    text: {lv: "Svētki?", lt: "Šventė?", en: "A feast?"}
    answer: {lv: [kāzas], lt: [vestuvės], en: [wedding]}
    explanation: {lv: Kāzas., lt: Vestuvės., en: A wedding.}
    source: A book
  - id: flag-004
    topic: biology
    difficulty: 2
    audience: everyone
    type: multiple_choice
    text: {lv: "Kuri?", lt: "Kurie?", en: "Which?"}
    options:
      a: {lv: Lācis, lt: Lokys, en: Bear}
      b: {lv: Līdaka, lt: Lydeka, en: Pike}
      c: {lv: Vilks, lt: Vilkas, en: Wolf}
    answer: [a, c]
    explanation: {lv: Zīdītāji., lt: Žinduoliai., en: Mammals.}
    source: A book
"""


def flags_pack(
    pack_copy: Callable[..., Path], extra_meta: str = "", questions: str = QUESTIONS
) -> Path:
    root = pack_copy({"questions/flags.yaml": questions})
    for name in ("choices.yaml", "more.yaml", "numbers.yaml"):
        (root / "questions" / name).unlink()
    if extra_meta:
        meta = root / "pack.yaml"
        meta.write_text(meta.read_text(encoding="utf-8") + extra_meta, encoding="utf-8")
    return root


def by_id(root: Path) -> dict[str, engine.Question]:
    return {q.id: q for q in load_pack(root).questions}


def test_the_flags_reach_the_engine(pack_copy: Callable[..., Path]) -> None:
    questions = by_id(flags_pack(pack_copy))
    first, order, text, multi = (questions[f"flag-00{i}"] for i in range(1, 5))
    assert isinstance(first, engine.SingleChoice)
    assert first.kids and first.shuffle and first.fixed_options == ("d",)
    assert isinstance(order, engine.Ordering) and not order.shuffle and not order.kids
    assert isinstance(text, engine.OpenText) and text.strict_diacritics
    assert isinstance(multi, engine.MultipleChoice) and multi.shuffle and not multi.fixed_options


def test_the_pack_may_keep_the_written_order_by_default(pack_copy: Callable[..., Path]) -> None:
    questions = by_id(flags_pack(pack_copy, "shuffle: false\n"))
    assert not questions["flag-001"].shuffle  # type: ignore[union-attr]
    assert not questions["flag-004"].shuffle  # type: ignore[union-attr]


def test_a_question_may_shuffle_in_a_pack_that_does_not(pack_copy: Callable[..., Path]) -> None:
    text = QUESTIONS.replace("    answer: [a, c]\n", "    answer: [a, c]\n    shuffle: true\n")
    questions = by_id(flags_pack(pack_copy, "shuffle: false\n", text))
    assert questions["flag-004"].shuffle  # type: ignore[union-attr]
    assert not questions["flag-001"].shuffle  # type: ignore[union-attr]


def test_bad_flags_are_reported_with_their_line(pack_copy: Callable[..., Path]) -> None:
    text = QUESTIONS.replace("fixed_options: [d]", "fixed_options: [z, d, d]")
    text = text.replace("    kids: true\n", "    kids: maybe\n")
    messages = [str(p) for p in read_pack(flags_pack(pack_copy, questions=text)).problems]
    assert any(":6:11: error: flag-001: kids:" in m for m in messages), messages


def test_fixed_options_must_be_options_once(pack_copy: Callable[..., Path]) -> None:
    text = QUESTIONS.replace("fixed_options: [d]", "fixed_options: [z, d, d]")
    messages = [str(p) for p in read_pack(flags_pack(pack_copy, questions=text)).problems]
    assert any("fixed_options: 'z' is not among the options (a, b, c, d)" in m for m in messages)
    assert any("fixed_options: 'd' is listed twice" in m for m in messages)


def test_shuffle_on_a_question_without_options_is_an_unused_field(
    pack_copy: Callable[..., Path],
) -> None:
    text = QUESTIONS.replace("    strict_diacritics: true\n", "    shuffle: false\n")
    messages = [str(p) for p in read_pack(flags_pack(pack_copy, questions=text)).problems]
    assert any("flag-003" in m and "shuffle" in m for m in messages), messages


def test_the_flags_survive_a_spreadsheet_round_trip(
    pack_copy: Callable[..., Path], tmp_path: Path
) -> None:
    root = flags_pack(pack_copy)
    for suffix in ("xlsx", "csv"):
        sheet = tmp_path / f"flags.{suffix}"
        export_pack(root, sheet)
        again = tmp_path / f"again-{suffix}"
        import_spreadsheet(sheet, again)
        assert by_id(again) == by_id(root)
