"""Spreadsheet import and export: the round trip, bad rows by row number, nothing half-written."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest

from content import OverwriteRefused, PackInvalid, SpreadsheetInvalid, load_pack
from content.spreadsheet import columns, pack_fields
from content.transfer import export_pack, import_spreadsheet, write_template
from game import questions as engine
from tests.content.conftest import BROKEN, GOOD, SPREADSHEETS

CSV = SPREADSHEETS / "questions.csv"
TEMPLATES = Path(__file__).parents[2] / "content" / "templates"


def _new_pack(path: Path) -> Path:
    """A pack folder holding only the image the fixture spreadsheet refers to."""
    (path / "media").mkdir(parents=True)
    shutil.copy(GOOD / "media" / "water-cycle.svg", path / "media" / "wave.svg")
    return path


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.yaml"))
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns(("lv", "lt", "en")))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_writes_one_file_per_topic_with_every_field(tmp_path: Path) -> None:
    target = _new_pack(tmp_path / "imported")
    result = import_spreadsheet(CSV, target)
    assert result.questions == 7 and result.placeholder
    assert sorted(p.name for p in (target / "questions").iterdir()) == [
        "biology.yaml",
        "chemistry.yaml",
        "earth_science.yaml",
        "ecology.yaml",
        "human_body.yaml",
        "physics.yaml",
    ]
    pack = load_pack(target)
    assert pack.id == "imported"
    by_id = {q.id: q for q in pack.questions}
    assert {type(q) for q in pack.questions} == set(engine.QUESTION_TYPES)
    chem = by_id["chem-101"]  # "Multiple choice" / "Chemistry" as a librarian may type them
    assert isinstance(chem, engine.MultipleChoice) and chem.correct == ("a", "c")
    assert pack.audience("chem-101") == "adults"
    sound = by_id["phys-102"]
    assert isinstance(sound, engine.Numeric)
    assert (sound.value, sound.tolerance) == (343, 5.5)  # "5,5": a decimal comma
    assert sound.media is not None and sound.media.alt["lt"] == "Garso banga"
    assert isinstance(by_id["bio-101"], engine.TrueFalse) and by_id["bio-101"].correct is False
    skin = by_id["body-101"]
    assert isinstance(skin, engine.OpenText) and skin.accepted["en"] == ("Skin", "the skin")
    order = by_id["earth-101"]
    assert isinstance(order, engine.Ordering) and order.correct == ("b", "a", "c")
    first = by_id["phys-101"]
    assert (first.time_limit, first.points) == (20, 5)


def test_import_export_import_gives_the_same_pack(tmp_path: Path) -> None:
    first = _new_pack(tmp_path / "first")
    import_spreadsheet(CSV, first)
    workbook = tmp_path / "pack.xlsx"
    assert export_pack(first, workbook) == 7
    second = _new_pack(tmp_path / "second")
    result = import_spreadsheet(workbook, second)
    assert not result.placeholder  # the workbook's pack sheet carried pack.yaml
    assert _files(second) == _files(first)
    one, two = load_pack(first), load_pack(second)
    assert one.questions == two.questions
    assert dict(one.meta) == dict(two.meta)
    assert (one.id, one.title, one.authors, one.licence) == (
        two.id,
        two.title,
        two.authors,
        two.licence,
    )


def test_a_yaml_pack_survives_export_to_csv_and_import(tmp_path: Path) -> None:
    sheet = tmp_path / "good.csv"
    export_pack(GOOD, sheet)
    target = tmp_path / "again"
    shutil.copytree(GOOD / "media", target / "media")
    shutil.copy(GOOD / "pack.yaml", target / "pack.yaml")
    import_spreadsheet(sheet, target)
    original, again = load_pack(GOOD), load_pack(target)
    assert sorted(again.questions, key=lambda q: q.id) == sorted(
        original.questions, key=lambda q: q.id
    )
    assert {k: v.audience for k, v in again.meta.items()} == {
        k: v.audience for k, v in original.meta.items()
    }


def test_bad_rows_are_all_reported_by_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    rows = _rows(CSV)
    rows[1]["text_lt"] = ""  # row 3: a missing translation
    rows[2]["answer"] = "maybe"  # row 4: not true or false
    rows[3]["tolerance"] = "-1"  # row 5: negative tolerance
    rows[4]["answer"] = "b, a, d"  # row 6: d is not an item
    rows[5]["answer_lv"] = ""  # row 7: no accepted answer in lv
    rows[6]["topic"] = "weather"  # row 8: unknown topic
    rows[0]["answer"] = "a"
    rows.append(dict(rows[0]))  # row 9: the id of row 2 again
    sheet = _write_rows(tmp_path / "bad.csv", rows)
    target = _new_pack(tmp_path / "target")
    with pytest.raises(SpreadsheetInvalid) as raised:
        import_spreadsheet(sheet, target)
    header = columns(("lv", "lt", "en"))

    def col(name: str) -> int:
        return header.index(name) + 1

    found = [(p.line, p.column) for p in raised.value.problems]
    assert found == [
        (3, col("text_lt")),
        (4, col("answer")),
        (5, col("tolerance")),
        (6, col("answer")),
        (6, col("answer")),
        (7, col("answer_lv")),
        (8, col("topic")),
        (9, 1),
    ], raised.value.problems
    messages = [p.message for p in raised.value.problems]
    assert "missing the 'lt' translation" in messages[0]
    assert "expected true or false" in messages[1]
    assert "must not be negative" in messages[2]
    assert "answer must list every item exactly once; missing c" in messages[3]
    assert "'d' is not one of the items" in messages[4]
    assert "missing the 'lv' translation" in messages[5]
    assert "unknown topic 'weather'" in messages[6]
    assert "duplicate id 'phys-101' (first used in row 2)" in messages[7]
    assert str(raised.value.problems[0]).startswith(f"{sheet}:3:{col('text_lt')}: error: ")
    assert not (target / "questions").exists() and not (target / "pack.yaml").exists()


def test_header_problems_are_reported_before_any_row(tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("id,type,topic,difficulty,audience,text_lv,txt_lt,answer,source\n", "utf-8")
    with pytest.raises(SpreadsheetInvalid) as raised:
        import_spreadsheet(sheet, tmp_path / "target")
    problems = [(p.line, p.column, p.message) for p in raised.value.problems]
    assert (1, 7, "unknown column 'txt_lt'") in problems
    assert (1, 1, "missing column 'explanation_lv'") in problems


def test_semicolon_separated_csv_from_a_latvian_excel_is_read(tmp_path: Path) -> None:
    rows = _rows(CSV)
    sheet = tmp_path / "semicolons.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns(("lv", "lt", "en")), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    assert import_spreadsheet(sheet, _new_pack(tmp_path / "target")).questions == 7


def test_an_existing_pack_yaml_is_kept_and_sets_the_languages(tmp_path: Path) -> None:
    target = _new_pack(tmp_path / "target")
    shutil.copy(GOOD / "pack.yaml", target / "pack.yaml")
    result = import_spreadsheet(CSV, target)
    assert not result.placeholder
    assert load_pack(target).id == "test-good"


def test_ids_already_in_other_files_of_the_pack_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "target"
    shutil.copytree(GOOD, target)
    shutil.copy(GOOD / "media" / "water-cycle.svg", target / "media" / "wave.svg")
    rows = _rows(CSV)
    rows[0]["id"] = "chem-001"  # used in questions/choices.yaml, which the import keeps
    with pytest.raises(SpreadsheetInvalid) as raised:
        import_spreadsheet(_write_rows(tmp_path / "dup.csv", rows), target)
    assert [p.line for p in raised.value.problems] == [2]
    assert "the pack already has this id" in raised.value.problems[0].message


def test_import_and_export_never_overwrite_without_force(tmp_path: Path) -> None:
    target = _new_pack(tmp_path / "target")
    import_spreadsheet(CSV, target)
    rows = _rows(CSV)
    rows[0]["text_en"] = "What is the SI unit of length?"
    changed = _write_rows(tmp_path / "changed.csv", rows)
    before = _files(target)
    with pytest.raises(OverwriteRefused, match=r"physics\.yaml"):
        import_spreadsheet(changed, target)
    assert _files(target) == before
    import_spreadsheet(changed, target, force=True)
    by_id = {q.id: q for q in load_pack(target).questions}
    assert by_id["phys-101"].text["en"] == "What is the SI unit of length?"
    out = tmp_path / "out.xlsx"
    export_pack(target, out)
    with pytest.raises(OverwriteRefused):
        export_pack(target, out)
    export_pack(target, out, force=True)


def test_export_refuses_an_invalid_pack_and_options_beyond_f(tmp_path: Path) -> None:
    with pytest.raises(PackInvalid):
        export_pack(BROKEN, tmp_path / "x.xlsx")
    target = tmp_path / "pack"
    shutil.copytree(GOOD, target)
    text = (target / "questions" / "choices.yaml").read_text(encoding="utf-8")
    (target / "questions" / "choices.yaml").write_text(
        text.replace("      d: {lv: Gumija", "      g: {lv: Gumija"), encoding="utf-8"
    )
    with pytest.raises(SpreadsheetInvalid) as raised:
        export_pack(target, tmp_path / "x.xlsx")
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (2, "phys-001: option id 'g': a spreadsheet only has options a–f")
    ]
    assert not (tmp_path / "x.xlsx").exists()


def test_exported_text_is_never_a_formula_and_formulas_are_refused(tmp_path: Path) -> None:
    target = _new_pack(tmp_path / "target")
    rows = _rows(CSV)
    rows[0]["source"] = '=HYPERLINK("http://example.org")'
    import_spreadsheet(_write_rows(tmp_path / "f.csv", rows), target)
    out = tmp_path / "out.xlsx"
    export_pack(target, out)
    book = openpyxl.load_workbook(out)
    sheet = book["questions"]
    row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == "phys-101")
    source = sheet.cell(row=row, column=columns(("lv", "lt", "en")).index("source") + 1)
    assert source.data_type == "s" and str(source.value).startswith("=HYPERLINK")
    source.value = "=1+1"  # now a real formula, as a librarian might type it
    book.save(out)
    with pytest.raises(SpreadsheetInvalid) as raised:
        import_spreadsheet(out, _new_pack(tmp_path / "again"))
    assert any("formulas are not supported" in p.message for p in raised.value.problems)


def test_the_shipped_templates_have_the_layout_header(tmp_path: Path) -> None:
    header = columns(("lv", "lt", "en"))
    assert _rows(TEMPLATES / "questions-template.csv") == []
    with (TEMPLATES / "questions-template.csv").open(encoding="utf-8-sig") as f:
        assert next(csv.reader(f)) == header
    book = openpyxl.load_workbook(TEMPLATES / "questions-template.xlsx")
    assert book.sheetnames == ["questions", "pack", "help"]
    assert [c.value for c in book["questions"][1]] == header
    assert book["questions"].max_row == 1
    assert [r[0].value for r in book["pack"].iter_rows(min_row=2)] == pack_fields(
        ("lv", "lt", "en")
    )
    assert [c.value for c in book["help"][1]] == ["column", "lv", "lt", "en"]
    # The committed templates are what write_template makes today.
    fresh = tmp_path / "fresh.xlsx"
    write_template(fresh)
    again = openpyxl.load_workbook(fresh)
    for name in book.sheetnames:
        assert [[c.value for c in r] for r in again[name].iter_rows()] == [
            [c.value for c in r] for r in book[name].iter_rows()
        ]


def test_importing_the_empty_template_imports_nothing(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    result = import_spreadsheet(TEMPLATES / "questions-template.xlsx", target)
    assert result.questions == 0


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("broken.xlsx", b"not a zip file", "not a readable .xlsx workbook"),
        ("latin.csv", "id,type\nfiz-1,Kā\n".encode("cp1257"), "not UTF-8 text"),
    ],
)
def test_unreadable_spreadsheets_are_one_clear_problem(
    tmp_path: Path, name: str, data: bytes, words: str
) -> None:
    sheet = tmp_path / name
    sheet.write_bytes(data)
    with pytest.raises(SpreadsheetInvalid) as raised:
        import_spreadsheet(sheet, tmp_path / "target")
    assert len(raised.value.problems) == 1 and words in raised.value.problems[0].message
    assert not (tmp_path / "target").exists()
