"""A :class:`~fantasy.model.Call` → an Anthropic Messages request body (pure).

The body holds everything but the endpoint-specific fields (``model``, ``stream``,
``anthropic_version``, betas), which the endpoint adds (see :mod:`.endpoint`).

Settings:

* ``max_tokens`` is the call's max output tokens, 4096 when unset. With extended
  thinking the budget is added to an explicit limit (the limit is for the answer),
  and to the default when the default would not exceed the budget.
* With thinking on, ``temperature``, ``top_p`` and ``top_k`` are not supported
  (warnings). Anthropic rejects ``temperature`` with ``top_p``: ``top_p`` is then
  dropped with a warning.
* ``presence_penalty``, ``frequency_penalty`` and ``seed`` are not supported
  (warnings).
* ``response_format`` with a schema becomes ``output_config.format`` (native structured
  outputs) when the caller says the model has them (``structured_outputs=True``, see
  :mod:`._structured`); otherwise it is dropped with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fantasy.errors import InvalidArgumentError
from fantasy.model import Call
from fantasy.options import get_provider_data
from fantasy.providers.anthropic._prompt import convert_prompt
from fantasy.providers.anthropic._structured import output_format
from fantasy.providers.anthropic._thinking import ThinkingRule, thinking_rule
from fantasy.providers.anthropic._tools import convert_tools
from fantasy.providers.anthropic.options import (
    PROVIDER_KEY,
    AnthropicProviderOptions,
    AnthropicThinking,
)
from fantasy.usage import CallWarning

__all__ = ["DEFAULT_MAX_TOKENS", "ConvertedRequest", "Dialect", "convert_call"]

DEFAULT_MAX_TOKENS = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """Body differences between Anthropic endpoints that the converter must know.

    Attributes:
        always_send_parallel_flag: Send ``disable_parallel_tool_use`` in every tool
            choice (direct API, Vertex); otherwise only when it is ``true`` (Bedrock).
    """

    always_send_parallel_flag: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ConvertedRequest:
    """The request body, the call's warnings and the beta features the body needs."""

    body: dict[str, Any]
    warnings: tuple[CallWarning, ...] = ()
    betas: tuple[str, ...] = ()


def call_options(call: Call) -> AnthropicProviderOptions:
    """The call's Anthropic options (defaults when none are given)."""
    options = get_provider_data(call.provider_options, PROVIDER_KEY, AnthropicProviderOptions)
    return options if options is not None else AnthropicProviderOptions()


def convert_call(
    call: Call,
    *,
    dialect: Dialect | None = None,
    structured_outputs: bool = False,
    model_id: str = "",
) -> ConvertedRequest:
    """Convert ``call`` into a Messages request body (without endpoint fields).

    ``structured_outputs``: the model takes ``output_config.format`` (native JSON output).
    ``model_id`` picks the thinking rules (:mod:`._thinking`); an empty id gets the rules
    of older models (manual budgets, no implied adaptive thinking).
    """
    dialect = dialect or Dialect()
    options = call_options(call)
    warnings: list[CallWarning] = []
    system, messages = convert_prompt(
        call.prompt, send_reasoning=options.send_reasoning is not False, warnings=warnings
    )
    requested = resolve_thinking(options, thinking_rule(model_id), warnings)
    body: dict[str, Any] = {"max_tokens": _max_tokens(call, requested)}
    if system:
        body["system"] = system
    body["messages"] = messages
    thinking = _thinking(requested, options.thinking_display, warnings)
    if thinking is not None:
        body["thinking"] = thinking
    output_config = _output_config(call, options, structured_outputs, warnings)
    if output_config:
        body["output_config"] = output_config
    _sampling(call, body, thinking is not None and thinking["type"] != "disabled", warnings)
    if call.stop_sequences:
        body["stop_sequences"] = list(call.stop_sequences)
    _unsupported(call, warnings)
    tools = convert_tools(
        call.tools,
        call.tool_choice,
        disable_parallel=options.disable_parallel_tool_use,
        always_send_parallel_flag=dialect.always_send_parallel_flag,
        warnings=warnings,
    )
    if tools.tools:
        body["tools"] = tools.tools
    if tools.choice is not None:
        body["tool_choice"] = tools.choice
    body.update(options.extra_body or {})
    return ConvertedRequest(body=body, warnings=tuple(warnings), betas=tools.betas)


