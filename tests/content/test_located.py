"""Reading YAML into located trees: 1-based positions, quoting, duplicates, refused aliases."""

from __future__ import annotations

import pytest

from content.located import Mapping, Scalar, Sequence, read_yaml


def test_positions_are_one_based_line_and_column() -> None:
    tree, problems = read_yaml(b"questions:\n  - id: a\n    text: {lv: x}\n", "f.yaml")
    assert problems == []
    assert isinstance(tree, Mapping)
    listed = tree.get("questions")
    assert isinstance(listed, Sequence)
    question = listed.items[0]
    assert isinstance(question, Mapping)
    assert (question.position.line, question.position.column) == (2, 5)
    text = question.get("text")
    assert isinstance(text, Mapping)
    lv = text.get("lv")
    assert isinstance(lv, Scalar)
    assert (lv.position.file, lv.position.line, lv.position.column) == ("f.yaml", 3, 16)


def test_scalars_keep_their_text_and_quoting() -> None:
    tree, _ = read_yaml(b"a: No\nb: 'No'\nc: 6.02e23\nd:\ne: ~\nf: ''\n", "f.yaml")
    assert isinstance(tree, Mapping)
    values = {k.text: v for k, v in tree.entries}
    assert all(isinstance(v, Scalar) for v in values.values())
    a, b, c, d, e, f = (values[k] for k in "abcdef")
    assert isinstance(a, Scalar) and (a.text, a.quoted) == ("No", False)
    assert isinstance(b, Scalar) and (b.text, b.quoted) == ("No", True)
    assert isinstance(c, Scalar) and c.text == "6.02e23"
    assert isinstance(d, Scalar) and d.is_null
    assert isinstance(e, Scalar) and e.is_null
    assert isinstance(f, Scalar) and not f.is_null and f.text == ""


def test_duplicate_keys_are_reported_where_the_second_one_is() -> None:
    tree, problems = read_yaml(b"a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.line, p.column, p.message) for p in problems] == [(3, 1, "duplicate key 'a'")]
    assert isinstance(tree, Mapping) and [k.text for k, _ in tree.entries] == ["a", "b"]


def test_aliases_are_refused_at_the_alias() -> None:
    tree, problems = read_yaml(b"a: &x {lv: t}\nb: *x\n", "f.yaml")
    assert tree is None
    assert [(p.line, p.column) for p in problems] == [(2, 4)]
    assert "aliases" in problems[0].message


@pytest.mark.parametrize(
    ("data", "line", "column", "words"),
    [
        (b"a: [1, 2\nb: 3\n", 2, 2, "YAML syntax"),
        (b"a:\n\tb: 1\n", 2, 1, "YAML syntax"),
        (b"a: 1\nb: \xff\n", 2, 4, "not valid UTF-8"),
        (b"a: \x07\n", 1, 4, "YAML syntax"),
    ],
)
def test_unreadable_files_give_one_positioned_problem(
    data: bytes, line: int, column: int, words: str
) -> None:
    tree, problems = read_yaml(data, "f.yaml")
    assert tree is None
    assert [(p.line, p.column) for p in problems] == [(line, column)]
    assert words in problems[0].message


def test_a_byte_order_mark_is_ignored_and_an_empty_file_has_no_tree() -> None:
    tree, problems = read_yaml("\ufeffa: ā\n".encode(), "f.yaml")
    assert problems == [] and isinstance(tree, Mapping)
    assert read_yaml(b"", "f.yaml") == (None, [])


def test_problems_print_as_file_line_column_error_message() -> None:
    _, problems = read_yaml(b"a: 1\na: 2\n", "q.yaml")
    assert str(problems[0]) == "q.yaml:2:1: error: duplicate key 'a'"
