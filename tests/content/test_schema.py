"""The committed JSON Schemas equal the generated ones and agree with the validator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from content import load_pack
from content.loader import to_entry
from content.schema import (
    SCHEMA_DIR,
    SCHEMAS,
    pack_schema,
    question_file_schema,
    render,
    stale_schemas,
    write_schemas,
)
from tests.content.conftest import GOOD


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_committed_schema_equals_the_generated_one(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render(SCHEMAS[name]()), "run `quiz content schema` and commit the result"


def test_stale_schemas_are_detected_and_rewritten(tmp_path: Path) -> None:
    assert sorted(p.name for p in stale_schemas(tmp_path)) == sorted(SCHEMAS)
    write_schemas(tmp_path)
    assert stale_schemas(tmp_path) == []
    (tmp_path / "pack.schema.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in stale_schemas(tmp_path)] == ["pack.schema.json"]


def _good_file() -> dict[str, Any]:
    pack = load_pack(GOOD)
    entries = [to_entry(q, pack.audience(q.id)) for q in pack.questions]
    return {"questions": msgspec.to_builtins(entries)}


def test_the_schemas_are_valid_json_schema_and_accept_the_good_pack() -> None:
    for schema in (question_file_schema(), pack_schema()):
        jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_good_file(), question_file_schema())
    metadata = {
        "id": "test-good",
        "version": "1.0.0",
        "title": {"lv": "Pārbaude", "lt": "Bandymas", "en": "Test"},
        "authors": ["Baltic Science Quiz team"],
        "licence": "CC-BY-SA-4.0",
        "languages": ["lv", "lt", "en"],
    }
    jsonschema.validate(metadata, pack_schema())


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("difficulty", 5),
        ("topic", "fysics"),
        ("explanaton", {"lv": "a"}),
        ("id", "Bad Id"),
        ("time_limit", 0),
        ("source", " "),
    ],
)
def test_the_schema_rejects_what_the_validator_rejects(change: str, value: object) -> None:
    document = _good_file()
    document["questions"][0][change] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, question_file_schema())


def test_the_schema_tells_editors_the_question_types() -> None:
    schema = json.loads(render(question_file_schema()))
    mapping = schema["$defs"]["QuestionFile"]["properties"]["questions"]["items"]["discriminator"]
    assert sorted(mapping["mapping"]) == sorted(
        [
            "single_choice",
            "multiple_choice",
            "true_false",
            "numeric",
            "ordering",
            "open_text",
            "estimation",
        ]
    )
