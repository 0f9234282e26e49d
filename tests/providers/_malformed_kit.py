"""Malformed-input harness shared by the ``test_malformed_*`` files.

What every decoder must do with bad provider input:

* a full-response parser returns a well-typed :class:`Response` or raises a
  :class:`~fantasy.errors.FantasyError` (malformed JSON: an ``InvalidResponseError``
  whose ``raw`` is the offending payload and whose ``provider`` is set);
* a stream decoder yields well-typed parts and ends in exactly one way: one ``Finish``
  (last), a ``stream.Error``, or a typed error; an ``InvalidResponseError`` comes from
  ``feed`` (never ``finish``) and keeps the event it was fed; a stream cut before its
  finish signal raises :class:`~fantasy.errors.IncompleteStreamError` (or yields
  ``stream.Error``);
* nothing else escapes: no ``KeyError``/``TypeError``/``ValueError``/... .

Mutations are deterministic: every path of a valid document gets each wrong value and a
deletion, and a seeded :class:`random.Random` keeps a bounded sample of them.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fantasy import stream
from fantasy.errors import (
    FantasyError,
    IncompleteStreamError,
    InvalidResponseError,
)
from fantasy.providers._json import invalid
from fantasy.response import Response
from fantasy.stream import StreamAccumulator, StreamPart
from fantasy.usage import FinishReason, Usage

PROVIDERS_DIR = Path(__file__).parent

WRONG_VALUES: tuple[Any, ...] = (
    None,
    "x",
    "",
    5,
    -1,
    1.5,
    True,
    float("inf"),
    [],
    {},
    [None],
    [5],
    ["x"],
    {"x": None},
    "\ud800",  # a lone surrogate: valid JSON (as an escape), not encodable as UTF-8
)
"""Values of the wrong type (or shape) put in place of every field."""

TOP_LEVEL: tuple[Any, ...] = ({}, [], None, "x", 5, True, [{}], [None])
"""Whole documents of the wrong shape."""

BAD_EVENT_TEXTS: tuple[str, ...] = (
    "not json",
    "{",
    '{"a": 1',
    "[]",
    "null",
    '"x"',
    "5",
    "true",
    "[{}]",
    "{}",
    '{"type": 5}',
    '{"type": null}',
    '{"type": ["x"]}',
    "\x00\x01",
    "[" * 50_000 + "]" * 50_000,  # nested beyond the parser's recursion limit
    "1e999",
    "NaN",
)
"""Event payloads that are not JSON, not an object, or objects without a usable kind."""

Path_ = tuple[str | int, ...]


# --- documents ---------------------------------------------------------------------------


def load_events(relative: str) -> list[str]:
    """The non-blank lines of ``tests/providers/<relative>`` (one event each)."""
    text = (PROVIDERS_DIR / relative).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def dumps(value: Any) -> str:
    """JSON text of ``value`` (lone surrogates escaped)."""
    return json.dumps(value)


def paths(doc: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path below ``doc`` (keys of objects, indexes of arrays), parents first."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


_DELETE = object()


def _apply(doc: Any, path: Path_, value: Any) -> Any:
    out = copy.deepcopy(doc)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return out


def mutations(doc: Any, *, seed: int, limit: int) -> list[tuple[str, Any]]:
    """Up to ``limit`` ``(label, mutated doc)``: each path deleted or set to each wrong value.

    Deletions and ``null`` at every path are always kept; the rest is a seeded sample.
    """
    must: list[tuple[str, Any]] = []
    rest: list[tuple[str, Any]] = []
    for path in paths(doc):
        must.append((f"del {path}", _apply(doc, path, _DELETE)))
        for value in WRONG_VALUES:
            target = must if value is None else rest
            target.append((f"{path}={value!r}", _apply(doc, path, value)))
    rng = random.Random(seed)
    room = max(limit - len(must), 0)
    sample = rng.sample(rest, min(room, len(rest)))
    return (must + sample)[: max(limit, len(must))]


def stream_mutations(
    events: Sequence[str], *, seed: int, limit: int
) -> list[tuple[str, list[str]]]:
    """Up to ``limit`` mutated event lists: one event mutated, replaced, dropped or moved."""
    rng = random.Random(seed)
    out: list[tuple[str, list[str]]] = []
    for index, text in enumerate(events):
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        for label, mutated in mutations(doc, seed=rng.randrange(1 << 30), limit=12):
            out.append((f"event {index}: {label}", _replace(events, index, dumps(mutated))))
        for bad in rng.sample(BAD_EVENT_TEXTS, 3):
            out.append((f"event {index} := {bad[:20]!r}", _replace(events, index, bad)))
        out.append((f"drop event {index}", [*events[:index], *events[index + 1 :]]))
        out.append((f"repeat event {index}", [*events[: index + 1], *events[index:]]))
        if index + 1 < len(events):
            swapped = list(events)
            swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
            out.append((f"swap events {index},{index + 1}", swapped))
    if len(out) > limit:
        out = rng.sample(out, limit)
    return out


def _replace(events: Sequence[str], index: int, text: str) -> list[str]:
    return [*events[:index], text, *events[index + 1 :]]


# --- well-typed values -------------------------------------------------------------------

_SCALARS: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "bool": bool,
    "int": int,
    "bytes": bytes,
    "bytes | None": (bytes, type(None)),
    "str | None": (str, type(None)),
    "FinishReason": FinishReason,
    "Usage": Usage,
}


def check_typed(value: Any, where: str = "value") -> None:
    """Assert every dataclass field of ``value`` (recursively) has its declared type."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            expected = _SCALARS.get(str(f.type))
            if expected is not None:
                assert isinstance(item, expected), f"{where}.{f.name} = {item!r}"
            if expected is int:
                assert not isinstance(item, bool), f"{where}.{f.name} = {item!r}"
            check_typed(item, f"{where}.{f.name}")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            check_typed(item, f"{where}[{index}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            assert isinstance(key, str), f"{where} has key {key!r}"
            check_typed(item, f"{where}[{key!r}]")


# --- outcomes ----------------------------------------------------------------------------


_NOTHING = object()
UNKNOWN_PAYLOAD = object()
"""An :attr:`Outcome.payload` for runs whose errors need only a non-empty ``raw``."""


@dataclass
class Outcome:
    """What one run produced: parts (streams) or a response, and the error raised.

    ``payload`` is what was being decoded when the error was raised (``_NOTHING`` when
    it was raised by ``finish``).
    """

    label: str
    parts: list[StreamPart] = field(default_factory=list)
    response: Response | None = None
    error: BaseException | None = None
    payload: Any = _NOTHING

    @property
    def finished(self) -> bool:
        """Whether the stream ended with a ``Finish`` part."""
        return any(isinstance(part, stream.Finish) for part in self.parts)

    @property
    def failed(self) -> bool:
        """Whether the run raised or yielded an in-band error."""
        return self.error is not None or any(isinstance(p, stream.Error) for p in self.parts)


class Leak(AssertionError):
    """An untyped exception escaped a decoder."""


def _describe(label: str, error: BaseException) -> str:
    trace = "".join(traceback.format_exception(error)[-6:])
    return f"{label}: {type(error).__name__}: {error!r}\n{trace}"


def check_error(outcome: Outcome, provider: str) -> None:
    """Assert the error raised (if any) is typed; InvalidResponseError keeps raw + provider."""
    error = outcome.error
    if error is None:
        return
    if not isinstance(error, FantasyError):
        raise Leak(_describe(outcome.label, error))
    if isinstance(error, InvalidResponseError):
        label = outcome.label
        assert outcome.payload is not _NOTHING, f"{label}: InvalidResponseError from finish"
        if outcome.payload is UNKNOWN_PAYLOAD:
            assert error.raw, f"{label}: InvalidResponseError without raw"
        else:
            expected = invalid("", outcome.payload, provider).raw
            assert error.raw == expected, f"{label}: raw {error.raw[:200]!r} is not the payload"
        assert error.provider == provider, f"{label}: provider {error.provider!r}"


def parse(label: str, decode: Callable[[Any], Response], data: Any, provider: str) -> Outcome:
    """Run a full-response parser on ``data``; check the result or the error."""
    outcome = Outcome(label, payload=data)
    try:
        outcome.response = decode(data)
    except Exception as error:
        outcome.error = error
    check_error(outcome, provider)
    if outcome.response is not None:
        check_typed(outcome.response, f"{label}: response")
    return outcome


@dataclass
class StreamHarness:
    """How to drive one stream decoder.

    Attributes:
        provider: The provider name given to the decoder (expected in its errors).
        new: Builds a fresh decoder.
        feed: Feeds one event's text; returns its parts.
        finish: Ends the stream; returns its parts.
        stop: Whether the model would stop reading (done / failed).
        finish_after_stop: Whether the model still calls ``finish`` after ``stop``.
    """

    provider: str
    new: Callable[[], Any]
    feed: Callable[[Any, str], list[StreamPart]]
    finish: Callable[[Any], list[StreamPart]]
    stop: Callable[[Any], bool]
    finish_after_stop: bool = True

    def run(self, label: str, events: Sequence[str]) -> Outcome:
        """Feed ``events`` then finish, like the model's loop; check every invariant."""
        outcome = Outcome(label)
        decoder = self.new()
        try:
            stopped = False
            for text in events:
                outcome.payload = text
                outcome.parts += self.feed(decoder, text)
                stopped = self.stop(decoder)
                if stopped:
                    break
            outcome.payload = _NOTHING
            if self.finish_after_stop or not stopped:
                outcome.parts += self.finish(decoder)
        except Exception as error:
            outcome.error = error
        check_error(outcome, self.provider)
        check_parts(outcome)
        return outcome


def check_parts(outcome: Outcome) -> None:
    """Parts are well typed; a run ends in exactly one way; the parts accumulate."""
    label = outcome.label
    check_typed(outcome.parts, f"{label}: parts")
    finishes = [i for i, p in enumerate(outcome.parts) if isinstance(p, stream.Finish)]
    errors = [p for p in outcome.parts if isinstance(p, stream.Error)]
    assert len(finishes) <= 1, f"{label}: {len(finishes)} Finish parts"
    assert not (finishes and errors), f"{label}: both Finish and Error"
    for part in errors:
        assert isinstance(part.error, FantasyError), f"{label}: untyped {part.error!r}"
    if finishes:
        assert outcome.error is None, f"{label}: raised after Finish: {outcome.error!r}"
        assert finishes[0] == len(outcome.parts) - 1, f"{label}: parts after Finish"
    if outcome.error is None and not errors:
        assert finishes, f"{label}: stream ended silently without Finish or error"
    accumulator = StreamAccumulator()
    for part in outcome.parts:
        accumulator.add(part)
    if errors:  # the one failure rule: a failed stream's accumulator raises its error
        with pytest.raises(FantasyError) as raised:
            accumulator.response()
        assert raised.value is errors[-1].error, f"{label}: accumulator raised another error"
        check_typed(accumulator.content(), f"{label}: accumulated")
    else:
        check_typed(accumulator.response(), f"{label}: accumulated")


def check_truncations(
    harness: StreamHarness, events: Sequence[str], is_finish_signal: Callable[[str], bool]
) -> int:
    """Cut a valid stream after every event: before the finish signal, it is incomplete.

    Returns how many prefixes were run.
    """
    full = harness.run("full stream", events)
    assert full.error is None and (full.finished or full.failed), "the fixture must be valid"
    signal = next((i for i, text in enumerate(events) if is_finish_signal(text)), len(events))
    for cut in range(len(events)):
        outcome = harness.run(f"cut after {cut} events", events[:cut])
        if cut <= signal:
            assert not outcome.finished, f"{outcome.label}: finished as if complete"
            if not any(isinstance(p, stream.Error) for p in outcome.parts):
                assert isinstance(outcome.error, IncompleteStreamError), (
                    f"{outcome.label}: {outcome.error!r}"
                )
    return len(events)


def _collect(run: Callable[[], Outcome], failures: list[str]) -> Outcome | None:
    try:
        return run()
    except AssertionError as failure:
        failures.append(str(failure))
        return None


def _report(failures: list[str], total: int) -> None:
    if failures:
        shown = "\n\n".join(failures[:8])
        raise AssertionError(f"{len(failures)} of {total} cases failed:\n{shown}")


def run_all(harness: StreamHarness, cases: Sequence[tuple[str, Sequence[str]]]) -> list[Outcome]:
    """Run every ``(label, events)`` case; fail listing every case that broke a rule."""
    failures: list[str] = []
    outcomes = [_collect(lambda c=case: harness.run(*c), failures) for case in cases]
    _report(failures, len(cases))
    return [outcome for outcome in outcomes if outcome is not None]


def parse_all(
    decode: Callable[[Any], Response],
    cases: Sequence[tuple[str, Any]],
    provider: str,
) -> list[Outcome]:
    """Run every ``(label, data)`` case through a full-response parser; fail on any leak."""
    failures: list[str] = []
    outcomes = [
        _collect(lambda c=case: parse(c[0], decode, c[1], provider), failures) for case in cases
    ]
    _report(failures, len(cases))
    return [outcome for outcome in outcomes if outcome is not None]


def top_level_cases() -> list[tuple[str, Any]]:
    """Whole documents of the wrong shape, labelled."""
    return [(f"document {value!r}", value) for value in TOP_LEVEL]


def bad_event_cases(valid: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each bad event text alone, and in place of each event of ``valid`` (first 3)."""
    cases = [(f"only {text[:20]!r}", [text]) for text in BAD_EVENT_TEXTS]
    for index in range(min(len(valid), 3)):
        for text in BAD_EVENT_TEXTS:
            cases.append((f"event {index} := {text[:20]!r}", _replace(valid, index, text)))
    return cases
