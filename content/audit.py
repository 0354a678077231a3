"""Warnings about a valid pack's fairness and style: what a careful editor would point out.

Theory of operation
-------------------
``audit_pack(pack)`` looks at the questions of a pack that passed validation and returns warnings
(``Problem`` with severity ``warning``) at the file and line of the question concerned — never an
error: a pack with warnings loads and plays. ``quiz content validate`` prints them after the errors
and fails on them only with ``--strict`` (docs/content-format.md, "Warnings"). Each check is a
small function of the questions:

* ``position_bias`` — over a question file and over the pack, how often the right answer sits at
  each written position (single choice: the right option; multiple choice: each right option;
  ordering: where the first item of the right order is written), against what an even spread would
  give. Contests shuffle options, but printed quizzes and rounds that keep the written order do not.
* ``long_correct`` — a single-choice question whose right option is at least 1.5 times longer
  than every other option, in every language: teams learn to pick the longest.
* ``near_duplicates`` — two questions asking the same thing: the meaningful words of their texts
  are alike (difflib ratio; boilerplate such as "Which of these … Choose all correct answers"
  left out) or they share many words and have the same answer.
* ``revealing_explanations`` — an explanation that states the answer of another question on the
  same subject (shown at the reveal, it hands that answer over if the other question comes later).
* ``address_forms`` — Latvian and Lithuanian address teams as "tu" or "jūs"; a pack should use one.
* ``punctuation_styles`` — one quotation-mark style and one dash style per language.
* ``true_false_prefixes`` — either every true/false question says "True or false:" (in each
  language) or none does.

Texts are compared after ``fold``: case-folded, punctuation removed, diacritics removed. Words are
reduced to their first five letters (``stem``), which joins most Latvian and Lithuanian case forms.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations

from content.errors import Problem
from content.loader import Pack
from game import questions as engine
from game.questions import normalize_text, strip_diacritics

BIAS_MIN_QUESTIONS = 8
"""Fewer questions of a kind than this in a group are too few to speak of a bias."""
BIAS_RATIO = 1.5
"""A position is biased when it holds the right answer this many times as often as expected …"""
BIAS_Z = 2.0
"""… and that is this many standard deviations above what an even spread gives."""
LONG_RATIO = 1.5
"""The right option is "much longer" at this many times the longest other option."""
LONG_MIN_CHARS = 12
"""Right options shorter than this are not called long, whatever the ratio."""
DUPLICATE_RATIO = 0.8
"""Question texts this alike (difflib ratio, averaged over languages) are near-duplicates."""
DUPLICATE_JACCARD = 0.4
"""Questions with the same answer and this share of their words are near-duplicates too."""
REVEAL_SHARED_WORDS = 2
"""An explanation speaks of another question's subject when it shares this many words with it."""

_LETTERS = "abcdefghij"


def fold(text: str) -> str:
    """``text`` for comparing: case-folded, without punctuation and without diacritics."""
    return strip_diacritics(normalize_text(text))


def stem(word: str) -> str:
    """A word cut to five letters: joins most case forms of a Latvian or Lithuanian noun."""
    return word[:5]


_STOP_WORDS_TEXT = (
    # English
    "which what these those there their about other from with that this have does into "
    "more most than many much some they when where while because would could should "
    "answer choose correct true false made only also"
    # Latvian
    " kurš kura kuri kuras kurā kurai kuram kurus kādā kāda kādas kāds kādi šiem šīm "
    "tikai viņš patiesi nepatiesi atbilde tāpēc"
    # Lithuanian
    " kuris kurie kurios kurį kurią kokia koks kokie kokios kodėl tiesa netiesa "
    "atsakymas todėl"
)
STOPWORDS = frozenset(stem(fold(w)) for w in _STOP_WORDS_TEXT.split() if len(w) >= 4)


def content_words(text: str) -> set[str]:
    """The stems of the words of ``text`` that carry meaning (four letters or more)."""
    return {stem(w) for w in fold(text).split() if len(w) >= 4 and stem(w) not in STOPWORDS}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


