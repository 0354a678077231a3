"""The examples of docs/content-format.md are valid questions, and every type has one."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from content import read_pack
from content.model import QUESTION_TYPES

DOC = Path(__file__).parents[2] / "docs" / "content-format.md"
DEFAULTS = {
    "topic": "physics",
    "difficulty": "1",
    "audience": "everyone",
    "text": "{lv: Teksts, lt: Tekstas, en: Text}",
    "explanation": "{lv: Skaidrojums, lt: Paaiškinimas, en: Explanation}",
    "source": "Test",
}


def _question_examples() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [b for b in blocks if b.lstrip().startswith(("- id:", "questions:"))]


def test_every_question_example_of_the_documentation_validates(
    pack_copy: Callable[..., Path],
) -> None:
    examples = _question_examples()
    kinds = set()
    files = {}
    for number, block in enumerate(examples):
        body = block.split("questions:\n", 1)[-1]
        for field, value in DEFAULTS.items():
            if not re.search(rf"^    {field}:", body, flags=re.MULTILINE):
                body += f"    {field}: {value}\n"
        body = re.sub(r"^  - id: (\S+)", rf"  - id: doc-{number}-\1", body, flags=re.MULTILINE)
        kinds.update(re.findall(r"^    type: (\w+)", body, flags=re.MULTILINE))
        files[f"questions/doc-{number}.yaml"] = "questions:\n" + body
    root = pack_copy(files)
    problems = [p for p in read_pack(root).problems if "/doc-" in p.file]
    assert problems == []
    assert kinds == set(QUESTION_TYPES)
