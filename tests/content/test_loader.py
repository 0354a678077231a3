"""Loading packs: the good pack becomes engine questions; every problem of a bad one is reported
with its file, line and column, all at once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from content import PackInvalid, load_pack, read_pack
from game import questions as engine
from tests.content.conftest import BROKEN, BROKEN_META, GOOD


def _where(problems: object, root: Path) -> list[tuple[str, int, int, str]]:
    found = []
    for p in problems:  # type: ignore[attr-defined]
        found.append((Path(p.file).relative_to(root).as_posix(), p.line, p.column, p.message))
    return found


def test_the_good_pack_loads_every_engine_question_type() -> None:
    pack = load_pack(GOOD)
    assert (pack.id, pack.version, pack.licence) == ("test-good", "1.0.0", "CC-BY-SA-4.0")
    assert pack.languages == ("lv", "lt", "en")
    assert pack.title["lt"] == "Bandomasis paketas"
    assert pack.authors == ("Baltic Science Quiz team",)
    assert {type(q) for q in pack.questions} == set(engine.QUESTION_TYPES)
    # Files in name order, questions in file order.
    assert [q.id for q in pack.questions][:3] == ["phys-001", "chem-001", "bio-001"]
    for question in pack.questions:
        engine.validate_question(question)


def test_loaded_questions_carry_every_field_of_the_file() -> None:
    pack = load_pack(GOOD)
    by_id = {q.id: q for q in pack.questions}
    single = by_id["phys-001"]
    assert isinstance(single, engine.SingleChoice)
    assert single.correct == "b"
    assert [o.id for o in single.options] == ["a", "b", "c", "d"]
    assert single.options[1].text == {"lv": "Varš", "lt": "Varis", "en": "Copper"}
    assert (single.topic, single.difficulty, single.time_limit, single.points) == (
        "physics",
        1,
        30,
        10,
    )
    assert single.source is not None and single.source.startswith("Serway")
    multiple = by_id["chem-001"]
    assert isinstance(multiple, engine.MultipleChoice) and multiple.correct == ("a", "c")
    truth = by_id["bio-001"]
    assert isinstance(truth, engine.TrueFalse) and truth.correct is False
    avogadro = by_id["chem-002"]  # 6.022e23 is a number, although YAML 1.1 reads it as text
    assert isinstance(avogadro, engine.Numeric)
    assert avogadro.value == pytest.approx(6.022e23)
    assert avogadro.tolerance == pytest.approx(0.001e23)
    assert avogadro.unit == {"lv": "daļiņas", "lt": "dalelės", "en": "particles"}
    moon = by_id["astro-001"]
    assert isinstance(moon, engine.Estimation) and (moon.value, moon.tolerance) == (384400, 5000)
    assert moon.media is not None and moon.media.path == "media/water-cycle.svg"
    assert moon.media.alt["lv"] == "Saule virs līknes"
    assert pack.media_file(moon) == GOOD / "media" / "water-cycle.svg"
    layers = by_id["earth-001"]
    assert isinstance(layers, engine.Ordering)
    assert [i.id for i in layers.items] == ["a", "b", "c", "d"]
    assert layers.correct == ("c", "a", "d", "b")
    oxygen = by_id["body-001"]
    assert isinstance(oxygen, engine.OpenText)
    assert oxygen.accepted == {
        "lv": ("Skābeklis", "O2"),
        "lt": ("Deguonis", "O2"),
        "en": ("Oxygen", "O2"),
    }


def test_pack_meta_keeps_audience_and_where_each_question_is_written() -> None:
    pack = load_pack(GOOD)
    assert pack.audience("bio-001") == "children"
    assert pack.audience("chem-001") == "adults"
    meta = pack.meta["chem-001"]
    assert (meta.file, meta.line) == ("questions/choices.yaml", 25)


def test_a_pack_can_be_named_by_its_pack_yaml() -> None:
    assert load_pack(GOOD / "pack.yaml").questions == load_pack(GOOD).questions


# Every problem of the broken pack, in one run: (file, line, column, words of the message).
BROKEN_PROBLEMS = [
    ("questions/a-errors.yaml", 2, 5, "err-unknown-field: missing required field 'explanation'"),
    ("questions/a-errors.yaml", 9, 5, "unknown field 'explanaton' (did you mean 'explanation'?)"),
    ("questions/a-errors.yaml", 18, 7, "err-translation: text: missing the 'lt' translation"),
    ("questions/a-errors.yaml", 21, 71, "'de' is not one of the pack's languages"),
    ("questions/a-errors.yaml", 33, 13, "answer 'c' is not among the options (a, b)"),
    ("questions/a-errors.yaml", 44, 16, "tolerance: must not be negative, found -0.5"),
    ("questions/a-errors.yaml", 59, 13, "the file 'media/missing.svg' does not exist"),
    ("questions/a-errors.yaml", 66, 17, "difficulty: expected a whole number, found 'two'"),
    ("questions/a-errors.yaml", 70, 13, "answer: expected true or false, found 'maybe'"),
    ("questions/a-errors.yaml", 71, 18, "explanation: expected a mapping, found a list"),
    ("questions/a-errors.yaml", 73, 17, "time_limit: must be positive, found 0"),
    ("questions/a-errors.yaml", 75, 5, "err-ranges: missing required field 'source'"),
    ("questions/a-errors.yaml", 76, 12, "unknown topic 'fysics' (did you mean 'physics'?)"),
    ("questions/a-errors.yaml", 77, 17, "difficulty: must be at most 3, found 5"),
    ("questions/a-errors.yaml", 78, 15, "unknown audience 'pensioners'"),
    (
        "questions/a-errors.yaml",
        82,
        32,
        "unit.en: '  ' is not valid: expected text that is not blank",
    ),
    ("questions/a-errors.yaml", 89, 11, "unknown type 'fill_in'"),
    ("questions/a-errors.yaml", 105, 13, "answer must list every item exactly once; missing b, c"),
    ("questions/a-errors.yaml", 105, 17, "answer: 'a' is listed twice"),
    ("questions/a-errors.yaml", 105, 20, "answer: 'd' is not one of the items (a, b, c)"),
    ("questions/a-errors.yaml", 109, 9, "id: 'Err Id' is not valid"),
    ("questions/a-errors.yaml", 118, 7, "duplicate key 'a'"),
    ("questions/a-errors.yaml", 122, 5, "unknown field 'options_note'"),
    ("questions/a-errors.yaml", 131, 27, "'sirds ir muskulis.' is not a language"),
    ("questions/a-errors.yaml", 131, 57, "'širdis yra raumuo.' is not a language"),
    ("questions/a-errors.yaml", 131, 86, "'it is.' is not a language"),
    ("questions/b-duplicate.yaml", 2, 9, "duplicate id 'ok-001' (first used at "),
    ("questions/c-syntax.yaml", 5, 11, "YAML syntax: expected ',' or '}', but got ':'"),
    ("questions/d-empty.yaml", 1, 1, "the file is empty"),
]


def test_every_problem_of_a_broken_pack_is_reported_at_once_with_its_position() -> None:
    reading = read_pack(BROKEN)
    found = _where(reading.problems, BROKEN)
    assert len(found) == len(BROKEN_PROBLEMS)
    for (file, line, column, message), (e_file, e_line, e_column, words) in zip(
        found, BROKEN_PROBLEMS, strict=True
    ):
        assert (file, line, column) == (e_file, e_line, e_column), message
        assert words in message


def test_the_duplicate_names_where_the_id_was_first_used() -> None:
    reading = read_pack(BROKEN)
    duplicate = next(p for p in reading.problems if "duplicate id" in p.message)
    assert duplicate.message.endswith(f"{BROKEN / 'questions' / 'a-errors.yaml'}:134:9)")


def test_a_broken_pack_still_yields_its_valid_questions_but_load_pack_raises() -> None:
    assert [q.id for q in read_pack(BROKEN).pack.questions] == ["ok-001"]
    with pytest.raises(PackInvalid) as raised:
        load_pack(BROKEN)
    assert len(raised.value.problems) == len(BROKEN_PROBLEMS)
    assert "a-errors.yaml:2:5: error: err-unknown-field" in str(raised.value)


def test_pack_yaml_problems_are_reported_with_positions() -> None:
    found = _where(read_pack(BROKEN_META).problems, BROKEN_META)
    assert [(f, line, col) for f, line, col, _ in found] == [
        ("pack.yaml", 1, 1),
        ("pack.yaml", 1, 5),
        ("pack.yaml", 4, 3),
        ("pack.yaml", 6, 10),
        ("pack.yaml", 8, 1),
        ("questions", 1, 1),
    ]
    messages = [m for *_, m in found]
    assert messages[0] == "missing required field 'licence'"
    assert "'Test Meta' is not valid" in messages[1]
    assert messages[2] == "title: missing the 'lt' translation"
    assert messages[3] == "authors: needs at least 1 item, found 0"
    assert messages[4] == "unknown field 'editor'"
    assert "no question files" in messages[5]


def test_a_missing_folder_or_pack_yaml_is_a_problem(tmp_path: Path) -> None:
    assert "no such pack folder" in read_pack(tmp_path / "nowhere").problems[0].message
    (tmp_path / "questions").mkdir()
    messages = [p.message for p in read_pack(tmp_path).problems]
    assert messages[0].startswith("missing pack.yaml")


QUESTION = """\
questions:
  - id: q-001
    topic: physics
    difficulty: 2
    audience: everyone
    type: {type}
    text: {{lv: Teksts, lt: Tekstas, en: Text}}
{body}
    explanation: {{lv: Skaidrojums, lt: Paaiškinimas, en: Explanation}}
    source: Test
