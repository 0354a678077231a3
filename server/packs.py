"""The question packs this server offers: the shipped pack plus any folders in ``QUIZ_PACKS``.

Packs are loaded lazily, once, with ``content.load_pack`` (a broken pack is a clear error naming
its problems). Questions taken from a pack get their media path rewritten to
``<pack id>/<path in the pack>``, which is also the URL path under ``/media/`` that serves it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec

from content import Pack, PackInvalid, load_pack
from game.questions import Question, SingleChoice, TrueFalse, type_tag

MEDIA_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".m4a": "audio/mp4",
}
"""The media types ``/media/`` serves (by file suffix); anything else is never served."""

SHIPPED = Path(__file__).resolve().parent.parent / "content" / "packs"


class PackError(Exception):
    """A pack request the server cannot satisfy; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PackLibrary:
    """Packs by id, loaded on first use."""

    def __init__(self, extra: Iterable[Path] = ()) -> None:
        self._folders = [*extra, SHIPPED]
        self._packs: dict[str, Pack] | None = None
        self._media: dict[str, dict[str, tuple[Path, str]]] = {}

    def packs(self) -> dict[str, Pack]:
        """Every pack, by id."""
        if self._packs is None:
            found: dict[str, Pack] = {}
            for folder in self._folders:
                candidates = (
                    [folder]
                    if (folder / "pack.yaml").exists()
                    else sorted(p for p in folder.glob("*") if (p / "pack.yaml").exists())
                )
                for path in candidates:
                    try:
                        pack = load_pack(path)
                    except PackInvalid as broken:
                        raise PackError(
                            "invalid_pack", f"pack {path} is invalid: {broken}"
                        ) from None
                    found.setdefault(pack.id, pack)
            self._packs = found
        return self._packs

    def pack(self, pack_id: str) -> Pack:
        """One pack; ``PackError`` when unknown."""
        pack = self.packs().get(pack_id)
        if pack is None:
            raise PackError("unknown_pack", f"no question pack {pack_id!r}")
        return pack

    def select(self, request: dict[str, Any]) -> tuple[Question, ...]:
        """Questions for a round: by ``ids``, or ``count`` drawn by filters (``topics``,
        ``difficulties``, ``types``, ``kids``) and ``seed``."""
        pack = self.pack(str(request.get("pack", "")))
        by_id = {q.id: q for q in pack.questions}
        if "ids" in request:
            ids = request["ids"]
            if not isinstance(ids, list) or not ids:
                raise PackError("invalid_message", "`ids` must be a non-empty list")
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise PackError("unknown_question", f"not in pack {pack.id!r}: {missing}")
            chosen = [by_id[i] for i in ids]
        else:
            pool = [q for q in pack.questions if _matches(q, request)]
            count = request.get("count", 10)
            if not isinstance(count, int) or count < 1:
                raise PackError("invalid_message", "`count` must be a positive whole number")
            if len(pool) < count:
                raise PackError(
                    "not_enough_questions", f"only {len(pool)} questions match; asked for {count}"
                )
            seed = request.get("seed", 0)
            chosen = random.Random(seed).sample(pool, count)
        return tuple(self._prefixed(pack, q) for q in chosen)

    def tiebreak(self, used: set[str], seed: int) -> Question | None:
        """An unused single-choice or true/false question of any pack, chosen by ``seed``."""
        for pack in self.packs().values():
            pool = [
                q
                for q in pack.questions
                if isinstance(q, SingleChoice | TrueFalse) and q.id not in used
            ]
            if pool:
                return self._prefixed(pack, random.Random(seed).choice(pool))
        return None

    def media_file(self, url_path: str) -> tuple[Path, str] | None:
        """The file behind ``/media/<pack id>/<path>`` and its content type; ``None`` unless a
        question of that pack references exactly that path and its type is allowed.

        Only referenced media are served — never a pack's source files (which hold the correct
        answers), never a folder, never a path that leaves the pack."""
        pack_id, _, rest = url_path.partition("/")
        pack = self.packs().get(pack_id)
        if pack is None:
            return None
        return self._media_index(pack).get(rest)

    def _media_index(self, pack: Pack) -> dict[str, tuple[Path, str]]:
        index = self._media.get(pack.id)
        if index is None:
            index = {}
            root = pack.root.resolve()
            for question in pack.questions:
                if question.media is None:
                    continue
                content_type = MEDIA_TYPES.get(Path(question.media.path).suffix.lower())
                file = (root / question.media.path).resolve()
                if content_type and root in file.parents and file.is_file():
                    index[question.media.path] = (file, content_type)
            self._media[pack.id] = index
        return index

    @staticmethod
    def _prefixed(pack: Pack, question: Question) -> Question:
        if question.media is None:
            return question
        media = msgspec.structs.replace(question.media, path=f"{pack.id}/{question.media.path}")
        return msgspec.structs.replace(question, media=media)


def _matches(question: Question, request: dict[str, Any]) -> bool:
    topics = request.get("topics")
    difficulties = request.get("difficulties")
    types = request.get("types")
    kids = request.get("kids")  # true: only questions marked for the youngest players
    return (
        (not topics or question.topic in topics)
        and (not difficulties or question.difficulty in difficulties)
        and (not types or type_tag(question) in types)
        and (kids is not True or question.kids)
    )
