"""Server-initiated sampling served by a fantasy model (pure conversions + the callback).

An MCP server may ask the client's model for a completion (``sampling/createMessage``).
The request becomes a fantasy :class:`~fantasy.model.Call` (system prompt, messages with
text, images and audio, ``max_tokens``, temperature, stop sequences) for the model the
user named, and the model's answer becomes the MCP result. Sampling with tools is not
offered (the client does not declare ``sampling.tools``).
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import mcp_types as types

from fantasy.errors import FantasyError, InvalidArgumentError
from fantasy.messages import FilePart, Message, MessagePart, TextPart, system_message
from fantasy.model import Call, LanguageModel
from fantasy.response import Response
from fantasy.usage import FinishReason

__all__ = ["sampling_call", "sampling_callback", "sampling_result"]

_log = logging.getLogger("fantasy")

_STOP_REASONS = {
    FinishReason.STOP: "endTurn",
    FinishReason.LENGTH: "maxTokens",
    FinishReason.TOOL_CALLS: "toolUse",
}


def _part(block: types.SamplingMessageContentBlock) -> MessagePart:
    if isinstance(block, types.TextContent):
        return TextPart(text=block.text)
    if isinstance(block, types.ImageContent | types.AudioContent):
        try:
            data = base64.b64decode(block.data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidArgumentError(f"sampling {block.type} is not valid base64") from error
        return FilePart(media_type=block.mime_type, data=data)
    raise InvalidArgumentError(f"sampling with {block.type} content is not supported")


def sampling_call(params: types.CreateMessageRequestParams) -> Call:
    """The fantasy call for an MCP sampling request."""
    prompt: list[Message] = []
    if params.system_prompt:
        prompt.append(system_message(params.system_prompt))
    for message in params.messages:
        parts = tuple(_part(block) for block in message.content_as_list)
        prompt.append(Message(role=message.role, content=parts))
    return Call(
        prompt=tuple(prompt),
        max_output_tokens=params.max_tokens,
        temperature=params.temperature,
        stop_sequences=tuple(params.stop_sequences or ()),
    )


def sampling_result(response: Response, model_id: str) -> types.CreateMessageResult:
    """The MCP result for a fantasy response: its text, the model id, the stop reason."""
    reason = _STOP_REASONS.get(response.finish_reason, str(response.finish_reason))
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text=response.text),
        model=model_id,
        stop_reason=reason,
    )


def sampling_callback(model: LanguageModel) -> Any:
    """An MCP ``sampling_callback`` answering with ``model``; failures become MCP errors."""

    async def sample(
        context: Any, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        try:
            response = await model.generate(sampling_call(params))
        except FantasyError as error:
            _log.warning("MCP sampling request failed: %s", error)
            return types.ErrorData(code=types.INTERNAL_ERROR, message=str(error))
        return sampling_result(response, model.model_id)

    return sample
