"""The incremental partial-JSON parser behind streamed objects."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from fantasy._partial_json import PartialJSONParser

DOCUMENTS: list[Any] = [
    {"name": "Alice", "age": 30, "city": "Paris"},
    {
        "title": "The Lord of the Rings",
        "author": {"name": "J.R.R. Tolkien", "nationality": "British"},
        "genres": ["fantasy", "adventure"],
        "published_year": 1954,
    },
    [1, -2.5e3, 0.125, True, False, None, 'q"b\\s\n\t/\u00e9\U0001f600', {"a": [], "b": {}}],
    {"a": {"b": {"c": [[1], [2, [3, {"d": "e"}]]]}}, "z": [[], [[]], {}]},
    {"text": "emoji \U0001f600\U0001f680 and \u2028 and \x01"},
]


def feed_all(parser: PartialJSONParser, chunks: list[str]) -> list[tuple[bool, str]]:
    return [(parser.feed(chunk), json.dumps(parser.value())) for chunk in chunks]


def random_chunks(text: str, rng: random.Random) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(1, 40))))
    return [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("indent", [None, 2])
def test_any_chunking_parses_to_the_document(
    document: Any, ensure_ascii: bool, indent: int | None
) -> None:
    text = json.dumps(document, ensure_ascii=ensure_ascii, indent=indent)
    rng = random.Random(len(text))
    for _ in range(50):
        parser = PartialJSONParser()
        feed_all(parser, random_chunks(text, rng))
        assert parser.done and not parser.failed
        assert parser.value() == document


@pytest.mark.parametrize("document", DOCUMENTS)
def test_changed_is_reported_exactly_when_the_value_changes(document: Any) -> None:
    text = json.dumps(document)
    parser = PartialJSONParser()
    before = json.dumps(None)
    for char in text:
        changed = parser.feed(char)
        after = json.dumps(parser.value())
        assert changed == (after != before), (char, before, after)
        before = after


def test_snapshots_keep_their_value() -> None:
    text = json.dumps(DOCUMENTS[3])
    parser = PartialJSONParser()
    snapshots = []
    for char in text:
        parser.feed(char)
        snapshots.append((parser.snapshot(), json.dumps(parser.value())))
    for snapshot, dumped in snapshots:
        assert json.dumps(snapshot.value()) == dumped


def test_duplicate_keys_do_not_change_earlier_snapshots() -> None:
    parser = PartialJSONParser()
    parser.feed('{"a": 1, "b": 2, ')
    early = parser.snapshot()
    parser.feed('"a": 3}')
    assert parser.value() == {"a": 3, "b": 2}
    assert early.value() == {"a": 1, "b": 2}


def test_visible_value_rules() -> None:
    parser = PartialJSONParser()
    steps = [
        ('{"na', {}),  # a key shows only once its value starts
        ('me": ', {}),
        ('"Al', {"name": "Al"}),
        ('ice", "age": 3', {"name": "Alice"}),  # numbers only when complete
        ("0, ", {"name": "Alice", "age": 30}),
        ('"ok": tr', {"name": "Alice", "age": 30}),
        ('ue, "tags": [', {"name": "Alice", "age": 30, "ok": True, "tags": []}),
        ('"x\\', {"name": "Alice", "age": 30, "ok": True, "tags": ["x"]}),
        ('u00e9"]}', {"name": "Alice", "age": 30, "ok": True, "tags": ["x\u00e9"]}),
    ]
    for chunk, expected in steps:
        parser.feed(chunk)
        assert parser.value() == expected, chunk
    assert parser.done


def test_surrogate_pair_split_across_chunks() -> None:
    parser = PartialJSONParser()
    for chunk in ['["\\ud83d', "\\u", "de00", '"]']:
        parser.feed(chunk)
    assert parser.value() == ["\U0001f600"]


def test_lone_surrogate_is_kept() -> None:
    parser = PartialJSONParser()
    parser.feed('["\\ud83dx"]')
    assert parser.value() == [json.loads('"\\ud83dx"')]


def test_prose_and_fences_before_the_json_are_skipped() -> None:
    parser = PartialJSONParser()
    for char in 'Sure! Here it is:\n```json\n{"a": [1, 2]}\n```\nBye.':
        parser.feed(char)
    assert parser.done
    assert parser.value() == {"a": [1, 2]}


def test_top_level_scalars_without_prefix_skipping() -> None:
    parser = PartialJSONParser(skip_prefix=False)
    assert not parser.feed("12")
    assert parser.value() is None
    parser.feed("3")
    assert parser.finish()
    assert parser.value() == 123
    text = PartialJSONParser(skip_prefix=False)
    assert text.feed('"ab')
    assert text.value() == "ab"


def test_trailing_commas_are_tolerated() -> None:
    parser = PartialJSONParser()
    parser.feed('{"a": [1, 2,], "b": 3,}')
    assert parser.done
    assert parser.value() == {"a": [1, 2], "b": 3}


@pytest.mark.parametrize(
    "text", ['{"a" 1}', '{"a": x}', "[1 2]", '{"a": 1]', '["\\q"]', "[01x]", "{1: 2}"]
)
def test_invalid_json_fails_and_stops(text: str) -> None:
    parser = PartialJSONParser()
    for char in text:
        parser.feed(char)
    assert parser.failed
    assert not parser.feed("more")


def test_text_after_the_value_is_ignored() -> None:
    parser = PartialJSONParser()
    parser.feed('{"a": 1} and more {"b": 2}')
    assert parser.done
    assert not parser.feed("x")
    assert parser.value() == {"a": 1}


def test_many_small_deltas_scan_each_character_once() -> None:
    # A large object fed one token at a time: feeding must not rescan the buffer.
    document = {f"field_{i}": f"value {i}" for i in range(5000)}
    text = json.dumps(document)
    parser = PartialJSONParser()
    changes = sum(parser.feed(text[i : i + 4]) for i in range(0, len(text), 4))
    assert changes > 5000
    assert parser.value() == document
