"""Read a question pack from its folder: every problem reported, the engine's questions returned.

Theory of operation
-------------------
``read_pack(path)`` reads ``pack.yaml`` and every ``questions/*.yaml`` file and never stops at the
first problem. Each file goes through three stages, each collecting ``Problem``s:

1. ``content.located`` parses the YAML into a located tree (syntax errors stop only this file);
2. ``content.checker`` checks each question against the model (fields, types, ranges, languages);
3. ``content.rules`` checks how a question's parts fit (answer among options, media) and this
   module checks the pack as a whole (ids unique across files).

A question that passes is converted into the engine's type (``game.questions``) and re-checked with
``validate_question``. ``read_pack`` returns the pack with the questions that passed, plus the
problems; ``load_pack`` returns the pack only when there is no problem and raises ``PackInvalid``
listing them all otherwise. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping as AbstractMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from content import model
from content.checker import check
from content.errors import PackInvalid, Problem
from content.located import LocatedNode, Mapping, Position, Scalar, Sequence, read_yaml
from content.model import PackFile, QuestionEntry
from content.rules import check_entry
from game import questions as engine
from game.errors import InvalidSetup

DEFAULT_LANGUAGES: tuple[str, ...] = ("lv", "lt", "en")
"""Languages assumed when ``pack.yaml`` cannot say (it is missing, or ``languages`` is broken)."""


@dataclass(frozen=True)
class QuestionMeta:
    """What the pack knows about a question beyond the engine's fields.

    Attributes:
        audience: ``children``, ``everyone`` or ``adults``.
        file: the question file, relative to the pack folder (``questions/physics.yaml``).
        line: the line where the question starts.
        column: the column where the question starts.
    """

    audience: str
    file: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class Pack:
    """A loaded question pack.

    Attributes:
        root: the pack folder; media paths are relative to it.
        id, version, title, description, authors, licence, languages: from ``pack.yaml``.
        questions: the engine's questions, in file-name order and then in file order.
        meta: per question id, what the engine does not carry (audience, where it is written).
    """

    root: Path
    id: str
    version: str
    title: AbstractMapping[str, str]
    description: AbstractMapping[str, str]
    authors: tuple[str, ...]
    licence: str
    languages: tuple[str, ...]
    questions: tuple[engine.Question, ...]
    meta: AbstractMapping[str, QuestionMeta] = field(default_factory=dict)

    def audience(self, question_id: str) -> str:
        """The audience of a question (``children``, ``everyone``, ``adults``)."""
        return self.meta[question_id].audience

    def media_file(self, question: engine.Question) -> Path | None:
        """The image file of ``question`` on disk, or ``None`` when it has none."""
        return self.root / question.media.path if question.media else None


@dataclass(frozen=True)
class PackReading:
    """The result of reading a pack: the pack (questions that passed) and every problem."""

    pack: Pack
    problems: tuple[Problem, ...]


def pack_root(path: str | Path) -> Path:
    """The pack folder named by ``path``: the folder itself, or the folder of its ``pack.yaml``."""
    path = Path(path)
    return path.parent if path.name == "pack.yaml" and path.is_file() else path


def question_files(root: Path) -> list[Path]:
    """The question files of a pack, sorted by name."""
    folder = root / "questions"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def read_pack(path: str | Path) -> PackReading:
    """Read a pack folder and report every problem; see the module docstring."""
    root = pack_root(path)
    problems: list[Problem] = []
    meta_file = root / "pack.yaml"
    metadata: dict[str, Any] = {}
    languages = DEFAULT_LANGUAGES
    if not root.is_dir():
        problems.append(Problem(str(root), 1, 1, "no such pack folder"))
    elif not meta_file.is_file():
        problems.append(Problem(str(meta_file), 1, 1, "missing pack.yaml (every pack needs one)"))
    else:
        metadata, languages, found = read_metadata(meta_file)
        problems += found
    reader = _QuestionReader(root, languages, shuffle=metadata.get("shuffle", True) is not False)
    files = question_files(root)
    if root.is_dir() and not files:
        problems.append(
            Problem(
                str(root / "questions"), 1, 1, "the pack has no question files (questions/*.yaml)"
            )
        )
    for file in files:
        reader.read_file(file)
    problems += reader.problems
    pack = Pack(
        root=root,
        id=str(metadata.get("id", root.name)),
        version=str(metadata.get("version", "")),
        title=dict(metadata.get("title", {})),
        description=dict(metadata.get("description", {})),
        authors=tuple(metadata.get("authors", ())),
        licence=str(metadata.get("licence", "")),
        languages=languages,
        questions=tuple(reader.questions),
        meta=reader.meta,
    )
    return PackReading(pack, tuple(sorted(problems)))


def load_pack(path: str | Path) -> Pack:
    """Load a valid pack.

    Args:
        path: the pack folder (or its ``pack.yaml``).

    Returns:
        The pack, with the engine's questions.

    Raises:
        PackInvalid: the pack has problems; ``problems`` lists every one.
    """
    reading = read_pack(path)
    if reading.problems:
        raise PackInvalid(reading.problems)
    return reading.pack


def read_metadata(file: Path) -> tuple[dict[str, Any], tuple[str, ...], list[Problem]]:
    """Read ``pack.yaml``: its fields as plain data, its languages, and its problems."""
    tree, problems = read_yaml(file.read_bytes(), str(file))
    if tree is None:
        if not problems:
            problems.append(Problem(str(file), 1, 1, "pack.yaml is empty"))
        return {}, DEFAULT_LANGUAGES, problems
    metadata, languages, found = check_metadata(tree)
    return metadata, languages, problems + found


def check_metadata(tree: LocatedNode) -> tuple[dict[str, Any], tuple[str, ...], list[Problem]]:
    """Check a located ``pack.yaml``: its fields as plain data, its languages, its problems.

    The languages are read first (every localized field is checked against them); when they are
    missing or broken, ``DEFAULT_LANGUAGES`` stand in.
    """
    problems: list[Problem] = []
    languages = DEFAULT_LANGUAGES
    written = tree.get("languages") if isinstance(tree, Mapping) else None
    if isinstance(written, Sequence) and written.items:
        codes = [item.text for item in written.items if isinstance(item, Scalar)]
        if len(codes) == len(written.items) and len(set(codes)) == len(codes):
            languages = tuple(codes)
        elif len(codes) == len(written.items):
            problems.append(written.position.problem("languages: a language is listed twice"))
    value, found = check(tree, PackFile, languages)
    problems += found
    if problems:
        return value if isinstance(value, dict) else {}, languages, problems
    return msgspec.to_builtins(msgspec.convert(value, PackFile)), languages, problems


@dataclass
class _QuestionReader:
    """Reads question files one after another, remembering ids across files."""

    root: Path
    languages: tuple[str, ...]
    shuffle: bool = True  # pack.yaml's default for questions that do not say
    problems: list[Problem] = field(default_factory=list)
    questions: list[engine.Question] = field(default_factory=list)
    meta: dict[str, QuestionMeta] = field(default_factory=dict)
    first_seen: dict[str, Position] = field(default_factory=dict)

    def read_file(self, file: Path) -> None:
        name = str(file)
        tree, problems = read_yaml(file.read_bytes(), name)
        self.problems += problems
        if tree is None:
            if not problems:
                self.problems.append(
                    Problem(name, 1, 1, "the file is empty; expected 'questions:'")
                )
            return
        items = self._question_list(tree)
        relative = file.relative_to(self.root).as_posix()
        for item in items:
            self.read_question(item, relative)

    def _question_list(self, tree: LocatedNode) -> tuple[LocatedNode, ...]:
        # The top level of content.model.QuestionFile: exactly one field, ``questions``.
        if not isinstance(tree, Mapping):
            self.problems.append(
                tree.position.problem("expected a mapping with a 'questions:' list")
            )
            return ()
        for key, _ in tree.entries:
            if key.text != "questions":
                self.problems.append(key.position.problem(f"unknown field {key.text!r}"))
        listed = tree.get("questions")
        if listed is None:
            self.problems.append(tree.position.problem("missing required field 'questions'"))
            return ()
        if not isinstance(listed, Sequence):
            self.problems.append(listed.position.problem("questions: expected a list of questions"))
            return ()
        return listed.items

    def read_question(self, node: LocatedNode, relative: str) -> None:
        id_node = node.get("id") if isinstance(node, Mapping) else None
        question_id = id_node.text if isinstance(id_node, Scalar) and not id_node.is_null else None
        prefix = f"{question_id}: " if question_id else ""
        duplicate = False
        if question_id is not None and isinstance(id_node, Scalar):
            first = self.first_seen.get(question_id)
            if first is not None:
                where = f"{first.file}:{first.line}:{first.column}"
                message = f"{prefix}duplicate id {question_id!r} (first used at {where})"
                self.problems.append(id_node.position.problem(message))
                duplicate = True
            else:
                self.first_seen[question_id] = id_node.position
        value, problems = check(node, QuestionEntry, self.languages, prefix)
        if problems:
            self.problems += problems
            return
        assert isinstance(node, Mapping)
        try:
            entry: QuestionEntry = msgspec.convert(value, QuestionEntry)
        except msgspec.ValidationError as exc:  # pragma: no cover - the checker missed a rule
            self.problems.append(node.position.problem(f"{prefix}{exc}"))
            return
        problems = check_entry(entry, node, self.root, prefix)
        if problems or duplicate:
            self.problems += problems
            return
        question = to_question(entry, shuffle=self.shuffle)
        try:
            engine.validate_question(question)
        except InvalidSetup as exc:  # pragma: no cover - the rules missed what the engine checks
            self.problems.append(node.position.problem(f"{prefix}{exc.message}"))
            return
        self.questions.append(question)
        self.meta[entry.id] = QuestionMeta(
            entry.audience, relative, node.position.line, node.position.column
        )


def _options(choices: dict[str, dict[str, str]]) -> tuple[engine.Option, ...]:
    return tuple(engine.Option(id=k, text=dict(v)) for k, v in choices.items())


def to_question(entry: QuestionEntry, *, shuffle: bool = True) -> engine.Question:
    """The engine's question for a checked entry of a question file.

    ``shuffle`` is the pack's default (``pack.yaml``) for a question without its own ``shuffle``.
    """
    common: dict[str, Any] = {
        "id": entry.id,
        "text": dict(entry.text),
        "explanation": dict(entry.explanation),
        "media": (
            engine.Media(
                path=entry.media.path,
                alt=dict(entry.media.alt),
                credit=entry.media.credit,
                licence=entry.media.licence,
            )
            if entry.media
            else None
        ),
        "points": entry.points,
        "time_limit": entry.time_limit,
        "topic": entry.topic,
        "difficulty": entry.difficulty,
        "source": entry.source,
        "kids": entry.kids,
    }
    if isinstance(entry, model.SingleChoiceEntry | model.MultipleChoiceEntry):
        common["options"] = _options(entry.options)
        common["shuffle"] = shuffle if entry.shuffle is None else entry.shuffle
        common["fixed_options"] = tuple(entry.fixed_options)
    if isinstance(entry, model.SingleChoiceEntry):
        return engine.SingleChoice(**common, correct=entry.answer)
    if isinstance(entry, model.MultipleChoiceEntry):
        return engine.MultipleChoice(**common, correct=tuple(entry.answer))
    if isinstance(entry, model.TrueFalseEntry):
        return engine.TrueFalse(**common, correct=entry.answer)
    if isinstance(entry, model.NumericEntry):
        return engine.Numeric(
            **common, value=entry.answer, tolerance=entry.tolerance, unit=dict(entry.unit)
        )
    if isinstance(entry, model.EstimationEntry):
        return engine.Estimation(
            **common, value=entry.answer, tolerance=entry.tolerance, unit=dict(entry.unit)
        )
    if isinstance(entry, model.OrderingEntry):
        return engine.Ordering(
            **common,
            items=_options(entry.items),
            correct=tuple(entry.answer),
            shuffle=shuffle if entry.shuffle is None else entry.shuffle,
        )
    return engine.OpenText(
        **common,
        accepted={lang: tuple(texts) for lang, texts in entry.answer.items()},
        strict_diacritics=entry.strict_diacritics,
    )


def to_entry(question: engine.Question, audience: str) -> QuestionEntry:
    """The question-file entry of an engine question (the inverse of ``to_question``).

    Multiple-choice answers and fixed options come back in option order (the engine keeps them
    as sets); ``shuffle`` is written only where a question keeps its order.
    """
    common: dict[str, Any] = {
        "id": question.id,
        "topic": question.topic,
        "difficulty": question.difficulty,
        "audience": audience,
        "text": dict(question.text),
        "explanation": dict(question.explanation),
        "source": question.source,
        "time_limit": question.time_limit,
        "points": question.points,
        "kids": question.kids,
    }
    if question.media is not None:
        common["media"] = model.MediaEntry(
            path=question.media.path,
            alt=dict(question.media.alt),
            credit=question.media.credit,
            licence=question.media.licence,
        )
    if isinstance(question, engine.SingleChoice | engine.MultipleChoice | engine.Ordering):
        common["shuffle"] = None if question.shuffle else False
    if isinstance(question, engine.SingleChoice | engine.MultipleChoice):
        common["options"] = {o.id: dict(o.text) for o in question.options}
        common["fixed_options"] = [o for o in common["options"] if o in question.fixed_options]
    if isinstance(question, engine.SingleChoice):
        return model.SingleChoiceEntry(**common, answer=question.correct)
    if isinstance(question, engine.MultipleChoice):
        answer = [o for o in common["options"] if o in question.correct]
        return model.MultipleChoiceEntry(**common, answer=answer)
    if isinstance(question, engine.TrueFalse):
        return model.TrueFalseEntry(**common, answer=question.correct)
    if isinstance(question, engine.Numeric):
        return model.NumericEntry(
            **common, answer=question.value, tolerance=question.tolerance, unit=dict(question.unit)
        )
    if isinstance(question, engine.Estimation):
        return model.EstimationEntry(
            **common, answer=question.value, tolerance=question.tolerance, unit=dict(question.unit)
        )
    if isinstance(question, engine.Ordering):
        items = {o.id: dict(o.text) for o in question.items}
        return model.OrderingEntry(**common, items=items, answer=list(question.correct))
    return model.OpenTextEntry(
        **common,
        answer={lang: list(texts) for lang, texts in question.accepted.items()},
        strict_diacritics=question.strict_diacritics,
    )
