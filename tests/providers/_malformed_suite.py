"""The malformed-input tests every decoder family runs, driven by its :class:`DecoderSuite`.

A ``test_malformed_<family>.py`` file tables its family (valid documents, recorded
streams, named wrong shapes and impossible event orders with what each must give) and
collects the shared tests with ``class TestDecoders(DecoderTests): suite = SUITE`` (or
:class:`ImpossibleOrderTests` when it tables impossible event orders).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from _malformed_kit import (
    Outcome,
    StreamHarness,
    bad_event_cases,
    check_truncations,
    load_events,
    mutations,
    parse_all,
    run_all,
    stream_mutations,
    top_level_cases,
)

from fantasy import stream
from fantasy.errors import IncompleteResponseError, InvalidResponseError, ProviderError
from fantasy.response import Response

Expect = Literal["invalid", "provider-error", "incomplete", "error-part", "finished", "empty"]
"""What one labelled case must give.

``invalid``: raises ``InvalidResponseError``; ``provider-error``: raises a
``ProviderError``; ``incomplete``: raises ``IncompleteResponseError`` (streams:
``IncompleteStreamError``, its subclass); ``error-part``:
ends with a ``stream.Error`` part; ``finished``: raises nothing and ends with
``Finish``; ``empty``: a response without content.
"""


def check_expected(outcomes: Mapping[str, Outcome], expected: Mapping[str, Expect]) -> None:
    """Every labelled outcome gives what ``expected`` says."""
    for label, kind in expected.items():
        outcome = outcomes[label]
        if kind == "invalid":
            assert isinstance(outcome.error, InvalidResponseError), label
        elif kind == "provider-error":
            assert isinstance(outcome.error, ProviderError), label
        elif kind == "incomplete":
            assert isinstance(outcome.error, IncompleteResponseError), label
        elif kind == "error-part":
            assert isinstance(outcome.parts[-1], stream.Error), label
        elif kind == "finished":
            assert outcome.error is None, label
            assert isinstance(outcome.parts[-1], stream.Finish), label
        else:
            assert outcome.response is not None, label
            assert outcome.response.content == (), label


@dataclass(frozen=True, kw_only=True)
class Variant:
    """One configuration of a decoder family (hooks, provider name)."""

    provider: str
    decode: Callable[[Any], Response]
    new_stream: Callable[[], Any]
    stop: Callable[[Any], bool]
    finish_after_stop: bool = True

    def harness(self) -> StreamHarness:
        """A stream harness feeding event texts to a fresh ``new_stream()`` decoder."""
        return StreamHarness(
            provider=self.provider,
            new=self.new_stream,
            feed=lambda decoder, text: decoder.feed(text),
            finish=lambda decoder: decoder.finish(),
            stop=self.stop,
            finish_after_stop=self.finish_after_stop,
        )


def decoder_variant(
    decode_response: Callable[..., Response],
    stream_decoder: Callable[..., Any],
    *,
    provider: str,
    stop: Literal["done", "failed"],
    **options: Any,
) -> Variant:
    """A variant of a decoder module: its ``decode_response`` and ``StreamDecoder``.

    Both get ``provider`` and ``options`` as keywords. The stream stops when the
    decoder's ``stop`` attribute is true: ``done`` (the model still calls ``finish``)
    or ``failed`` (the model returns at an in-band error, without ``finish``).
    """

    def decode(data: Any) -> Response:
        return decode_response(data, provider=provider, **options)

    return Variant(
        provider=provider,
        decode=decode,
        new_stream=lambda: stream_decoder(provider=provider, **options),
        stop=operator.attrgetter(stop),
        finish_after_stop=stop == "done",
    )


def _no_check(outcomes: Mapping[str, Outcome]) -> None:
    """Nothing more to check."""


@dataclass(frozen=True, kw_only=True)
class DecoderSuite:
    """One decoder family on malformed input.

    Attributes:
        variants: The configurations to run, by test id.
        document: A valid whole response with every field filled, to mutate.
        mutation_seed: Seeds the mutation sample of ``document``.
        mutation_limit: How many mutations of ``document`` at most.
        min_mutations: How many mutations of ``document`` at least.
        named: Whole responses of a named wrong shape.
        named_expect: What some of ``named`` must give.
        named_check: More checks on the outcomes of ``named``, by label.
        empty_document_answers: Whether ``{}`` is an empty answer (not an error).
        streams: Recorded streams (paths under ``tests/providers``).
        is_finish_signal: Whether an event text ends the stream.
        stream_seed: Seeds the stream mutations.
        stream_limit: How many mutations of each stream at most.
        truncated: The variant whose streams are cut after every event.
        invalid_event_markers: Bad-event labels (substrings) that must raise
            ``InvalidResponseError``.
        impossible: Event orders and types no server sends, as JSON values (run by
            :class:`ImpossibleOrderTests`).
        impossible_expect: What some of ``impossible`` must give.
    """

    variants: Mapping[str, Variant]
    document: dict[str, Any]
    mutation_seed: int
    mutation_limit: int
    min_mutations: int
    named: Sequence[tuple[str, Any]]
    named_expect: Mapping[str, Expect]
    named_check: Callable[[Mapping[str, Outcome]], None] = _no_check
    empty_document_answers: bool = False
    streams: Sequence[str]
    is_finish_signal: Callable[[str], bool]
    stream_seed: int
    stream_limit: int
    truncated: str | None = None
    invalid_event_markers: tuple[str, ...] = ("[[[", "not json")
    impossible: Sequence[tuple[str, Sequence[Any]]] = ()
    impossible_expect: Mapping[str, Expect] = field(default_factory=dict)


class DecoderTests:
    """The shared malformed-input tests; subclass as ``Test...`` with ``suite`` set."""

    suite: ClassVar[DecoderSuite]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize ``variant`` by the suite's variants, ``fixture`` by its streams."""
        if "variant" in metafunc.fixturenames:
            variants = self.suite.variants
            metafunc.parametrize("variant", list(variants.values()), ids=list(variants))
        if "fixture" in metafunc.fixturenames:
            streams = self.suite.streams
            metafunc.parametrize("fixture", streams, ids=[Path(f).stem for f in streams])

    def test_whole_response_of_wrong_shape_is_a_typed_error(self, variant: Variant) -> None:
        for outcome in parse_all(variant.decode, top_level_cases(), variant.provider):
            if self.suite.empty_document_answers and outcome.label == "document {}":
                assert outcome.response is not None
                assert outcome.response.finish_reason == "unknown"
            else:
                assert isinstance(outcome.error, InvalidResponseError), outcome.label

    def test_named_wrong_shapes(self, variant: Variant) -> None:
        outcomes = parse_all(variant.decode, self.suite.named, variant.provider)
        by_label = {outcome.label: outcome for outcome in outcomes}
        check_expected(by_label, self.suite.named_expect)
        self.suite.named_check(by_label)

    def test_every_field_mutated(self, variant: Variant) -> None:
        suite = self.suite
        cases = mutations(suite.document, seed=suite.mutation_seed, limit=suite.mutation_limit)
        assert len(cases) >= suite.min_mutations
        parse_all(variant.decode, cases, variant.provider)

    def test_bad_event_texts(self, variant: Variant) -> None:
        cases = bad_event_cases(load_events(self.suite.streams[0]))
        for outcome in run_all(variant.harness(), cases):
            if any(marker in outcome.label for marker in self.suite.invalid_event_markers):
                assert isinstance(outcome.error, InvalidResponseError), outcome.label

    def test_stream_cut_after_every_event_is_incomplete(self, fixture: str) -> None:
        suite = self.suite
        variant = suite.variants[suite.truncated or next(iter(suite.variants))]
        events = load_events(fixture)
        ran = check_truncations(variant.harness(), events, suite.is_finish_signal)
        assert ran == len(events)

    def test_stream_mutations(self, fixture: str) -> None:
        events = load_events(fixture)
        cases = stream_mutations(events, seed=self.suite.stream_seed, limit=self.suite.stream_limit)
        for variant in self.suite.variants.values():
            run_all(variant.harness(), cases)


class ImpossibleOrderTests(DecoderTests):
    """:class:`DecoderTests` plus the suite's impossible event orders and types."""

    def test_impossible_orders_and_types(self, variant: Variant) -> None:
        cases = [
            (label, [json.dumps(event) for event in events])
            for label, events in self.suite.impossible
        ]
        outcomes = {outcome.label: outcome for outcome in run_all(variant.harness(), cases)}
        check_expected(outcomes, self.suite.impossible_expect)