def _budget(thinking: AnthropicThinking | None) -> int:
    if thinking is None or thinking.type != "enabled":
        return 0
    if thinking.budget_tokens is None:
        raise InvalidArgumentError(
            "enabled thinking needs budget_tokens", argument="provider_options['anthropic']"
        )
    return thinking.budget_tokens


def _max_tokens(call: Call, thinking: AnthropicThinking | None) -> int:
    if call.max_output_tokens is not None and call.max_output_tokens <= 0:
        raise InvalidArgumentError("must be positive", argument="max_output_tokens")
    budget = _budget(thinking)
    if call.max_output_tokens is not None:
        return call.max_output_tokens + budget
    if budget >= DEFAULT_MAX_TOKENS:
        return DEFAULT_MAX_TOKENS + budget
    return DEFAULT_MAX_TOKENS


def resolve_thinking(
    options: AnthropicProviderOptions, rule: ThinkingRule, warnings: list[CallWarning]
) -> AnthropicThinking | None:
    """The thinking to send under ``rule``.

    Budgets become adaptive on adaptive-only models, and ``effort`` implies adaptive
    thinking on models that have it.
    """
    thinking = options.thinking
    if thinking is None:
        if options.effort is not None and rule.adaptive:
            return AnthropicThinking(type="adaptive")
        return None
    if thinking.type == "enabled" and rule.adaptive_only:
        warnings.append(
            CallWarning.unsupported(
                "thinking.budget_tokens",
                "this model only takes adaptive thinking; sent {'type': 'adaptive'} "
                "(guide its depth with effort)",
            )
        )
        return AnthropicThinking(type="adaptive")
    return thinking


def _thinking(
    thinking: AnthropicThinking | None, display: str | None, warnings: list[CallWarning]
) -> dict[str, Any] | None:
    if thinking is None or thinking.type == "disabled":
        if display is not None:
            warnings.append(
                CallWarning.unsupported("thinking_display", "thinking is off; not sent")
            )
        return None if thinking is None else {"type": "disabled"}
    out: dict[str, Any] = {"type": thinking.type}
    if thinking.type == "enabled":
        out["budget_tokens"] = _budget(thinking)
    if display is not None:
        out["display"] = display
    return out


def _sampling(
    call: Call, body: dict[str, Any], thinking: bool, warnings: list[CallWarning]
) -> None:
    settings = {"temperature": call.temperature, "top_p": call.top_p, "top_k": call.top_k}
    if thinking:
        for name, value in settings.items():
            if value is not None:
                warnings.append(
                    CallWarning.unsupported(name, "not supported when thinking is enabled")
                )
        return
    if call.temperature is not None:
        body["temperature"] = call.temperature
    if call.top_p is not None:
        if call.temperature is not None:
            warnings.append(
                CallWarning.unsupported(
                    "top_p", "Anthropic does not accept temperature and top_p together"
                )
            )
        else:
            body["top_p"] = call.top_p
    if call.top_k is not None:
        body["top_k"] = call.top_k


def _unsupported(call: Call, warnings: list[CallWarning]) -> None:
    if call.presence_penalty is not None:
        warnings.append(CallWarning.unsupported("presence_penalty"))
    if call.frequency_penalty is not None:
        warnings.append(CallWarning.unsupported("frequency_penalty"))
    if call.seed is not None:
        warnings.append(CallWarning.unsupported("seed"))


def _output_config(
    call: Call,
    options: AnthropicProviderOptions,
    structured_outputs: bool,
    warnings: list[CallWarning],
) -> dict[str, Any]:
    output_config: dict[str, Any] = {}
    if options.effort is not None:
        output_config["effort"] = options.effort
    response_format = call.response_format
    if response_format is None:
        return output_config
    if response_format.schema is None:
        warnings.append(
            CallWarning.unsupported(
                "response_format", "Claude's structured outputs need a JSON schema"
            )
        )
    elif not structured_outputs:
        warnings.append(
            CallWarning.unsupported(
                "response_format",
                "this model has no native structured outputs on this endpoint; "
                "the answer is not constrained to the schema",
            )
        )
    else:
        output_config["format"] = output_format(response_format.schema)
    return output_config
