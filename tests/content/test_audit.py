"""Warnings of ``quiz content validate`` (content.audit, issue 18): each on a small pack made for
it, with the file and line of the question concerned; warnings fail only with ``--strict``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from content import load_pack
from content.audit import audit_pack, fold
from content.cli import run_validate

PACK_YAML = """\
id: audit
version: 1.0.0
title: {lv: Pārbaude, lt: Patikra, en: Check}
authors: [Baltic Science Quiz team]
licence: CC-BY-SA-4.0
languages: [lv, lt, en]
"""


def choice(qid: str, text: dict[str, str], options: list[tuple[str, ...]], answer: str) -> str:
    lines = [
        f"  - id: {qid}",
        "    topic: physics",
        "    difficulty: 1",
        "    audience: everyone",
        "    type: single_choice",
        "    text:",
        *(f"      {lang}: {json.dumps(value, ensure_ascii=False)}" for lang, value in text.items()),
        "    options:",
    ]
    for letter, (lv, lt, en) in zip("abcdef", options, strict=False):
        lines.append(f'      {letter}: {{lv: "{lv}", lt: "{lt}", en: "{en}"}}')
    lines += [
        f"    answer: {answer}",
        f'    explanation: {{lv: "Skaidrojums {qid}.", lt: "Paaiškinimas {qid}.", '
        f'en: "Explanation {qid}."}}',
        "    source: A book",
    ]
    return "\n".join(lines)


def text3(lv: str, lt: str, en: str) -> dict[str, str]:
    return {"lv": lv, "lt": lt, "en": en}


def make_pack(tmp_path: Path, *questions: str, name: str = "main.yaml") -> Path:
    root = tmp_path / "audit"
    (root / "questions").mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(PACK_YAML, encoding="utf-8")
    (root / "questions" / name).write_text(
        "questions:\n" + "\n".join(questions) + "\n", encoding="utf-8"
    )
    return root


OPTIONS = [
    ("Varš", "Varis", "Copper"),
    ("Stikls", "Stiklas", "Glass"),
    ("Koks", "Mediena", "Wood"),
    ("Gumija", "Guma", "Rubber"),
]
WORDS = [
    "saule", "mēness", "zeme", "marss", "venēra", "jupiters",
    "saturns", "urāns", "neptūns", "komēta", "galaktika", "asteroīds",
]  # fmt: skip


def distinct(i: int) -> dict[str, str]:
    word = WORDS[i]  # a stem of its own: no two texts alike
    return text3(f"Kas ir {word}?", f"Kas yra {word}?", f"What is {word}?")


def warnings(root: Path) -> list[str]:
    return [str(w) for w in audit_pack(load_pack(root))]


def test_answer_position_bias_is_reported_for_the_file_and_the_pack(tmp_path: Path) -> None:
    biased = [choice(f"q-{i:03}", distinct(i), OPTIONS, "a") for i in range(10)]
    found = warnings(make_pack(tmp_path, *biased))
    assert any(
        w.endswith(
            "questions/main.yaml:1:1: warning: answer-position bias: the right option "
            "is at position 1 (a) in 10 of 10 single-choice questions (100%; about 25% "
            "expected) — spread the answers over the positions (the written order is "
            "shown where shuffling is off) in this file"
        )
        for w in found
    ), found
    assert any("pack.yaml:1:1: warning: answer-position bias" in w for w in found)


def test_a_balanced_pack_has_no_position_warning(tmp_path: Path) -> None:
    balanced = [choice(f"q-{i:03}", distinct(i), OPTIONS, "abcd"[i % 4]) for i in range(12)]
    assert not [w for w in warnings(make_pack(tmp_path, *balanced)) if "position" in w]


def test_a_right_option_much_longer_than_every_other_is_reported_at_its_line(
    tmp_path: Path,
) -> None:
    long = [*OPTIONS[:3], ("Varš, kas ir metāls", "Varis, kuris yra metalas", "Copper, a metal")]
    root = make_pack(
        tmp_path,
        choice("q-001", distinct(1), OPTIONS, "a"),
        choice("q-002", distinct(2), long, "d"),
    )
    found = warnings(root)
    line = [w for w in found if "q-002" in w]
    assert len(line) == 1 and ":19:5: warning: q-002: option 'd' (the right one)" in line[0]


def test_near_duplicates_and_revealing_explanations(tmp_path: Path) -> None:
    renewable = text3(
        "Kurš no šiem enerģijas avotiem ir atjaunojams?",
        "Kuris iš šių energijos šaltinių yra atsinaujinantis?",
        "Which of these energy sources is renewable?",
    )
    renewable_again = text3(
        "Kurš no šiem ir atjaunojams enerģijas avots?",
        "Kuris iš šių yra atsinaujinantis energijos šaltinis?",
        "Which of these is a renewable source of energy?",
    )
    wind = [("Vējš", "Vėjas", "Wind"), *OPTIONS[1:]]
    bones = text3(
        "Cik kaulu ir pieauguša cilvēka ķermenī?",
        "Kiek kaulų yra suaugusio žmogaus kūne?",
        "How many bones are there in an adult human body?",
    )
    estimation = "\n".join(
        [
            "  - id: q-bones",
            "    topic: human_body",
            "    difficulty: 2",
            "    audience: everyone",
            "    type: estimation",
            "    text:",
            *(f'      {k}: "{v}"' for k, v in bones.items()),
            "    answer: 206",
            "    unit: {lv: kauli, lt: kaulai, en: bones}",
            '    explanation: {lv: "Parasti.", lt: "Paprastai.", en: "Usually."}',
            "    source: A book",
        ]
    )
    statement = "\n".join(
        [
            "  - id: q-newborn",
            "    topic: human_body",
            "    difficulty: 2",
            "    audience: everyone",
            "    type: true_false",
            "    text:",
            '      lv: "Pieaugušam cilvēkam ir vairāk kaulu nekā jaundzimušajam."',
            '      lt: "Suaugęs žmogus turi daugiau kaulų nei naujagimis."',
            '      en: "An adult human has more bones than a newborn."',
            "    answer: false",
            "    explanation:",
            '      lv: "Jaundzimušajam ir ap 300 kaulu, pieaugušam cilvēkam paliek 206 kauli."',
            '      lt: "Naujagimis turi apie 300 kaulų, suaugusiam žmogui lieka 206 kaulai."',
            '      en: "A newborn has about 300 bones; an adult human is left with 206 bones."',
            "    source: A book",
        ]
    )
    found = warnings(
        make_pack(
            tmp_path,
            choice("q-wind", renewable, wind, "a"),
            choice("q-wind-again", renewable_again, wind, "a"),
            estimation,
            statement,
        )
    )
    assert any("q-wind-again: near-duplicate of q-wind (the same answer" in w for w in found)
    assert any(
        "q-newborn: the explanation gives away the answer of q-bones ('206')" in w for w in found
    ), found


def test_mixed_forms_of_address_quotes_and_dashes(tmp_path: Path) -> None:
    questions = [
        choice(
            "q-001",
            text3("Izvēlieties metālu!", "Pasirinkite metalą!", "Choose a metal!"),
            OPTIONS,
            "a",
        ),
        choice(
            "q-002",
            text3("Izvēlieties koku!", "Pasirinkite medį!", "Choose the wood!"),
            OPTIONS,
            "c",
        ),
        choice(
            "q-003",
            text3("Izvēlies stiklu!", "Pasirink stiklą!", "Choose the glass!"),
            OPTIONS,
            "b",
        ),
        choice(
            "q-004", text3("Kas ir „varš”?", "Kas yra „varis“?", "What is “copper”?"), OPTIONS, "a"
        ),
        choice(
            "q-005", text3("Kas ir „koks”?", "Kas yra „mediena“?", "What is “wood”?"), OPTIONS, "c"
        ),
        choice(
            "q-006",
            text3('Kas ir "stikls"?', "Kas yra „stiklas“?", "What is “glass”?"),
            OPTIONS,
            "b",
        ),
        choice(
            "q-007", text3("Varš – metāls?", "Varis – metalas?", "Copper – a metal?"), OPTIONS, "a"
        ),
        choice(
            "q-008", text3("Koks – augs?", "Mediena – augalas?", "Wood – a plant?"), OPTIONS, "c"
        ),
        choice(
            "q-009", text3("Stikls — ciets?", "Stiklas – kietas?", "Glass – solid?"), OPTIONS, "b"
        ),
    ]
    found = warnings(make_pack(tmp_path, *questions))
    assert any(
        "q-003: text.lv addresses the team as 'tu' while the pack mostly uses 'jūs'" in w
        for w in found
    ), found
    assert any("q-003: text.lt addresses the team as 'tu'" in w for w in found)
    assert any('q-006: lv: quotation marks "…" where the pack mostly uses „…”' in w for w in found)
    assert any("q-009: lv: dash — where the pack mostly uses –" in w for w in found)
    assert not any(": q-001:" in w or ": q-004:" in w for w in found)


def test_true_or_false_prefix_consistency(tmp_path: Path) -> None:
    def statement(qid: str, prefixed: bool) -> str:
        lv, lt, en = (
            ("Patiesi vai nepatiesi: ", "Tiesa ar netiesa: ", "True or false: ")
            if (prefixed)
            else ("", "", "")
        )
        return "\n".join(
            [
                f"  - id: {qid}",
                "    topic: biology",
                "    difficulty: 1",
                "    audience: everyone",
                "    type: true_false",
                "    text:",
                f'      lv: "{lv}zirneklis {qid} ir kukainis."',
                f'      lt: "{lt}voras {qid} yra vabzdys."',
                f'      en: "{en}a spider {qid} is an insect."',
                "    answer: false",
                '    explanation: {lv: "Nē.", lt: "Ne.", en: "No."}',
                "    source: A book",
            ]
        )

    found = warnings(
        make_pack(
            tmp_path,
            statement("tf-001", True),
            statement("tf-002", True),
            statement("tf-003", False),
        )
    )
    flagged = [w for w in found if "before the statement" in w]
    assert len(flagged) == 3 and all("tf-003: text." in w for w in flagged), flagged
    assert "no prefix before the statement while most true/false questions have " in flagged[0]


def test_fold_forgets_case_punctuation_and_diacritics() -> None:
    assert fold("  Šķērslis, ĀĒĪ! ") == "skerslis aei"


def run(paths: list[Path], strict: bool = False) -> int:
    import argparse

    return run_validate(argparse.Namespace(paths=paths, strict=strict))


def test_validate_prints_warnings_and_fails_on_them_only_when_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    biased = [choice(f"q-{i:03}", distinct(i), OPTIONS, "a") for i in range(10)]
    root = make_pack(tmp_path, *biased)
    assert run([root]) == 0
    out = capsys.readouterr().out
    assert ": warning: answer-position bias" in out
    assert f"{root}: ok, 10 questions, 2 warnings" in out
    assert run([root], strict=True) == 1
    assert "2 warnings found (--strict)" in capsys.readouterr().err
    # one question file: only that file's warnings
    assert run([root / "questions" / "main.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.count("warning:") == 1 and "pack.yaml" not in out
