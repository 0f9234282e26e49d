"""Reading embedding answers: what every embedding dialect's decoder shares.

Pure helpers, no I/O: a vector must be a non-empty list of numbers, a count a
non-negative integer; anything else is an :class:`~fantasy.errors.InvalidResponseError`
that keeps (a redacted excerpt of) the raw answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fantasy.providers._json import invalid

__all__ = ["count_of", "vector_of"]


def vector_of(value: Any, provider: str, where: str) -> list[float]:
    """``value`` as a vector: a non-empty list of numbers (bools are not numbers)."""
    if not isinstance(value, list) or not value:
        raise invalid(f"{where} is not a non-empty list of numbers", value, provider)
    for number in value:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise invalid(f"{where} holds a non-number", number, provider)
    return value


def count_of(data: Mapping[str, Any] | None, *keys: str) -> int | None:
    """The first of ``keys`` in ``data`` that is a non-negative integer, else ``None``."""
    if not isinstance(data, Mapping):
        return None
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None
