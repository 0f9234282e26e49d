"""Usage limits of an agent run, and the step cap (re-exported by :mod:`fantasy.agent`).

:class:`UsageLimits` are hard limits: a run that would exceed one raises
:class:`~fantasy.errors.UsageLimitExceeded`, carrying the usage so far and the partial
result. They are checked as early as each can be known:

* ``requests``: before each model request (a request that would be one too many is
  never sent). A step's model request counts once, whatever its retries;
* ``tool_calls``: before a step's client tool calls run (none of them runs when they
  would go over);
* ``input_tokens``, ``output_tokens``, ``total_tokens``: after each response, on the
  usage so far (the step that went over is in the partial result; its tools do not run).

The step cap (``max_steps``) is the soft limit of the same family: reaching it ends the
run normally, with ``stop_reason == "step-cap"`` on the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fantasy.errors import InvalidArgumentError, UsageLimitExceeded
from fantasy.usage import Usage

__all__ = ["RunLimits", "UsageLimits"]

_TOKEN_LIMITS = ("input_tokens", "output_tokens", "total_tokens")


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageLimits:
    """The most a run may use; ``None`` means no limit.

    Attributes:
        requests: Model requests.
        input_tokens: Input tokens over all requests.
        output_tokens: Output tokens over all requests.
        total_tokens: Total tokens over all requests.
        tool_calls: Client tool calls run.
    """

    requests: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    tool_calls: int | None = None

    def __post_init__(self) -> None:
        for name in ("requests", *_TOKEN_LIMITS, "tool_calls"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidArgumentError("must be >= 0", argument=f"usage_limits.{name}")


class RunLimits:
    """The limits of one run and what it has used so far."""

    __slots__ = ("limits", "max_steps", "requests", "tool_calls")

    def __init__(self, limits: UsageLimits | None, max_steps: int) -> None:
        self.limits = limits or UsageLimits()
        self.max_steps = max_steps
        self.requests = 0
        self.tool_calls = 0

    def _exceeded(self, name: str, limit: int, would: int, usage: Usage, result: Any) -> None:
        raise UsageLimitExceeded(
            f"the run would exceed its {name} limit ({would} > {limit})",
            limit=name,
            usage=usage,
            requests=self.requests,
            tool_calls=self.tool_calls,
            result=result,
        )

    def request(self, usage: Usage, result: Any) -> None:
        """Count the next model request, or raise when it is one too many."""
        limit = self.limits.requests
        if limit is not None and self.requests + 1 > limit:
            self._exceeded("requests", limit, self.requests + 1, usage, result)
        self.requests += 1

    def tokens(self, usage: Usage, result: Any) -> None:
        """Raise when the usage so far is over a token limit."""
        for name in _TOKEN_LIMITS:
            limit = getattr(self.limits, name)
            used = getattr(usage, name)
            if limit is not None and used > limit:
                self._exceeded(name, limit, used, usage, result)

    def tools(self, count: int, usage: Usage, result: Any) -> None:
        """Count a step's ``count`` client tool calls, or raise before any of them runs."""
        limit = self.limits.tool_calls
        if limit is not None and self.tool_calls + count > limit:
            self._exceeded("tool_calls", limit, self.tool_calls + count, usage, result)
        self.tool_calls += count

    def step_cap(self, steps: int) -> bool:
        """Whether ``steps`` steps reach the step cap."""
        return steps >= self.max_steps
