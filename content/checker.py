"""Check a located tree against a struct of ``content.model`` and report every mismatch.

Theory of operation
-------------------
``check(node, model_type, languages)`` walks the located tree and the *type information* of the
model (``msgspec.inspect``) side by side. At each step it compares what is written with what the
model expects — a mapping with these fields, a list of 1–6 ids, a number of at least 0 … — and
records a ``Problem`` at the exact position when they differ, then carries on with the next field:
one call reports every structural problem of a question.

Because the walk is driven by the model's type information, the checker, the JSON Schema and the
final ``msgspec.convert`` cannot disagree about fields, types and ranges. The checker adds what a
schema cannot say well: a map marked ``localized`` must hold exactly the pack's languages.

Scalars are read by the type they fill (see ``content.located``): text fields take any scalar's
text, number fields read YAML 1.2 numbers, booleans are ``true`` or ``false``.

The value returned is plain data (dicts, lists, str, int, float, bool) built from the parts that
passed; parts that failed are left out. It is only used when no problem was found.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from typing import Any

import msgspec.inspect as mi

from content.errors import Problem
from content.located import LocatedNode, Mapping, Position, Scalar, Sequence, describe

Path = tuple[str | int, ...]

# YAML 1.2 core schema numbers (what editors and other YAML tools read as numbers).
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


class _Invalid:
    """Marks a part of the value that failed its check."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


