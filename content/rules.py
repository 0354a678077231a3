"""Rules a question must follow beyond its shape: answers among the options, safe existing media.

Theory of operation
-------------------
The checker (``content.checker``) proves that a question has the right fields, types and ranges;
these rules run only on a question that passed it, as a typed ``QuestionEntry``, and look at how its
parts fit together. Each rule returns problems positioned at the node the librarian must fix (the
located tree of the question is passed along for that). Pack-wide rules (duplicate ids across files)
are in ``content.loader``, which sees every file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from content.errors import Problem
from content.located import LocatedNode, Mapping, Position, Sequence
from content.model import (
    MEDIA_SUFFIXES,
    MediaEntry,
    MultipleChoiceEntry,
    OrderingEntry,
    QuestionEntry,
    SingleChoiceEntry,
)

MAX_MEDIA_BYTES = 2_000_000
"""The largest image a pack may ship; screens load every image of a round in advance."""

_SVG_DANGERS = re.compile(
    rb"<script|<foreignObject|<!ENTITY|javascript:|\son[a-z]+\s*=|(?:href|src)\s*=\s*[\"']\s*(?:https?:|//)",
    re.IGNORECASE,
)
_At = Callable[..., Position]
"""``at(*path)``: the position of the node at ``path`` in the question (or of the question)."""

_MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}


def node_at(node: LocatedNode | None, *path: str | int) -> LocatedNode | None:
    """The node at ``path`` (mapping keys and list indexes) below ``node``, if it exists."""
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, Sequence) and isinstance(part, int) and part < len(node.items):
            node = node.items[part]
        else:
            return None
    return node


def check_entry(
    entry: QuestionEntry, node: Mapping, pack_root: Path, prefix: str = ""
) -> list[Problem]:
    """Every problem of a structurally valid question that needs more than its own field."""

    def at(*path: str | int) -> Position:
        found = node_at(node, *path)
        return found.position if found is not None else node.position

    problems: list[Problem] = []
    if isinstance(entry, SingleChoiceEntry | MultipleChoiceEntry):
        problems += _choices(entry, at, prefix)
        problems += _fixed(entry, at, prefix)
        problems += _same_texts(entry.options, "options", at, prefix)
    elif isinstance(entry, OrderingEntry):
        problems += _order(entry, at, prefix)
        problems += _same_texts(entry.items, "items", at, prefix)
    if entry.media is not None:
        problems += check_media(entry.media, pack_root, at("media", "path"), prefix)
    return problems


def _choices(entry: SingleChoiceEntry | MultipleChoiceEntry, at: _At, prefix: str) -> list[Problem]:
    ids = list(entry.options)
    listed = f"({', '.join(ids)})"
    if isinstance(entry, SingleChoiceEntry):
        if entry.answer in ids:
            return []
        return [
            at("answer").problem(
                f"{prefix}answer {entry.answer!r} is not among the options {listed}"
            )
        ]
    problems = []
    seen: set[str] = set()
    for i, answer in enumerate(entry.answer):
        if answer not in ids:
            message = f"answer {answer!r} is not among the options {listed}"
            problems.append(at("answer", i).problem(f"{prefix}{message}"))
        elif answer in seen:
            problems.append(at("answer", i).problem(f"{prefix}answer {answer!r} is listed twice"))
        seen.add(answer)
    return problems


def _fixed(entry: SingleChoiceEntry | MultipleChoiceEntry, at: _At, prefix: str) -> list[Problem]:
    ids = list(entry.options)
    problems = []
    for i, option in enumerate(entry.fixed_options):
        if option not in ids:
            message = f"fixed_options: {option!r} is not among the options ({', '.join(ids)})"
            problems.append(at("fixed_options", i).problem(prefix + message))
        elif entry.fixed_options.index(option) != i:
            message = f"fixed_options: {option!r} is listed twice"
            problems.append(at("fixed_options", i).problem(prefix + message))
    return problems


def _order(entry: OrderingEntry, at: _At, prefix: str) -> list[Problem]:
    ids = list(entry.items)
    problems = []
    counts = Counter(entry.answer)
    for i, answer in enumerate(entry.answer):
        if answer not in ids:
            message = f"answer: {answer!r} is not one of the items ({', '.join(ids)})"
            problems.append(at("answer", i).problem(f"{prefix}{message}"))
        elif counts[answer] > 1 and entry.answer.index(answer) != i:
            problems.append(at("answer", i).problem(f"{prefix}answer: {answer!r} is listed twice"))
    missing = [i for i in ids if i not in counts]
    if missing:
        message = f"answer must list every item exactly once; missing {', '.join(missing)}"
        problems.append(at("answer").problem(f"{prefix}{message}"))
    return problems


def _same_texts(
    choices: dict[str, dict[str, str]], field: str, at: _At, prefix: str
) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], str] = {}
    for choice_id, texts in choices.items():
        for language, text in texts.items():
            key = (language, " ".join(text.casefold().split()))
            if key in first:
                message = (
                    f"{field}.{choice_id}.{language}: the same text as {field}.{first[key]}"
                    f".{language} ({text!r})"
                )
                problems.append(at(field, choice_id, language).problem(prefix + message))
            else:
                first[key] = choice_id
    return problems


def check_media(
    media: MediaEntry, pack_root: Path, where: Position, prefix: str = ""
) -> list[Problem]:
    """Problems of an image: outside the pack, missing, too large, mislabelled or unsafe."""
    relative = PurePosixPath(media.path)
    if relative.is_absolute() or ".." in relative.parts or "\\" in media.path:
        return [where.problem(f"{prefix}media.path: must be a path inside the pack folder")]
    file = pack_root / relative
    try:
        inside = file.resolve().is_relative_to(pack_root.resolve())
    except OSError:  # pragma: no cover - a symlink loop
        inside = False
    if not inside:
        return [where.problem(f"{prefix}media.path: {media.path!r} leads outside the pack folder")]
    if not file.is_file():
        return [where.problem(f"{prefix}media.path: the file {media.path!r} does not exist")]
    size = file.stat().st_size
    if size > MAX_MEDIA_BYTES:
        message = f"media.path: {media.path!r} is {size} bytes; the limit is {MAX_MEDIA_BYTES}"
        return [where.problem(prefix + message)]
    data = file.read_bytes()
    suffix = relative.suffix.lower()
    assert suffix in MEDIA_SUFFIXES  # the model's pattern allows no other
    if suffix == ".svg":
        if b"<svg" not in data[:4096]:
            return [where.problem(f"{prefix}media.path: {media.path!r} is not an SVG image")]
        if _SVG_DANGERS.search(data):
            message = (
                f"media.path: {media.path!r} contains a script, an event handler or an external "
                "reference; screens must be able to show it offline and safely"
            )
            return [where.problem(prefix + message)]
    elif not data.startswith(_MAGIC[suffix]):
        kind = "PNG" if suffix == ".png" else "JPEG"
        return [where.problem(f"{prefix}media.path: {media.path!r} is not a {kind} image")]
    return []
