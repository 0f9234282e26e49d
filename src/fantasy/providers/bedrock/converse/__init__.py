"""The Bedrock Converse dialect: one request and answer shape for every Bedrock model.

:func:`~fantasy.providers.bedrock.converse.convert.build_request` and the decoders in
:mod:`~fantasy.providers.bedrock.converse.decode` are pure; :class:`ConverseModel` sends.
"""

from fantasy.providers.bedrock.converse.model import ConverseModel
from fantasy.providers.bedrock.converse.options import (
    BedrockConverseOptions,
    BedrockGuardrail,
    BedrockReasoningMetadata,
    BedrockResponseMetadata,
)

__all__ = [
    "BedrockConverseOptions",
    "BedrockGuardrail",
    "BedrockReasoningMetadata",
    "BedrockResponseMetadata",
    "ConverseModel",
]