# --- where ---------------------------------------------------------------------------------------


class _Where:
    """Positions of questions, files and the pack for warnings."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack

    def question(self, question_id: str, message: str) -> Problem:
        meta = self.pack.meta.get(question_id)
        if meta is None:  # pragma: no cover - every loaded question has its meta
            return self.pack_file(f"{question_id}: {message}")
        file = str(self.pack.root / meta.file)
        return Problem(file, meta.line, meta.column, f"{question_id}: {message}", "warning")

    def file(self, relative: str, message: str) -> Problem:
        return Problem(str(self.pack.root / relative), 1, 1, message, "warning")

    def pack_file(self, message: str) -> Problem:
        return Problem(str(self.pack.root / "pack.yaml"), 1, 1, message, "warning")


# --- answer positions ----------------------------------------------------------------------------


def _right_positions(question: engine.Question) -> tuple[str, int, list[int]] | None:
    """(kind, number of positions, positions of the right answer) for a question with options."""
    if isinstance(question, engine.SingleChoice):
        ids = [o.id for o in question.options]
        return "single-choice", len(ids), [ids.index(question.correct)]
    if isinstance(question, engine.MultipleChoice):
        ids = [o.id for o in question.options]
        return "multiple-choice", len(ids), [ids.index(i) for i in question.correct]
    if isinstance(question, engine.Ordering):
        ids = [o.id for o in question.items]
        return "ordering", len(ids), [ids.index(question.correct[0])]
    return None


_WHAT = {
    "single-choice": "the right option is",
    "multiple-choice": "a right option is",
    "ordering": "the first item of the right order is written",
}


def position_bias(pack: Pack) -> list[Problem]:
    """Warnings where right answers crowd on one written position (see the module docstring)."""
    where = _Where(pack)
    groups: dict[tuple[str, str], list[engine.Question]] = defaultdict(list)
    for question in pack.questions:
        found = _right_positions(question)
        if found is None:
            continue
        groups[(found[0], "")].append(question)
        groups[(found[0], pack.meta[question.id].file)].append(question)
    problems = []
    for (kind, file), questions in sorted(groups.items()):
        for message in _bias_messages(kind, questions):
            if file:
                problems.append(where.file(file, f"{message} in this file"))
            else:
                problems.append(where.pack_file(f"{message} in the pack"))
    return problems


def _bias_messages(kind: str, questions: Sequence[engine.Question]) -> list[str]:
    if len(questions) < BIAS_MIN_QUESTIONS:
        return []
    observed: Counter[int] = Counter()
    expected: Counter[int] = Counter()
    variance: dict[int, float] = defaultdict(float)
    for question in questions:
        found = _right_positions(question)
        assert found is not None
        _, size, positions = found
        share = len(positions) / size
        for p in range(size):
            expected[p] += share  # type: ignore[assignment]
            variance[p] += share * (1 - share)
        observed.update(positions)
    messages = []
    for p in sorted(observed):
        o, e = observed[p], float(expected[p])
        z = (o - e) / math.sqrt(variance[p]) if variance[p] > 0 else 0.0
        if o >= BIAS_RATIO * e and z >= BIAS_Z:
            messages.append(
                f"answer-position bias: {_WHAT[kind]} at position {p + 1} ({_LETTERS[p]}) in "
                f"{o} of {len(questions)} {kind} questions ({o / len(questions):.0%}; about "
                f"{e / len(questions):.0%} expected) — spread the answers over the positions "
                "(the written order is shown where shuffling is off)"
            )
    return messages


# --- the longest option --------------------------------------------------------------------------


def long_correct(pack: Pack) -> list[Problem]:
    """Single-choice questions whose right option is much the longest, in every language."""
    where = _Where(pack)
    problems = []
    for question in pack.questions:
        if not isinstance(question, engine.SingleChoice):
            continue
        ratios = []
        for lang in pack.languages:
            right = next(o for o in question.options if o.id == question.correct).text[lang]
            others = [len(o.text[lang]) for o in question.options if o.id != question.correct]
            if len(right) < LONG_MIN_CHARS or len(right) < LONG_RATIO * max(others):
                break
            ratios.append(len(right) / max(others))
        else:
            problems.append(
                where.question(
                    question.id,
                    f"option {question.correct!r} (the right one) is at least {LONG_RATIO}× as "
                    f"long as every other option in every language (×{min(ratios):.1f}); "
                    "teams learn to pick the longest — shorten it or lengthen the others",
                )
            )
    return problems


# --- duplicates and revealing explanations -------------------------------------------------------


def answer_texts(question: engine.Question, lang: str) -> list[str]:
    """The right answer of ``question`` as texts in ``lang`` (numbers as written); [] for
    true/false, whose answer is no text."""
    if isinstance(question, engine.SingleChoice):
        return [o.text[lang] for o in question.options if o.id == question.correct]
    if isinstance(question, engine.MultipleChoice):
        return [o.text[lang] for o in question.options if o.id in question.correct]
    if isinstance(question, engine.OpenText):
        return list(question.accepted.get(lang, ())[:1])
    if isinstance(question, engine.Numeric | engine.Estimation):
        return [f"{question.value:g}"]
    if isinstance(question, engine.Ordering):
        return []
    return []


def _same_answer(a: engine.Question, b: engine.Question, lang: str) -> bool:
    left = {fold(t) for t in answer_texts(a, lang)}
    return bool(left) and left == {fold(t) for t in answer_texts(b, lang)}


def near_duplicates(pack: Pack) -> list[Problem]:
    """Pairs of questions that ask the same thing (see the module docstring)."""
    where = _Where(pack)
    langs = pack.languages
    words = {q.id: [content_words(q.text[lang]) for lang in langs] for q in pack.questions}
    ordered = {
        q.id: [" ".join(_content_sequence(q.text[lang])) for lang in langs] for q in pack.questions
    }
    problems = []
    for a, b in combinations(pack.questions, 2):
        jaccard = sum(_jaccard(x, y) for x, y in zip(words[a.id], words[b.id], strict=True))
        jaccard /= len(langs)
        if jaccard >= DUPLICATE_JACCARD and all(_same_answer(a, b, lang) for lang in langs):
            reason = f"the same answer and {jaccard:.0%} of the words"
        else:
            ratio = _text_ratio(ordered[a.id], ordered[b.id])
            if ratio < DUPLICATE_RATIO:
                continue
            reason = f"texts {ratio:.0%} alike"
        problems.append(
            where.question(
                b.id, f"near-duplicate of {a.id} ({reason}); keep one or ask about another fact"
            )
        )
    return problems


def _content_sequence(text: str) -> list[str]:
    return [stem(w) for w in fold(text).split() if len(w) >= 4 and stem(w) not in STOPWORDS]


def _text_ratio(left: list[str], right: list[str]) -> float:
    """difflib's ratio of the content words, averaged over the languages (0 when one language
    already falls short)."""
    total = 0.0
    for x, y in zip(left, right, strict=True):
        matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
        if matcher.real_quick_ratio() < DUPLICATE_RATIO or matcher.quick_ratio() < DUPLICATE_RATIO:
            return 0.0
        total += matcher.ratio()
    return total / len(left)


def _answer_pattern(answer: str) -> re.Pattern[str] | None:
    """A pattern finding ``answer`` as whole words in a folded text; ``None`` for answers too
    short to mean anything (one digit, under four letters)."""
    answer = fold(answer)
    if len(answer) < 2 or (len(answer) < 4 and not answer.isdigit()):
        return None
    return re.compile(rf"(?<!\w){re.escape(answer)}(?!\w)")


def revealing_explanations(pack: Pack) -> list[Problem]:
    """Explanations that state another question's answer on the same subject."""
    where = _Where(pack)
    langs = pack.languages
    subject = {q.id: [content_words(q.text[lang]) for lang in langs] for q in pack.questions}
    explained = {
        q.id: [fold(q.explanation.get(lang, "")) for lang in langs] for q in pack.questions
    }
    own = {
        q.id: [subject[q.id][i] | content_words(explained[q.id][i]) for i in range(len(langs))]
        for q in pack.questions
    }
    problems = []
    for other in pack.questions:
        patterns = [[_answer_pattern(a) for a in answer_texts(other, lang)] for lang in langs]
        if not all(p and all(p) for p in patterns):
            continue
        for question in pack.questions:
            if question.id == other.id:
                continue
            hits = 0
            for i in range(len(langs)):
                if len(own[question.id][i] & subject[other.id][i]) < REVEAL_SHARED_WORDS:
                    continue
                if all(p is not None and p.search(explained[question.id][i]) for p in patterns[i]):
                    hits += 1
            if hits * 2 > len(langs):
                answer = "; ".join(answer_texts(other, langs[0]))
                problems.append(
                    where.question(
                        question.id,
                        f"the explanation gives away the answer of {other.id} ({answer!r}); "
                        "reword it or drop one of them",
                    )
                )
    return problems


