"""Agent runs whose final answer is a typed object.

:meth:`fantasy.agent.Agent.generate_output` runs the tool loop as usual, then makes one
structured-object call (:mod:`fantasy.object`) over the whole conversation, so the
final answer arrives as a validated object (an instance when a Python type was given)
in every object mode and on every provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic

from typing_extensions import TypeVar

from fantasy._agent_results import AgentResult
from fantasy._agent_settings import Settings
from fantasy.messages import user_message
from fantasy.model import LanguageModel, ObjectMode
from fantasy.object import ObjectCall, ObjectResponse
from fantasy.usage import Usage

__all__ = ["DEFAULT_OUTPUT_INSTRUCTION", "AgentOutput", "final_output"]

T = TypeVar("T", default=Any)  # a bare `AgentOutput` annotation means AgentOutput[Any]

DEFAULT_OUTPUT_INSTRUCTION = "Now give your final answer in the requested structured form."
"""The user turn that asks for the object after the tool loop (providers such as
Anthropic and Gemini need the conversation to end with a user turn)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentOutput(Generic[T]):
    """A typed final answer, with the run that led to it.

    Attributes:
        output: The validated object (an instance when a Python type was given).
        result: The agent run (its steps, messages and usage).
        object_response: The structured-object call's response (raw text, usage, ...).
    """

    output: T
    result: AgentResult
    object_response: ObjectResponse[T]

    @property
    def total_usage(self) -> Usage:
        """The usage of the run plus that of the final object call."""
        return self.result.total_usage + self.object_response.usage


async def final_output(
    model: LanguageModel,
    result: AgentResult,
    settings: Settings,
    schema: Any,
    *,
    mode: ObjectMode = "auto",
    name: str = "",
    description: str = "",
    instruction: str = DEFAULT_OUTPUT_INSTRUCTION,
) -> AgentOutput[Any]:
    """Ask ``model`` for the object that answers the conversation of ``result``.

    Raises:
        NoObjectGeneratedError: The answer could not be parsed or validated.
    """
    prompt = (*result.prompt, *result.messages, user_message(instruction))
    call: ObjectCall[Any] = ObjectCall(
        prompt=prompt,
        schema=schema,
        schema_name=name,
        schema_description=description,
        mode=mode,
        max_output_tokens=settings.max_output_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        top_k=settings.top_k,
        presence_penalty=settings.presence_penalty,
        frequency_penalty=settings.frequency_penalty,
        seed=settings.seed,
        headers=_mapping(settings.headers),
        user_agent=settings.user_agent,
        provider_options=_mapping(settings.provider_options),
    )
    response = await model.generate_object(call)
    return AgentOutput(output=response.object, result=result, object_response=response)


def _mapping(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(value or {})
