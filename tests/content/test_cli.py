"""``quiz content …`` through the one entry point: output lines and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from server.cli import main
from tests.content.conftest import BROKEN, BROKEN_META, GOOD, SPREADSHEETS
from tests.content.test_loader import BROKEN_PROBLEMS


def test_validate_exits_0_for_valid_packs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "validate", str(GOOD), str(GOOD / "pack.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{GOOD}: ok, 9 questions", f"{GOOD / 'pack.yaml'}: ok, 9 questions"]


def test_validate_prints_every_problem_of_every_pack_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["content", "validate", str(BROKEN), str(GOOD), str(BROKEN_META)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    broken = [line for line in lines if line.startswith(str(BROKEN) + "/")]
    assert len(broken) == len(BROKEN_PROBLEMS)
    file, line, column, words = BROKEN_PROBLEMS[0]
    assert (
        broken[0]
        == f"{BROKEN / file}:{line}:{column}: error: err-unknown-field: " + words.split(": ", 1)[1]
    )
    assert f"{GOOD}: ok, 9 questions" in lines
    assert sum(line.startswith(str(BROKEN_META) + "/") for line in lines) == 6
    assert captured.err.strip() == f"{len(BROKEN_PROBLEMS) + 6} problems found"
    for problem in broken + lines[-6:]:
        _, line_no, col, rest = problem.split(":", 3)
        assert line_no.isdigit() and col.isdigit() and rest.startswith(" error: ")


def test_validate_one_question_file_reports_only_that_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    one = BROKEN / "questions" / "c-syntax.yaml"
    assert main(["content", "validate", str(one)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{one}:5:11: error: YAML syntax: expected ',' or '}}', but got ':' "
        "(while parsing a flow mapping); inside { } or [ ], put a text with , ? : # [ ] { } "
        "in quotes"
    ]
    good_file = GOOD / "questions" / "numbers.yaml"
    assert main(["content", "validate", str(good_file)]) == 0
    assert capsys.readouterr().out.strip() == f"{good_file}: ok, 3 questions"


def test_validate_names_paths_that_are_not_packs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "stray.yaml"
    stray.write_text("questions: []\n")
    assert main(["content", "validate", str(tmp_path / "nothing"), str(stray)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{tmp_path / 'nothing'}:1:1: error: no such file or folder"
    assert out[1].startswith(f"{stray}:1:1: error: not a pack")


def test_stats_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "stats", str(GOOD), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["questions"] == 9
    assert stats["languages"] == {"lv": 9, "lt": 9, "en": 9}
    assert set(stats) >= {"topics", "difficulties", "types", "audiences", "with_media"}


def test_stats_of_a_broken_pack_counts_what_loads_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["content", "stats", str(BROKEN)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("pack test-broken: 1 questions")
    assert "only valid questions were counted" in captured.err


def test_import_export_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pack"
    (target / "media").mkdir(parents=True)
    shutil.copy(GOOD / "media" / "water-cycle.svg", target / "media" / "wave.svg")
    csv_file = SPREADSHEETS / "questions.csv"
    assert main(["content", "import", str(csv_file), "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"imported 7 questions into {target}")
    assert "placeholder" in captured.err
    assert main(["content", "import", str(csv_file), "-o", str(target)]) == 0  # same content
    capsys.readouterr()
    out = tmp_path / "pack.xlsx"
    assert main(["content", "export", str(target), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"exported 7 questions to {out}"
    assert main(["content", "export", str(target), "-o", str(out)]) == 1
    assert "use --force" in capsys.readouterr().err
    assert main(["content", "export", str(target), "-o", str(out), "--force"]) == 0


def test_import_reports_bad_rows_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    text = (SPREADSHEETS / "questions.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace(",physics,1,", ",physics,7,", 1), encoding="utf-8")
    target = tmp_path / "p"
    (target / "media").mkdir(parents=True)
    shutil.copy(GOOD / "media" / "water-cycle.svg", target / "media" / "wave.svg")
    assert main(["content", "import", str(bad), "-o", str(target)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{bad}:2:4: error: phys-101: difficulty: must be at most 3, found 7"
    ]
    assert "nothing was written" in captured.err
    assert sorted(p.name for p in target.iterdir()) == ["media"]
    assert main(["content", "import", str(tmp_path / "x.ods"), "-o", str(tmp_path / "p")]) == 2
    assert main(["content", "import", str(tmp_path / "x.csv"), "-o", str(tmp_path / "p")]) == 1
    assert main(["content", "export", str(BROKEN), "-o", str(tmp_path / "x.xlsx")]) == 1
    assert main(["content", "export", str(GOOD), "-o", str(tmp_path / "x.ods")]) == 2


def test_schema_and_template_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "schema", "--check"]) == 0
    assert main(["content", "schema", "--check", "-o", str(tmp_path)]) == 1
    assert main(["content", "schema", "-o", str(tmp_path)]) == 0
    assert main(["content", "schema", "--check", "-o", str(tmp_path)]) == 0
    assert main(["content", "template", "-o", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("id,type,topic,")
    assert main(["content", "template", "-o", str(tmp_path / "t.txt")]) == 2