# --- address, punctuation, prefixes --------------------------------------------------------------


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


_ADDRESS: dict[str, dict[str, re.Pattern[str]]] = {
    "lv": {
        # pronouns and the usual singular imperatives of questions
        "tu": _words(
            r"tu|tev|tevi|tavs|tava|tavu|tavi|tavas|tavā|tavam|tavai|taviem|tavām|tavos|tavās|"
            r"sakārto|nosauc|izvēlies|iedomājies|novērtē|uzmini|aprēķini|atrodi|saliec|pasaki|"
            r"ievadi|atzīmē|padomā|ieraksti|saskaiti|aplūko|norādi"
        ),
        # pronouns, the plural imperatives (-iet, -ieties after these stems)
        "jūs": _words(
            r"jūs|jums|jūsu|\w+(?:ojiet|ējiet|ājiet|ieties)|nosauciet|norādiet|uzminiet|"
            r"aprēķiniet|atrodiet|salieciet|pasakiet|ievadiet|ierakstiet|saskaitiet|izlasiet"
        ),
    },
    "lt": {
        "tu": _words(r"tu|tau|tave|tavo|tavęs|tavimi|\w{3,}(?:yk|ink|uok|iok|ok)"),
        "jūs": _words(r"jūs|jums|jus|jūsų|jumis|\w+(?:kite|kitės)|\w{2,}site"),
    },
}
_NOT_ADDRESS = frozenset({"aplink", "vostok", "beveik", "kiek", "tiek"})
"""Words the patterns above take for an address but are none (Lithuanian adverbs, names)."""


