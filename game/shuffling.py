"""Option shuffling: the order in which a contest shows a question's options or items.

Theory of operation (docs/game-rules.md, "Option order")
--------------------------------------------------------
A pack is written by people, and people put the right answer under "a" far more often than
chance would (issue 18). So the engine shows the options of single- and multiple-choice
questions, and the items of ordering questions, in an order drawn for the contest:

- the order is a pure function of the contest's seed and the question's id: every screen, every
  tablet and the host see the same order, and a replay computes the same one;
- the engine decides it when the question is shown and writes it into ``QuestionShown.order``, so
  the event log records what the screens showed (an older log without it replays unshuffled);
- answers name option ids, never positions, so scoring cannot depend on the order; the letters
  A, B, C on the screens are positions on the screen and follow the shown order;
- a question (``shuffle``: false), its pack, or a round (``rules.shuffle``: false) may keep the
  written order; ``fixed_options`` keep their written position while the others move around them
  ("All of the above" written last stays last);
- an ordering question is never shown in its correct order (that would hand the answer over):
  when the draw gives the correct order, the first item moves to the end.

Each option's place comes from sorting by a SHA-256 draw of (seed, question id, option id): a
uniformly random permutation, with no random number generator in the engine.
"""

from __future__ import annotations

import hashlib

from game.questions import MultipleChoice, Ordering, Question, SingleChoice

Order = tuple[str, ...]
"""Option or item ids in the order they are shown."""


def _draw(seed: int, question_id: str, option_id: str) -> int:
    material = f"shuffle:{seed}:{question_id}:{option_id}".encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:8], "big")


def shuffled(ids: tuple[str, ...], seed: int, question_id: str, fixed: frozenset[str]) -> Order:
    """``ids`` permuted by the draw; the ids in ``fixed`` keep their positions.

    Args:
        ids: the option ids as written.
        seed: the contest's seed.
        question_id: makes every question's draw differ.
        fixed: ids that stay where they are written.
    """
    movable = [i for i in ids if i not in fixed]
    drawn = iter(sorted(movable, key=lambda i: (_draw(seed, question_id, i), i)))
    return tuple(i if i in fixed else next(drawn) for i in ids)


def display_order(question: Question, seed: int) -> Order | None:
    """The order a contest with ``seed`` shows the options or items of ``question`` in.

    ``None`` when the question keeps its written order: it has no options or items, or its
    ``shuffle`` is off. (A round's ``rules.shuffle`` is the engine's to apply.)
    """
    if isinstance(question, SingleChoice | MultipleChoice):
        if not question.shuffle:
            return None
        ids = tuple(o.id for o in question.options)
        return shuffled(ids, seed, question.id, frozenset(question.fixed_options))
    if isinstance(question, Ordering) and question.shuffle:
        order = shuffled(tuple(o.id for o in question.items), seed, question.id, frozenset())
        if order == question.correct:
            order = (*order[1:], order[0])
        return order
    return None
