"""Short display names: first given name and the surname's initial, in NFC."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circulation_bridge.names import display_name, normalize_name, split_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Šķēle, Ģirts", "Ģirts Š."),
        ("Ģirts Šķēle", "Ģirts Š."),
        ("Jonaitė, Rūta", "Rūta J."),
        ("Rūta Jonaitė", "Rūta J."),
        ("Žemaitis, Česlovas Antanas", "Česlovas Ž."),  # first given name only
        ("Anna Marija Ozoliņa", "Anna O."),
        ("Ģirts", "Ģirts"),  # a single name
        ("  Ģirts  ", "Ģirts"),
        ("Šķēle,", "Š."),  # surname only: its initial, never the whole surname
        ("ŠĶĒLE, ĢIRTS", "Ģirts Š."),  # catalogues in capitals
        ("ŪDRE, ANNA-MARIJA", "Anna-Marija Ū."),
        ("McDonald, Ann", "Ann M."),
        ("Šķēle ,  Ģirts", "Ģirts Š."),
        ("", ""),
        ("   ", ""),
    ],
)
def test_display_name(name: str, shown: str) -> None:
    assert display_name(name) == shown


def test_decomposed_names_give_the_same_short_name() -> None:
    decomposed = unicodedata.normalize("NFD", "Šķēle, Ģirts")
    assert decomposed != "Šķēle, Ģirts"
    assert display_name(decomposed) == "Ģirts Š."
    assert display_name(decomposed).encode() == "Ģirts Š.".encode()


def test_an_initial_keeps_combining_marks_without_a_precomposed_form() -> None:
    # "Ḉ" has a precomposed form; Q + U+0303 does not: the mark must stay with its letter
    assert display_name("Q\u0303uinn, Ann") == "Ann Q\u0303."


def test_split_name() -> None:
    assert split_name("Šķēle, Ģirts") == ("Ģirts", "Šķēle")
    assert split_name("Rūta Jonaitė") == ("Rūta", "Jonaitė")
    assert split_name("Ģirts") == ("Ģirts", "")


def test_normalize_name() -> None:
    assert normalize_name(" S\u030cķēle,\t Ģirts \n") == "Šķēle, Ģirts"


@given(st.text(max_size=60))
def test_display_name_is_nfc_and_at_most_a_given_name_and_an_initial(name: str) -> None:
    shown = display_name(name)
    assert unicodedata.is_normalized("NFC", shown)
    words = shown.split(" ") if shown else []
    assert len(words) <= 2
    _, surname = split_name(name)
    if surname:
        initial = words[-1]
        assert initial.endswith(".")
        assert sum(1 for ch in initial[:-1] if not unicodedata.combining(ch)) == 1
