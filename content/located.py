"""Located documents: YAML (or spreadsheet rows) as a tree of values that know where they stand.

Theory of operation
-------------------
Every problem the validator reports names a file, a line and a column. PyYAML's *compose* stage
builds a node graph whose nodes carry ``start_mark`` (0-based line and column) but no Python
values; we turn that graph into three small frozen node kinds — ``Scalar``, ``Mapping`` and
``Sequence`` — each with a 1-based ``Position``. The spreadsheet importer builds the same trees from
cells (line = row, column = column), so one checker serves both.

Scalars keep their *text* and whether they were quoted. The checker decides what a scalar means
from the field it fills (a text field takes ``No`` as the word "No", a number field reads
``6.02e23`` as a number), instead of YAML 1.1's guesses, which turn ``No`` into false and
``6.02e23`` into text.

Anchors and aliases are refused: they are never needed in a question file, and refusing them rules
out "billion laughs" documents. Duplicate keys, which PyYAML accepts silently, are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from content.errors import Problem

MAX_FILE_BYTES = 5_000_000
"""The largest YAML file the loader reads; a question file is a few hundred kilobytes at most."""

_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass(frozen=True)
class Position:
    """Where a value stands: a file and a 1-based line and column."""

    file: str
    line: int
    column: int

    def problem(self, message: str) -> Problem:
        """A problem reported at this position."""
        return Problem(self.file, self.line, self.column, message)


@dataclass(frozen=True)
class Scalar:
    """A single value as written: its text, and whether it was quoted (always text then)."""

    text: str
    position: Position
    quoted: bool = False

    @property
    def is_null(self) -> bool:
        """True for an empty value (``key:``, ``~`` or ``null`` unquoted)."""
        return not self.quoted and self.text in _NULL_WORDS


@dataclass(frozen=True)
class Mapping:
    """Key–value pairs in the order written.

    ``slots`` optionally tells where a *missing* key would have been written (the spreadsheet
    importer knows the cell of an empty column); otherwise a missing key is reported at the mapping.
    """

    entries: tuple[tuple[Scalar, LocatedNode], ...]
    position: Position
    slots: dict[str, Position] = field(default_factory=dict)

    def get(self, key: str) -> LocatedNode | None:
        """The value of ``key``, or ``None`` when it is absent."""
        for k, v in self.entries:
            if k.text == key:
                return v
        return None

    def where_missing(self, key: str) -> Position:
        """Where to report that ``key`` is missing."""
        return self.slots.get(key, self.position)


@dataclass(frozen=True)
class Sequence:
    """A list of values."""

    items: tuple[LocatedNode, ...]
    position: Position


LocatedNode = Scalar | Mapping | Sequence


class _NoAliasLoader(yaml.SafeLoader):
    """A composer that refuses aliases (``*name``) with a marked error."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not supported", event.start_mark
            )
        return super().compose_node(parent, index)


def read_yaml(data: bytes, file: str) -> tuple[LocatedNode | None, list[Problem]]:
    """Parse one YAML document into a located tree.

    Args:
        data: the file's bytes (UTF-8, an optional byte-order mark is ignored).
        file: the name to report problems under.

    Returns:
        The tree (``None`` when the document is empty or unreadable) and the problems found:
        an encoding or syntax error stops the reading of this file; duplicate keys do not.
    """
    start = Position(file, 1, 1)
    if len(data) > MAX_FILE_BYTES:
        return None, [start.problem(f"the file is larger than {MAX_FILE_BYTES} bytes")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(file, line, column, "the file is not valid UTF-8 text")]
    node = _fast_node(text)
    if node is _UNSURE:  # an error or an alias: the pure-Python reader says exactly where
        node, problem = _checked_node(text, file)
        if problem is not None:
            return None, [problem]
    if node is None:
        return None, []
    problems: list[Problem] = []
    return _locate(node, file, problems), problems


_UNSURE = ScalarNode("tag:yaml.org,2002:null", "")
"""``_fast_node``'s answer when the careful reader must look (an error or an alias)."""


def _fast_node(text: str) -> Node | None:
    """The document's node tree from libyaml's parser (about 20 times faster than the
    pure-Python one: a pack of 450 questions reads in well under a second), or ``_UNSURE`` when
    libyaml is missing, the text has an error, or the tree shares a node (an alias)."""
    if not yaml.__with_libyaml__:
        return _UNSURE
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return _UNSURE
    finally:
        loader.dispose()
    return _UNSURE if node is not None and _shares_a_node(node) else node


def _shares_a_node(root: Node) -> bool:
    """Whether a node appears twice in the tree (what an alias ``*name`` makes)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return False


def _checked_node(text: str, file: str) -> tuple[Node | None, Problem | None]:
    """The document's node tree from the pure-Python reader, or the first problem, with its
    line and column (aliases refused)."""
    try:
        loader = _NoAliasLoader(text)
    except yaml.reader.ReaderError as exc:
        return None, _reader_problem(exc, text, file)
    try:
        return loader.get_single_node(), None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message += f" ({exc.context})"
        if exc.context and "flow" in exc.context:
            message += "; inside { } or [ ], put a text with , ? : # [ ] { } in quotes"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, Problem(file, line, column, message)
    except yaml.reader.ReaderError as exc:
        return None, _reader_problem(exc, text, file)
    finally:
        loader.dispose()


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    return Problem(
        file, line, column, f"YAML syntax: {exc.reason} (character U+{exc.character:04X})"
    )


def _position(node: Node, file: str) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _locate(node: Node, file: str, problems: list[Problem]) -> LocatedNode:
    where = _position(node, file)
    if isinstance(node, ScalarNode):
        return Scalar(str(node.value), where, quoted=bool(node.style))
    if isinstance(node, SequenceNode):
        return Sequence(tuple(_locate(item, file, problems) for item in node.value), where)
    assert isinstance(node, MappingNode)
    entries: list[tuple[Scalar, LocatedNode]] = []
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key_where = _position(key_node, file)
        if not isinstance(key_node, ScalarNode):
            problems.append(key_where.problem("a key must be a plain name, not a list or mapping"))
            continue
        key = Scalar(str(key_node.value), key_where, quoted=bool(key_node.style))
        if key.text in seen:
            problems.append(key_where.problem(f"duplicate key {key.text!r}"))
            continue
        seen.add(key.text)
        entries.append((key, _locate(value_node, file, problems)))
    return Mapping(tuple(entries), where)


def describe(node: LocatedNode) -> str:
    """What kind of value ``node`` is, for messages (``a list``, ``the text 'abc'`` …)."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    if node.is_null:
        return "nothing"
    shown = node.text if len(node.text) <= 40 else node.text[:37] + "..."
    return f"{shown!r}"