def address_form(text: str, lang: str) -> str | None:
    """``tu``, ``jūs`` or ``None``: how ``text`` addresses the reader (Latvian, Lithuanian)."""
    patterns = _ADDRESS.get(lang)
    if patterns is None:
        return None
    found = set()
    for form, pattern in patterns.items():
        for match in pattern.finditer(text):
            word = match.group(0).casefold()
            if word not in _NOT_ADDRESS:
                found.add(form)
    return found.pop() if len(found) == 1 else None


def _question_texts(question: engine.Question, lang: str) -> list[str]:
    return [question.text.get(lang, ""), question.explanation.get(lang, "")]


def address_forms(pack: Pack) -> list[Problem]:
    """Questions that address teams with the form the rest of the pack does not use."""
    where = _Where(pack)
    problems = []
    for lang in pack.languages:
        if lang not in _ADDRESS:
            continue
        forms: dict[str, str] = {}
        for question in pack.questions:
            seen = {address_form(t, lang) for t in _question_texts(question, lang)} - {None}
            if len(seen) == 1:
                forms[question.id] = seen.pop()  # type: ignore[assignment]
        problems += _minority(
            where,
            forms,
            f"text.{lang} addresses the team as {{style!r}} while the pack mostly uses "
            "{usual!r}; use one form of address",
        )
    return problems