def render_path(path: Path) -> str:
    """``("options", "b", "lv")`` as ``options.b.lv``; list indexes as ``answer[2]`` (1-based)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass
class Checker:
    """One walk: the pack's languages, a message prefix, and the problems found so far."""

    languages: tuple[str, ...]
    prefix: str = ""
    problems: list[Problem] = field(default_factory=list)

    def report(self, where: Position, path: Path, message: str) -> None:
        """Record a problem at ``where`` about the field at ``path``."""
        shown = render_path(path)
        self.problems.append(
            where.problem(f"{self.prefix}{shown + ': ' if shown else ''}{message}")
        )

    def walk(self, node: LocatedNode, info: mi.Type, path: Path = ()) -> Any:
        """Check ``node`` against ``info``; return its plain value or ``INVALID``."""
        extra: dict[str, Any] = {}
        while isinstance(info, mi.Metadata):
            extra.update(info.extra or {})
            info = info.type
        if isinstance(info, mi.UnionType):
            return self._union(node, info, path, extra)
        if isinstance(node, Scalar) and node.is_null:
            self.report(node.position, path, "needs a value")
            return INVALID
        if isinstance(info, mi.StructType):
            return self._struct(node, info, path, frozenset())
        if isinstance(info, mi.DictType):
            return self._dict(node, info, path, extra)
        if isinstance(info, mi.ListType):
            return self._list(node, info, path)
        if isinstance(node, Mapping | Sequence):
            self.report(node.position, path, f"expected {_expected(info)}, found {describe(node)}")
            return INVALID
        return self._scalar(node, info, path, extra)

    # --- containers ---------------------------------------------------------------------------

    def _union(
        self, node: LocatedNode, info: mi.UnionType, path: Path, extra: dict[str, Any]
    ) -> Any:
        types = [t for t in info.types if not isinstance(t, mi.NoneType)]
        if len(types) < len(info.types) and isinstance(node, Scalar) and node.is_null:
            return None
        if len(types) == 1:
            return self.walk(node, types[0], path)
        variants = [t for t in types if isinstance(t, mi.StructType) and t.tag_field]
        if len(variants) != len(types):
            raise TypeError(f"the model uses a union the checker cannot read: {info}")
        return self._tagged(node, variants, path)

    def _tagged(self, node: LocatedNode, variants: list[mi.StructType], path: Path) -> Any:
        if not isinstance(node, Mapping):
            self.report(node.position, path, f"expected a mapping, found {describe(node)}")
            return INVALID
        tag_field = str(variants[0].tag_field)
        every_field = frozenset(f.encode_name for v in variants for f in v.fields)
        tags = [str(v.tag) for v in variants]
        tag_node = node.get(tag_field)
        chosen = None
        if tag_node is None:
            self.report(
                node.where_missing(tag_field), path, f"missing required field {tag_field!r}"
            )
        elif not isinstance(tag_node, Scalar) or tag_node.is_null:
            self.report(
                tag_node.position, (*path, tag_field), f"expected one of: {', '.join(tags)}"
            )
        else:
            chosen = next((v for v in variants if v.tag == tag_node.text), None)
            if chosen is None:
                self.report(
                    tag_node.position,
                    (*path, tag_field),
                    f"unknown {tag_field} {tag_node.text!r}{_suggest(tag_node.text, tags)}"
                    f" (expected one of: {', '.join(tags)})",
                )
        if chosen is None:
            # Still check the fields every variant shares, so one bad type hides nothing else.
            common = [f for f in variants[0].fields if all(f in v.fields for v in variants)]
            shared = mi.StructType(
                cls=variants[0].cls,
                fields=tuple(common),
                tag_field=tag_field,
                tag=None,
                array_like=False,
                forbid_unknown_fields=False,
            )
            self._struct(node, shared, path, every_field)
            return INVALID
        value = self._struct(node, chosen, path, every_field)
        if value is not INVALID:
            value[tag_field] = chosen.tag
        return value

    def _struct(
        self, node: LocatedNode, info: mi.StructType, path: Path, siblings: frozenset[str]
    ) -> Any:
        if not isinstance(node, Mapping):
            self.report(node.position, path, f"expected a mapping, found {describe(node)}")
            return INVALID
        fields = {f.encode_name: f for f in info.fields}
        value: dict[str, Any] = {}
        for key, child in node.entries:
            name = key.text
            if name == info.tag_field:
                continue
            spec = fields.get(name)
            if spec is None:
                if not info.forbid_unknown_fields:
                    continue
                if name in siblings:
                    message = f"field {name!r} is not used by {info.tag} questions"
                else:
                    known = [*fields, *([info.tag_field] if info.tag_field else [])]
                    message = f"unknown field {name!r}{_suggest(name, known)}"
                self.report(key.position, path, message)
                continue
            checked = self.walk(child, spec.type, (*path, name))
            if checked is not INVALID and checked is not None:
                value[name] = checked
        for name, spec in fields.items():
            if spec.required and node.get(name) is None:
                self.report(node.where_missing(name), path, f"missing required field {name!r}")
        return value

    def _dict(self, node: LocatedNode, info: mi.DictType, path: Path, extra: dict[str, Any]) -> Any:
        if not isinstance(node, Mapping):
            self.report(node.position, path, f"expected a mapping, found {describe(node)}")
            return INVALID
        self._length(node.position, path, len(node.entries), info, "entry", "entries")
        localized = bool(extra.get("localized"))
        value: dict[str, Any] = {}
        for key, child in node.entries:
            if localized and key.text not in self.languages:
                self._foreign_language(key, child, path)
                continue
            if self._scalar(key, info.key_type, (*path, key.text), {}) is INVALID:
                continue
            checked = self.walk(child, info.value_type, (*path, key.text))
            if checked is not INVALID:
                value[key.text] = checked
        if localized:
            for language in self.languages:
                if node.get(language) is None:
                    message = f"missing the {language!r} translation"
                    self.report(node.where_missing(language), path, message)
        return value

    def _foreign_language(self, key: Scalar, child: LocatedNode, path: Path) -> None:
        languages = ", ".join(self.languages)
        if isinstance(child, Scalar) and child.is_null and not key.quoted:
            # {lv: Jā, tas ir tā, en: …} — a comma inside { } starts a new entry.
            message = (
                f"{key.text!r} is not a language ({languages}); a comma inside {{ }} starts a new "
                "entry, so put a text with commas in quotes"
            )
            self.report(key.position, path, message)
        else:
            self.report(
                key.position, path, f"{key.text!r} is not one of the pack's languages ({languages})"
            )

    def _list(self, node: LocatedNode, info: mi.ListType, path: Path) -> Any:
        if not isinstance(node, Sequence):
            self.report(node.position, path, f"expected a list, found {describe(node)}")
            return INVALID
        self._length(node.position, path, len(node.items), info, "item", "items")
        value = [self.walk(child, info.item_type, (*path, i)) for i, child in enumerate(node.items)]
        return [v for v in value if v is not INVALID]

    def _length(
        self,
        where: Position,
        path: Path,
        count: int,
        info: mi.DictType | mi.ListType,
        one: str,
        many: str,
    ) -> None:
        def nouns(n: int) -> str:
            return f"{n} {one if n == 1 else many}"

        if info.min_length is not None and count < info.min_length:
            self.report(where, path, f"needs at least {nouns(info.min_length)}, found {count}")
        if info.max_length is not None and count > info.max_length:
            self.report(where, path, f"allows at most {nouns(info.max_length)}, found {count}")

    # --- scalars ------------------------------------------------------------------------------

    def _scalar(self, node: Scalar, info: mi.Type, path: Path, extra: dict[str, Any]) -> Any:
        while isinstance(info, mi.Metadata):
            extra = {**extra, **(info.extra or {})}
            info = info.type
        text = node.text.strip()
        if isinstance(info, mi.StrType):
            if node.is_null:
                self.report(node.position, path, "needs a value")
                return INVALID
            if info.pattern is not None and not re.search(info.pattern, node.text):
                wanted = extra.get("expected", f"text matching {info.pattern}")
                self.report(
                    node.position, path, f"{describe(node)} is not valid: expected {wanted}"
                )
                return INVALID
            return node.text
        if isinstance(info, mi.LiteralType):
            allowed = [str(v) for v in info.values]
            if node.text not in allowed:
                noun = path[-1] if path and isinstance(path[-1], str) else "value"
                self.report(
                    node.position,
                    path,
                    f"unknown {noun} {describe(node)}{_suggest(node.text, allowed)}"
                    f" (expected one of: {', '.join(allowed)})",
                )
                return INVALID
            return node.text
        if isinstance(info, mi.BoolType):
            if not node.quoted and text in _TRUE | _FALSE:
                return text in _TRUE
            self.report(node.position, path, f"expected true or false, found {describe(node)}")
            return INVALID
        if isinstance(info, mi.IntType):
            if node.quoted or not _INT.fullmatch(text):
                self.report(node.position, path, f"expected a whole number, found {describe(node)}")
                return INVALID
            return self._range(node, int(text), info, path)
        if isinstance(info, mi.FloatType):
            if not node.quoted and _NOT_FINITE.fullmatch(text):
                self.report(
                    node.position, path, f"expected a finite number, found {describe(node)}"
                )
                return INVALID
            if node.quoted or not _FLOAT.fullmatch(text):
                self.report(node.position, path, f"expected a number, found {describe(node)}")
                return INVALID
            number = float(text)
            if not math.isfinite(number):
                self.report(node.position, path, f"{text} is too large")
                return INVALID
            return self._range(node, number, info, path)
        raise TypeError(f"the model uses a type the checker cannot read: {info}")

    def _range(
        self, node: Scalar, number: float, info: mi.IntType | mi.FloatType, path: Path
    ) -> Any:
        shown = node.text.strip()
        if info.ge is not None and number < info.ge:
            wanted = "must not be negative" if info.ge == 0 else f"must be at least {info.ge}"
            self.report(node.position, path, f"{wanted}, found {shown}")
            return INVALID
        if info.gt is not None and number <= info.gt:
            wanted = "must be positive" if info.gt == 0 else f"must be greater than {info.gt}"
            self.report(node.position, path, f"{wanted}, found {shown}")
            return INVALID
        if info.le is not None and number > info.le:
            self.report(node.position, path, f"must be at most {info.le}, found {shown}")
            return INVALID
        return number


def _expected(info: mi.Type) -> str:
    if isinstance(info, mi.BoolType):
        return "true or false"
    if isinstance(info, mi.IntType):
        return "a whole number"
    if isinstance(info, mi.FloatType):
        return "a number"
    return "text"


def _suggest(word: str, known: Seq[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@functools.cache
def _type_info(model_type: Any) -> mi.Type:
    """msgspec's description of a model type, worked out once per type (it takes milliseconds,
    and a pack checks hundreds of questions against the same type)."""
    return mi.type_info(model_type)


def check(
    node: LocatedNode, model_type: Any, languages: tuple[str, ...], prefix: str = ""
) -> tuple[Any, list[Problem]]:
    """Check ``node`` against a type of ``content.model``.

    Args:
        node: the located tree to check.
        model_type: a struct of ``content.model`` (or a union of them).
        languages: the pack's languages; every localized map must hold exactly these.
        prefix: put before every message (e.g. ``"phys-001: "``).

    Returns:
        The plain value (use it only when there are no problems) and the problems found.
    """
    checker = Checker(languages, prefix)
    value = checker.walk(node, _type_info(model_type))
    return value, checker.problems