"""
OPTIONS = """\
    options:
      a: {lv: Viens, lt: Vienas, en: One}
      b: {lv: Divi, lt: Du, en: Two}
      c: {lv: Trīs, lt: Trys, en: Three}"""
ITEMS = OPTIONS.replace("options:", "items:")

# (type, body after line 7, line, column, words) — body lines start at line 8.
CASES = [
    ("single_choice", OPTIONS + "\n    answer: d", 12, 13, "answer 'd' is not among the options"),
    ("single_choice", "    answer: a", 2, 5, "missing required field 'options'"),
    (
        "single_choice",
        OPTIONS.replace("c: {lv: Trīs", "c: {lv: Divi") + "\n    answer: a",
        11,
        15,
        "options.c.lv: the same text as options.b.lv",
    ),
    ("multiple_choice", OPTIONS + "\n    answer: [a, e]", 12, 17, "answer 'e' is not among"),
    ("multiple_choice", OPTIONS + "\n    answer: [a, a]", 12, 17, "answer 'a' is listed twice"),
    ("multiple_choice", OPTIONS + "\n    answer: []", 12, 13, "answer: needs at least 1 item"),
    (
        "multiple_choice",
        "    options:\n      a: {lv: A, lt: A, en: A}\n    answer: [a]",
        9,
        7,
        "options: needs at least 2 entries, found 1",
    ),
    ("true_false", "    answer: yes", 8, 13, "expected true or false, found 'yes'"),
    ("true_false", OPTIONS + "\n    answer: true", 8, 5, "'options' is not used by true_false"),
    (
        "numeric",
        "    answer: 5\n    unit: {lv: m, lt: m, en: m}\n    tolerance: -1",
        10,
        16,
        "tolerance: must not be negative",
    ),
    (
        "numeric",
        "    answer: '5'\n    unit: {lv: m, lt: m, en: m}",
        8,
        13,
        "answer: expected a number, found '5'",
    ),
    (
        "numeric",
        "    answer: .inf\n    unit: {lv: m, lt: m, en: m}",
        8,
        13,
        "expected a finite number",
    ),
    ("numeric", "    answer: 5", 2, 5, "missing required field 'unit'"),
    (
        "estimation",
        "    answer: 5\n    unit: {lv: m, en: m}",
        9,
        11,
        "unit: missing the 'lt' translation",
    ),
    ("ordering", ITEMS + "\n    answer: [a, b, b]", 12, 13, "exactly once; missing c"),
    ("ordering", ITEMS + "\n    answer: [a, b]", 12, 13, "answer: needs at least 3 items, found 2"),
    (
        "ordering",
        ITEMS.rsplit("\n", 1)[0] + "\n    answer: [a, b]",
        9,
        7,
        "items: needs at least 3",
    ),
    ("open_text", "    answer: {lv: [Viens], lt: [Vienas]}", 8, 13, "answer: missing the 'en'"),
    (
        "open_text",
        "    answer: {lv: Viens, lt: [Vienas], en: [One]}",
        8,
        18,
        "answer.lv: expected a list, found 'Viens'",
    ),
    (
        "open_text",
        "    answer: {lv: [Viens], lt: [Vienas], en: []}",
        8,
        45,
        "answer.en: needs at least 1 item",
    ),
    ("true_false", "    answer: true\n    points: 0", 9, 13, "points: must be positive"),
    ("true_false", "    answer: true\n    time_limit: 2.5", 9, 17, "expected a whole number"),
    (
        "true_false",
        "    answer: true\n    media: {path: /etc/passwd.svg, alt: {lv: a, lt: b, en: c},"
        " credit: x, licence: y}",
        9,
        19,
        "media.path: '/etc/passwd.svg' is not valid",
    ),
]


@pytest.mark.parametrize(("kind", "body", "line", "column", "words"), CASES)
def test_each_error_kind_is_reported_at_its_line_and_column(
    pack_copy: Callable[..., Path], kind: str, body: str, line: int, column: int, words: str
) -> None:
    root = pack_copy({"questions/zz.yaml": QUESTION.format(type=kind, body=body)})
    problems = [p for p in read_pack(root).problems if p.file.endswith("zz.yaml")]
    assert [(p.line, p.column) for p in problems][:1] == [(line, column)], problems
    assert words in problems[0].message, problems[0].message
    assert problems[0].message.startswith("q-001: ")


def _media_question(path: str) -> str:
    body = (
        "    answer: true\n    media:\n"
        f"      path: {path}\n"
        "      alt: {lv: Attēls, lt: Paveikslėlis, en: Picture}\n"
        "      credit: Test\n      licence: CC0-1.0"
    )
    return QUESTION.format(type="true_false", body=body)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("media/x.svg", b"<svg><script>alert(1)</script></svg>", "contains a script"),
        ("media/x.svg", b'<svg><rect onclick="x()"/></svg>', "event handler"),
        ("media/x.svg", b'<svg><image href="https://example.org/a.png"/></svg>', "external"),
        ("media/x.svg", b"hello", "is not an SVG image"),
        ("media/x.png", b"GIF89a", "is not a PNG image"),
        ("media/x.jpg", b"\x89PNG\r\n\x1a\n", "is not a JPEG image"),
        ("media/x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2_000_001, "the limit is 2000000"),
    ],
)
def test_unsafe_or_mislabelled_images_are_refused(
    pack_copy: Callable[..., Path], name: str, data: bytes, words: str
) -> None:
    root = pack_copy({"questions/zz.yaml": _media_question(name)})
    (root / name).write_bytes(data)
    problems = [p for p in read_pack(root).problems if p.file.endswith("zz.yaml")]
    assert [(p.line, p.column) for p in problems] == [(10, 13)]
    assert words in problems[0].message


def test_a_png_image_that_is_one_loads(pack_copy: Callable[..., Path]) -> None:
    root = pack_copy({"questions/zz.yaml": _media_question("media/x.png")})
    (root / "media" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    assert read_pack(root).problems == ()


@pytest.mark.parametrize("path", ["media/../../outside.svg", "media\\\\x.svg"])
def test_media_must_stay_inside_the_pack(pack_copy: Callable[..., Path], path: str) -> None:
    root = pack_copy({"questions/zz.yaml": _media_question(path)})
    (root.parent / "outside.svg").write_text("<svg/>")
    problems = [p.message for p in read_pack(root).problems]
    assert any("inside the pack folder" in m for m in problems), problems


def test_a_symlink_out_of_the_pack_is_refused(pack_copy: Callable[..., Path]) -> None:
    root = pack_copy({"questions/zz.yaml": _media_question("media/link.svg")})
    (root.parent / "outside.svg").write_text("<svg/>")
    os.symlink(root.parent / "outside.svg", root / "media" / "link.svg")
    problems = [p.message for p in read_pack(root).problems]
    assert any("leads outside the pack folder" in m for m in problems), problems


def test_texts_are_read_as_written_not_as_yaml_1_1_guesses(pack_copy: Callable[..., Path]) -> None:
    body = (
        "    options:\n      a: {lv: Jā, lt: Taip, en: Yes}\n      b: {lv: Nē, lt: Ne, en: No}\n"
        "    answer: b"
    )
    root = pack_copy({"questions/zz.yaml": QUESTION.format(type="single_choice", body=body)})
    question = next(q for q in load_pack(root).questions if q.id == "q-001")
    assert isinstance(question, engine.SingleChoice)
    assert [o.text["en"] for o in question.options] == ["Yes", "No"]


def test_pack_languages_decide_the_translations_required(pack_copy: Callable[..., Path]) -> None:
    meta = (
        (GOOD / "pack.yaml").read_text(encoding="utf-8").replace("[lv, lt, en]", "[lv, lt, en, et]")
    )
    root = pack_copy({"pack.yaml": meta})
    problems = read_pack(root).problems
    assert problems and all("missing the 'et' translation" in p.message for p in problems)
    assert problems[0].file.endswith("pack.yaml")  # the title lacks et too
