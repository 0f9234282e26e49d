"""The shared helpers every decoder leans on: ``json_object``, ``invalid``, ``wire_errors``."""

from __future__ import annotations

import pytest

from fantasy.errors import InvalidArgumentError, InvalidResponseError, RateLimitError
from fantasy.providers._json import RAW_LIMIT, invalid, json_object, wire_errors


@pytest.mark.parametrize("data", ["", "nope", "[1]", "null", '"x"', "{", "[" * 100_000, "\udcff"])
def test_json_object_rejects_what_is_not_an_object(data: str) -> None:
    with pytest.raises(InvalidResponseError) as caught:
        json_object(data, provider="p")
    assert caught.value.raw == data[:RAW_LIMIT]
    assert caught.value.provider == "p"


@pytest.mark.parametrize(
    "slip",
    [
        KeyError("k"),
        IndexError("i"),
        TypeError("t"),
        AttributeError("a"),
        ValueError("v"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"),
        RecursionError("r"),
        OverflowError("o"),
        InvalidArgumentError("bad base64"),
    ],
)
def test_wire_errors_types_every_slip_and_chains_it(slip: Exception) -> None:
    payload = {"choices": 5}
    with (
        pytest.raises(InvalidResponseError) as caught,
        wire_errors(payload, provider="p", what="chunk"),
    ):
        raise slip
    assert caught.value.__cause__ is slip
    assert caught.value.raw == '{"choices": 5}'
    assert caught.value.provider == "p"
    assert "malformed chunk" in str(caught.value)
    assert not caught.value.is_retryable


def test_wire_errors_completes_a_bare_invalid_response_error() -> None:
    with (
        pytest.raises(InvalidResponseError) as caught,
        wire_errors("the event", provider="p", what="event"),
    ):
        raise InvalidResponseError("index is not an integer")
    assert caught.value.raw == "the event"
    assert caught.value.provider == "p"


def test_wire_errors_keeps_provider_errors_as_they_are() -> None:
    error = RateLimitError("slow down", provider="q")
    with pytest.raises(RateLimitError) as caught, wire_errors("x", provider="p", what="event"):
        raise error
    assert caught.value is error
    assert caught.value.provider == "q"


def test_wire_errors_lets_unrelated_exceptions_through() -> None:
    with pytest.raises(RuntimeError), wire_errors("x", provider="p", what="event"):
        raise RuntimeError("not a decoding slip")


def test_raw_is_truncated_and_secrets_are_scrubbed() -> None:
    error = invalid(
        "m", "k3y-0123456789 " + "x" * (2 * RAW_LIMIT), "p", secrets=("k3y-0123456789",)
    )
    assert len(error.raw) <= RAW_LIMIT + len("[REDACTED]")
    assert "k3y-0123456789" not in error.raw
    assert invalid("m", b"\xff{", "p").raw == "\\xff{"
