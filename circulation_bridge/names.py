"""Patron names: Unicode NFC, and the short form shown on screens.

Theory of operation
-------------------
Library systems send the personal name (SIP2 field AE) in one of two shapes: "Surname, Given"
(the catalogue convention, e.g. ``Šķēle, Ģirts``) or "Given Surname" (``Rūta Jonaitė``); a few
records hold a single name. Screens show the first given name and the initial of the surname
(``Ģirts Š.``), which is enough for a team to recognise its players and little enough to put on a
big screen in a public hall.

Names are normalised to NFC first: some systems send Latvian and Lithuanian letters decomposed
(``S`` followed by U+030C COMBINING CARON), which would otherwise compare unequal and could split
an initial from its diacritic. An initial is a whole grapheme: a base letter with every combining
mark that follows it, so a letter with no precomposed form keeps its marks too. Names written all
in capitals (``ŠĶĒLE, ĢIRTS``, common in older catalogues) are shown in title case.
"""

from __future__ import annotations

import unicodedata


def normalize_name(name: str) -> str:
    """Return ``name`` in Unicode NFC with runs of white space collapsed to single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def _first_grapheme(word: str) -> str:
    end = 1
    while end < len(word) and unicodedata.combining(word[end]):
        end += 1
    return word[:end]


def _tidy_case(word: str) -> str:
    """Title-case a word written entirely in capitals ("ĢIRTS" -> "Ģirts", "ANNA-MARIJA" ->
    "Anna-Marija"); leave any other spelling alone ("McDonald", "de")."""
    if len(word) < 2 or not word.isupper():
        return word
    return "-".join(part[:1] + part[1:].lower() for part in word.split("-"))


def split_name(name: str) -> tuple[str, str]:
    """Split a personal name into ``(given names, surname)``; either may be empty.

    ``"Šķēle, Ģirts"`` gives ``("Ģirts", "Šķēle")``; ``"Rūta Jonaitė"`` gives
    ``("Rūta", "Jonaitė")``; a single word is a given name.
    """
    name = normalize_name(name)
    if "," in name:
        surname, _, given = name.partition(",")
        return normalize_name(given), normalize_name(surname)
    words = name.split(" ")
    if len(words) == 1:
        return name, ""
    return " ".join(words[:-1]), words[-1]


def display_name(name: str) -> str:
    """Return the short name shown on screens: first given name and the surname's initial.

    Examples:
        ``"Šķēle, Ģirts"`` -> ``"Ģirts Š."``; ``"Rūta Jonaitė"`` -> ``"Rūta J."``;
        ``"Ģirts"`` -> ``"Ģirts"``; ``"Šķēle,"`` -> ``"Š."``; ``""`` -> ``""``.
    """
    given, surname = split_name(name)
    first_given = _tidy_case(given.split(" ")[0]) if given else ""
    initial = _first_grapheme(_tidy_case(surname)) + "." if surname else ""
    return " ".join(part for part in (first_given, initial) if part)