def _minority(where: _Where, styles: dict[str, str], template: str) -> list[Problem]:
    """Warnings for the questions whose style is not the most common one; ``template`` has the
    fields ``style`` (the question's) and ``usual`` (the pack's)."""
    counts = Counter(styles.values())
    if len(counts) < 2:
        return []
    usual = max(sorted(counts), key=lambda style: counts[style])
    return [
        where.question(question_id, template.format(style=style, usual=usual))
        for question_id, style in styles.items()
        if style != usual
    ]


_QUOTES = {
    "„…“": re.compile(r"„[^“”\"]*“"),
    "„…”": re.compile(r"„[^“”\"]*”"),
    "“…”": re.compile(r"“[^”]*”"),
    "«…»": re.compile(r"«[^»]*»"),
    '"…"': re.compile(r"(?<![„“])\"[^\"]*\""),
    "'…'": re.compile(r"(?<!\w)'[^']+'(?!\w)"),
}
_DASHES = {"—": re.compile(r"\s—\s|—"), "–": re.compile(r"\s–\s"), "-": re.compile(r"\s-\s")}


def _styles(text: str, table: dict[str, re.Pattern[str]]) -> set[str]:
    return {name for name, pattern in table.items() if pattern.search(text)}


def punctuation_styles(pack: Pack) -> list[Problem]:
    """Questions whose quotation marks or dashes differ from the pack's usual ones, per language."""
    where = _Where(pack)
    problems = []
    for lang in pack.languages:
        for what, table in (("quotation marks", _QUOTES), ("dash", _DASHES)):
            styles: dict[str, str] = {}
            for question in pack.questions:
                found: set[str] = set()
                for text in _all_texts(question, lang):
                    found |= _styles(text, table)
                if len(found) == 1:
                    styles[question.id] = found.pop()
                elif found:
                    styles[question.id] = " and ".join(sorted(found))
            problems += _minority(
                where,
                styles,
                f"{lang}: {what} {{style}} where the pack mostly uses {{usual}}; "
                "use one style per language",
            )
    return problems


def _all_texts(question: engine.Question, lang: str) -> Iterable[str]:
    yield question.text.get(lang, "")
    yield question.explanation.get(lang, "")
    if isinstance(question, engine.SingleChoice | engine.MultipleChoice):
        yield from (o.text.get(lang, "") for o in question.options)
    if isinstance(question, engine.Ordering):
        yield from (o.text.get(lang, "") for o in question.items)


_PREFIX = re.compile(r"^\s*([^:.?!]{3,40}):\s")


def tf_prefix(text: str) -> str | None:
    """The "True or false:" prefix of a statement (its words before the first colon), if any."""
    match = _PREFIX.match(text)
    if match is None or len(match.group(1).split()) > 5:
        return None
    return match.group(1).strip()


def true_false_prefixes(pack: Pack) -> list[Problem]:
    """True/false questions with or without the prefix the others (do not) have, per language."""
    where = _Where(pack)
    problems = []
    statements = [q for q in pack.questions if isinstance(q, engine.TrueFalse)]
    for lang in pack.languages:
        prefixes = {q.id: tf_prefix(q.text.get(lang, "")) for q in statements}
        common = Counter(p.casefold() for p in prefixes.values() if p)
        if not common:
            continue
        usual = max(sorted(common), key=lambda p: common[p])
        styles = {
            qid: ("no prefix" if p is None else f"{p!r}" if p.casefold() != usual else "usual")
            for qid, p in prefixes.items()
        }
        styles = {qid: s if s != "usual" else f"{usual!r}" for qid, s in styles.items()}
        problems += _minority(
            where,
            styles,
            f"text.{lang}: {{style}} before the statement while most true/false questions "
            "have {usual}; use the same beginning for all",
        )
    return problems


CHECKS: tuple[Callable[[Pack], list[Problem]], ...] = (
    position_bias,
    long_correct,
    near_duplicates,
    revealing_explanations,
    address_forms,
    punctuation_styles,
    true_false_prefixes,
)


def audit_pack(pack: Pack) -> list[Problem]:
    """Every warning about ``pack``, sorted by file and position."""
    return sorted(p for check in CHECKS for p in check(pack))
