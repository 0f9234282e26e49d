"""Token usage, finish reasons and call warnings.

Usage invariants (every provider must follow them):

* ``input_tokens`` counts **every** prompt token the provider processed for the call,
  including tokens read from or written to a prompt cache. Providers that report
  cache tokens separately (Anthropic) add them in; providers that already include
  them (OpenAI) report them unchanged.
* ``cache_read_tokens`` and ``cache_creation_tokens`` are the parts of ``input_tokens``
  that were read from / written to the cache.
* ``output_tokens`` counts every generated token, including ``reasoning_tokens``.
* ``total_tokens`` is ``input_tokens + output_tokens`` unless the provider reports a
  different total, in which case the provider's figure is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

__all__ = ["CallWarning", "FinishReason", "Usage"]


class FinishReason(StrEnum):
    """Why a model stopped generating. Values are Fantasy's wire strings."""

    STOP = "stop"
    LENGTH = "length"
    CONTENT_FILTER = "content-filter"
    TOOL_CALLS = "tool-calls"
    ERROR = "error"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Token counts of one call, or the sum of several (``a + b``)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cache_creation_tokens=self.cache_creation_tokens + other.cache_creation_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
        )

    def __str__(self) -> str:
        """One readable line: ``1200 input (1000 cache read), 300 output, 1500 total tokens``.

        Cache and reasoning counts appear only when non-zero.
        """
        cache = [
            f"{count} {label}"
            for count, label in (
                (self.cache_read_tokens, "cache read"),
                (self.cache_creation_tokens, "cache write"),
            )
            if count
        ]
        inp = f"{self.input_tokens} input" + (f" ({', '.join(cache)})" if cache else "")
        out = f"{self.output_tokens} output" + (
            f" ({self.reasoning_tokens} reasoning)" if self.reasoning_tokens else ""
        )
        return f"{inp}, {out}, {self.total_tokens} total tokens"

    def __radd__(self, other: object) -> Usage:
        # Lets ``sum(usages)`` work: sum() starts from the integer 0.
        if other == 0:
            return self
        return NotImplemented

    @classmethod
    def of(
        cls,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        total_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        cache_creation_tokens: int | None = None,
        cache_read_tokens: int | None = None,
    ) -> Usage:
        """Build a usage from possibly-missing counts; a missing total is input + output."""
        inp = input_tokens or 0
        out = output_tokens or 0
        return cls(
            input_tokens=inp,
            output_tokens=out,
            total_tokens=total_tokens if total_tokens else inp + out,
            reasoning_tokens=reasoning_tokens or 0,
            cache_creation_tokens=cache_creation_tokens or 0,
            cache_read_tokens=cache_read_tokens or 0,
        )

    def to_dict(self) -> dict[str, int]:
        """Serialize to a JSON-ready dict."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cache_creation_tokens": self.cache_creation_tokens,
            "cache_read_tokens": self.cache_read_tokens,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: int(v) for k, v in data.items()})


WarningType = Literal["unsupported-setting", "unsupported-tool", "other"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallWarning:
    """A setting or tool the provider could not honour; the call went on without it.

    ``message`` is never empty: when none is given it is made from the other fields
    (``"unsupported setting 'top_k': not supported by this model"``); ``str()`` is it.
    """

    type: WarningType = "other"
    setting: str = ""
    message: str = ""
    details: str = ""

    def __post_init__(self) -> None:
        if not self.message.strip():
            object.__setattr__(self, "message", self._describe())

    def _describe(self) -> str:
        subject = {
            "unsupported-setting": "unsupported setting",
            "unsupported-tool": "unsupported tool",
        }.get(self.type, "warning")
        if self.setting:
            subject = f"{subject} {self.setting!r}"
        return f"{subject}: {self.details}" if self.details else subject

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        """Serialize to a JSON-ready dict."""
        return {
            "type": self.type,
            "setting": self.setting,
            "message": self.message,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallWarning:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)

    @classmethod
    def unsupported(cls, setting: str, details: str = "") -> CallWarning:
        """A warning for a call setting the provider does not support."""
        return cls(type="unsupported-setting", setting=setting, details=details)
